"""A data table whose columns are sized from their content whenever it is filled.

Textual's ``DataTable`` measures new rows the next time its own message queue runs idle; until
then its columns are only as wide as their labels, and a table filled from another widget's
handler can stay that way until something else reaches it. Sizing the columns at fill time makes
the first frame after :meth:`SizedTable.fill` complete, and snapshots deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from tui.text import shown


def width(cell: object) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))


class SizedTable(DataTable):
    """Row cursor, zebra stripes, columns ``COLUMNS`` as (label, key) pairs."""

    COLUMNS: tuple[tuple[str, str], ...] = ()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.fill([])

    def fill(self, rows: Iterable[tuple[str, tuple]], labels: Mapping[str, str] | None = None) -> None:
        """Replace every row with ``rows`` of (row key, cells); ``labels`` renames columns by key.
        A cell given as a string is outside text: shown escaped, its markup not read."""
        rows = [(key, tuple(shown(c) if isinstance(c, str) else c for c in cells)) for key, cells in rows]
        self.clear(columns=True)
        for index, (label, key) in enumerate(self.COLUMNS):
            label = (labels or {}).get(key, label)
            self.add_column(label, key=key, width=max([cell_len(label), *(width(cells[index]) for _, cells in rows)]))
        for key, cells in rows:
            self.add_row(*cells, key=key)
