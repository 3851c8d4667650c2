"""The passes screen: the next passes of the shown satellites over the chosen observer, with a
countdown to AOS and visible ones starred, and the selected pass on a polar sky plot (braille)
with the satellite moving along it while the pass is live; the observer picker.

The passes are ``tracker passes``' (:func:`tracker.services.passes.passes`, its window and
elevation defaults, one call in a worker) from the app's shown time, moved or not by time
travel, and searched again when the time is moved; satellites SGP4 could not propagate are
listed under the table, worded as ``tracker passes`` reports them.

Everything that reads the database or propagates runs in thread workers; once a second the
screen redraws the countdowns and the live position from what it holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone, tzinfo

import numpy as np
import polars as pl
from rich.cells import cell_len
from rich.text import Text
from sqlalchemy.engine import Engine
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tracker.observers import Observer
from tracker.services.passes import PassReport
from tracker.text import visible
from tui import braille, observing
from tui.text import shown, tail
from tui.times import countdown_text

#: The mark of a pass that can be seen (sunlit satellite, dark sky).
VISIBLE_MARK = "★"
#: The satellite's mark on the sky plot.
SATELLITE_MARK = "●"
#: Cells of the satellite column, fewest and most: as many as the screen leaves beside the other
#: columns and the sky plot; names longer than that keep their distinctive end (``…NG DIGUI-36``).
NAME_WIDTH, NAME_MAX_WIDTH = 14, 26
#: Cells the table takes besides the satellite column (its other columns, their padding, the
#: scroll bar) and the sky plot beside it.
_OTHER_CELLS = 66


def short_name(name: str | None, width: int = NAME_WIDTH) -> str:
    """``name`` in at most ``width`` cells (a CJK character is two), cut at the start:
    ``HULIANWANG DIGUI-186`` -> ``…ANG DIGUI-186``. Unlike :func:`tui.text.abbreviate`, which
    keeps the first words, this keeps the end: the passes of one constellation share the start
    of their names and differ by the serial number at the end."""
    name = name or ""
    return name if cell_len(name) <= width else "…" + tail(name, width - 1)


def polar_lines(az_deg: np.ndarray, el_deg: np.ndarray, rows: int, cols: int,
                at: tuple[float, float] | None = None) -> list[Text]:
    """A polar sky plot of ``rows`` x ``cols`` cells: zenith in the centre, the horizon the
    outer circle, north up and east right; the path (az, el in degrees) in braille dots, the
    30 and 60 degree rings dotted, and ``at`` (az, el) as :data:`SATELLITE_MARK`."""
    height, width = rows * 4, cols * 2
    grid = np.zeros((height, width), bool)
    cy, cx = (height - 1) / 2.0, (width - 1) / 2.0
    radius = min(cy, cx)

    def dots(az: np.ndarray, el: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = radius * (90.0 - np.clip(el, 0.0, 90.0)) / 90.0
        a = np.radians(az)
        return np.rint(cy - r * np.cos(a)).astype(int), np.rint(cx + r * np.sin(a)).astype(int)

    ring = np.linspace(0.0, 360.0, 241)
    for el, every in ((0.0, 1), (30.0, 3), (60.0, 3)):
        y, x = dots(ring[::every], np.full(len(ring[::every]), el))
        grid[np.clip(y, 0, height - 1), np.clip(x, 0, width - 1)] = True
    up = np.isfinite(az_deg) & np.isfinite(el_deg) & (el_deg >= 0.0)
    if up.any():
        # dense samples along the path, so that consecutive dots touch
        fine = np.linspace(0.0, len(az_deg) - 1.0, 8 * len(az_deg))
        az_f = np.degrees(np.unwrap(np.radians(az_deg)))
        y, x = dots(np.interp(fine, np.arange(len(az_deg)), az_f) % 360.0, np.interp(fine, np.arange(len(el_deg)), el_deg))
        keep = np.interp(fine, np.arange(len(el_deg)), el_deg) >= 0.0
        grid[np.clip(y[keep], 0, height - 1), np.clip(x[keep], 0, width - 1)] = True
    cells = braille.pack(grid)
    lines = [Text(braille.text(row), style="#5f87af") for row in cells]
    centre_row, centre_col = rows // 2, cols // 2
    for label, row, col in (("N", 0, centre_col), ("S", rows - 1, centre_col), ("W", centre_row, 0), ("E", centre_row, cols - 1)):
        lines[row] = _put(lines[row], col, label, "bold")
    if at is not None and np.isfinite(at[1]) and at[1] >= 0.0:
        y, x = dots(np.array([at[0]]), np.array([at[1]]))
        lines[min(int(y[0]) // 4, rows - 1)] = _put(lines[min(int(y[0]) // 4, rows - 1)], min(int(x[0]) // 2, cols - 1),
                                                    SATELLITE_MARK, "bold #ffd75f")
    return lines


def _put(line: Text, col: int, char: str, style: str) -> Text:
    plain = line.plain
    out = Text(plain[:col], style=line.style)
    out.append(char, style=style)
    out.append(plain[col + 1 :], style=line.style)
    return out


class ObserverPicker(ModalScreen[str]):
    """A list of observers (yours, then the bundled places); Enter picks one."""

    BINDINGS = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, observers: pl.DataFrame) -> None:
        super().__init__()
        self._observers = observers

    def compose(self) -> ComposeResult:
        options = [
            Option(Text.assemble((visible(row["name"]), "bold"), "  ",
                                 (f"{row['lat_deg']:.3f}, {row['lon_deg']:.3f}, {row['alt_m']:.0f} m", "dim"),
                                 ("  (current)" if row["default"] else "", "italic")), id=row["name"])
            for row in self._observers.iter_rows(named=True)
        ]
        picker = OptionList(*options, id="observer-options")
        picker.border_title = "Passes over which observer?"
        yield picker

    def on_mount(self) -> None:
        current = [i for i, d in enumerate(self._observers["default"].to_list()) if d]
        self.query_one(OptionList).highlighted = current[0] if current else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class PassesScreen(Screen):
    """The next passes of the shown satellites over the observer, and the sky plot."""

    DEFAULT_CSS = """
    PassesScreen #passes-title { height: 1; text-wrap: nowrap; text-overflow: ellipsis; background: $panel; }
    PassesScreen #passes-body { height: 1fr; }
    PassesScreen #passes-list { width: 1fr; height: 1fr; }
    PassesScreen #passes-table { width: 1fr; height: 1fr; }
    PassesScreen #sky { width: 28; height: 1fr; border: round $primary-darken-1; }
    PassesScreen #sky-plot { height: 1fr; }
    PassesScreen #sky-detail { height: 4; }
    PassesScreen #passes-notes { height: auto; max-height: 4; color: $warning; display: none; }
    """
    BINDINGS = [
        Binding("escape,p", "app.pop_screen", "Back"),
        Binding("o", "choose_observer", "Observer"),
    ]
    PLOT_ROWS, PLOT_COLS = 13, 26

    #: Lines of satellites not propagated shown under the table; more are counted.
    FAILED_LINES = 3

    def __init__(self, engine: Engine, fleet: pl.DataFrame, view: str, clock: Callable[[], datetime], zone: tzinfo | None = None,
                 on_observer: Callable[[Observer | None], object] | None = None, empty_reason: str = "") -> None:
        """``clock``: the app's shown time (now, or moved by time travel); ``empty_reason``: what to
        say when the view has no satellites (why, and how to get some)."""
        super().__init__()
        self.empty_reason = empty_reason
        self.on_observer = on_observer  # told of the observer chosen (the app marks it on the map)
        self.engine, self.fleet, self.view, self.clock = engine, fleet, view, clock
        self.zone = zone or timezone.utc
        self.observer: Observer | None = None
        self.passes = pl.DataFrame()
        self.selected: int | None = None  # row of self.passes
        self.path: tuple[np.ndarray, np.ndarray] | None = None
        self._times: tuple[list[datetime], list[datetime]] = ([], [])  # AOS and LOS of each pass
        self._over: set[int] = set()  # passes whose countdown already says "over"
        self._live_look = observing.LiveLook()  # the selected satellite's record and the site, kept between ticks

    def compose(self) -> ComposeResult:
        yield Static(id="passes-title")
        with Horizontal(id="passes-body"):
            with Vertical(id="passes-list"):
                yield DataTable(id="passes-table", cursor_type="row", zebra_stripes=True)
                yield Static(id="passes-notes")
            with Vertical(id="sky"):
                yield Static(id="sky-plot")
                yield Static(id="sky-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._columns()
        self.query_one("#sky").border_title = "Sky"
        self._title("Finding the observer…")
        self.load_observer()
        self.set_interval(1.0, self.tick)

    def _columns(self) -> int:
        """(Re)make the table's columns, the satellite column as wide as the screen allows; its width."""
        width = max(NAME_WIDTH, min(NAME_MAX_WIDTH, self.app.size.width - _OTHER_CELLS))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column(" ", width=1)
        table.add_column("satellite", width=width)
        table.add_columns("AOS in", "AOS UTC", "max", "min")
        return width

    def _title(self, text: str) -> None:
        self.query_one("#passes-title", Static).update(shown(text, style="bold"))

    # -- workers -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="observer", exit_on_error=False)
    def load_observer(self, name: str | None = None) -> None:
        """The default observer (after choosing ``name`` as the default), then its passes."""
        observer = observing.choose_observer(self.engine, name) if name else observing.chosen_observer(self.engine)
        self.app.call_from_thread(self._observer_chosen, observer)

    @work(thread=True, exclusive=True, group="passes", exit_on_error=False)
    def load_passes(self, observer: Observer) -> None:
        report = observing.next_passes(self.engine, self.view, observer, self.clock())
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_passes, observer, report)

    @work(thread=True, exclusive=True, group="path", exit_on_error=False)
    def load_path(self, row: dict, observer: Observer) -> None:
        path = observing.pass_path(self.fleet, row["norad"], observer, row["aos_utc"], row["los_utc"])
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_path, path)

    @work(thread=True, exclusive=True, group="observers", exit_on_error=False)
    def load_observers(self) -> None:
        listed = observing.observers(self.engine)
        self.app.call_from_thread(lambda: self.app.push_screen(ObserverPicker(listed), self._picked))

    # -- results -----------------------------------------------------------------------------

    def _observer_chosen(self, observer: Observer | None) -> None:
        self.observer = observer
        if self.on_observer is not None:
            self.on_observer(observer)
        if observer is None:
            self._title("No observer chosen: press o to choose one (remembered as `tracker observers default`)")
            self.load_observers()
            return
        self._title(f"Passes over {observer.name} · {self.view} · computing…")
        self.load_passes(observer)

    def _picked(self, name: str | None) -> None:
        if name is not None:
            self._title(f"Choosing {name}…")
            self.load_observer(name)

    def time_moved(self) -> None:
        """The app's shown time was moved (time travel): search again from it."""
        if self.observer is not None:
            self._title(f"Passes over {self.observer.name} · {self.view} · computing…")
            self.load_passes(self.observer)

    def _show_passes(self, observer: Observer, report: PassReport) -> None:
        found = report.frame
        self.passes, self.selected, self.path = found, None, None  # another observer: nothing selected yet
        self._times, self._over = (found["aos_utc"].to_list(), found["los_utc"].to_list()), set()
        now = self.clock()
        width = self._columns()
        table = self.query_one(DataTable)
        for i, row in enumerate(found.iter_rows(named=True)):
            table.add_row(
                Text(VISIBLE_MARK if row["visible"] else "", style="bold #ffd75f"),
                shown(short_name(row["name"], width)),
                self._countdown(row["aos_utc"], row["los_utc"], now),
                row["aos_utc"].astimezone(timezone.utc).strftime("%H:%M:%S"),
                Text(f"{row['tca_el_deg']:.0f}°", justify="right"),
                Text(f"{row['duration_s'] / 60:.0f}", justify="right"),
                key=str(i),
            )
        seen = int(found["visible"].sum()) if found.height else 0
        hours = (report.end - report.start).total_seconds() / 3600.0
        failed = report.not_propagated()
        self._title(f"Passes over {observer.name} · {self.view} · next {hours:g} h from "
                    f"{report.start:%H:%M} UTC: {found.height}, {seen} visible {VISIBLE_MARK}"
                    + (f", {len(failed)} not propagated" if failed else ""))
        self._show_notes(failed or ([self.empty_reason] if self.fleet.is_empty() and self.empty_reason else []))
        if found.height:
            self._select(0)
        else:
            self._plot()

    def _show_notes(self, lines: list[str]) -> None:
        """Under the table: the satellites not propagated, as ``tracker passes`` words them (the
        first few), or why the view has none."""
        box = self.query_one("#passes-notes", Static)
        box.display = bool(lines)
        more = len(lines) - self.FAILED_LINES
        if more > 0:
            lines = [*lines[: self.FAILED_LINES - 1], f"… and {more + 1} more not propagated"]
        box.update(Text("\n").join(shown(line) for line in lines))

    def _show_path(self, path: tuple[np.ndarray, np.ndarray]) -> None:
        self.path = path
        self._plot()

    # -- selection and the live parts ---------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._select(int(event.row_key.value))

    def _select(self, index: int) -> None:
        if index == self.selected or self.observer is None or index >= self.passes.height:
            return
        self.selected, self.path = index, None
        self.load_path(self.passes.row(index, named=True), self.observer)
        self._plot()

    @staticmethod
    def _countdown(aos: datetime, los: datetime, now: datetime) -> Text:
        if los <= now:
            return Text("over", style="dim")
        if aos <= now:
            return Text("LIVE", style="bold green")
        return Text(countdown_text(aos - now).removeprefix("T-"))

    def tick(self) -> None:
        """Once a second: the countdowns of the rows in view (from the table's scroll offset and
        height; a row scrolled into view is brought up to date on the next tick) but not of the
        passes already shown as over, and the live position on the sky plot."""
        if self.passes.is_empty():
            return
        now = self.clock()
        table = self.query_one(DataTable)
        column = table.ordered_columns[2].key
        aos, los = self._times
        first = max(int(table.scroll_offset.y), 0)
        for row in table.ordered_rows[first: first + table.size.height]:
            i = int(row.key.value or 0)
            if i in self._over or i >= len(aos):
                continue
            table.update_cell(row.key, column, self._countdown(aos[i], los[i], now))
            if los[i] <= now:
                self._over.add(i)
        self._plot()

    def _plot(self) -> None:
        plot = self.query_one("#sky-plot", Static)
        detail = self.query_one("#sky-detail", Static)
        if self.selected is None or self.observer is None:
            plot.update(Text("\n".join(t.plain for t in polar_lines(np.empty(0), np.empty(0), self.PLOT_ROWS, self.PLOT_COLS))))
            detail.update(Text("no pass selected", style="dim"))
            return
        row = self.passes.row(self.selected, named=True)
        now = self.clock()
        live = self._live_look(self.fleet, row["norad"], self.observer, now)
        at = None
        if live is not None and live["el_deg"] is not None and row["aos_utc"] <= now < row["los_utc"]:
            at = (live["az_deg"], live["el_deg"])
        az, el = self.path if self.path is not None else (np.empty(0), np.empty(0))
        plot.update(Text("\n").join(polar_lines(az, el, self.PLOT_ROWS, self.PLOT_COLS, at)))
        text = Text.assemble((visible(row["name"]), "bold"), f" {row['norad']}\n")
        text.append(f"max {row['tca_el_deg']:.0f}° at {row['tca_utc'].astimezone(self.zone):%H:%M:%S}"
                    f"{' ' + VISIBLE_MARK if row['visible'] else ''}\n")
        if live is not None and live["el_deg"] is not None:
            text.append(f"now az {live['az_deg']:.0f}° el {live['el_deg']:.0f}°\n{live['range_km']:,.0f} km "
                        f"{live['range_rate_km_s']:+.2f} km/s", style="bold" if at else "dim")
        detail.update(text)

    def action_choose_observer(self) -> None:
        self.load_observers()

