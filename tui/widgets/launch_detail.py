"""A launch's details, over the panels: every field with its precision, the history of its
changes and who made them, its sources and Launch Library 2 links, and its satellites with their
mean altitude and their batch's status. A presenter of :class:`tracker.services.launches.LaunchDetail`.

Links are shown as their full text (so they can be read and copied) and carry a hyperlink style
only when :func:`tracker.text.web_url` accepts them; all text from outside goes through
:func:`tui.text.shown`.
"""

from __future__ import annotations

from datetime import timezone
from typing import Any

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tracker.launches.store import as_text, render_net
from tracker.launches.vehicles import full
from tracker.text import web_url
from tui.text import shown
from tui.widgets.launch_table import booster_cell, orbit_cell

#: The fields in reading order, with their labels (the record's other fields are not for people).
FIELDS = (
    ("mission", "Mission"), ("mission_zh", "Mission (zh)"), ("vehicle", "Vehicle"), ("serial", "Serial"),
    ("provider", "Provider"), ("site", "Site"), ("constellation", "Constellation"), ("cospar_launch", "Designator"),
    ("window_start", "Window opens"), ("window_end", "Window closes"), ("status", "Status"),
    ("landing_type", "Landing"), ("landing_location", "Landing at"), ("landing_downrange_km", "Downrange km"),
    ("announced_utc", "Announced"), ("notes", "Notes"), ("ll2_id", "LL2 id"), ("origin", "Added by"),
)


def link(url: str) -> Text:
    """``url`` as text, a hyperlink only when it is a safe web URL."""
    safe = web_url(url)
    return shown(url, style=Style(link=safe, underline=True, color="cyan") if safe else "")


def fields_table(detail: Any) -> Table:
    rec = detail.record
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("NET", Text(f"{render_net(rec['net_utc'], rec['net_precision'])} UTC  (known to the {rec['net_precision']})"))
    table.add_row("Orbit", orbit_cell(rec["orbit_outcome"], rec["status"]))
    table.add_row("Booster", booster_cell(rec["booster_recovery"]))
    for name, label in FIELDS:
        value = rec.get(name)
        if value in (None, "", []):
            continue
        if name == "vehicle":
            value = full(rec["vehicle"], rec["variant"])
        text = shown(f"{value.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC" if hasattr(value, "astimezone") else as_text(value))
        if name in detail.user_fields:
            text.append("  (set by a person)", style="yellow")
        table.add_row(label, text)
    for name, says in detail.differences:
        table.add_row("", shown(f"{name}: the bundled calendar says {says}", style="yellow"))
    return table


def links_text(detail: Any) -> Text:
    rec = detail.record
    out = Text()
    for label, url in (("LL2 record", rec.get("ll2_url")), ("Webcast", rec.get("webcast_url"))):
        if url:
            out.append(f"{label}: ", style="bold")
            out.append_text(link(url))
            out.append("\n")
    for url in rec.get("sources") or []:
        out.append("Source: ", style="bold")
        out.append_text(link(url))
        out.append("\n")
    if not out:
        out.append("No source or link recorded.", style="dim")
    out.rstrip()
    return out


def history_table(detail: Any) -> Table | Text:
    history = detail.history
    if history.is_empty():
        return Text("No change recorded.", style="dim")
    table = Table("UTC", "Field", "Was", "Now", "By", box=None, padding=(0, 1), header_style="bold")
    for row in history.iter_rows(named=True):
        table.add_row(
            f"{row['time']:%Y-%m-%d %H:%M}", shown(row["field"]), shown(row["old"] if row["old"] is not None else "—"),
            shown(row["new"] if row["new"] is not None else "—"), shown(row["origin"]),
        )
    return table


def satellites_table(detail: Any) -> Table | Text:
    sats = detail.satellites
    designator = detail.record.get("cospar_launch")
    if sats.is_empty():
        why = "no launch designator yet" if not designator else f"none of {designator} held: `tracker refresh` or `tracker tle import`"
        return shown(f"Satellites: {why}.", style="dim")
    table = Table("Name", "NORAD", "Mean alt", "km/day", "Trend", box=None, padding=(0, 1), header_style="bold")
    for row in sats.iter_rows(named=True):
        trend = shown(row["trend"] or "—")
        if row["straggler"]:
            trend.append(" straggler", style="bold #ff8700")
        table.add_row(
            shown(row["name"] or row["cospar"] or "?"), str(row["norad"]),
            "—" if row["alt_km"] is None else f"{row['alt_km']:,.0f} km",
            "—" if row["rate_km_per_day"] is None else f"{row['rate_km_per_day']:+.2f}".replace("-0.00", "+0.00"), trend,
        )
    return table


class LaunchDetailScreen(ModalScreen[str | None]):
    """One launch; Esc closes, ``m`` closes and shows its satellites on the map (dismissed with
    the launch's constellation)."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close"), Binding("m", "on_map", "Show on map")]

    def __init__(self, detail: Any, title: str) -> None:
        super().__init__()
        self.detail, self._title = detail, title

    def compose(self) -> ComposeResult:
        detail = self.detail
        rec = detail.record
        with VerticalScroll(id="detail-body") as body:
            body.border_title = shown(f"{self._title} (Esc closes, m: on the map)")
            yield Static(fields_table(detail), id="detail-fields")
            yield Static(Text("\nLinks", style="bold underline"))
            yield Static(links_text(detail), id="detail-links")
            count = detail.satellites.height
            batch = f"{rec.get('cospar_launch')}: {count} held, batch {detail.batch_status}" if count else ""
            title = Text("\n", style="bold underline").append_text(shown(f"Satellites  {batch}".rstrip(), style="bold underline"))
            yield Static(title, id="detail-satellites-title")
            yield Static(satellites_table(detail), id="detail-satellites")
            yield Static(Text("\nHistory of changes", style="bold underline"))
            yield Static(history_table(detail), id="detail-history")

    def action_on_map(self) -> None:
        self.dismiss(self.detail.record.get("constellation") or "all")
