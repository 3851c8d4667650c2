"""Storage at scale (issue 12): two million element sets, on SQLite and on PostgreSQL, one run.

The history is SYNTHETIC: CelesTrak's real active catalogue of 2026-08-18 (16,344 element sets)
copied 128 times with every epoch moved back by 6 h per copy (2.09 M sets, 32 days); each row's
``source`` says so. Figures, all from whole ``tracker`` processes measured in this run:

- ``tracker orbits groups`` over the 2 M sets: seconds and peak memory (targets: 5 s, 700 MiB),
  and the ratio to a process that only reads the same (norad, epoch, mean motion) rows with a
  bare ``fetchall`` (target: at most 3x);
- ``tracker tle import`` of a 16k snapshot not yet held (the catalogue moved 1 day later, also
  synthetic) into the 2 M database vs into an empty one (target: at most 1.2x);
- ``tracker tle import`` of the real ``active.csv`` into an empty database vs a process that only
  parses it with sgp4 (target: at most 3x; each the best of three);
- memory per imported set (target: at most 500 bytes), from the peak resident memory of
  ``tracker tle import`` processes into empty databases: of one set, of the catalogue and of the
  catalogue four times over (synthetic, 6 h apart). Both the average over the catalogue (what
  the import holds beyond a one-set import) and the marginal figure (what each set past the
  catalogue adds, which leaves out memory the allocators and polars' engine take whatever the
  size) are printed;
- what keying element sets by time costs readers: ``tracker sats --constellation all`` (the
  newest set of each of the 16k satellites) and ``tracker orbits history`` of one satellite
  (a scan of the 2 M sets) over the 2 M database;
- the PostgreSQL figures' ratio to SQLite's.

``python bench/history.py [--copies 128] [--backend sqlite|postgresql|both]``; PostgreSQL needs the
server binaries (a throwaway server is started, as the tests do) or ``--postgres URL``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _shared import ACTIVE, require_shared

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEP = timedelta(hours=6)
SGP4_ONLY = f"""
from sgp4 import omm
from sgp4.api import Satrec
with open({str(ACTIVE)!r}) as f:
    for fields in omm.parse_csv(f):
        omm.initialize(Satrec(), fields)
"""
FETCH_ONLY = {
    "sqlite": "import sqlite3, sys\n"
              "rows = sqlite3.connect(sys.argv[-1].removeprefix('sqlite:///')).execute("
              "'SELECT norad, epoch, mean_motion FROM element_set').fetchall()\n",
    "postgresql": "import psycopg, sys\n"
                  "url = sys.argv[-1].replace('postgresql+psycopg://', 'postgresql://')\n"
                  "rows = psycopg.connect(url).execute('SELECT norad, epoch, mean_motion FROM element_set').fetchall()\n",
}


def process(argv: list[str], db_url: str) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB, from bench/_peak.py) of one Python process;
    ``argv`` is ``["-m", module, ...]`` or ``["-c", code, ...]``."""
    env = {**os.environ, "TRACKER_DB": db_url, "PYTHONPATH": str(ROOT)}
    with tempfile.NamedTemporaryFile(mode="r", suffix=".peak") as peak:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("_peak.py")), peak.name, *argv],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:3])} failed: {done.stderr.decode()}")
        return seconds, int(peak.read() or 0) / 1024


def tracker(*args: str) -> list[str]:
    return ["-m", "tracker", *args]


def fill(db_url: str, copies: int) -> int:
    """The synthetic history: ``copies`` of the catalogue, each 6 h earlier than the last."""
    import polars as pl

    from tle.formats import parse_file
    from tracker.ingest import store
    from tracker.services.bootstrap import open_database

    engine = open_database(db_url)
    frame = parse_file(ACTIVE).frame
    for copy in range(copies):  # each stored as an import stores it, the satellites' epoch span kept
        shift = STEP * copy
        store(engine, frame if copy == 0 else frame.with_columns(
            pl.col("epoch") - shift, source=pl.lit(f"synthetic: {ACTIVE.name} epoch -{shift} (bench/history.py)")))
    engine.dispose()
    return frame.height * copies


def shifted_catalogue(directory: Path, name: str, shifts: list[timedelta]) -> Path:
    """The catalogue once per shift, every epoch moved by it: element sets no database here
    holds (synthetic, and named so)."""
    import polars as pl

    frame = pl.read_csv(ACTIVE, infer_schema_length=0)
    epoch = pl.col("EPOCH").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f")
    moved = pl.concat([frame.with_columns((epoch + shift).dt.strftime("%Y-%m-%dT%H:%M:%S%.6f")) for shift in shifts])
    path = directory / f"synthetic-{name}.csv"
    moved.write_csv(path)
    return path


def best(runs: int, argv: list[str], fresh) -> tuple[float, float]:
    """The fastest of ``runs`` runs of ``argv``, each into a database ``fresh()`` makes."""
    return min(process(argv, fresh()) for _ in range(runs))


def databases(backend: str, directory: Path, postgres: str | None):
    """A factory of new database URLs for ``backend``."""
    if backend == "sqlite":
        return lambda name: f"sqlite:///{directory / (name + '.db')}"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")

    def make(name: str) -> str:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        return make_url(postgres).set(database=name).render_as_string(hide_password=False)

    return make


