"""A data table whose columns are sized from their content, and chosen to fit its width.

Textual's ``DataTable`` measures new rows the next time its own message queue runs idle; until
then its columns are only as wide as their labels, and a table filled from another widget's
handler can stay that way until something else reaches it. Sizing the columns at fill time makes
the first frame after :meth:`SizedTable.fill` complete, and snapshots deterministic.

A table never cuts a word to fit: when its columns are wider than the table, it first uses the
short forms of cells that have one (:attr:`SizedTable.SHORT`), then leaves out whole columns,
the least useful first (:attr:`SizedTable.DROP`), keeping every one that fits (:func:`fitting`);
it refits when resized. Columns are one space apart (no padding cell on either side).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from tracker.text import visible
from tui.text import shown


def width(cell: object) -> int:
    """Cells ``cell`` takes as drawn: a string as :func:`tui.text.shown` shows it (escaped)."""
    return cell.cell_len if isinstance(cell, Text) else cell_len(visible(cell))


def fitting(widths: Mapping[str, int], drop: tuple[str, ...], available: int) -> set[str]:
    """The columns (keys of ``widths``, each with its width) to show in ``available`` cells:
    every column not in ``drop``, then those of ``drop`` from the most useful (its end) to the
    least, each one that still fits. (All of them while the width is unknown, 0.)"""
    if not available or sum(widths.values()) <= available:
        return set(widths)
    shown = {key for key in widths if key not in drop}
    used = sum(widths[key] for key in shown)
    for key in reversed(drop):
        if used + widths[key] <= available:
            shown.add(key)
            used += widths[key]
    return shown


class SizedTable(DataTable):
    """Row cursor, zebra stripes, columns ``COLUMNS`` as (label, key) pairs."""

    COLUMNS: tuple[tuple[str, str], ...] = ()
    #: Keys of the columns to leave out, first to last, while the table is too narrow.
    DROP: tuple[str, ...] = ()
    #: Short forms of a column's text cells, used before any column is left out.
    SHORT: Mapping[str, Callable[[str], str]] = {}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cell_padding=0)
        self._rows: list[tuple[str, tuple]] = []
        self._labels: Mapping[str, str] = {}
        self._fitted_width = 0

    def on_mount(self) -> None:
        self.fill([])

    def fill(self, rows: Iterable[tuple[str, tuple]], labels: Mapping[str, str] | None = None) -> None:
        """Replace every row with ``rows`` of (row key, cells); ``labels`` renames columns by key.
        A cell given as a string is outside text: shown escaped, its markup not read."""
        self._rows, self._labels = list(rows), dict(labels or {})
        self._build()

    def shown_columns(self) -> list[str]:
        """Keys of the columns on screen."""
        return [column.key.value for column in self.columns.values()]

    def _build(self) -> None:
        keys = [key for _, key in self.COLUMNS]
        labels = [self._labels.get(key, label) for label, key in self.COLUMNS]
        rows = self._rows
        available = self._available()
        self._fitted_width = self.size.width

        def widths(rows: list[tuple[str, tuple]]) -> list[int]:
            return [max([cell_len(label), *(width(cells[i]) for _, cells in rows)]) + 1 for i, label in enumerate(labels)]

        sizes = widths(rows)
        if available and sum(sizes) > available and self.SHORT:
            rows = [
                (key, tuple(self.SHORT[k](c) if k in self.SHORT and isinstance(c, str) else c for k, c in zip(keys, cells, strict=True)))
                for key, cells in rows
            ]
            sizes = widths(rows)
        shown_keys = fitting(dict(zip(keys, sizes, strict=True)), self.DROP, available)
        self.clear(columns=True)
        for index, key in enumerate(keys):
            if key in shown_keys:
                self.add_column(labels[index], key=key, width=sizes[index])
        for key, cells in rows:
            self.add_row(*(shown(c) if isinstance(c, str) else c for k, c in zip(keys, cells, strict=True) if k in shown_keys), key=key)

    def _available(self) -> int:
        """Cells the columns may take: the width less a vertical scrollbar when rows overflow."""
        if not self.size.width:
            return 0
        bar = self.styles.scrollbar_size_vertical if len(self._rows) + 1 > self.size.height else 0
        return self.size.width - bar

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width == self._fitted_width or not self.COLUMNS:
            return
        row = self.cursor_row
        with self.prevent(DataTable.RowHighlighted):
            self._build()
            if self.row_count:
                self.move_cursor(row=min(row, self.row_count - 1))
