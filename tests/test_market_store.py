"""The securities registry, theme rules and the daily-bar store (merge rules, packing, reading).

Bars here are small synthetic frames written in the tests (labelled), except where a test reads
the real bars of ../shared/data/prices.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from markets.symbols import UnknownSymbol
from tracker.markets import bars, registry
from tracker.services.bootstrap import open_database as connect


@pytest.fixture
def engine(db_url):
    return connect(db_url)


def synthetic_bars(security: str, days: list[date], closes: list[float], volume: float | None = 1000.0) -> pl.DataFrame:
    """Synthetic bars (labelled: not market data): open=low=close*0.99, high=close*1.01."""
    return pl.DataFrame(
        {
            "security": [security] * len(days),
            "date": days,
            "open": [c * 0.99 for c in closes],
            "high": [c * 1.01 for c in closes],
            "low": [c * 0.99 for c in closes],
            "close": closes,
            "volume": [volume] * len(days),
        },
        schema=bars.SCHEMA,
    )


def test_fresh_database_holds_the_bundled_watchlist_and_rules(unopened_db_url):
    engine = connect(unopened_db_url)
    with engine.connect() as conn:
        secs = registry.securities(conn)
        rules = registry.rules(conn)
    assert secs.height == 15
    star = secs.filter(pl.col("security") == "XSHG:688523").row(0, named=True)
    assert (star["yahoo"], star["eastmoney"], star["limit_pct"], star["benchmark"]) == ("688523.SS", "1.688523", 20.0, "XSHG:000300")
    sanhua = secs.filter(pl.col("security") == "XSHE:002050").row(0, named=True)
    assert (sanhua["yahoo"], sanhua["calendar"], sanhua["limit_pct"]) == ("002050.SZ", "XSHG", 10.0)
    hk = secs.filter(pl.col("security") == "XHKG:0941").row(0, named=True)
    assert (hk["limit_pct"], hk["benchmark"], hk["eastmoney"]) == (None, "XHKG:HSI", "116.00941")
    benchmarks = secs.filter(pl.col("role") == "benchmark")
    assert set(benchmarks["security"]) == {"XSHG:000300", "XHKG:HSI", "XNYS:GSPC"}
    assert benchmarks["benchmark"].null_count() == 3  # an index is not measured against itself
    assert benchmarks["limit_pct"].null_count() == 3  # nor has a daily limit (000300 is not a share)
    assert ("vehicle", "Zhuque-3", "reusable-rockets") in set(rules.select("kind", "value", "theme").rows())
    assert rules["enabled"].all()


def test_seeding_again_adds_nothing_and_keeps_edits(engine, db_url):
    from tracker.markets.models import security

    with engine.begin() as conn:
        conn.execute(security.update().where(security.c.security == "XSHG:600118").values(name_en="edited"))
    again = connect(db_url)
    with again.connect() as conn:
        secs = registry.securities(conn)
        assert registry.rules(conn).height == 29
    assert secs.height == 15
    assert secs.filter(pl.col("security") == "XSHG:600118")["name_en"].item() == "edited"


@pytest.mark.parametrize(
    "security, board, limit",
    [("XSHG:688523", "STAR", 20.0), ("XSHE:300750", "ChiNext", 20.0), ("XSHE:301000", "ChiNext", 20.0),
     ("XSHG:600118", "main", 10.0), ("XSHE:002050", "main", 10.0), ("XHKG:0941", None, None), ("XNAS:MSFT", None, None)],
)
def test_board_and_daily_limit_follow_the_code(security, board, limit):
    assert registry.board_limit(security) == (board, limit)


def test_resolve_accepts_every_spelling(engine):
    with engine.connect() as conn:
        assert {registry.resolve(conn, s) for s in ("XSHG:600118", "600118.SS", "600118.ss", "1.600118")} == {"XSHG:600118"}
        assert registry.resolve(conn, "^HSI") == "XHKG:HSI"
        with pytest.raises(UnknownSymbol, match="tracker markets add"):
            registry.resolve(conn, "600000.SS")


def test_merge_adds_new_bars_and_a_second_merge_changes_nothing(engine):
    days = [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 5)]
    frame = synthetic_bars("XSHG:600118", days, [10.0, 10.5, 11.0])
    with engine.begin() as conn:
        first = bars.merge(conn, frame, "a.csv")
    with engine.begin() as conn:
        second = bars.merge(conn, frame, "a.csv")
        back = bars.read(conn, ["XSHG:600118"])
    assert (first.new, first.unchanged, first.conflicts) == (3, 0, [])
    assert (second.new, second.unchanged, second.conflicts) == (0, 3, [])
    assert back.equals(frame)  # two yearly chunks read back as one frame, in date order


def test_contradicting_bar_is_reported_and_kept_unless_replaced(engine):
    days = [date(2026, 1, 5), date(2026, 1, 6)]
    with engine.begin() as conn:
        bars.merge(conn, synthetic_bars("XSHG:600118", days, [10.0, 10.5]), "a.csv")
    other = synthetic_bars("XSHG:600118", days + [date(2026, 1, 7)], [10.0, 12.0, 12.5])
    with engine.begin() as conn:
        counts = bars.merge(conn, other, "b.csv")
        kept = bars.read(conn, ["XSHG:600118"])
    assert (counts.new, counts.unchanged, len(counts.conflicts)) == (1, 1, 1)
    assert "2026-01-06" in counts.conflicts[0] and "close 10.5 held, 12.0 new" in counts.conflicts[0]
    assert kept["close"].to_list() == [10.0, 10.5, 12.5]
    with engine.connect() as conn:
        held = bars.coverage(conn).row(0, named=True)
    assert (held["bars"], held["first"], held["last"]) == (3, date(2026, 1, 5), date(2026, 1, 7))
    with engine.begin() as conn:
        replaced = bars.merge(conn, other, "b.csv", replace=True)
        now = bars.read(conn, ["XSHG:600118"])
    assert replaced.replaced == 1 and now["close"].to_list() == [10.0, 12.0, 12.5]


def test_missing_volume_round_trips_as_null_and_read_filters_dates(engine):
    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)]
    with engine.begin() as conn:
        bars.merge(conn, synthetic_bars("XSHG:688523", days, [60.0, 62.19, 74.63], volume=None), "x")
        back = bars.read(conn, ["XSHG:688523"], start=date(2026, 1, 6), end=date(2026, 1, 6))
    assert back["volume"].null_count() == 1 and back["close"].to_list() == [62.19]


def test_read_spans_many_batches_and_survives_bars_added_after_the_count(engine, monkeypatch):
    days = [date(2016 + y, 3, 1) for y in range(10)]  # ten yearly chunks per security
    frames = [synthetic_bars(f"XSHG:60{i:04d}", days, [10.0 + i + y for y in range(10)]) for i in range(300)]
    with engine.begin() as conn:
        bars.merge(conn, pl.concat(frames), "synthetic")
        assert bars.read(conn).equals(pl.concat(frames))  # 3,000 chunks: two batches of 2,000
    counted = bars._unpack
    monkeypatch.setattr(bars, "_unpack", lambda batches, total, fields: counted(batches, total - 2500, fields))
    with engine.connect() as conn:  # as if 2,500 bars had been written between count and read
        assert bars.read(conn).equals(pl.concat(frames))


def test_read_takes_more_securities_than_a_query_may_have_parameters(engine):
    """A query takes a bounded number of parameters (SQLite: 999 before 3.32, 32,766 since, this
    build's 250,000; set to 999 here; PostgreSQL 65,535): 5,000 securities (a few held) are read in batches."""
    import sqlite3

    held = [f"XSHG:60{i:04d}" for i in range(0, 1200, 100)]
    frame = pl.concat([synthetic_bars(s, [date(2026, 1, 5)], [10.0 + i]) for i, s in enumerate(held)])
    asked = [*reversed(held), *(f"XSHG:9{i:05d}" for i in range(5_000)), held[0]]  # unsorted, repeated
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        bars.merge(conn, frame, "synthetic")
        back = bars.read(conn, asked, start=date(2026, 1, 1), fields=("close",))
        few = bars.read(conn, held[:3])
    assert back.equals(frame.select("security", "date", "close"))  # in security order, once each
    assert few.equals(frame.head(3))


def test_a_failed_transaction_leaves_the_bars_as_they_were(engine):
    frame = synthetic_bars("XSHG:600118", [date(2026, 1, 5)], [10.0])
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            bars.merge(conn, frame, "a.csv")
            raise RuntimeError("killed mid-import")
    with engine.connect() as conn:
        assert bars.read(conn).is_empty()


def test_real_bars_survive_the_store_exactly(engine):
    from markets.files import parse_file
    from tests.conftest import shared_path

    parsed = parse_file(shared_path("data", "prices", "daily-bars-2025-11-to-2026-04.csv"))
    with engine.begin() as conn:
        counts = bars.merge(conn, parsed.bars, "daily-bars.csv")
        back = bars.read(conn)
    assert counts.new == parsed.bars.height
    assert back.sort("security", "date").equals(parsed.bars.sort("security", "date"))


def test_each_rule_kind_links_the_events_it_names_and_disabled_rules_none():
    from tracker.markets.link import event_themes

    evts = pl.DataFrame(
        {
            "ev": [0, 1, 2],
            "event_id": ["2025-12-03-zhuque-3-y1", "2025-12-16-long-march-12-guowang", "x-2026-other"],
            "vehicle": ["Zhuque-3", "Long March 12", "Ceres-1"],
            "mission": ["Demo flight", "SatNet LEO Group 15", None],
            "constellation": [None, "guowang", None],
            "orbit_outcome": ["success", "success", "failure"],
            "booster_recovery": ["attempted-failed", "not-attempted", "not-attempted"],
        }
    )
    rules = pl.DataFrame(
        [
            ("vehicle", "zhuque-3", "reusable", True),  # matched whatever the case
            ("constellation", "GuoWang", "guowang", True),
            ("mission", "*leo group*", "leo", True),  # a glob, case-insensitive
            ("orbit-outcome", "failure", "failures", True),
            ("booster-recovery", "attempted-failed", "booster-losses", True),
            ("launch", "X-2026-OTHER", "picked", True),
            ("vehicle", "Ceres-1", "disabled", False),
        ],
        schema=["kind", "value", "theme", "enabled"],
        orient="row",
    )
    linked = set(event_themes(evts, rules).iter_rows())
    assert linked == {
        (0, "reusable"), (0, "booster-losses"), (1, "guowang"), (1, "leo"), (2, "failures"), (2, "picked"),
    }


def test_adjustment_factors_are_stored_updated_and_kept(engine):
    days = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)]
    frame = synthetic_bars("XSHG:600118", days, [10.0, 10.5, 10.0])
    with engine.begin() as conn:
        bars.merge(conn, frame, "a.csv")  # no factors
        assert bars.read(conn, ["XSHG:600118"], fields=("close", "adj"))["adj"].to_list() == [None] * 3
        counts = bars.merge(conn, frame.with_columns(adj=pl.Series([None, None, 1.05])), "b.csv")
        assert (counts.new, counts.unchanged, counts.factors, counts.conflicts) == (0, 3, 1, [])
        assert bars.merge(conn, frame, "a.csv").factors == 0  # a file without factors keeps the held one
        back = bars.read(conn, ["XSHG:600118"], fields=("close", "adj"))
        assert back["adj"].to_list() == [None, None, 1.05] and back["close"].to_list() == [10.0, 10.5, 10.0]
        assert bars.read(conn, ["XSHG:600118"]).columns == ["security", "date", "open", "high", "low", "close", "volume"]


def test_factors_from_dividends_and_splits_by_hand():
    from markets.adjust import from_actions

    closes = pl.DataFrame({"security": ["A"] * 4 + ["B"] * 2, "date": [date(2026, 1, d) for d in (5, 6, 7, 8, 5, 6)],
                           "close": [20.0, 19.0, 9.6, 9.7, 5.0, 5.1]})
    actions = pl.DataFrame({"security": ["A", "A", "B", "B"], "date": [date(2026, 1, 6), date(2026, 1, 7), date(2026, 1, 5),
                                                                     date(2026, 1, 9)],
                            "dividend": [1.0, None, 0.1, 0.1], "split": [None, 2.0, None, None]})
    got = from_actions(closes, actions)
    # A: 1.0 ex on 01-06 after a close of 20 -> 20/19; 2-for-1 on 01-07 -> 2; B's ex-dates have no
    # previous close (01-05, its first bar) or no bar (01-09): no factor.
    assert got.rows() == [("A", date(2026, 1, 6), pytest.approx(20 / 19)), ("A", date(2026, 1, 7), 2.0)]
