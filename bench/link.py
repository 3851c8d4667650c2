"""Event linkage at scale (target from issue 4): 10,000 launches against 5,000 securities with ten
years of daily bars each, end to end from the database, in under 5 s, with peak memory.

ALL DATA HERE IS SYNTHETIC: random-walk bars on real exchange calendars (2016-2025), launches of
made-up vehicles ``Synthetic-1`` .. ``Synthetic-20`` at random times, securities named
``synthetic N``. Nothing of it is market data.

Links go by theme, as in the product: vehicle ``Synthetic-k`` links to theme ``tk``, each
security carries one of the 20 themes, so each launch links to about 250 securities and the run
measures about 2.5 million (event, security) pairs. The database is built once in a temporary
directory (``--keep DIR`` reuses it); the timed run is a fresh process (``python bench/link.py
--measure DB``), so its peak RSS is the linkage's own.

    python bench/link.py [--keep DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_SECURITIES, N_EVENTS, N_THEMES = 5000, 10_000, 20
START, END = date(2016, 1, 1), date(2025, 12, 31)
#: Share of synthetic securities per exchange calendar (A-shares dominate the watchlist).
MIX = (("XSHG", 0.8), ("XHKG", 0.12), ("XNYS", 0.08))


def build(url: str) -> None:
    """Fill an empty database with the synthetic securities, bars, rules and launches."""
    import numpy as np
    import polars as pl

    from markets.sessions import session_table
    from tracker.launches.models import launch
    from tracker.markets import bars
    from tracker.markets.models import security, theme_rule
    from tracker.markets.registry import BENCHMARKS, new_security
    from tracker.services.bootstrap import open_database as connect

    rng = np.random.default_rng(20261121)
    engine = connect(url)
    counts = {mic: int(N_SECURITIES * share) for mic, share in MIX}
    t = time.perf_counter()
    with engine.begin() as conn:
        records = []
        for mic, n in counts.items():
            for i in range(n):
                ident = f"{mic}:Z{i:05d}"
                records.append(new_security(ident, f"synthetic {mic} {i}", themes=[f"t{rng.integers(1, N_THEMES + 1)}"]))
        conn.execute(security.insert(), records)
        themes = [{"kind": "vehicle", "value": f"Synthetic-{k}", "theme": f"t{k}", "origin": "user"} for k in range(1, N_THEMES + 1)]
        conn.execute(theme_rule.insert(), themes)
        for mic, n in counts.items():
            days = session_table(mic, START, END)["session"]
            ids = [f"{mic}:Z{i:05d}" for i in range(n)] + [BENCHMARKS[mic]]
            steps = rng.normal(0.0003, 0.02, size=(len(ids), len(days)))
            closes = (20.0 * np.exp(np.cumsum(steps, axis=1))).round(2)
            frame = pl.DataFrame(
                {
                    "security": np.repeat(np.array(ids, dtype=object), len(days)),
                    "date": np.tile(days.to_numpy(), len(ids)),
                    "close": closes.ravel(),
                }
            ).with_columns(
                open=pl.col("close"), high=pl.col("close") * 1.01, low=pl.col("close") * 0.99, volume=pl.lit(1e6)
            )
            bars.merge(conn, frame, "synthetic (bench/link.py)")
        base = datetime(2016, 6, 1, tzinfo=timezone.utc)
        span = (datetime(2025, 12, 1, tzinfo=timezone.utc) - base).total_seconds()
        offsets = rng.uniform(0, span, N_EVENTS)
        conn.execute(
            launch.insert(),
            [
                {
                    "id": f"synthetic-{i:05d}", "vehicle": f"Synthetic-{rng.integers(1, N_THEMES + 1)}", "variant": "",
                    "net_utc": base + timedelta(seconds=float(s)), "net_precision": "day" if i % 10 == 0 else "minute",
                    "status": "success", "orbit_outcome": "success", "booster_recovery": "not-attempted",
                    "sources": "[]", "user_fields": "[]", "origin": "synthetic",
                }
                for i, s in enumerate(offsets)
            ],
        )
    print(f"built synthetic database in {time.perf_counter() - t:.1f} s: {url}")


def measure(url: str) -> None:
    """The timed part: open the database, link every event, report time and peak RSS.

    Two figures: from opening the database to the finished frame (what the target is about), and
    the same plus importing the libraries (polars, SQLAlchemy, the tracker), which a fresh
    ``tracker link`` process also pays. The last line is JSON for :func:`main`'s summary."""
    started = time.perf_counter()
    from tracker.markets.link import LinkParams, link
    from tracker.services.bootstrap import open_database as connect

    imported = time.perf_counter()
    engine = connect(url)
    with engine.connect() as conn:
        frame = link(conn, LinkParams())
    done = time.perf_counter()
    elapsed = done - imported
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    computed = frame["ar_mm"].is_not_null().sum()
    print(f"linked {frame['event_id'].n_unique():,} events x {frame['security'].n_unique():,} securities = {frame.height:,} pairs "
          f"({computed:,} with a market-model AR) in {elapsed:.2f} s from the database ({elapsed / 5:.2f}x the 5 s "
          f"budget), {done - started:.2f} s with imports; peak RSS {rss:,.0f} MiB")
    print(json.dumps({"seconds": elapsed, "with_imports": done - started, "rss_mib": rss}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="build (or reuse) the synthetic database in DIR")
    parser.add_argument("--runs", type=int, default=5, help="timed runs, each in a fresh process (default 5)")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-link-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'bench.db'}"
    if not (folder / "bench.db").exists():
        build(url)
    runs = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, __file__, "--measure", url], check=True, capture_output=True, text=True).stdout
        *lines, result = out.strip().splitlines()
        print(*lines, sep="\n")
        runs.append(json.loads(result))
    seconds = sorted(r["seconds"] for r in runs)
    print(f"{len(runs)} runs from the database: median {statistics.median(seconds):.2f} s (min {seconds[0]:.2f}, "
          f"max {seconds[-1]:.2f}; target < 5 s); with imports median "
          f"{statistics.median(r['with_imports'] for r in runs):.2f} s; peak RSS up to {max(r['rss_mib'] for r in runs):,.0f} MiB")


if __name__ == "__main__":
    main()