def measure(backend: str, copies: int, directory: Path, postgres: str | None) -> dict[str, float]:
    new = databases(backend, directory, postgres)
    big = new("history")
    start = time.perf_counter()
    held = fill(big, copies)
    print(f"[{backend}] built {held:,} element sets (synthetic) in {time.perf_counter() - start:.1f} s")
    figures: dict[str, float] = {}
    figures["groups_s"], figures["groups_mib"] = process(tracker("orbits", "groups", "--format", "csv"), big)
    figures["fetch_s"], _ = process(["-c", FETCH_ONLY[backend], big], big)
    figures["latest_s"], _ = process(tracker("sats", "--constellation", "all", "--format", "csv"), big)
    figures["one_history_s"], _ = process(tracker("orbits", "history", "25544", "--format", "csv"), big)
    snapshot = shifted_catalogue(directory, "active-epochs-plus-1-day", [timedelta(days=1)])
    names = iter(range(1_000))

    def bootstrapped() -> str:
        url = new(f"empty{next(names)}")
        process(tracker("sats", "--format", "csv"), url)  # bootstrapped, as any database in use
        return url

    empty = bootstrapped()
    process(tracker("sats", "--format", "csv"), big)  # the same warm start for both
    figures["import_into_empty_s"], _ = process(tracker("tle", "import", str(snapshot)), empty)
    figures["import_into_big_s"], _ = process(tracker("tle", "import", str(snapshot)), big)
    figures["active_import_s"], _ = best(3, tracker("tle", "import", str(ACTIVE)), bootstrapped)
    figures["sgp4_parse_s"], _ = best(3, ["-c", SGP4_ONLY], lambda: empty)
    one = directory / "synthetic-one-set.csv"
    one.write_text("\n".join(ACTIVE.read_text().splitlines()[:2]) + "\n")
    four = shifted_catalogue(directory, "active-4-times-6-h-apart", [-STEP * k for k in range(4)])
    peaks = [min(process(tracker("tle", "import", str(path)), bootstrapped())[1] for _ in range(2))
             for path in (one, ACTIVE, four)]
    sets = 16_344
    figures["bytes_per_set"] = (peaks[1] - peaks[0]) * 2**20 / (sets - 1)
    figures["marginal_bytes_per_set"] = (peaks[2] - peaks[1]) * 2**20 / (3 * sets)
    f = figures
    print(f"[{backend}] orbits groups over {held / 1e6:.2f} M sets: {f['groups_s']:.2f} s, {f['groups_mib']:.0f} MiB "
          f"(targets 5 s, 700 MiB); bare fetchall process {f['fetch_s']:.2f} s: ratio {f['groups_s'] / f['fetch_s']:.2f}x (target <= 3x)")
    print(f"[{backend}] import of a new 16k snapshot: into 2 M sets {f['import_into_big_s']:.2f} s, into an empty database "
          f"{f['import_into_empty_s']:.2f} s: ratio {f['import_into_big_s'] / f['import_into_empty_s']:.2f}x (target <= 1.2x)")
    print(f"[{backend}] import of active.csv into an empty database {f['active_import_s']:.2f} s, "
          f"sgp4 parse only {f['sgp4_parse_s']:.2f} s: ratio {f['active_import_s'] / f['sgp4_parse_s']:.2f}x (target <= 3x)")
    print(f"[{backend}] import peak memory: 1 set {peaks[0]:.1f} MiB, 16,344 sets {peaks[1]:.1f} MiB, 65,376 sets "
          f"{peaks[2]:.1f} MiB: {f['bytes_per_set']:.0f} bytes per set over the catalogue, "
          f"{f['marginal_bytes_per_set']:.0f} bytes per set past it (target <= 500)")
    print(f"[{backend}] reads over {held / 1e6:.2f} M sets: newest set of every satellite {f['latest_s']:.2f} s, "
          f"one satellite's history {f['one_history_s']:.2f} s")
    return figures


def main() -> None:
    require_shared()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=128)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: start a throwaway one)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        directory = Path(tmp)
        directory.chmod(0o755)
        if args.backend in ("sqlite", "both"):
            results["sqlite"] = measure("sqlite", args.copies, directory, None)
        if args.backend in ("postgresql", "both"):
            from tests import pgserver

            url, server = args.postgres, None
            if url is None:
                if pgserver.binaries() is None:
                    print("[postgresql] skipped: no server binaries and no --postgres URL")
                else:
                    server = directory / "server"
                    url = pgserver.start(server)
            try:
                if url is not None:
                    results["postgresql"] = measure("postgresql", args.copies, directory, url)
            finally:
                if server is not None:
                    pgserver.stop(server)
    if len(results) == 2:
        for key in ("groups_s", "groups_mib", "import_into_big_s", "active_import_s", "marginal_bytes_per_set",
                    "latest_s", "one_history_s"):
            print(f"postgresql / sqlite {key}: {results['postgresql'][key] / results['sqlite'][key]:.2f}x")


if __name__ == "__main__":
    main()
