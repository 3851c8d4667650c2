"""Where the benchmarks find ../shared (real CelesTrak data); they exit cleanly when it is absent."""

from __future__ import annotations

import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
ACTIVE = SHARED / "data/celestrak/gp-2026-08-18/active.csv"
HULIANWANG = SHARED / "data/celestrak/gp-2026-08-18/hulianwang.csv"


def require_shared() -> None:
    if not ACTIVE.exists():
        print(f"skipped: {ACTIVE} is absent (../shared holds the real CelesTrak snapshots)")
        sys.exit(0)
