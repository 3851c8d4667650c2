"""``tracker tui``: the satellites on a live world map, the launch calendar and market reactions.

The app owns the state (which view, which satellite and launch are selected, the clock) and the
work: everything that touches the database or the network runs in thread workers, so the screen
never waits for them, and their results come back to the event loop with ``call_from_thread``.
Once a second :meth:`TrackerApp.tick` propagates the shown fleet in one vectorised call and
redraws the map, the clocks and the launch countdown, at the shown time: now, or now moved by
the time-travel keys (``-`` ``+`` a minute, ``{`` ``}`` an hour, ``n`` back to now).

Layout: at 120x36 and larger the four panels share the screen in a grid (map and satellites
7/12 of the width, launches and market 5/12, so that the launch table keeps time, vehicle and
orbit outcome at 120 columns); below that (80x24) they are tabs. Tables never cut a word: they
abbreviate, then leave out their least useful columns (:mod:`tui.widgets.sized_table`); the
header abbreviates so that every source's status stays in view. Enter on a launch opens its
details over the panels. The clock and the local zone are injectable, so tests and snapshots
freeze time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from rich.text import Text
from sqlalchemy.engine import Engine
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static, Tab, Tabs
from textual.worker import Worker, WorkerState, get_current_worker

from tracker.settings import Settings
from tracker.text import visible
from tui import data
from tui.palette import LaunchCommands, SatelliteCommands, SecurityCommands
from tui.sky import Sky, Snapshot
from tui.text import shown
from tui.times import countdown_text, zone_name
from tui.widgets.launch_detail import LaunchDetailScreen
from tui.widgets.launch_table import LaunchTable
from tui.widgets.market import MarketReaction
from tui.widgets.satellite_table import SatelliteTable
from tui.widgets.screens import HelpScreen, ViewPicker
from tui.widgets.status_bar import StatusBar
from tui.widgets.world_map import WorldMap, caption, legend

if TYPE_CHECKING:
    from tui.observing import LiveLook

PANELS = ("map", "satellites", "launches", "market")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _lit(state: int) -> bool | None:
    """A satellite's sun state as the table shows it: -1 (no position) is unknown."""
    return None if state < 0 else bool(state)


