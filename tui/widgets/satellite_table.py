"""The satellites panel's table: one row per satellite of the chosen view, up to the whole catalogue.

Textual's ``DataTable`` measures every cell of every row it holds (seconds for 16,000 rows, on
the event loop), so this table renders lines itself (Textual's line API): the cell texts are made
for all rows at once by polars expressions, and only the rows on screen are ever styled and drawn.
"""

from __future__ import annotations

import polars as pl
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.text import visible_expr
from tui.text import abbreviate
from tui.widgets.sized_table import fitting

#: (header, key) of each column; the keys name the text columns :func:`cell_texts` makes.
#: ``Mean alt`` is the mean altitude (semi-major axis less 6378 km), not the height of the
#: moment the map's caption gives; ``Age`` is the age of the elements.
COLUMNS = (
    ("Name", "name"),
    ("NORAD", "norad"),
    ("Mean alt", "alt"),
    ("Inc°", "inc"),
    ("LTAN", "ltan"),
    ("Sun", "sun"),
    ("Age", "age"),
    ("Batch", "batch"),
)
#: The widest name shown (CelesTrak's names are at most 24 characters but for a few dozen):
#: longer ones are abbreviated without cutting a word; the map's caption gives them whole.
NAME_WIDTH = 24
#: Columns left out, first to last, while the table is narrower than its columns (the name,
#: the mean altitude and the element age always stay).
DROP = ("inc", "ltan", "norad", "sun", "batch")
_BATCH_STYLE = {"raising": "cyan", "on-station": "green", "lowering": "yellow", "mixed": "magenta"}
_SUN_WIDTH = len("sunlit")


