"""Write tracker/launches/calendar.json from the sourced ledger ../shared/facts/launches.csv.

Run once when the ledger changes: ``python tools/launches_calendar.py [CSV]``. The CSV is read
with the csv module (mission names contain commas), vehicles are split into family and variant
(:func:`tracker.launches.vehicles.split`), ids made as the tracker makes them
(:func:`tracker.launches.store.new_id`), constellations reduced to guowang/qianfan/other, and
the URLs of each row's ``sources`` kept as a list (its prose, if any, goes to ``notes``).

The ledger holds flown launches only, so a launch's status is its orbit outcome; a row with any
other outcome stops the tool rather than inventing a status. A changed calendar.json reaches
existing databases on their next connect (:mod:`tracker.launches.bundled`): ids must stay stable.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.launches.store import iso, new_id, parse_time  # noqa: E402
from tracker.launches.vehicles import match, split  # noqa: E402
from tracker.launches.vocab import FLOWN  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "facts" / "launches.csv"
OUT = ROOT / "tracker" / "launches" / "calendar.json"
_URL = re.compile(r"https?://[^\s;)]+")


def record(row: dict[str, str]) -> dict:
    family, variant = split(match(row["vehicle"]))
    serial = row["serial"] or None
    if row["orbit_outcome"] not in FLOWN:
        raise SystemExit(f"{row['net_utc']} {row['vehicle']}: orbit_outcome {row['orbit_outcome']!r}: the ledger holds flown launches only")
    named = (row["constellation"] or "").strip()
    constellation = named.lower() if named.lower() in ("guowang", "qianfan") else ("other" if named else None)
    prose = _URL.sub("", row["sources"]).replace("(", "").replace(")", "").replace(";", "").strip(" ,")
    notes = [f"constellation: {named}" if constellation == "other" else "", re.sub(r"\s+,", ",", re.sub(r"\s+", " ", prose))]
    net = parse_time(row["net_utc"])  # a date alone is 00:00 UTC; any ISO 8601 spelling
    return {
        "id": new_id({"vehicle": family, "variant": variant, "serial": serial, "net_utc": net}),
        "vehicle": family,
        "variant": variant,
        "serial": serial,
        "provider": row["provider"] or None,
        "site": row["site"] or None,
        "mission": row["mission"] or None,
        "mission_zh": row["mission_zh"] or None,
        "constellation": constellation,
        "cospar_launch": row["cospar_launch"] or None,
        "net_utc": iso(net),
        "net_precision": row["net_precision"],
        "status": row["orbit_outcome"],
        "orbit_outcome": row["orbit_outcome"],
        "booster_recovery": row["booster_recovery"],
        "sources": _URL.findall(row["sources"]),
        "notes": "; ".join(n for n in notes if n) or None,
    }


def main(path: Path = DEFAULT_CSV) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        launches = [record(row) for row in csv.DictReader(f)]
    ids = [r["id"] for r in launches]
    if len(ids) != len(set(ids)):
        raise SystemExit("launch ids must be unique")
    doc = {
        "note": "written from shared/facts/launches.csv by tools/launches_calendar.py; sources per record",
        "launches": launches,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(launches)} launches to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CSV)
