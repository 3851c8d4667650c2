"""The launches panel's table: the calendar newest first, orbit and booster kept apart.

Outcomes are words with a mark and a colour, so they read the same without colour (and to a
screen reader): a booster lost on a successful orbital flight shows as ``✔ orbit`` next to
``✘ lost``, never as one green or red row.
"""

from __future__ import annotations

from datetime import tzinfo

import polars as pl
from rich.text import Text
from textual.widgets import DataTable

from tracker.launches import vehicles
from tui.data import launch_name
from tui.times import net_text
from tui.widgets.sized_table import SizedTable

ORBIT = {
    "success": ("✔ orbit", "bold green"),
    "partial": ("◐ partial", "bold yellow"),
    "failure": ("✘ failed", "bold red"),
    "pending": ("… pending", "dim"),
    "unknown": ("? unknown", "dim"),
}
BOOSTER = {
    "attempted-succeeded": ("✔ recovered", "bold green"),
    "attempted-failed": ("✘ lost", "bold red"),
    "not-attempted": ("– expended", ""),
    "unknown": ("? unknown", "dim"),
}


def orbit_cell(outcome: str, status: str) -> Text:
    """The orbit outcome; a launch not flown yet shows its status (scheduled, go, hold...)."""
    if outcome == "pending" and status not in ("success", "partial", "failure"):
        return Text(f"… {status}", style="cyan")
    label, style = ORBIT.get(outcome, (outcome, ""))
    return Text(label, style=style)


def booster_cell(recovery: str) -> Text:
    label, style = BOOSTER.get(recovery, (recovery, ""))
    return Text(label, style=style)


class LaunchTable(SizedTable):
    """Rows keyed by launch id. Too narrow for every column, it abbreviates Long March and then
    leaves out the mission, the launch designator and the booster, in that order; never the
    time, the vehicle or the orbit outcome."""

    COLUMNS = (
        ("NET", "net"),
        ("Vehicle", "vehicle"),
        ("Orbit", "orbit"),
        ("Booster", "booster"),
        ("Batch", "cospar"),
        ("Mission", "mission"),
    )
    DROP = ("mission", "cospar", "booster")
    SHORT = {"vehicle": vehicles.short}

    def show(self, calendar: pl.DataFrame, zone: tzinfo, zone_label: str, text_filter: str = "") -> None:
        """Fill with ``calendar`` (see :func:`tui.data.launches`), times in ``zone`` (named
        ``zone_label`` in the header), keeping the cursor's launch; the filter is a
        case-insensitive part of vehicle, serial, mission, id or designator."""
        keep = self.cursor_launch()
        needle = text_filter.strip().lower()
        if needle:
            hay = pl.concat_str(
                [pl.col(c).fill_null("") for c in ("vehicle", "serial", "mission", "id", "cospar_launch")], separator=" "
            )
            calendar = calendar.filter(hay.str.to_lowercase().str.contains(needle, literal=True))
        rows = [
            (
                r["id"],
                (
                    net_text(r["net_utc"], r["net_precision"], zone),
                    launch_name(r),
                    orbit_cell(r["orbit_outcome"], r["status"]),
                    booster_cell(r["booster_recovery"]),
                    r["cospar_launch"] or "—",
                    r["mission"] or "",
                ),
            )
            for r in calendar.iter_rows(named=True)
        ]
        labels = {"net": f"NET {zone_label}"}
        if keep is None or keep not in {key for key, _ in rows}:
            self.fill(rows, labels=labels)  # the first row is highlighted: that selects it
            return
        # Refilled with the same launch still shown: the cursor goes back to it, without the
        # passing highlight of row 0 selecting (and loading the market of) another launch.
        with self.prevent(DataTable.RowHighlighted):
            self.fill(rows, labels=labels)
            self.select(keep)

    def cursor_launch(self) -> str | None:
        """Id of the launch under the cursor, if any."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def select(self, launch_id: str) -> bool:
        """Move the cursor to ``launch_id``; false when it is not shown."""
        if launch_id not in self.rows:
            return False
        self.move_cursor(row=self.get_row_index(launch_id))
        return True