def cell_texts(satellites: pl.DataFrame) -> pl.DataFrame:
    """The plain text of every cell (see :func:`tui.data.describe` for the input columns)."""
    minutes = (pl.col("ltan_h") * 60).round().cast(pl.Int64) % 1440
    clock = pl.format("{}:{}", (minutes // 60).cast(pl.String).str.zfill(2), (minutes % 60).cast(pl.String).str.zfill(2))
    stale = pl.when(pl.col("stale")).then(pl.lit(" stale")).otherwise(pl.lit(""))
    days = pl.col("age_days")
    age = pl.when(days.abs() >= 10).then(days.round(0).cast(pl.Int64).cast(pl.String)).otherwise(days.round(1).cast(pl.String))
    straggler = pl.when(pl.col("straggler")).then(pl.lit(" straggler")).otherwise(pl.lit(""))
    return satellites.select(
        visible_expr(pl.coalesce("name", "cospar", pl.lit("")))
        .map_batches(lambda names: pl.Series([abbreviate(n, NAME_WIDTH) for n in names.to_list()], dtype=pl.String))
        .alias("name"),
        pl.col("norad").cast(pl.String).alias("norad"),
        pl.format("{} km", pl.col("alt_km").round(0).cast(pl.Int64)).fill_null("—").alias("alt"),
        pl.col("inclination_deg").round(1).cast(pl.String).fill_null("—").alias("inc"),
        clock.fill_null("—").alias("ltan"),
        pl.format("{} d", age).add(stale).alias("age"),
        pl.col("group_status").fill_null("—").add(straggler).alias("batch"),
    )


def sun_cell(lit: bool | None) -> Text:
    """Sunlit or shadow as word and colour (never colour alone); unknown where SGP4 failed."""
    if lit is None:
        return Text("—", style="dim")
    return Text("sunlit", style="bold #ffd75f") if lit else Text("shadow", style="#8787ff")


def age_cell(text: str) -> Text:
    """Element age; stale ones (SGP4 errors grow to kilometres) in red as well as marked."""
    return Text(text, style="bold red" if text.endswith("stale") else "")


def batch_cell(text: str) -> Text:
    """The launch batch's status, and ``straggler`` when this member is stuck below its shell."""
    status, _, straggler = text.partition(" ")
    cell = Text(status, style=_BATCH_STYLE.get(status, "dim"))
    if straggler:
        cell.append(f" {straggler}", style="bold #ff8700")
    return cell


class SatelliteTable(ScrollView, can_focus=True):
    """Rows keyed by catalog number, a row cursor, the sun column following the live positions."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move(-1_000_000)", "First", show=False),
        Binding("end", "move(1_000_000)", "Last", show=False),
    ]
    COMPONENT_CLASSES = {"satellite-table--header", "satellite-table--cursor", "satellite-table--even"}

    class Highlighted(Message):
        """The cursor is on the row of satellite ``norad``."""

        def __init__(self, norad: int) -> None:
            super().__init__()
            self.norad = norad

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The satellites given to :meth:`show`, before filtering.
        self.source = pl.DataFrame(schema={"norad": pl.Int64})
        self._norads: list[int] = []
        self._texts: dict[str, list[str]] = {key: [] for _, key in COLUMNS if key != "sun"}
        self._sun: list[bool | None] = []
        self._row_of: dict[int, int] = {}
        self._widths = [cell_len(label) for label, _ in COLUMNS]
        self._shown = list(range(len(COLUMNS)))  # indices of the columns that fit
        self.cursor = 0

    @property
    def row_count(self) -> int:
        return len(self._norads)

    def show(self, satellites: pl.DataFrame, sun: dict[int, bool | None], text_filter: str = "") -> None:
        """Show ``satellites`` (see :func:`tui.data.describe`) matching the filter (a
        case-insensitive part of name, catalog number or COSPAR id), keeping the cursor's
        satellite; ``sun`` says which are sunlit now."""
        keep = self.cursor_norad()
        self.source = satellites
        needle = text_filter.strip().lower()
        if needle:
            hay = pl.concat_str(
                pl.col("name").fill_null(""), pl.col("norad").cast(pl.String), pl.col("cospar").fill_null(""), separator=" "
            )
            satellites = satellites.filter(hay.str.to_lowercase().str.contains(needle, literal=True))
        texts = cell_texts(satellites) if satellites.height else None
        self._texts = {key: [] if texts is None else texts[key].to_list() for _, key in COLUMNS if key != "sun"}
        self._norads = satellites["norad"].to_list()
        self._row_of = {norad: row for row, norad in enumerate(self._norads)}
        self._sun = [sun.get(norad) for norad in self._norads]
        self._widths = [
            max(cell_len(label), _SUN_WIDTH if key == "sun" else max(map(cell_len, self._texts[key]), default=0))
            for label, key in COLUMNS
        ]
        self._fit()
        self.cursor = -1
        self._move_to(self._row_of.get(keep, 0))
        self.refresh()

    def _fit(self) -> None:
        """Leave out the least useful columns (:data:`DROP`) that do not fit the width, one space
        before each (:func:`tui.widgets.sized_table.fitting`): a cut word would mislead, a
        missing column only hides."""
        bar = self.styles.scrollbar_size_vertical if self.row_count + 1 > self.size.height else 0
        available = max(0, self.size.width - bar) if self.size.width else 0
        keep = fitting({key: self._widths[i] + 1 for i, (_, key) in enumerate(COLUMNS)}, DROP, available)
        shown = [i for i, (_, key) in enumerate(COLUMNS) if key in keep]
        self._shown = shown
        self.virtual_size = Size(sum(self._widths[i] + 1 for i in shown), self.row_count + 1)

    def shown_columns(self) -> list[str]:
        """Keys of the columns on screen."""
        return [COLUMNS[i][1] for i in self._shown]

    def on_resize(self, event: events.Resize) -> None:
        self._fit()
        self.refresh()

    def clear(self) -> None:
        """No rows (while another view loads)."""
        self.show(self.source.clear(), {})

    def set_sun(self, norad: int, lit: bool | None) -> None:
        """One satellite crossed the terminator (ignored when its row is filtered out)."""
        row = self._row_of.get(norad)
        if row is not None:
            self._sun[row] = lit
            self.refresh()

    def row_cells(self, row: int) -> list[Text]:
        """The styled cells of one row, as drawn."""
        t = self._texts
        return [
            Text(t["name"][row]),
            Text(t["norad"][row]),
            Text(t["alt"][row]),
            Text(t["inc"][row]),
            Text(t["ltan"][row]),
            sun_cell(self._sun[row]),
            age_cell(t["age"][row]),
            batch_cell(t["batch"][row]),
        ]

    def cursor_norad(self) -> int | None:
        """Catalog number of the row under the cursor, if any."""
        return self._norads[self.cursor] if 0 <= self.cursor < self.row_count else None

    def select(self, norad: int) -> bool:
        """Move the cursor to ``norad``'s row; false when it is not shown."""
        row = self._row_of.get(norad)
        if row is None:
            return False
        self._move_to(row)
        return True

    # -- drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Line 0 is the header (it stays while the rows scroll); the others are rows."""
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            cells = [Text(label, style="bold") for label, _ in COLUMNS]
            base = self.get_component_rich_style("satellite-table--header")
        else:
            row = scroll_y + y - 1
            if row >= self.row_count:
                return Strip.blank(self.size.width, self.rich_style)
            cells = self.row_cells(row)
            component = "satellite-table--cursor" if row == self.cursor else "satellite-table--even" if row % 2 == 0 else None
            base = self.get_component_rich_style(component) if component else self.rich_style
        return self._strip(cells, base).crop(scroll_x, scroll_x + self.size.width).extend_cell_length(self.size.width, base)

    def _strip(self, cells: list[Text], base: Style) -> Strip:
        line = Text()
        for index in self._shown:
            cell = cells[index]
            cell.truncate(self._widths[index], pad=True)
            line.append(" ")
            line.append(cell)
        segments = list(line.render(self.app.console))
        return Strip(list(Segment.apply_style(segments, base)), line.cell_len)

    # -- moving ------------------------------------------------------------------------------

    def _move_to(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped), keep it on screen, and say so when it moved."""
        row = max(0, min(row, self.row_count - 1))
        moved = row != self.cursor
        self.cursor = row
        visible = max(1, self.size.height - 1)
        if row < self.scroll_y:
            self.scroll_to(y=row, animate=False)
        elif row >= self.scroll_y + visible:
            self.scroll_to(y=row - visible + 1, animate=False)
        self.refresh()
        if moved and self.row_count:
            self.post_message(self.Highlighted(self._norads[row]))

    def action_move(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 2))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move_to(int(self.scroll_y) + event.y - 1)
