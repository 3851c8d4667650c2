"""Daily bars in the database: merge new bars in, read them out as one polars frame.

Bars are held in yearly chunks (:data:`tracker.markets.models.price_chunk`). Merging is by
(security, date): a bar not held is added; a bar equal to the stored one changes nothing (so
re-importing a file is a no-op); a bar that *contradicts* the stored one is reported and the
stored bar kept, unless the caller asks to replace it. The caller owns the transaction, so an
import or refresh stores everything or nothing.

Adjustment factors. A bar may carry ``adj`` (:data:`FACTOR`), the factor that turns its return
into a total return: ``close * adj / previous close - 1`` (null: 1, nothing happened). It is not a
price, so it never contradicts: a factor arriving for a held bar is stored (``MergeCounts.factors``),
a bar arriving without one keeps the held one. (Schema revision 0003 added the column to
databases made before it.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl
from sqlalchemy import func, select, tuple_

from tracker.db import IN_BATCH, batches
from tracker.markets.models import price_chunk

PRICES = ("open", "high", "low", "close")
COLUMNS = ("date", *PRICES, "volume")
SCHEMA = {
    "security": pl.Utf8, "date": pl.Date,
    **{c: pl.Float64 for c in PRICES}, "volume": pl.Float64,
}
#: The optional column of a bar's adjustment factor (see the module docstring).
FACTOR = "adj"
#: Relative difference above which two prices of the same bar are said to contradict each other
#: (vendors round differently in the last place; anything visible to a person is a conflict).
TOLERANCE = 1e-6


@dataclass
class MergeCounts:
    """What a merge did; ``conflicts`` are human-readable lines, one per contradicting bar."""

    new: int = 0
    unchanged: int = 0
    replaced: int = 0
    conflicts: list[str] = field(default_factory=list)
    factors: int = 0  #: held bars that got a new adjustment factor


def any_factors(conn, securities: list[str]) -> bool:
    """Whether any bar of ``securities`` holds an adjustment factor (cheap: no blob is read)."""
    t = price_chunk.c
    return any(
        conn.execute(select(t.security).where(t.security.in_(batch), t.adj.is_not(None)).limit(1)).first()
        for batch in batches(securities, IN_BATCH)
    )


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def _unpack(batches: Iterable[Sequence], total: int, fields: tuple[str, ...] = (*PRICES, "volume")) -> pl.DataFrame:
    """Chunk rows, batch by batch, -> a bars frame of ``fields`` (about ``total`` bars: the
    count is a separate read); NaN volume (stored for missing) becomes null again.

    Each batch's packed arrays are copied straight into arrays of the final size, so the only
    new memory is the frame's own: joining all the blobs first, then converting, touched twice
    as much, and fresh memory is what a read of millions of bars mostly pays for."""
    days, data = np.empty(total, "<i4"), {c: np.empty(total, "<f8") for c in fields}
    names, counts, at = [], [], 0
    for batch in batches:
        size = sum(r.n for r in batch)
        # More bars than counted if written to between the two reads (no snapshot spans both).
        days, data = _room(days, at + size), {c: _room(v, at + size) for c, v in data.items()}
        days[at : at + size] = np.frombuffer(b"".join(r.date for r in batch), "<i4")
        for c in fields:
            blobs = (getattr(r, c) if getattr(r, c) is not None else _MISSING * r.n for r in batch)  # adj may be NULL
            data[c][at : at + size] = np.frombuffer(b"".join(blobs), "<f8")
        names += [r.security for r in batch]
        counts += [r.n for r in batch]
        at += size
    days, data = days[:at], {c: v[:at] for c, v in data.items()}
    schema = {c: t for c, t in {**SCHEMA, FACTOR: pl.Float64}.items() if c in ("security", "date", *fields)}
    return pl.DataFrame(
        {
            # One name per chunk, repeated by index in Rust: an object array of 12 M strings
            # took seconds to convert.
            "security": pl.Series(names, dtype=pl.Utf8).gather(np.repeat(np.arange(len(names)), counts)),
            "date": pl.Series(days, dtype=pl.Int32).cast(pl.Date),
            **data,
        },
        schema=schema,
    ).with_columns(pl.col(c).fill_nan(None) for c in fields if c in ("volume", FACTOR))


_MISSING = np.array([np.nan], "<f8").tobytes()


def _room(values: np.ndarray, size: int) -> np.ndarray:
    """``values``, grown if needed to hold ``size`` (with half as much again to spare)."""
    if size <= len(values):
        return values
    return np.concatenate([values, np.empty(size - len(values) + size // 2, values.dtype)])


def _pack(frame: pl.DataFrame) -> dict[str, bytes | None]:
    """One security-year of bars (sorted by date) -> the packed columns of its chunk; ``adj`` is
    NULL when no bar has a factor."""
    packed: dict[str, bytes | None] = {"date": frame["date"].cast(pl.Int32).to_numpy().astype("<i4").tobytes()}
    for c in (*PRICES, "volume", FACTOR):
        packed[c] = frame[c].fill_null(np.nan).to_numpy().astype("<f8").tobytes()
    if frame[FACTOR].null_count() == frame.height:
        packed[FACTOR] = None
    return packed


def read(
    conn,
    securities: list[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    fields: tuple[str, ...] = (*PRICES, "volume"),
) -> pl.DataFrame:
    """Bars of ``securities`` (all when None) between ``start`` and ``end`` inclusive, with the
    columns ``security``, ``date`` and ``fields`` (reading fewer columns is proportionally faster).
    Many securities are read :data:`~tracker.db.IN_BATCH` at a time (SQL bounds the parameters of
    a query), in security order as ever."""
    if securities is not None and len(securities) > IN_BATCH:
        return pl.concat([read(conn, batch, start, end, fields) for batch in batches(sorted(set(securities)))])
    table = price_chunk
    chosen = []
    if securities is not None:
        chosen.append(table.c.security.in_(securities))
    if start:
        chosen.append(table.c.year >= start.year)
    if end:
        chosen.append(table.c.year <= end.year)
    total = conn.execute(select(func.coalesce(func.sum(table.c.n), 0)).where(*chosen)).scalar()
    query = select(table.c.security, table.c.n, table.c.date, *(table.c[f] for f in fields)).where(*chosen)
    result = conn.execute(query.order_by(table.c.security, table.c.year).execution_options(yield_per=2000))
    frame = _unpack(result.partitions(), total, fields)
    if start:
        frame = frame.filter(pl.col("date") >= start)
    if end:
        frame = frame.filter(pl.col("date") <= end)
    return frame


def _held(conn, keys: list[tuple[str, int]]):
    """The stored chunks for (security, year) keys; in batches, as SQL limits bound parameters."""
    rows = []
    t = price_chunk.c
    wanted = [t.security, t.year, t.n, t.date, *(t[c] for c in (*PRICES, "volume")), t.sources, t.adj]
    for batch in batches(keys, IN_BATCH // 2):  # two parameters per key
        rows += conn.execute(select(*wanted).where(tuple_(t.security, t.year).in_(batch))).all()
    return rows


def merge(conn, bars: pl.DataFrame, source: str, replace: bool = False) -> MergeCounts:
    """Merge ``bars`` (columns of :data:`SCHEMA`, and optionally ``adj``) into the database inside
    ``conn``'s transaction."""
    adj = pl.col(FACTOR).cast(pl.Float64) if FACTOR in bars.columns else pl.lit(None, pl.Float64)
    bars = bars.select(*SCHEMA, adj.alias(FACTOR)).cast(SCHEMA).with_columns(year=pl.col("date").dt.year())
    keys = bars.select("security", "year").unique().sort("security", "year").rows()
    held_rows = _held(conn, keys)
    fields = (*PRICES, "volume", FACTOR)
    held = _unpack([held_rows], sum(r.n for r in held_rows), fields).with_columns(year=pl.col("date").dt.year())
    sources = {(r.security, r.year): json.loads(r.sources) for r in held_rows}

    joined = bars.join(held, on=["security", "date"], how="left", suffix="_held", coalesce=True)
    is_new = pl.col("close_held").is_null()
    differs = pl.any_horizontal(
        [_differs(pl.col(c), pl.col(f"{c}_held")) for c in (*PRICES, "volume")]
    ) & ~is_new
    new_factor = pl.col(FACTOR).is_not_null() & ~is_new & ~differs & _differs(pl.col(FACTOR), pl.col(f"{FACTOR}_held"))
    joined = joined.with_columns(new=is_new, conflict=differs, factor=new_factor)
    joined = joined.with_columns(pl.coalesce(FACTOR, f"{FACTOR}_held").alias(FACTOR))  # a held factor stays
    conflicts = joined.filter("conflict")
    counts = MergeCounts(
        new=joined["new"].sum(),
        unchanged=joined.height - joined["new"].sum() - conflicts.height,
        conflicts=[_describe(row, source) for row in conflicts.head(50).iter_rows(named=True)],
    )
    if conflicts.height > 50:
        counts.conflicts.append(f"... and {conflicts.height - 50} more contradicting bars from {source}")
    taken = joined.filter(pl.col("new") | (pl.col("conflict") & replace) | pl.col("factor")).select(*SCHEMA, FACTOR)
    counts.replaced = conflicts.height if replace else 0
    counts.factors = int(joined["factor"].sum())
    if taken.height:
        _write(conn, held, taken, sources, source)
    return counts


