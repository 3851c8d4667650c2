"""Start-up and output costs of whole ``tracker`` processes, as ratios to baselines of the same run.

Targets (issue 10), CPU time (user + system) of a whole process with a ready database:

1. ``tracker launches list --format csv`` and ``tracker orbits history N``: at most 0.35 s, i.e.
   at most 12x ``python -c pass``.
2. ``tracker sats --constellation guowang --format csv``: at most 2.5x a plain sgp4 + numpy
   script doing the same (read the elements, propagate with ``SatrecArray`` to one instant,
   rotate to Earth-fixed, geodetic sub-point and height, print CSV).
3. ``tracker --help``: under 0.1 s.
4. A table of N rows costs at most 2x the same rows as CSV (``tracker sats --constellation all``).

Each figure is the median of ``--runs`` fresh processes (default 5). The database is built
once from ../shared's real CelesTrak snapshot (the active catalogue) in a temporary directory.

    python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _shared import ACTIVE, HULIANWANG, require_shared

AT = "2026-08-19T00:00:00Z"

#: The baseline of figure 2: what `tracker sats --constellation guowang --format csv` does, in
#: plain sgp4 and numpy (GMST rotation, WGS84 geodetic height by Bowring's iteration).
PLAIN_SGP4 = r"""
import csv, sys
from datetime import datetime, timezone
import numpy as np
from sgp4.api import SatrecArray, jday
from sgp4 import omm
from sgp4.api import Satrec
rows = list(csv.DictReader(open(sys.argv[1])))
sats = []
for row in rows:
    s = Satrec(); omm.initialize(s, row); sats.append(s)
at = datetime(2026, 8, 19, tzinfo=timezone.utc)
jd, fr = jday(at.year, at.month, at.day, at.hour, at.minute, at.second)
e, r, v = SatrecArray(sats).sgp4(np.array([jd]), np.array([fr]))
r, v = r[:, 0], v[:, 0]
t = (jd - 2451545.0 + fr) / 36525.0
gmst = np.radians((280.46061837 + 360.98564736629 * (jd - 2451545.0 + fr) + 0.000387933 * t * t) % 360)
c, s_ = np.cos(gmst), np.sin(gmst)
x, y, z = c * r[:, 0] + s_ * r[:, 1], -s_ * r[:, 0] + c * r[:, 1], r[:, 2]
a, f = 6378.137, 1 / 298.257223563
e2 = f * (2 - f)
p = np.hypot(x, y)
lat = np.arctan2(z, p * (1 - e2))
for _ in range(5):
    n = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    h = p / np.cos(lat) - n
    lat = np.arctan2(z, p * (1 - e2 * n / (n + h)))
lon = np.degrees(np.arctan2(y, x))
speed = np.linalg.norm(v, axis=1)
out = csv.writer(sys.stdout)
out.writerow(["name", "norad", "lat_deg", "lon_deg", "alt_km", "speed_km_s"])
for row, la, lo, hh, sp in zip(rows, np.degrees(lat), lon, h, speed):
    out.writerow([row["OBJECT_NAME"], row["NORAD_CAT_ID"], f"{la:.6f}", f"{lo:.6f}", f"{hh:.4f}", f"{sp:.5f}"])
"""


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    """User + system CPU time of one fresh process (and its children) running ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 5):
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median(argv: list[str], env: dict[str, str], runs: int) -> float:
    return statistics.median(cpu_seconds(argv, env) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    require_shared()
    tracker = [sys.executable, "-m", "tracker"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TRACKER_DB": str(Path(tmp) / "tracker.db")}
        for var in ("TRACKER_CELESTRAK_URL", "TRACKER_LL2_URL", "TRACKER_YAHOO_URL", "TRACKER_EASTMONEY_URL"):
            env[var] = "off"
        started = time.perf_counter()
        subprocess.run([*tracker, "tle", "import", str(ACTIVE)], env=env, check=True, capture_output=True)
        print(f"database: {ACTIVE.name} imported in {time.perf_counter() - started:.1f} s\n")
        script = Path(tmp) / "plain_sgp4.py"
        script.write_text(PLAIN_SGP4)

        python = median([sys.executable, "-c", "pass"], env, runs)
        figures = {
            "python -c pass": python,
            "tracker --help": median([*tracker, "--help"], env, runs),
            "tracker launches list --format csv": median([*tracker, "launches", "list", "--format", "csv"], env, runs),
            "tracker orbits history 62323": median([*tracker, "orbits", "history", "62323"], env, runs),
            "plain sgp4 + numpy script (Guowang CSV)": median([sys.executable, str(script), str(HULIANWANG)], env, runs),
            "tracker sats --constellation guowang --format csv": median(
                [*tracker, "sats", "--constellation", "guowang", "--at", AT, "--format", "csv"], env, runs),
            "tracker sats --constellation all --format csv": median(
                [*tracker, "sats", "--constellation", "all", "--at", AT, "--format", "csv"], env, runs),
            "tracker sats --constellation all (table)": median(
                [*tracker, "sats", "--constellation", "all", "--at", AT], env, runs),
        }
    width = max(map(len, figures))
    print(f"CPU seconds per process, median of {runs} fresh processes:")
    for name, value in figures.items():
        print(f"  {name:<{width}}  {value:6.3f} s  {value / python:5.1f}x python")
    sats = figures["tracker sats --constellation guowang --format csv"] / figures["plain sgp4 + numpy script (Guowang CSV)"]
    table = figures["tracker sats --constellation all (table)"] / figures["tracker sats --constellation all --format csv"]
    print()
    for name in ("tracker launches list --format csv", "tracker orbits history 62323"):
        print(f"{name}: {figures[name]:.3f} s CPU (target <= 0.35 s, <= 12x python: {figures[name] / python:.1f}x)")
    print(f"tracker sats guowang CSV / plain sgp4 script: {sats:.2f}x (target <= 2.5x)")
    print(f"tracker --help: {figures['tracker --help']:.3f} s (target < 0.1 s)")
    print(f"table / CSV for the whole catalogue: {table:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
