"""Import of the full active catalogue (16,344 objects) vs sgp4 parsing the same file, one run.

Target (issue 2): the import into an empty SQLite database takes at most 3x the time sgp4 alone
needs to parse the file and initialise its satellite records.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _shared import ACTIVE, require_shared


def sgp4_parse_seconds() -> float:
    from sgp4 import omm
    from sgp4.api import Satrec

    start = time.perf_counter()
    with open(ACTIVE) as f:
        for fields in omm.parse_csv(f):
            sat = Satrec()
            omm.initialize(sat, fields)
    return time.perf_counter() - start


def import_seconds() -> tuple[float, float, int]:
    from tle.formats import parse_file
    from tracker.ingest import store
    from tracker.services.bootstrap import open_database as connect

    with tempfile.TemporaryDirectory() as tmp:
        engine = connect(f"sqlite:///{Path(tmp) / 'bench.db'}")
        start = time.perf_counter()
        result = parse_file(ACTIVE)
        parsed = time.perf_counter()
        counts = store(engine, result.frame)
        done = time.perf_counter()
        engine.dispose()
    return done - start, parsed - start, counts.new_element_sets


def main() -> None:
    require_shared()
    import_seconds()  # warm imports and caches once, outside the measurement
    sgp4_s = min(sgp4_parse_seconds() for _ in range(3))
    runs = [import_seconds() for _ in range(3)]
    total, parse, rows = min(runs)
    print(f"file: {ACTIVE.name} ({rows} element sets)")
    print(f"sgp4 parse + Satrec init: {sgp4_s:.3f} s")
    print(f"tracker import (parse {parse:.3f} s + store {total - parse:.3f} s): {total:.3f} s")
    print(f"ratio import / sgp4: {total / sgp4_s:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
