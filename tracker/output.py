"""Printing rows: a rich table for people, CSV and JSON (fixed column names) for other tools.

CSV and JSON carry full columns with ``true``/``false`` booleans, ISO 8601 UTC times (``Z``) and
empty/null for values that cannot be computed. Tables round numbers for reading and state the
time zone in the title.
"""

from __future__ import annotations

import sys
from typing import TextIO

import polars as pl

FORMATS = ("table", "csv", "json")


def _iso_utc(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(pl.Datetime).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
    )


def emit(frame: pl.DataFrame, fmt: str, *, title: str | None = None, digits: dict[str, int] | None = None, out: TextIO | None = None) -> None:
    """Write ``frame`` to ``out`` (stdout) as ``fmt``; ``digits`` rounds float columns."""
    out = out or sys.stdout
    if digits:
        frame = frame.with_columns(pl.col(c).round(d) for c, d in digits.items() if c in frame.columns)
    if fmt == "csv":
        out.write(_iso_utc(frame).write_csv())
    elif fmt == "json":
        out.write(_iso_utc(frame).write_json() + "\n")
    elif fmt == "table":
        _table(frame, title, out)
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _table(frame: pl.DataFrame, title: str | None, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for name, dtype in frame.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left", no_wrap=dtype.is_numeric())
    text = _iso_utc(frame).with_columns(pl.all().cast(pl.String).fill_null(""))
    for row in text.iter_rows():
        table.add_row(*row)
    if frame.is_empty():
        table.caption = "no rows"
    # A pipe or file gets the table at its natural width; a terminal gets it fitted to the screen.
    Console(file=out, width=None if out.isatty() else 10_000).print(table)
