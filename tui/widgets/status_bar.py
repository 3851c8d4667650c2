"""The top line: UTC and local clocks, how fresh the data is, and a refresh in progress."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from tui.data import Freshness
from tui.times import age_text, zone_name

#: Elements older than this (days) make the freshness figure red: positions drift by kilometres.
OLD_ELEMENTS_DAYS = 3.0


def source_label(host: str) -> str:
    """``celestrak.org`` -> ``celestrak``, ``ll.thespacedevs.com`` -> ``thespacedevs``."""
    parts = host.split(".")
    return parts[-2] if len(parts) >= 2 and not host.replace(".", "").isdigit() else host


def status_text(now: datetime, zone: tzinfo, fresh: Freshness | None) -> Text:
    """Clocks first (they always fit), then element age, then each source's last refresh."""
    text = Text()
    text.append(f"{now.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC", style="bold")
    text.append(f"  {now.astimezone(zone):%H:%M:%S} {zone_name(now, zone)}", style="bold")
    if fresh is None:
        return text
    text.append("  │ elements ")
    if fresh.newest_epoch is None:
        text.append("none held", style="bold red")
    else:
        age = now - fresh.newest_epoch
        text.append(age_text(age), style="bold red" if age.total_seconds() > OLD_ELEMENTS_DAYS * 86400 else "green")
        text.append(" old" if age.total_seconds() >= 0 else "")
    if not fresh.sources:
        text.append("  │ never refreshed (r)", style="yellow")
    for source in fresh.sources:
        ok = source.last_success is not None and source.last_success == source.last_attempt
        text.append(f"  │ {source_label(source.name)} ")
        text.append("✔" if ok else f"✘{source.last_status or ''}", style="green" if ok else "bold red")
        text.append(f" {age_text(now - source.last_success) if source.last_success else 'never ok'}")
    return text


class StatusBar(Horizontal):
    """Clocks and freshness on the left; the refresh progress bar on the right while one runs."""

    def compose(self) -> ComposeResult:
        yield Static(id="status-text")
        yield ProgressBar(total=1, show_eta=False, id="refresh-progress")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False

    def update(self, now: datetime, zone: tzinfo, fresh: Freshness | None) -> None:
        self.query_one("#status-text", Static).update(status_text(now, zone, fresh), layout=False)

    def progress(self, done: int, total: int) -> None:
        """Show the refresh at ``done`` of ``total`` steps; hidden again once done."""
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=done)
        bar.display = done < total
