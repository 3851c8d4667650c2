"""Write tracker/markets/watchlist.json from ../shared/facts/watchlist.csv and themes.md.

Run when the facts change: ``python tools/markets_watchlist.py [FACTS_DIR]``. Securities come from
the CSV row by row (canonical id from MIC + code). The default event-to-theme rules are the table
of ``themes.md`` written as rules the tracker can evaluate: each row of that table is one entry of
``THEME_TABLE`` below, so a change to themes.md is a change here, reviewed by a person.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from markets.symbols import canonical, from_yahoo  # noqa: E402
from tracker.markets.registry import BENCHMARKS  # noqa: E402

DEFAULT_FACTS = ROOT.parent / "shared" / "facts"
OUT = ROOT / "tracker" / "markets" / "watchlist.json"

#: themes.md, row by row: (event as themes.md words it, rules matching it, themes it links to).
THEME_TABLE = [
    (
        "any launch of a reusable-rocket family",
        [("vehicle", v) for v in ("Zhuque-3", "Long March 12A", "Long March 12B", "Tianlong-3", "Long March 10B")],
        ["reusable-rockets", "commercial-space", "defense"],
    ),
    ("a Guowang (SatNet) batch launch", [("constellation", "guowang")], ["guowang", "commercial-space"]),
    ("a Qianfan batch launch", [("constellation", "qianfan")], ["commercial-space"]),
    (
        "a space-computing launch",
        [("mission", "*Three-Body*"), ("mission", "*computing*"), ("mission", "*data cent*")],
        ["space-computing", "space-solar", "western-hyperscalers"],
    ),
    ("any launch failure (orbit outcome failure)", [("orbit-outcome", "failure")], ["commercial-space", "defense"]),
]


def security(row: dict[str, str]) -> dict:
    mic = row["mic"]
    ident = from_yahoo(row["symbol"], us_mic=mic) if row["role"] == "benchmark" else canonical(mic, row["code"])
    return {
        "security": ident,
        "name_en": row["name_en"],
        "name_zh": row["name_zh"],
        "currency": row["currency"],
        "board": row["board"],
        "limit_pct": float(row["daily_limit_pct"]) if row["daily_limit_pct"] else None,
        "role": row["role"],
        "benchmark": None if row["role"] == "benchmark" else BENCHMARKS[mic],
        "themes": [t for t in row["themes"].split(";") if t],
        "notes": row["notes"] or None,
    }


def main(facts: Path = DEFAULT_FACTS) -> None:
    with open(facts / "watchlist.csv", newline="", encoding="utf-8") as handle:
        securities = [security(row) for row in csv.DictReader(handle)]
    rules = [
        {"kind": kind, "value": value, "theme": theme, "event": event}
        for event, matches, themes in THEME_TABLE
        for kind, value in matches
        for theme in themes
    ]
    doc = {
        "note": "Written by tools/markets_watchlist.py from ../shared/facts/watchlist.csv and themes.md; "
        "edit the facts and re-run, not this file.",
        "sources": [
            "shared/facts/watchlist.csv (securities: exchange, board, daily price limit, currency, themes, benchmark)",
            "shared/facts/themes.md (default links from kinds of launch to themes)",
        ],
        "securities": securities,
        "theme_rules": rules,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(securities)} securities and {len(rules)} theme rules to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FACTS)
