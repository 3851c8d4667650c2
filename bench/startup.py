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
``import polars, sqlalchemy`` is timed too: every command that reads the database into frames
pays for it, so it is the floor of targets 1 and 2.

Python compiles a module it has no byte-code for at every import, and writes none when
``PYTHONDONTWRITEBYTECODE`` is set, as in some sandboxes: then every run pays for compiling the
project's own modules, which an installed program does not. ``--warm-bytecode`` measures as an
installed program runs: byte-code in a cache of the temporary directory (``PYTHONPYCACHEPREFIX``),
filled by one untimed run of each command.

    python bench/startup.py [--runs N] [--warm-bytecode]
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
    parser.add_argument("--warm-bytecode", action="store_true", help="time with the byte-code of every module cached")
    options = parser.parse_args()
    runs = options.runs
    require_shared()
    tracker = [sys.executable, "-m", "tracker"]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TRACKER_DB": str(Path(tmp) / "tracker.db")}
        for var in ("TRACKER_CELESTRAK_URL", "TRACKER_LL2_URL", "TRACKER_YAHOO_URL", "TRACKER_EASTMONEY_URL"):
            env[var] = "off"
        if options.warm_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        started = time.perf_counter()
        subprocess.run([*tracker, "tle", "import", str(ACTIVE)], env=env, check=True, capture_output=True)
        print(f"database: {ACTIVE.name} imported in {time.perf_counter() - started:.1f} s\n")
        script = Path(tmp) / "plain_sgp4.py"
        script.write_text(PLAIN_SGP4)

        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import polars, sqlalchemy'": [sys.executable, "-c", "import polars, sqlalchemy"],
            "tracker --help": [*tracker, "--help"],
            "tracker launches list --format csv": [*tracker, "launches", "list", "--format", "csv"],
            "tracker orbits history 62323": [*tracker, "orbits", "history", "62323"],
            "plain sgp4 + numpy script (Guowang CSV)": [sys.executable, str(script), str(HULIANWANG)],
            "tracker sats --constellation guowang --format csv": [
                *tracker, "sats", "--constellation", "guowang", "--at", AT, "--format", "csv"],
            "tracker sats --constellation all --format csv": [*tracker, "sats", "--constellation", "all", "--at", AT, "--format", "csv"],
            "tracker sats --constellation all (table)": [*tracker, "sats", "--constellation", "all", "--at", AT],
        }
        if options.warm_bytecode:
            for argv in commands.values():
                cpu_seconds(argv, env)
        figures = {name: median(argv, env, runs) for name, argv in commands.items()}
        python = figures["python -c pass"]
    width = max(map(len, figures))
    bytecode = "byte-code cached" if options.warm_bytecode else f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}"
    print(f"CPU seconds per process, median of {runs} fresh processes ({bytecode}):")
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
