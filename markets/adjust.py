"""Adjustment factors: what turns a bar's price return into a total return.

A bar's factor ``adj`` makes its return ``close * adj / previous close - 1``: 1 (stored as null)
on an ordinary day; on the day a dividend ``D`` goes ex or a split gives ``s`` new shares for one,
``adj = s * P / (P - D)`` with ``P`` the previous close, the factor Yahoo and CRSP apply. Held per
bar rather than as a cumulative adjusted price, a factor does not change when later dividends
rescale a vendor's adjusted series, so bars fetched at different times stay consistent.

Two sources: a vendor's adjusted closes ``A`` beside traded closes ``C`` (Yahoo's ``adjclose``,
a download's ``Adj Close``), for which ``adj_t = (A_t / C_t) / (A_{t-1} / C_{t-1})``, and a list of
dividends and splits. Ratios within :data:`NOISE` of 1 are vendor rounding, not events: null.
"""

from __future__ import annotations

import polars as pl

#: Factors closer to 1 than this are rounding of the vendor's adjusted series (a dividend yield
#: of 0.001 % is not a dividend): stored as null.
NOISE = 1e-5


def _clean(factor: pl.Expr) -> pl.Expr:
    return pl.when((factor - 1).abs() >= NOISE).then(factor)


def from_adjusted(frame: pl.DataFrame, adjusted: str = "adj_close") -> pl.DataFrame:
    """``frame`` (``security, date, close`` and the adjusted close ``adjusted``) with ``adj``, each
    bar's factor from consecutive rows of one security (sorted by date here); null on a
    security's first row and where either close is missing. ``adjusted`` is dropped."""
    ratio = pl.col(adjusted) / pl.col("close")
    factor = (ratio / ratio.shift(1)).over("security", order_by="date")
    return frame.with_columns(adj=_clean(factor)).drop(adjusted)


def from_actions(bars: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """Factors of ``actions`` (``security, date`` ex-date, ``dividend`` cash per share before the
    split, ``split`` new shares per old share; nulls mean none) on ``bars`` (``security, date,
    close``): ``security, date, adj`` for the bars that are ex-dates. An ex-date without a bar,
    or whose security has no close before it, gets no factor (it is left out)."""
    prev = bars.sort("security", "date").select(
        "security", "date", prev=pl.col("close").shift(1).over("security")
    )
    found = actions.group_by("security", "date").agg(
        dividend=pl.col("dividend").fill_null(0.0).sum(), split=pl.col("split").fill_null(1.0).product()
    ).join(prev, on=["security", "date"], how="inner")
    factor = pl.col("split") * pl.col("prev") / (pl.col("prev") - pl.col("dividend"))
    return found.select("security", "date", adj=_clean(factor)).drop_nulls("adj").sort("security", "date")
