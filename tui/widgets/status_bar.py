"""The top line: the clock (or the time shown, when moved), how fresh the data is, and a refresh
in progress.

The line is made at three levels of detail and the widest that fits is shown, so that every
source's status stays on screen at 80 columns (abbreviated) rather than being cut off.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from tui.data import Freshness
from tui.times import age_text, offset_text, zone_name

#: Elements older than this (days) make the freshness figure red: positions drift by kilometres.
OLD_ELEMENTS_DAYS = 3.0
#: Short names of the sources for the narrowest line.
SHORT_LABELS = {"celestrak": "CelesTrak", "thespacedevs": "LL2", "eastmoney": "EM"}
FULL, SHORT, TINY = range(3)


def source_label(host: str) -> str:
    """``celestrak.org`` -> ``celestrak``, ``ll.thespacedevs.com`` -> ``thespacedevs``."""
    parts = host.split(".")
    return parts[-2] if len(parts) >= 2 and not host.replace(".", "").isdigit() else host


def _clock(text: Text, shown: datetime, zone: tzinfo, offset: timedelta, level: int) -> None:
    """The time shown in UTC, then in the local zone unless that is UTC too; when the time was
    moved (``offset`` from now), marked and followed by the offset."""
    moved = offset != timedelta(0)
    style = "bold black on yellow" if moved else "bold"
    utc = shown.astimezone(timezone.utc)
    text.append(("▶ " if moved else "") + (f"{utc:%Y-%m-%d %H:%M:%S} UTC" if level == FULL else f"{utc:%H:%M:%S} UTC"), style=style)
    if utc.astimezone(zone).utcoffset() != timedelta(0):
        local, name = shown.astimezone(zone), zone_name(shown, zone)
        text.append(f"  {local:%H:%M:%S} {name}" if level == FULL else f" {local:%H:%M} {name}", style="bold")
    if moved:
        text.append(f" (now {offset_text(offset)})" if level == FULL else f" {offset_text(offset)}", style="bold yellow")


def status_text(
    now: datetime, zone: tzinfo, fresh: Freshness | None, *, offset: timedelta = timedelta(0), level: int = FULL
) -> Text:
    """Clocks first (they always fit), then element age, then each source's last refresh.

    ``now`` is the real time; with ``offset`` the clock shows ``now + offset`` (time travel) and
    says so. ``level`` (:data:`FULL`, :data:`SHORT`, :data:`TINY`) abbreviates the line."""
    text = Text()
    _clock(text, now + offset, zone, offset, level)
    if fresh is None:
        return text
    bar = "  │ " if level == FULL else " │ "
    text.append(bar + ("elements " if level == FULL else "el "))
    if fresh.newest_epoch is None:
        text.append("none held", style="bold red")
    else:
        age = now - fresh.newest_epoch
        shown = age_text(age) if level == FULL else age_text(age).replace(" ", "")
        text.append(shown, style="bold red" if age.total_seconds() > OLD_ELEMENTS_DAYS * 86400 else "green")
        text.append(" old" if age.total_seconds() >= 0 and level == FULL else "")
    if not fresh.sources:
        text.append(bar + "never refreshed (r)", style="yellow")
    for source in fresh.sources:
        ok = source.last_success is not None and source.last_success == source.last_attempt
        label = source_label(source.name)
        text.append(bar + (SHORT_LABELS.get(label, label) if level == TINY else label) + " ")
        text.append("✔" if ok else f"✘{source.last_status or ''}", style="green" if ok else "bold red")
        if level != TINY:
            when = age_text(now - source.last_success) if source.last_success else "never ok"
            text.append(f" {when}" if level == FULL else f" {when.replace(' ', '')}")
    return text


class StatusBar(Horizontal):
    """Clocks and freshness on the left; the refresh progress bar on the right while one runs."""

    def compose(self) -> ComposeResult:
        yield Static(id="status-text")
        yield ProgressBar(total=1, show_eta=False, id="refresh-progress")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False

    def update(self, now: datetime, zone: tzinfo, fresh: Freshness | None, offset: timedelta = timedelta(0)) -> None:
        """The line for the real time ``now`` moved by ``offset``, as detailed as the width allows."""
        box = self.query_one("#status-text", Static)
        width = box.size.width or self.size.width
        text = status_text(now, zone, fresh, offset=offset, level=TINY)
        for level in (FULL, SHORT):
            candidate = status_text(now, zone, fresh, offset=offset, level=level)
            if candidate.cell_len <= width:
                text = candidate
                break
        box.update(text, layout=False)

    def progress(self, done: int, total: int) -> None:
        """Show the refresh at ``done`` of ``total`` steps; hidden again once done."""
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=done)
        bar.display = done < total