def _differs(new: pl.Expr, old: pl.Expr) -> pl.Expr:
    both = new.is_not_null() & old.is_not_null()
    return (both & ((new - old).abs() > TOLERANCE * old.abs().clip(lower_bound=1.0))) | (new.is_null() != old.is_null())


def _describe(row: dict, source: str) -> str:
    fields = ", ".join(
        f"{c} {row[f'{c}_held']} held, {row[c]} new" for c in (*PRICES, "volume") if row[c] != row[f"{c}_held"]
    )
    return f"{source}: {row['security']} {row['date']}: contradicts the stored bar ({fields}); kept the stored bar"


def _write(conn, held: pl.DataFrame, taken: pl.DataFrame, sources: dict, source: str) -> None:
    """Rewrite every chunk that gains or changes bars: stored bars not taken, plus taken ones."""
    taken = taken.with_columns(year=pl.col("date").dt.year())
    kept = held.join(taken.select("security", "date"), on=["security", "date"], how="anti")
    touched = taken.select("security", "year").unique()
    merged = pl.concat([kept.join(touched, on=["security", "year"], how="semi"), taken], how="vertical_relaxed")
    table = price_chunk
    inserts = []
    for (security, year), chunk in merged.sort("security", "year", "date").group_by(["security", "year"], maintain_order=True):
        was = sources.get((security, year))
        values = {"n": chunk.height, "sources": json.dumps(sorted({*(was or []), source})), **_pack(chunk)}
        if was is None:
            inserts.append({"security": security, "year": year, **values})
        else:
            conn.execute(table.update().where((table.c.security == security) & (table.c.year == year)).values(**values))
    if inserts:
        conn.execute(table.insert(), inserts)


def coverage(conn) -> pl.DataFrame:
    """Per security held: number of bars, first and last date (reads the date columns only)."""
    return (
        read(conn, fields=())
        .group_by("security")
        .agg(bars=pl.len(), first=pl.col("date").min(), last=pl.col("date").max())
        .sort("security")
    )
