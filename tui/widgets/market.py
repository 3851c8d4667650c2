"""The market-reaction panel: how the securities linked to the selected launch moved.

A presenter only: it shows the frames :func:`tui.data.market_reaction` returns (one row per
security, daily closes for the price chart, and the CAR over event time for the chart beside
it) and says how to get prices when there are none.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tracker.text import visible
from tui.data import BARS_SCHEMA, NO_PRICES, PATH_SCHEMA, REACTION_SCHEMA
from tui.text import abbreviate, shown
from tui.widgets.sized_table import SizedTable

__all__ = ["NO_LAUNCH", "NO_PRICES", "CarChart", "MarketReaction", "PriceChart", "ReactionTable"]

NO_LAUNCH = "Select a launch to see how its linked securities moved."
#: Longest security name shown; longer ones are abbreviated (:func:`tui.text.abbreviate`).
NAME_WIDTH = 20
_BLOCKS = " ▁▂▃▄▅▆▇█"


def percent_cell(value: float | None) -> Text:
    """A return (a fraction) as a signed percentage; empty when it could not be computed."""
    if value is None:
        return Text("—", style="dim")
    return Text(f"{value * 100:+.2f}%", style="green" if value > 0 else "red" if value < 0 else "")


def flags_cell(limit_up: bool | None, limit_down: bool | None, no_trade: bool | None) -> Text:
    """Closing at a daily limit or not trading at t0, in words."""
    words = [w for w, on in (("limit up", limit_up), ("limit down", limit_down), ("no trade", no_trade)) if on]
    return Text(", ".join(words) or "—", style="bold yellow" if words else "dim")


class PriceChart(Widget):
    """One security's daily closes as columns of block characters, the t0 session marked."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._closes: pl.DataFrame = pl.DataFrame(schema={"date": pl.Date, "close": pl.Float64})
        self._t0: date | None = None
        self._symbol = ""

    def plot(self, symbol: str, closes: pl.DataFrame, t0: date | None) -> None:
        """Show ``closes`` (columns date, close) of ``symbol`` around ``t0``."""
        self._symbol, self._closes, self._t0 = symbol, closes.sort("date"), t0
        self.refresh()

    def render(self) -> Text:
        height, width = self.size.height - 1, self.size.width
        closes = self._closes.drop_nulls("close")
        if height < 1 or closes.is_empty():
            return shown(f"{self._symbol}: no closes around t0", style="dim")
        dates = closes["date"]
        at = dates.search_sorted(self._t0) if self._t0 is not None else len(dates) // 2
        start = max(0, min(at - width // 2, len(dates) - width))
        closes = closes.slice(start, width)
        values = closes["close"].to_numpy()
        low, high = float(values.min()), float(values.max())
        wide = max(1, width // len(values))  # few sessions: each one a wider column
        eighths = np.repeat(((values - low) / ((high - low) or 1.0) * (height * 8 - 1)).astype(int) + 1, wide)
        marked = np.repeat([d == self._t0 for d in closes["date"]], wide)
        out = Text()
        for row in range(height):
            floor = (height - 1 - row) * 8
            for level, is_t0 in zip(eighths, marked, strict=True):
                out.append(_BLOCKS[max(0, min(8, level - floor))], style="bold yellow" if is_t0 else "cyan")
            out.append("\n")
        first, last = closes["date"][0], closes["date"][-1]
        out.append(f"{visible(self._symbol)} {first:%Y-%m-%d}..{last:%Y-%m-%d}  close {low:,.2f}..{high:,.2f}", style="dim")
        if self._t0 is not None:
            out.append(f"  t0 {self._t0:%Y-%m-%d}", style="bold yellow")
        return out


class CarChart(Widget):
    """A launch's cumulative abnormal return over event time: the selected security's CAR as
    columns above or below zero, one per session from t0 (t0 marked), and the launch's
    equal-weighted portfolio in the caption: the event study's picture of one event."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._path = pl.DataFrame(schema=PATH_SCHEMA)
        self._portfolio: float | None = None
        self._symbol = ""

    def plot(self, symbol: str, path: pl.DataFrame, portfolio: float | None) -> None:
        """Show ``path`` (columns tau, car) of ``symbol``; ``portfolio`` is the launch's CAR over
        the same span."""
        self._symbol, self._path, self._portfolio = symbol, path.drop_nulls("car").sort("tau"), portfolio
        self.refresh()

    def render(self) -> Text:
        height, width = self.size.height - 1, self.size.width
        if height < 2 or self._path.is_empty():
            return shown(f"{self._symbol}: no CAR path (no abnormal return around t0)", style="dim")
        taus, cars = self._path["tau"].to_list(), self._path["car"].to_numpy()
        wide = max(1, width // len(taus))
        top, bottom = max(0.0, float(cars.max())), min(0.0, float(cars.min()))
        step = ((top - bottom) or 1.0) / height
        out = Text()
        for row in range(height):
            high = top - row * step
            low = high - step
            axis = low <= 0 < high  # the row holding zero: bars start at its middle
            for tau, car in zip(taus, cars, strict=True):
                if axis:
                    glyph = "▄" if car > 0 else ("▀" if car < 0 else "─")
                else:
                    glyph = "█" if (0 < car and low < car and high > 0) or (car < 0 and high > car and low < 0) else " "
                style = "bold yellow" if tau == 0 else ("green" if car > 0 else "red" if car < 0 else "dim")
                out.append(glyph * wide, style=style)
            out.append("\n")
        # The caption as far as it fits: the security's CAR at the last session, then the launch's.
        caption = f"CAR τ{taus[0]:+d}..{taus[-1]:+d} {cars[-1]:+.2%}"
        launch = "" if self._portfolio is None else f" · launch {self._portfolio:+.2%}"
        out.append(caption + (launch if len(caption + launch) <= width else ""), style="dim")
        return out


class ReactionTable(SizedTable):
    """One row per linked security, keyed by symbol: the figures the panel exists for first
    (return, benchmark return, abnormal return, CAR[0,+1], limit flags), then the name, t0 and
    its session, which are left out first when the panel is narrow."""

    COLUMNS = (
        ("Symbol", "symbol"),
        ("Ret", "ret"),
        ("Bench", "bench"),
        ("AR", "ar"),
        ("CAR[0,+1]", "car"),
        ("Flags", "flags"),
        ("Name", "name"),
        ("t0", "t0"),
        ("Session", "session"),
    )
    DROP = ("session", "t0", "name", "bench")


class MarketReaction(Vertical):
    """The reaction table and the chart of the security under the cursor, or why there is none."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._reactions = pl.DataFrame(schema=REACTION_SCHEMA)
        self._bars = pl.DataFrame(schema=BARS_SCHEMA)
        self._paths = pl.DataFrame(schema=PATH_SCHEMA)
        self._portfolio_car: float | None = None  # the portfolio's final CAR, once per show

    def compose(self) -> ComposeResult:
        yield Static(NO_LAUNCH, id="market-message")
        yield ReactionTable(id="market-table")
        with Horizontal(id="market-charts"):
            yield PriceChart(id="market-chart")
            yield CarChart(id="market-car")

    def on_mount(self) -> None:
        self._set_empty(NO_LAUNCH)

    def clear(self) -> None:
        """No launch selected."""
        self._set_empty(NO_LAUNCH)

    def show(self, reactions: pl.DataFrame, bars: pl.DataFrame, paths: pl.DataFrame, note: str | None = None) -> None:
        """One launch's reactions (see :data:`tui.data.REACTION_SCHEMA`; those with bars first,
        and the first selected), closes and CAR paths for the charts; ``note`` says why there
        are none."""
        if reactions.is_empty():
            self._set_empty(note or NO_PRICES)
            return
        self._reactions, self._bars, self._paths = reactions, bars, paths
        portfolio = paths.filter(pl.col("symbol").is_null()).drop_nulls("car").sort("tau")["car"]
        self._portfolio_car = portfolio[-1] if len(portfolio) else None
        self.query_one(ReactionTable).fill(
            (
                r["symbol"],
                (
                    r["symbol"],
                    percent_cell(r["ret"]),
                    percent_cell(r["bench_ret"]),
                    percent_cell(r["ar"]),
                    percent_cell(r["car_0_1"]),
                    flags_cell(r["limit_up"], r["limit_down"], r["no_trade"]),
                    abbreviate(visible(r["name"] or ""), NAME_WIDTH, keep_last=False),
                    f"{r['t0']:%Y-%m-%d}" if r["t0"] else "—",
                    r["session_class"] or "—",
                ),
            )
            for r in reactions.iter_rows(named=True)
        )
        self._set_empty(None)
        self._chart(0)

    def select(self, symbol: str) -> bool:
        """Move the cursor to ``symbol``; false when it is not shown."""
        table = self.query_one(ReactionTable)
        if symbol not in table.rows:
            return False
        table.move_cursor(row=table.get_row_index(symbol))
        return True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._chart(event.cursor_row)

    def _chart(self, row: int) -> None:
        if row >= self._reactions.height:
            return
        reaction = self._reactions.row(row, named=True)
        closes = self._bars.filter(pl.col("symbol") == reaction["symbol"]).select("date", "close")
        self.query_one(PriceChart).plot(reaction["symbol"], closes, reaction["t0"])
        path = self._paths.filter(pl.col("symbol") == reaction["symbol"]).select("tau", "car")
        self.query_one(CarChart).plot(reaction["symbol"], path, self._portfolio_car)

    def _set_empty(self, message: str | None) -> None:
        box = self.query_one("#market-message", Static)
        box.update(shown(message or ""))
        box.display = message is not None
        self.query_one(ReactionTable).display = message is None
        self.query_one("#market-charts").display = message is None
