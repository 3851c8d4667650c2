"""Snapshots of ``tracker tui`` (pytest-textual-snapshot): 80x24 with tabs, 160x48 with the grid.

Deterministic by construction: the clock is frozen and the zone fixed (see ``tests.test_tui``),
the satellites are the labelled synthetic set built there, the land raster comes from the pinned
global-land-mask package, and no input box (with its blinking cursor) is open. Review changes
with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and the report it writes.
"""

from __future__ import annotations

import pytest

from tests.conftest import build_template, copy_database
from tests.test_tui import GROUP_01, make_app, settle, store_synthetic, synthetic_reaction


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory, "synthetic", store_synthetic)


@pytest.fixture
def app(template, tmp_path):
    from tracker.services.bootstrap import open_database

    db_url = copy_database(template, tmp_path)
    engine = open_database(db_url)
    yield make_app(engine, db_url)
    engine.dispose()


def test_map_tab_at_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_launches_tab_at_80x24(snap_compare, app):
    async def launches(pilot):
        await settle(pilot)
        await pilot.press("3", "down", "down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=launches)


def test_grid_at_160x48_with_a_launch_and_a_satellite_selected(snap_compare, app):
    async def select(pilot):
        from tui.widgets.launch_table import LaunchTable
        from tui.widgets.satellite_table import SatelliteTable

        await settle(pilot)
        pilot.app.query_one(LaunchTable).select(GROUP_01)
        pilot.app.query_one(SatelliteTable).select(99003)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(160, 48), run_before=select)


def test_market_tab_with_a_synthetic_reaction_at_80x24(snap_compare, app, monkeypatch):
    from tui import data

    monkeypatch.setattr(data, "market_reaction", lambda engine, launch_id: synthetic_reaction())

    async def market(pilot):
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=market)


# -- issue 13: the layouts as a person meets them ------------------------------------------------


def _with_sources_and_links(db_url: str) -> None:
    """Refresh states for every kind of source, and LL2 links on Group 01, at fixed times."""
    from datetime import timedelta

    from sqlalchemy import create_engine, text

    from tests.test_tui import FROZEN

    t1 = FROZEN - timedelta(hours=3)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for url, ok, status in (
            ("https://celestrak.org/NORAD/elements/gp.php?GROUP=qianfan", True, 200),
            ("https://query1.finance.yahoo.com/v8/finance/chart/600118.SS", True, 200),
            ("https://push2his.eastmoney.com/api/qt/stock/kline/get", False, 503),
        ):
            conn.execute(text("INSERT INTO fetch_state (url, last_success, last_attempt, last_status) VALUES (:u, :s, :a, :c)"),
                         {"u": url, "s": t1 if ok else None, "a": t1, "c": status})
        conn.execute(text("INSERT INTO ll2_request (sent_utc, url, status) VALUES (:t, :u, 429)"),
                     {"t": t1, "u": "https://ll.thespacedevs.com/2.3.0/launches/"})
        conn.execute(text("UPDATE launch_history SET time = :t"), {"t": FROZEN - timedelta(days=30)})
        conn.execute(text(
            "UPDATE launch SET ll2_url = 'https://ll.thespacedevs.com/2.3.0/launches/synthetic-0001/', "
            "webcast_url = 'https://www.youtube.com/watch?v=synthetic' WHERE id = :id"), {"id": GROUP_01})
    engine.dispose()


@pytest.fixture
def rich_app(template, tmp_path):
    from tracker.services.bootstrap import open_database

    db_url = copy_database(template, tmp_path)
    _with_sources_and_links(db_url)
    engine = open_database(db_url)
    yield make_app(engine, db_url)
    engine.dispose()


def test_header_with_every_source_at_80x24(snap_compare, rich_app):
    assert snap_compare(rich_app, terminal_size=(80, 24), run_before=settle)


def test_grid_at_120x36_from_a_fresh_start(snap_compare, app, monkeypatch):
    from tui import data

    monkeypatch.setattr(data, "market_reaction", lambda engine, launch_id: synthetic_reaction())
    assert snap_compare(app, terminal_size=(120, 36), run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_launch_details(snap_compare, rich_app, size):
    async def details(pilot):
        from tui.widgets.launch_table import LaunchTable

        await settle(pilot)
        await pilot.press("3")
        pilot.app.query_one(LaunchTable).select(GROUP_01)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(rich_app, terminal_size=size, run_before=details)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_time_travel_with_stale_positions(snap_compare, app, size):
    async def travel(pilot):
        from datetime import timedelta

        from tui.widgets.satellite_table import SatelliteTable

        await settle(pilot)
        pilot.app.offset = timedelta(days=20)  # the elements are 21-25 days old then: stale
        pilot.app.query_one(SatelliteTable).select(99003)
        await pilot.press("right_curly_bracket", "plus")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=travel)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_market_says_which_dates_are_held(snap_compare, app, size, monkeypatch):
    from tui import data

    note = "No bars around 2026-08-16; held 2025-10-31 .. 2026-06-04 (7 linked securities). Import prices covering the launch."
    reactions, bars, paths, _ = synthetic_reaction()
    monkeypatch.setattr(data, "market_reaction", lambda engine, launch_id: (reactions.clear(), bars.clear(), paths.clear(), note))

    async def market(pilot):
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=market)
