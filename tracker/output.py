"""Printing rows: an aligned text table for people, CSV and JSON (fixed column names) for tools.

CSV and JSON carry full columns with ``true``/``false`` booleans, ISO 8601 UTC times (``Z``) and
empty/null for values that cannot be computed; CSV cells cannot start a spreadsheet formula
(unless ``raw_csv``: the commands' ``--raw-csv``); written to a terminal rather than a file or
pipe, their control characters are shown escaped, as a table's are.
Tables round numbers for reading and state the time zone in the title. Every string passes
through :mod:`tracker.text` (control characters made visible, no markup), and a table is built
by polars expressions over whole columns, so printing 16,000 rows costs about what CSV does.
"""

from __future__ import annotations

import sys
from typing import TextIO

import polars as pl

from tracker.text import csv_safe_expr, display_width_expr, visible, visible_expr

FORMATS = ("table", "csv", "json")
_GAP = "  "


def _iso_utc(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(pl.Datetime).dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
    )


def emit(
    frame: pl.DataFrame, fmt: str, *, title: str | None = None, digits: dict[str, int] | None = None, out: TextIO | None = None,
    raw_csv: bool = False,
) -> None:
    """Write ``frame`` to ``out`` (stdout) as ``fmt``; ``digits`` rounds float columns; ``raw_csv``
    writes CSV string cells as they are (no apostrophe before a would-be formula)."""
    out = out or sys.stdout
    if digits:
        frame = frame.with_columns(pl.col(c).round(d) for c, d in digits.items() if c in frame.columns)
    # CSV and JSON keep text as stored (a file round-trips), except on a terminal: there they are
    # screen text like a table's, so control characters are shown, never obeyed.
    screen = out.isatty()
    if fmt == "csv":
        frame = _iso_utc(frame)
        if not raw_csv:
            frame = frame.with_columns(csv_safe_expr(pl.col(pl.String)))
        out.write((frame.with_columns(visible_expr(pl.col(pl.String))) if screen else frame).write_csv())
    elif fmt == "json":
        text = _iso_utc(frame).write_json()
        out.write((visible(text) if screen else text) + "\n")
    elif fmt == "table":
        out.write(table_text(frame, title, bold=out.isatty()))
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def table_text(frame: pl.DataFrame, title: str | None = None, *, bold: bool = False) -> str:
    """``frame`` as aligned text: a title, a header, a rule, one line per row (numbers right-aligned)."""
    numeric = {name for name, dtype in frame.schema.items() if dtype.is_numeric()}
    text = _iso_utc(frame).with_columns(visible_expr(pl.all().cast(pl.String)).fill_null(""))
    headers = {name: visible(name) for name in frame.columns}
    widths = text.select(display_width_expr(pl.all()).max()).row(0) if frame.height else (0,) * frame.width
    widths = [max(w or 0, len(h)) for w, h in zip(widths, headers.values(), strict=True)]

    def pad(value: pl.Expr, width: int, right: bool) -> pl.Expr:
        target = pl.lit(width) - display_width_expr(value) + value.str.len_chars()
        return value.str.pad_start(target) if right else value.str.pad_end(target)

    head = _GAP.join(h.rjust(w) if n in numeric else h.ljust(w) for (n, h), w in zip(headers.items(), widths, strict=True))
    rule = _GAP.join("-" * w for w in widths)
    lines = [visible(title)] if title else []
    lines += [f"\x1b[1m{head.rstrip()}\x1b[0m" if bold else head.rstrip(), rule]
    if frame.height:
        rows = text.select(
            pl.concat_str([pad(pl.col(n), w, n in numeric) for n, w in zip(frame.columns, widths, strict=True)], separator=_GAP)
            .str.strip_chars_end()
        ).to_series()
        lines.append("\n".join(rows.to_list()))
    else:
        lines.append("(no rows)")
    return "\n".join(lines) + "\n"
