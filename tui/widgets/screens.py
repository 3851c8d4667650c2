"""The two pop-up screens: choosing what the satellites panel shows, and the help screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tracker.text import visible

VIEW_HELP = {
    "guowang": "China's national SatNet network (CelesTrak HULIANWANG) and its launches",
    "qianfan": "Shanghai's Thousand Sails (QIANFAN) and its launches",
    "dawn-dusk": "sun-synchronous, LTAN within 1 h of 06:00/18:00, 700-800 km",
    "stations": "ISS and CSS (Tiangong) modules and their visiting vehicles",
    "all": "every satellite held",
}


class ViewPicker(ModalScreen[str]):
    """A list of views; Enter picks one, Escape keeps the current one."""

    BINDINGS = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, views: list[str], current: str) -> None:
        super().__init__()
        self._views, self._current = views, current

    def compose(self) -> ComposeResult:
        options = [
            Option(Text.assemble((visible(name), "bold"), "  ", (VIEW_HELP.get(name, "your constellation"), "dim")), id=name)
            for name in self._views
        ]
        picker = OptionList(*options, id="view-options")
        picker.border_title = "Show which satellites?"
        yield picker

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        picker.highlighted = self._views.index(self._current) if self._current in self._views else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class HelpScreen(ModalScreen[None]):
    """Every key, what the map's marks mean, and how to get data."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, keys: list[tuple[str, str]], legend: Text) -> None:
        super().__init__()
        self._keys, self._legend = keys, legend

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan")
        table.add_column()
        for key, description in self._keys:
            table.add_row(key, description)
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Help (Esc closes)"
            yield Static(Text("Keys", style="bold underline"))
            yield Static(table)
            yield Static(Text("\nMap", style="bold underline"))
            yield Static(self._legend)
            yield Static(Text.from_markup(HELP_TEXT))


HELP_TEXT = """
[bold underline]Panels[/]
[bold]Map[/]: the caption gives the selected satellite's geodetic height now; positions from
elements more than 14 days from the shown time are drawn dimmed (stale).
[bold]Satellites[/]: mean altitude (a - 6378 km), inclination, LTAN (local time of the ascending
node), sunlit or in shadow now, element age (stale beyond 14 days), and the launch batch's status
(raising, on-station, lowering, mixed) with stragglers stuck below their shell. Narrow, the table
leaves out inclination, LTAN and the catalog number first.
[bold]Launches[/]: newest first; orbit outcome and booster recovery are separate columns. Enter
shows a launch's details: fields, links, satellites, history.
[bold]Market reaction[/]: for the selected launch, each linked security's return on the first
session that could react (t0), its benchmark's, the abnormal return, CAR[0,+1] and limit flags.

[bold underline]Getting data[/]
Element sets: [bold]tracker tle import FILE[/] or [bold]tracker refresh[/] (or r here).
Prices: [bold]tracker markets import FILE[/] or [bold]tracker markets refresh[/].
Refreshes follow each source's rules (CelesTrak: not the same URL within 2 hours; Launch Library 2:
15 requests an hour) and share one lock with cron runs.
"""
