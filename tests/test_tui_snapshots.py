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