class TrackerApp(App):
    """The one screen of ``tracker tui``."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses may live anywhere
    TITLE = "China space tracker"
    COMMANDS = App.COMMANDS | {SatelliteCommands, LaunchCommands, SecurityCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        Binding("1", "panel('map')", "Map", show=False),
        Binding("2", "panel('satellites')", "Satellites", show=False),
        Binding("3", "panel('launches')", "Launches", show=False),
        Binding("4", "panel('market')", "Market", show=False),
        Binding("right_square_bracket", "cycle(1)", "Next panel", show=False),
        Binding("left_square_bracket", "cycle(-1)", "Previous panel", show=False),
        Binding("c", "choose_view", "Constellation"),
        Binding("p", "passes", "Passes", show=False),
        Binding("slash", "filter", "Filter"),
        Binding("t", "toggle_zone", "Zone"),
        Binding("minus", "shift(-1)", "-1 min", show=False),
        Binding("plus,equals_sign", "shift(1)", "+1 min", show=False),
        Binding("left_curly_bracket", "shift(-60)", "-1 h", show=False),
        Binding("right_curly_bracket", "shift(60)", "+1 h", show=False),
        Binding("n", "now", "Now"),
        Binding("r", "refresh", "Refresh"),
        Binding("question_mark", "help", "Help"),
        Binding("escape", "clear", "Clear", show=False),
        Binding("q", "quit", "Quit"),
    ]
    #: Key names as the help screen shows them.
    KEY_HELP = [
        ("1 2 3 4", "show the map, satellites, launches or market panel"),
        ("[ ]  Tab", "previous / next panel; Tab moves the focus"),
        ("↑ ↓ PgUp PgDn", "move in a table: the satellite or launch under the cursor is selected"),
        ("Enter", "on a launch: its details (fields, history, sources, links, satellites); Esc closes"),
        ("c", "choose the satellites shown: Guowang, Qianfan, dawn-dusk, stations, all, yours"),
        ("p", "the next passes of the shown satellites over your observer, with a sky plot (o: observer)"),
        ("/", "filter the satellites or launches (Esc clears)"),
        ("t", "launch times in UTC or local time"),
        ("- +", "move the shown time 1 minute back / ahead (positions, tracks, night, countdown)"),
        ("{ }", "move the shown time 1 hour back / ahead"),
        ("n", "back to now (the header shows the shown time and its offset while moved)"),
        ("r", "refresh element sets, launches and prices (same rules and lock as `tracker refresh`)"),
        ("Ctrl+P", "command palette: find satellites, launches, securities, commands"),
        ("Esc", "clear the filter or the launch highlight"),
        ("?", "this help"),
        ("q  Ctrl+Q", "quit"),
        ("mouse", "click a satellite on the map, a row, a tab"),
    ]

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        view: str = "guowang",
        clock: Callable[[], datetime] = utc_now,
        zone: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.engine, self.settings, self.clock = engine, settings, clock
        self.view = view
        self.local_zone = zone or datetime.now().astimezone().tzinfo
        self.show_local = False
        self.offset = timedelta(0)  # time travel: the shown time is the clock's plus this
        self.calendar = pl.DataFrame(schema=data.LAUNCH_SCHEMA)
        self.catalogue = pl.DataFrame(schema={"norad": pl.Int64, "name": pl.String, "cospar": pl.String, "constellation": pl.String})
        self.securities = pl.DataFrame(schema=data.SECURITY_SCHEMA)
        self.views = list(data.BUILTIN_VIEWS)
        self.freshness: data.Freshness | None = None
        self.fleet = pl.DataFrame()  # the shown satellites in propagation order (members frame)
        self.sky: Sky | None = None
        self.snapshot: Snapshot | None = None
        self.selected: int | None = None  # catalog number
        self.launch: str | None = None  # launch id
        self.highlighted: np.ndarray | None = None
        self._live_look: LiveLook | None = None  # the selected satellite from the observer, kept between ticks
        self._fleet_index: dict[int, int] = {}
        self._epochs: np.ndarray = np.array([], "datetime64[us]")  # fleet order, for staleness
        self._sun_state: np.ndarray | None = None
        self._pending: int | None = None  # satellite to select once its view has loaded
        self._last_view = view  # the last view that loaded, to go back to from an unknown one
        self.empty_reason = data.NO_ELEMENTS  # what an empty view says
        self.observer = None  # the default observer (tracker.observers.Observer), marked on the map

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Tabs(*(Tab(f"{i} {p.title()}", id=f"tab-{p}") for i, p in enumerate(PANELS, 1)), id="tabs")
        with Grid(id="panels"):
            with Vertical(id="map", classes="panel -active"):
                yield WorldMap(id="world")
                yield Static(id="map-detail")
                yield Static(legend(), id="map-legend")
            with Vertical(id="launches", classes="panel"):
                yield Input(placeholder="filter: vehicle, serial, mission or designator", id="launches-filter", classes="filter")
                yield LaunchTable(id="launch-table")
            with Vertical(id="satellites", classes="panel"):
                yield Input(placeholder="filter: part of a name, NORAD number or COSPAR id", id="satellites-filter", classes="filter")
                yield Static(id="satellites-message", classes="message")
                yield SatelliteTable(id="satellite-table")
            with Vertical(id="market", classes="panel"):
                yield MarketReaction(id="market-reaction")
        yield Footer()

    def on_mount(self) -> None:
        for panel in PANELS:
            self.query_one(f"#{panel}").border_title = panel.title()
        for box in self.query(".filter"):
            box.display = False
        self._message(f"Loading {self.view}…")
        self.load_land()
        self.load_calendar()
        self.load_view(self.view)
        self.load_observer()
        self.tick()
        self.set_interval(1.0, self.tick)

    # -- workers -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="land", exit_on_error=False)
    def load_land(self) -> None:
        """The land raster (cached; built once per global-land-mask version: a few seconds)."""
        from tui.land import raster

        land = raster()
        self._deliver(lambda: self.query_one(WorldMap).set_land(land))

    @work(thread=True, exclusive=True, group="calendar", exit_on_error=False)
    def load_calendar(self) -> None:
        """Launches, freshness, the palette's securities and the view names."""
        calendar = data.launches(self.engine)
        fresh = data.freshness(self.engine)
        securities = data.securities(self.engine)
        views = data.views(self.engine)
        self._deliver(lambda: self._show_calendar(calendar, fresh, securities, views))

    @work(thread=True, exclusive=True, group="observer", exit_on_error=False)
    def load_observer(self) -> None:
        """The default observer, marked on the map (the passes screen changes it)."""
        from tui.observing import chosen_observer

        observer = chosen_observer(self.engine)
        self._deliver(lambda: self.show_observer(observer))

    def show_observer(self, observer) -> None:
        self.observer = observer
        self.query_one(WorldMap).set_observer(None if observer is None else (observer.lat_deg, observer.lon_deg))
        self._draw()

    @work(thread=True, exclusive=True, group="catalogue", exit_on_error=False)
    def load_catalogue(self) -> None:
        """Every satellite held, for the palette; loaded after the view, which is on screen."""
        catalogue = data.catalogue(self.engine)
        self._deliver(lambda: setattr(self, "catalogue", catalogue))

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def load_view(self, view: str) -> None:
        """Positions first (the map moves at once), then the analytics for the table."""
        from tracker.catalog import UnknownConstellation, satrecs

        worker = get_current_worker()
        try:
            members = data.members(self.engine, view)
        except UnknownConstellation as exc:  # a constellation removed meanwhile, a typed name
            self._deliver(partial(self._unknown_view, view, str(exc)))
            return
        sky = Sky(satrecs(members))
        reason = data.empty_reason(self.engine, view) if members.is_empty() else data.NO_ELEMENTS
        if worker.is_cancelled:
            return
        self._deliver(lambda: self._show_fleet(view, members, sky, reason))
        table = data.describe(self.engine, members, self.clock())
        if not worker.is_cancelled:
            self._deliver(lambda: self._show_table(view, table))
            # The catalogue (for the palette) changes only with a refresh, not with the view.
            self._deliver(lambda: self.catalogue.is_empty() and self.load_catalogue())

    @work(thread=True, exclusive=True, group="market", exit_on_error=False)
    def load_market(self, launch_id: str) -> None:
        reactions, bars, paths, note = data.market_reaction(self.engine, launch_id)
        if not get_current_worker().is_cancelled:
            self._deliver(lambda: self.query_one(MarketReaction).show(reactions, bars, paths, note))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def load_detail(self, launch_id: str) -> None:
        detail = data.launch_detail(self.engine, launch_id)
        if not get_current_worker().is_cancelled:
            self._deliver(lambda: self._show_detail(launch_id, detail))

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def run_refresh(self) -> None:
        """Every source, with the refresh commands' rules and lock; then reload the panels."""
        from tui.refresh import STEPS, refresh_all

        def progress(done: int) -> None:
            self._deliver(lambda: self.query_one(StatusBar).progress(done, STEPS))

        progress(0)
        try:
            notices = refresh_all(self.engine, self.settings, self.clock, progress)
        finally:
            progress(STEPS)
        for notice in notices:
            self._deliver(partial(self.notify, notice.text, title=notice.source, severity=notice.severity, timeout=10, markup=False))
        self._deliver(self.load_calendar)
        self._deliver(lambda: self.load_view(self.view))
        self._deliver(self.load_catalogue)

    def _deliver(self, callback: Callable[[], object]) -> None:
        """Hand a worker's result to the event loop; dropped once the app is shutting down, when
        the widgets it would update may already be gone."""

        def run() -> None:
            if self.is_running:
                callback()

        self.call_from_thread(run)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed worker becomes a notification; the app goes on with what it has."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(visible(f"{event.worker.group}: {error}"), title="Error", severity="error", timeout=10, markup=False)

    # -- results -----------------------------------------------------------------------------

    def _show_calendar(self, calendar, fresh, securities, views) -> None:
        self.calendar, self.freshness, self.securities, self.views = calendar, fresh, securities, views
        self._show_launches()
        self.tick()

    def _show_fleet(self, view: str, members: pl.DataFrame, sky: Sky, empty_reason: str) -> None:
        self.fleet, self.sky, self._sun_state, self.empty_reason = members, sky, None, empty_reason
        self._last_view = view
        self._fleet_index = {n: i for i, n in enumerate(members["norad"])}
        self._epochs = members["epoch"].dt.replace_time_zone(None).to_numpy() if members.height else np.array([], "datetime64[us]")
        if self._pending in self._fleet_index:
            self.selected, self._pending = self._pending, None
        elif self.selected not in self._fleet_index:
            self.selected = None
        self._highlight()
        self.query_one("#map").border_title = shown(f"Map · {view} · {members.height:,} satellites")
        self._message(self.empty_reason if members.is_empty() else f"Computing orbit metrics of {members.height:,} satellites…")
        self.tick()

    def _unknown_view(self, view: str, message: str) -> None:
        """Say which views exist and go back to one that does (the first, when the one shown
        before is the unknown one)."""
        self.notify(visible(message), title="Unknown constellation", severity="error", timeout=15, markup=False)
        if self.view == view:
            self.set_view(self._last_view if self._last_view != view else data.BUILTIN_VIEWS[0])

    def _show_table(self, view: str, table: pl.DataFrame) -> None:
        self.query_one("#satellites").border_title = shown(f"Satellites · {view} ({table.height:,})")
        self._message(self.empty_reason if table.is_empty() else None)
        self._fill_satellites(table)

    def _fill_satellites(self, table: pl.DataFrame | None = None) -> None:
        widget = self.query_one(SatelliteTable)
        state = self._sun_state  # as of the last tick, in fleet order
        sun = {}
        if state is not None and len(state) == self.fleet.height:
            sun = {n: _lit(s) for n, s in zip(self.fleet["norad"], state.tolist(), strict=True)}
        widget.show(widget.source if table is None else table, sun, self.query_one("#satellites-filter", Input).value)
        if self.selected is not None:
            widget.select(self.selected)

    def _show_launches(self) -> None:
        table = self.query_one(LaunchTable)
        table.show(self.calendar, self.zone, zone_name(self.clock(), self.zone), self.query_one("#launches-filter", Input).value)

    def _message(self, text: str | None) -> None:
        box = self.query_one("#satellites-message", Static)
        box.update(shown(text or ""))
        box.display = text is not None

    # -- live --------------------------------------------------------------------------------

    @property
    def zone(self) -> tzinfo:
        """The zone launch times are shown in: UTC, or local after ``t``."""
        return self.local_zone if self.show_local else timezone.utc

    def shown_time(self) -> datetime:
        """The time the app shows: the clock's, moved by time travel (``offset``)."""
        return self.clock() + self.offset

    def tick(self) -> None:
        """Once a second: clocks, countdown, and every shown satellite moved to the shown time."""
        if not self.is_running:  # a last timer tick while the widgets are being removed
            return
        now = self.clock()
        self.query_one(StatusBar).update(now, self.local_zone, self.freshness, self.offset)
        self._countdown(now + self.offset)
        if self.sky is None:
            return
        self.snapshot = self.sky.at(now + self.offset)
        self._update_sun(self.snapshot)
        self._draw()

    def _stale(self, at: datetime) -> np.ndarray:
        """Which shown satellites' elements are more than :data:`~tracker.positions.STALE_DAYS`
        from ``at`` (their positions may be kilometres off), in fleet order."""
        from tracker.positions import is_stale

        instant = np.datetime64(at.astimezone(timezone.utc).replace(tzinfo=None), "us")
        return is_stale((instant - self._epochs) / np.timedelta64(1, "D"))

    def _draw(self) -> None:
        """The map and the detail line from the last positions, with the current selection and
        highlight: a selection redraws at once without moving the whole fleet again."""
        snap = self.snapshot
        if snap is None:
            return
        index = self._fleet_index.get(self.selected)
        track = None
        if index is not None:
            track = self.sky.track(index, snap.at, 1440.0 / self.fleet["mean_motion"][index])
        stale = self._stale(snap.at) if len(self._epochs) == len(snap.lat_deg) else None
        self.query_one(WorldMap).show(snap, highlighted=self.highlighted, selected=index, track=track, stale=stale)
        self._detail(snap, index)

    def _update_sun(self, snap: Snapshot) -> None:
        """Tell the table which satellites crossed the terminator since the last tick."""
        state = np.where(np.isfinite(snap.alt_km), snap.sunlit.astype(np.int8), -1)
        if self._sun_state is not None and len(state) == len(self._sun_state):
            table = self.query_one(SatelliteTable)
            norads = self.fleet["norad"]
            for i in np.flatnonzero(state != self._sun_state):
                table.set_sun(norads[int(i)], _lit(state[i]))
        self._sun_state = state

    def _detail(self, snap: Snapshot, index: int | None) -> None:
        detail = self.query_one("#map-detail", Static)
        if self.fleet.is_empty():
            detail.update(shown(self.empty_reason, style="bold yellow"), layout=False)
            return
        if index is None:
            detail.update(Text("Select a satellite (table, palette or click) to see its next orbit.", style="dim"), layout=False)
            return
        row = self.fleet.row(index, named=True)
        seen = None
        if self.observer is not None and np.isfinite(snap.lat_deg[index]):
            if self._live_look is None:
                from tui.observing import LiveLook

                self._live_look = LiveLook()
            look = self._live_look(self.fleet, row["norad"], self.observer, snap.at)
            if look is not None and look["el_deg"] is not None:
                seen = shown(f"from {self.observer.name}: az {look['az_deg']:.0f}° el {look['el_deg']:.0f}° "
                             f"{look['range_km']:,.0f} km")
        detail.update(caption(row, snap, index, detail.size.width, seen), layout=False)

    def _countdown(self, now: datetime) -> None:
        """The next launch after ``now`` (the shown time) and how long until it."""
        panel = self.query_one("#launches")
        upcoming = data.next_launch(self.calendar, now)
        if upcoming is None:
            panel.border_subtitle = "no upcoming launch in the calendar"
        else:
            panel.border_subtitle = shown(f"next: {data.launch_name(upcoming)} {countdown_text(upcoming['net_utc'] - now)}")

    def _highlight(self) -> None:
        """Mark the satellites of the selected launch (by launch designator) in the fleet."""
        self.highlighted = None
        if self.launch is None or self.fleet.is_empty():
            self.query_one("#map").border_subtitle = ""
            return
        launch = self._launch_record(self.launch)
        designator = launch["cospar_launch"]
        self.highlighted = (self.fleet["launch"] == designator).fill_null(False).to_numpy() if designator else None
        in_view = int(self.highlighted.sum()) if self.highlighted is not None else 0
        where = f"{designator}: {in_view} in view" if designator else "no launch designator"
        self.query_one("#map").border_subtitle = shown(f"launch {data.launch_name(launch)} ({where})")

    def _launch_record(self, launch_id: str) -> dict:
        return self.calendar.filter(pl.col("id") == launch_id).row(0, named=True)

    # -- selection ---------------------------------------------------------------------------

    def on_satellite_table_highlighted(self, event: SatelliteTable.Highlighted) -> None:
        self.selected = event.norad
        self._draw()

    @on(DataTable.RowHighlighted, "#launch-table")
    def _launch_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.select_launch(event.row_key.value)

    @on(DataTable.RowSelected, "#launch-table")
    def _launch_chosen(self, event: DataTable.RowSelected) -> None:
        """Enter on a launch: its details, read in a worker, then shown over the panels."""
        self.load_detail(event.row_key.value)

    def _show_detail(self, launch_id: str, detail: object) -> None:
        title = data.launch_name(self._launch_record(launch_id))
        self.push_screen(LaunchDetailScreen(detail, title), self._detail_closed)

    def _detail_closed(self, constellation: str | None) -> None:
        """``m`` in the details: show the launch's satellites on the map, switching to its
        constellation when the one shown does not hold them."""
        if constellation is None:
            return
        if constellation in self.views and self.view not in ("all", constellation):
            self.set_view(constellation)
        self.action_panel("map")

    def select_launch(self, launch_id: str) -> None:
        """Highlight the launch's satellites on the map and load its market reaction."""
        if launch_id == self.launch:
            return
        self.launch = launch_id
        self._highlight()
        self.query_one("#market").border_title = shown(f"Market · {data.launch_name(self._launch_record(launch_id))}")
        self.load_market(launch_id)
        self._draw()

    def on_world_map_picked(self, event: WorldMap.Picked) -> None:
        norad = self.fleet["norad"][event.index]
        self.selected = norad
        self.query_one(SatelliteTable).select(norad)
        self._draw()

    def goto_satellite(self, norad: int, constellation: str | None) -> None:
        """Select ``norad``, switching to a view that holds it when the current one does not."""
        self.action_panel("map")
        if norad in self._fleet_index:
            self.selected = norad
            self.query_one(SatelliteTable).select(norad)
            self._draw()
            return
        self._pending = norad
        self.set_view(constellation.split("+")[0] if constellation else "all")

    def goto_launch(self, launch_id: str) -> None:
        self.action_panel("launches")
        self.query_one("#launches-filter", Input).value = ""
        self._show_launches()
        self.query_one(LaunchTable).select(launch_id)

    def goto_security(self, symbol: str) -> None:
        self.action_panel("market")
        self.query_one(MarketReaction).select(symbol)

    def set_view(self, view: str | None) -> None:
        """Show another set of satellites (``None``: keep the current one)."""
        if view is None or (view == self.view and self.sky is not None):
            return
        self.view = view
        self.sky, self.snapshot, self.fleet, self._sun_state = None, None, pl.DataFrame(), None
        self.query_one(SatelliteTable).clear()
        self._message(f"Loading {view}…")
        self.query_one("#satellites").border_title = shown(f"Satellites · {view}")
        self.load_view(view)

    # -- actions -----------------------------------------------------------------------------

    def action_panel(self, panel: str) -> None:
        """Show ``panel`` (as the active tab on small screens) and focus its main widget."""
        self.query_one(Tabs).active = f"tab-{panel}"
        self._activate(panel)

    @on(Tabs.TabActivated, "#tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        """A tab clicked (or set by :meth:`action_panel`, whose panel is active already: then
        nothing happens, so the focus a key gave, the filter's, is not taken back later)."""
        panel = event.tab.id.removeprefix("tab-")
        if not self.query_one(f"#{panel}").has_class("-active"):
            self._activate(panel)

    def _activate(self, panel: str) -> None:
        for name in PANELS:
            self.query_one(f"#{name}").set_class(name == panel, "-active")
        focus = {"map": "#world", "satellites": "#satellite-table", "launches": "#launch-table", "market": "#market-table"}
        self.query_one(focus[panel]).focus()

    def action_cycle(self, step: int) -> None:
        current = next((p for p in PANELS if self.query_one(f"#{p}").has_class("-active")), "map")
        self.action_panel(PANELS[(PANELS.index(current) + step) % len(PANELS)])

    def _focused_panel(self) -> str | None:
        node = self.focused
        while node is not None and node.id not in PANELS:
            node = node.parent
        return node.id if node is not None else None

    def action_filter(self) -> None:
        """Filter the focused table (the satellites unless the launches are focused)."""
        panel = "launches" if self._focused_panel() == "launches" else "satellites"
        self.action_panel(panel)
        box = self.query_one(f"#{panel}-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, ".filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if event.input.id == "launches-filter":
            self._show_launches()
        else:
            self._fill_satellites()

    @on(Input.Submitted, ".filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.action_panel(event.input.id.removesuffix("-filter"))

    def action_clear(self) -> None:
        """Escape: close a filter (clearing it), else drop the launch highlight."""
        focused = self.focused
        if isinstance(focused, Input) and focused.has_class("filter"):
            focused.value = ""
            focused.display = False
            self.action_panel(focused.id.removesuffix("-filter"))
        elif self.launch is not None:
            self.launch = None
            self._highlight()
            self.query_one(MarketReaction).clear()
            self.query_one("#market").border_title = "Market"
            self._draw()

    def action_choose_view(self) -> None:
        self.push_screen(ViewPicker(self.views, self.view), self.set_view)

    def action_passes(self, choose: bool = False) -> None:
        """The passes screen of the shown satellites (``choose``: with the observer picker open)."""
        from tui.widgets.passes import PassesScreen

        screen = PassesScreen(self.engine, self.fleet, self.view, self.shown_time, self.zone, on_observer=self.show_observer,
                              empty_reason=self.empty_reason)
        self.push_screen(screen)
        if choose:
            screen.call_after_refresh(screen.action_choose_observer)

    def action_choose_observer(self) -> None:
        self.action_passes(choose=True)

    def action_toggle_zone(self) -> None:
        self.show_local = not self.show_local
        self._show_launches()
        now = self.clock()
        self.notify(f"Launch times in {zone_name(now, self.zone)}", timeout=3, markup=False)

    def action_shift(self, minutes: int) -> None:
        """Move the shown time by ``minutes``: positions, tracks, night and countdown follow."""
        self.offset += timedelta(minutes=minutes)
        self._time_moved()

    def action_now(self) -> None:
        self.offset = timedelta(0)
        self._time_moved()

    def _time_moved(self) -> None:
        """Everything shown follows the moved time; the passes screen searches again from it."""
        from tui.widgets.passes import PassesScreen

        self.refresh_bindings()
        self.tick()
        if isinstance(self.screen, PassesScreen):
            self.screen.time_moved()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``n`` (back to now) is in the footer only while the time is moved."""
        if action == "now":
            return self.offset != timedelta(0)
        return super().check_action(action, parameters)

    def action_refresh(self) -> None:
        if any(w.group == "refresh" and w.is_running for w in self.workers):
            self.notify("A refresh is already running", severity="warning")
            return
        self.notify("Refreshing CelesTrak, Launch Library 2 and prices…", timeout=3)
        self.run_refresh()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.KEY_HELP, legend()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Choose constellation", "Guowang, Qianfan, dawn-dusk, stations, all, yours", self.action_choose_view)
        yield SystemCommand("Passes over the observer", "Next passes of the shown satellites, visible ones starred", self.action_passes)
        yield SystemCommand("Choose observer", "Where passes are computed for (remembered)", self.action_choose_observer)
        yield SystemCommand("Refresh data", "CelesTrak, Launch Library 2 and prices, by their rules", self.action_refresh)
        yield SystemCommand("Toggle UTC/local times", "Launch times in UTC or local time", self.action_toggle_zone)
        yield SystemCommand("Help", "Keys, map legend, how to get data", self.action_help)
