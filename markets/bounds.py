"""The rules every daily bar obeys, wherever it comes from: a price file or a vendor's answer.

One wrong bar corrupts every return computed across it, so the file importer
(:mod:`markets.files`) and the market refresh (:mod:`markets.fetch`, for Yahoo and Eastmoney)
apply these same rules (:func:`bar_checks`):

==========  =========================================================================
date        in :data:`DATE_RANGE`, 1957-01-01 .. 2100-12-31 (the range the whole tool
            supports; older or later dates are typos or garbage)
prices      finite and > 0 (open, high, low, close)
high, low   high >= max(open, close) and low <= min(open, close), within
            :data:`TOLERANCE` (vendors round their prices separately, never by more)
volume      finite and >= 0, or null (unknown)
==========  =========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

__all__ = ["DATE_RANGE", "TOLERANCE", "bar_checks", "first_problem"]

#: Dates a bar may carry (both inclusive).
DATE_RANGE = (date(1957, 1, 1), date(2100, 12, 31))

#: Relative slack for high/low against open/close: float rounding of one vendor's prices
#: (1e-6 is far below a tick, so a real inconsistency is never let through).
TOLERANCE = 1e-6

PRICES = ("open", "high", "low", "close")


def bar_checks(val: Callable[[str], pl.Expr], show: Callable[[str], pl.Expr],
               labels: dict[str, str] | None = None) -> list[tuple[str, pl.Expr, pl.Expr]]:
    """(field, offending-row condition, message) for each rule, in the order a row is read.

    ``val(column)`` is the typed value (``date`` a Date, prices Float64), ``show(column)`` how a
    message shows it (the file's text, or the number), ``labels`` the column names to quote.
    Rows where a value is null pass (missing values are the caller's check).
    """
    labels = labels or {}
    low_date, high_date = DATE_RANGE
    checks = [("date", (val("date") < low_date) | (val("date") > high_date),
               pl.format("{} is outside the supported range 1957-01-01..2100-12-31", show("date")))]
    for c in PRICES:
        checks.append((c, val(c) <= 0, pl.format("{} is not a positive price", show(c))))
    checks.append(("volume", val("volume") < 0, pl.format("{} is negative", show("volume"))))
    opn, cls = val("open"), val("close")
    for c, word, pick_open, limit in (("high", "below", opn >= cls, pl.max_horizontal(opn, cls)),
                                      ("low", "above", opn <= cls, pl.min_horizontal(opn, cls))):
        which = (pl.when(pick_open).then(pl.lit(labels.get("open", "open") + " ") + show("open"))
                 .otherwise(pl.lit(labels.get("close", "close") + " ") + show("close")))
        bad = val(c) < limit * (1 - TOLERANCE) if c == "high" else val(c) > limit * (1 + TOLERANCE)
        checks.append((c, bad, pl.format(f"{{}} is {word} {{}}", show(c), which)))
    return checks


def first_problem(frame: pl.DataFrame) -> tuple[int, str, str] | None:
    """The first bar of a typed bar frame (``date``, ``open`` .. ``volume``) breaking a rule, as
    (row index, field, message); None when every bar is good. Non-finite numbers break the rules
    too (a NaN or infinite price or volume)."""
    val = pl.col
    finite = [(c, ~val(c).is_finite() & val(c).is_not_null(), pl.format("{} is not a finite number", val(c)))
              for c in (*PRICES, "volume")]
    checks = finite + bar_checks(val, lambda c: val(c).cast(pl.Utf8))
    indexed = frame.with_row_index("_row")
    found = pl.concat([
        indexed.lazy().filter(bad.fill_null(False)).head(1).select("_row", check=pl.lit(i), msg=msg.cast(pl.Utf8))
        for i, (_, bad, msg) in enumerate(checks)
    ]).sort("_row", "check").head(1).collect()
    if not found.height:
        return None
    row, check, message = found.row(0)
    return int(row), checks[check][0], message
