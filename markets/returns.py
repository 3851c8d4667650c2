"""Event returns: how a security moved on the first session that could reflect an event.

Inputs are ``pairs`` (``event_id, security, benchmark, calendar, t0, limit_pct``: one row per
event and security, ``t0`` from :func:`markets.sessions.place_events`) and daily ``bars``
(``security, date, open, high, low, close, volume``) for securities and benchmarks alike.

The session grid. Every series lives on its exchange's session grid (``n`` from
:func:`markets.sessions.session_number`), one row per session from its first bar on, so a day
without a bar is a *missing value*, never a skipped day: a stock suspended for a week does not get
a "daily" return spanning the week in its estimation window, and "t0 + 1" is the next session even
when the stock did not trade in it. Bars dated on non-sessions are ignored; the benchmark is read
on the pair's calendar.

Definitions (returns are fractions, ``0.1`` = 10 %; all are null when they cannot be computed,
never 0):

- ``prev_close``: the close of the session before ``t0``. A suspended stock resumes from its last
  close, so when that session has no bar it is the most recent close before ``t0``;
  ``close``: the close at ``t0``; ``ret = close / prev_close - 1``. The same rule gives the return
  of every session ``r_n`` used in the event windows. ``bench_ret`` is the benchmark's return by
  the same rule on the same session, ``ar = ret - bench_ret`` (market-adjusted). On the day a
  stock resumes, ``ret`` spans its whole suspension while ``bench_ret`` spans one session: such an
  ``ar`` mixes the event with everything the market did meanwhile.
- Market model: ``alpha`` and ``beta`` by OLS of the security's one-session returns on the
  benchmark's over the ``est_len`` sessions ending ``gap`` sessions before ``t0`` (the last one is
  ``t0 - gap``), so the event cannot leak into its own normal return. Only sessions where both
  series also traded the session before count (a resumption return spans several sessions);
  ``n_est`` counts them and alpha/beta are null when ``n_est < min_est``.
  ``ar_mm = ret - (alpha + beta * bench_ret)``.
- CARs sum per-session abnormal returns over session offsets ``[0, +1]``, ``[-1, +1]`` and
  ``[0, +5]`` from ``t0``: ``car_*`` market-adjusted, ``car_mm_*`` with the event's alpha and beta.
  A session in the window without a security or benchmark return makes the CAR null.
- Price limits. The exchange applies the daily limit to the previous close and rounds the limit
  price half up to the 0.01 CNY tick, so ``limit_up`` is ``close >= round(prev_close * (1 +
  limit_pct / 100), 2)`` (1e-9 tolerance) and ``limit_down`` the mirror image. With no limit
  (``limit_pct`` null: Hong Kong, US, indices) both are False; without a close they are null.
  A close at the limit means the price was capped: the true reaction is larger than ``ret``.
- ``no_trade``: no bar at ``t0`` or a volume of 0.

Speed. Nothing scans a window per pair, and the big frames are never joined. All series sit in
one frame sorted by (series, ``n``), each behind a lead-in of ``est_len + gap`` empty rows, so the
row of (series, n) is arithmetic: bars are scattered in and pairs gathered out by position, and a
window that starts before a series' first bar reads empty rows, never the previous series.
Cumulative sums of ``1, x, y, xy, x²`` (benchmark ``x``, security ``y``, zeros where either return
is missing, so that the count is null-aware) give any estimation window's sums as the difference
of two rows; each pair gathers those, its closes and its window's returns.

Numerics. Centring is not needed: OLS from raw sums loses about ``log10(1 + mean²/variance)``
digits, and daily returns have a mean near 0.001 against a standard deviation near 0.02 (a loss
of 0.001 digits). Differences of long cumulative sums carry the running total's rounding error,
~1e-16 x 5,000 (x² summed over 12 million daily returns) against window sums near 0.05: a
relative error below 1e-11 (on 12 million synthetic bars, alpha and beta of the last series in
the grid agree with numpy.polyfit to 1e-14). That noise is why ``beta`` is null, rather than
huge, when the benchmark's return variance in the window is below 1e-10 (it did not move).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from markets.sessions import session_number

#: Event windows as (first, last) session offsets from t0: column suffix -> window.
WINDOWS = {"0_1": (0, 1), "m1_1": (-1, 1), "0_5": (0, 5)}

OUTPUT = ("prev_close", "close", "ret", "bench_ret", "ar", "ar_mm", "alpha", "beta", "n_est",
          *(f"car_{s}" for s in WINDOWS), *(f"car_mm_{s}" for s in WINDOWS), "limit_up", "limit_down", "no_trade")

_SUMMARY = ("ar", "ar_mm", "car_0_1", "car_m1_1", "car_0_5")


def _at(table: pl.DataFrame, column: str, key: str) -> pl.Expr:
    """``table[column]`` for each row's ``key`` (keys number the rows of ``table`` from 0)."""
    return pl.lit(table[column]).gather(pl.col(key))


def _session_n(calendars: list[str], dates: str) -> pl.Expr:
    """Session number of ``dates`` on each row's own ``calendar`` (null if not a session)."""
    by_calendar = [pl.when(pl.col("calendar") == c).then(session_number(c, pl.col(dates))) for c in calendars]
    return pl.coalesce([*by_calendar, pl.lit(None, pl.Int32)])


def _keys(pairs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Number what gets a grid: ``combos`` (security, benchmark, calendar) and ``benches``
    (benchmark, calendar), and ``series`` (security, calendar) whose bars feed them (``sid``)."""
    combos = pairs.select("security", "benchmark", "calendar").unique().drop_nulls(["security", "calendar"])
    combos = combos.sort(pl.all(), nulls_last=True)
    benches = combos.select("benchmark", "calendar").unique().sort(pl.all(), nulls_last=True).with_row_index("bid")
    series = pl.concat([combos.select("security", "calendar"), benches.select("calendar", security="benchmark")],
                       how="diagonal")
    series = series.unique().with_row_index("sid")
    combos = combos.with_row_index("combo").join(benches, on=["benchmark", "calendar"], maintain_order="left",
                                                  nulls_equal=True)
    combos = combos.join(series, on=["security", "calendar"], maintain_order="left")
    benches = benches.join(series, left_on=["benchmark", "calendar"], right_on=["security", "calendar"], how="left",
                           maintain_order="left")
    return combos, benches, series


def _grid(keys: pl.DataFrame, key: str, bars: pl.DataFrame, pad: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Daily series of each key on its session grid: ``(info, grid)``.

    ``keys`` numbers the series 0..K-1 and gives each the ``last`` session to cover; ``bars`` holds
    ``key, n, close, volume``. The grid is one frame sorted by (key, n); a key's rows run from
    ``start`` = ``pad`` sessions before its ``first`` bar (empty rows) to ``last``, so the row of
    (key, n) is ``offset + n - start``: bars are scattered in and pairs gathered out by position,
    without joins, and the empty lead-in keeps windows from reaching into the previous key.
    Columns: ``close, volume``; ``prev_close``, the last close before the session within the key;
    ``r`` the return since then; ``r1``, ``r`` only when the session before has a bar.
    """
    info = keys.join(bars.group_by(key).agg(first=pl.col("n").min()), on=key, how="left", maintain_order="left")
    info = info.with_columns(start=pl.col("first") - pad).with_columns(
        length=(pl.col("last") - pl.col("start") + 1).fill_null(0).clip(0)
    ).with_columns(offset=pl.col("length").cum_sum() - pl.col("length"))
    ids = np.repeat(np.arange(info.height, dtype=np.uint32), info["length"].to_numpy())
    base = (info["start"].fill_null(0) - info["offset"]).to_numpy()
    grid = pl.DataFrame({key: ids, "n": (np.arange(ids.size) + base[ids]).astype(np.int32)})
    pos = bars.select(_at(info, "offset", key) + pl.col("n") - _at(info, "start", key)).to_series()
    bar = pl.repeat(None, grid.height, dtype=pl.UInt32, eager=True)
    bar.scatter(pos, pl.int_range(bars.height, dtype=pl.UInt32, eager=True))  # grid row -> bar row
    if grid.height - bar.null_count() != bars.height:
        raise ValueError("bars hold more than one row for the same security and session")
    grid = grid.with_columns(bars.select(pl.col("close", "volume").cast(pl.Float64).gather(bar)))
    prev = pl.when(pl.col("n") > _at(info, "first", key)).then(pl.col("close").forward_fill().shift(1))
    grid = grid.with_columns(prev_close=prev).with_columns(r=pl.col("close") / pl.col("prev_close") - 1)
    return info, grid.with_columns(r1=pl.when(pl.col("close").shift(1).is_not_null()).then(pl.col("r")))


def _estimation_sums(grid: pl.DataFrame) -> pl.DataFrame:
    """Cumulative sums, down the whole grid, of 1, x, y, xy, x² (``x`` the benchmark's one-session
    return, ``y`` the security's; 0 for a session lacking either, so that differences of ``k``
    count usable sessions), beside the columns pairs read. One chunk: gathers are faster."""
    ok = pl.col("r1").is_not_null() & pl.col("m1").is_not_null()
    x, y = pl.when(ok).then(pl.col("m1")).otherwise(0.0), pl.when(ok).then(pl.col("r1")).otherwise(0.0)
    grid = grid.with_columns(k=ok.cast(pl.Float64), x=x, y=y)
    x, y = pl.col("x"), pl.col("y")
    raw = {"k": pl.col("k"), "sx": x, "sy": y, "sxy": x * y, "sxx": x * x}
    return grid.select("prev_close", "close", "volume", "r", "m", **{n: e.cum_sum() for n, e in raw.items()}).rechunk()


def _row(at, n: pl.Expr) -> pl.Expr:
    """Grid row of session ``n`` of a key whose ``start, last, offset`` ``at(name)`` gives; null
    unless ``start <= n <= last`` (rows before the first bar hold no bar and no return)."""
    return pl.when((n >= at("start")) & (n <= at("last"))).then(at("offset") + n - at("start"))


def _read(p: pl.DataFrame, info: pl.DataFrame, grid: pl.DataFrame, binfo: pl.DataFrame, bgrid: pl.DataFrame,
          est_len: int, gap: int) -> pl.DataFrame:
    """Each pair's grid values at t0 (closes, volume), its estimation sums over sessions
    ``t0 - gap - est_len + 1 .. t0 - gap``, and its returns across the event windows as ``_r{j}``,
    ``_m{j}`` for offsets j; null where a grid has no such row."""
    p = p.with_columns(**{f"_{c}": _at(info, c, "combo") for c in ("start", "last", "offset")})
    row = lambda j: _row(lambda c: pl.col(f"_{c}"), pl.col("_n0") + j)
    offsets = range(min(a for a, _ in WINDOWS.values()), max(b for _, b in WINDOWS.values()) + 1)
    return p.with_columns(
        **{c: pl.lit(grid[c]).gather(row(0)) for c in ("prev_close", "close", "volume")},
        **{f"_{c}": pl.lit(grid[c]).gather(row(-gap)) - pl.lit(grid[c]).gather(row(-gap - est_len))
           for c in ("k", "sx", "sy", "sxy", "sxx")},
        **{f"_{c}{j}": pl.lit(grid[c]).gather(row(j)) for c in ("r", "m") for j in offsets},
        bench_ret=pl.lit(bgrid["r"]).gather(_row(lambda c: _at(binfo, c, "bid"), pl.col("_n0"))),
    )


def _measure(p: pl.DataFrame, min_est: int) -> pl.DataFrame:
    """The output columns from what :func:`_read` gathered."""
    k, sx, sy, sxy, sxx = map(pl.col, ("_k", "_sx", "_sy", "_sxy", "_sxx"))
    vxx = sxx - sx**2 / k  # normal equations from raw sums: see the module docstring on centring
    p = p.with_columns(beta=pl.when((k >= min_est) & (vxx > 1e-10 * k)).then((sxy - sx * sy / k) / vxx))
    p = p.with_columns(alpha=(sy - pl.col("beta") * sx) / k)
    alpha, beta, ret, bench = pl.col("alpha"), pl.col("beta"), pl.col("_r0"), pl.col("bench_ret")
    dated = pl.col("_n0").is_not_null()

    def car(window: str, model: bool) -> pl.Expr:  # + propagates nulls: a missing session voids the CAR
        a, b = WINDOWS[window]
        expected = lambda j: alpha + beta * pl.col(f"_m{j}") if model else pl.col(f"_m{j}")
        return sum(pl.col(f"_r{j}") - expected(j) for j in range(a, b + 1))

    cents = (pl.col("prev_close") * 100).round()  # the exchange rounds limit prices half up to the tick
    limit = lambda sign: (cents * (100 + sign * pl.col("limit_pct")) / 100 + 0.5).floor() / 100
    capped = lambda hit: pl.when(pl.col("limit_pct").is_null()).then(False).otherwise(hit)
    return p.with_columns(
        ret=ret,
        ar=ret - bench,
        ar_mm=ret - (alpha + beta * bench),
        n_est=pl.when(dated).then(k.fill_null(0).cast(pl.Int32)),
        **{f"car_{s}": car(s, model=False) for s in WINDOWS},
        **{f"car_mm_{s}": car(s, model=True) for s in WINDOWS},
        limit_up=capped(pl.col("close") >= limit(1) - 1e-9),
        limit_down=capped(pl.col("close") <= limit(-1) + 1e-9),
        no_trade=pl.when(dated).then(pl.col("close").is_null() | (pl.col("volume") == 0).fill_null(False)),
    )


def event_returns(
    pairs: pl.DataFrame, bars: pl.DataFrame, *, est_len: int = 120, gap: int = 10, min_est: int = 30
) -> pl.DataFrame:
    """``pairs`` plus ``prev_close, close, ret, bench_ret, ar, ar_mm, alpha, beta, n_est``,
    ``car_0_1, car_m1_1, car_0_5, car_mm_0_1, car_mm_m1_1, car_mm_0_5``, ``limit_up``,
    ``limit_down``, ``no_trade`` (definitions in the module docstring); rows keep their order.

    ``t0`` must be a session of the pair's ``calendar`` (or null); the benchmark's bars are read
    on the same calendar. Raises ValueError for a ``t0`` that is not a session and for bars that
    repeat a (security, date).
    """
    if est_len < 2 or min_est < 2 or gap < 0:
        raise ValueError("need est_len >= 2, min_est >= 2 and gap >= 0")
    pad = est_len + gap  # empty lead-in: an estimation window that starts before the first bar reads it
    calendars = sorted(pairs["calendar"].drop_nulls().unique().to_list())
    p = pairs.drop(OUTPUT, strict=False).with_columns(_n0=_session_n(calendars, "t0"))
    bad = p.filter(pl.col("t0").is_not_null() & pl.col("_n0").is_null())
    if bad.height:
        examples = bad.select("event_id", "security", "calendar", "t0").head(3).rows()
        raise ValueError(f"{bad.height} pairs have a t0 that is not a session of their calendar, e.g. {examples}")

    combos, benches, series = _keys(pairs)
    keyed = bars.select("security", "date", "close", "volume").join(series, on="security")
    keyed = keyed.with_columns(n=_session_n(calendars, "date")).filter(pl.col("n").is_not_null())
    last = pl.concat([keyed.group_by("calendar").agg(last=pl.col("n").max()),
                      p.group_by("calendar").agg(last=pl.col("_n0").max())]).group_by("calendar").max()

    def grid_of(keys: pl.DataFrame, key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        rows = keyed.select("sid", "n", "close", "volume").join(keys.select("sid", key), on="sid")
        return _grid(keys.join(last, on="calendar", maintain_order="left"), key, rows, pad)

    binfo, bgrid = grid_of(benches, "bid")
    info, grid = grid_of(combos, "combo")
    # The benchmark's returns beside the security's, read from the benchmark's grid by position.
    bench_of = info.select("bid").join(binfo, on="bid", how="left", maintain_order="left").with_row_index("combo")
    brow = _row(lambda c: _at(bench_of, c, "combo"), pl.col("n"))
    grid = _estimation_sums(grid.with_columns(m=pl.lit(bgrid["r"]).gather(brow), m1=pl.lit(bgrid["r1"]).gather(brow)))

    p = p.join(combos.select("security", "benchmark", "calendar", "combo", "bid"),
               on=["security", "benchmark", "calendar"], how="left", maintain_order="left", nulls_equal=True)
    # Gather in grid order (by combo, then session) so that reads sweep the grid instead of
    # jumping about it, on the few columns the measures need; then restore the pairs' order.
    # (One integer sort key: sorting on two columns took five times as long.)
    order = p.select((pl.col("combo").cast(pl.Int64) * 2**31 + pl.col("_n0")).arg_sort(nulls_last=True)).to_series()
    keys = p.select("combo", "bid", "_n0", "limit_pct")[order]
    measured = _measure(_read(keys, info, grid, binfo, bgrid, est_len, gap), min_est).select(OUTPUT)
    return pairs.drop(OUTPUT, strict=False).hstack(measured[order.arg_sort()])


def _t_stat(column: str) -> pl.Expr:
    """Cross-sectional t: mean / (std / sqrt(n)) over the class; assumes independent events."""
    c = pl.col(column)
    n, sd = c.count(), c.std()
    return pl.when((n >= 2) & (sd > 0)).then(c.mean() / (sd / n.sqrt()))


def summary(linked: pl.DataFrame, by: str) -> pl.DataFrame:
    """Per value of ``by``: ``n`` (rows), ``n_<x>`` (values computed), ``<x>_mean`` and
    ``<x>_median`` for ar, ar_mm and the market-adjusted CARs (nulls ignored), and ``ar_t``,
    ``car_0_1_t`` (null when fewer than two values). Events that cluster in time share market shocks, so these t-statistics overstate
    significance when many pairs share a ``t0``."""
    return linked.group_by(by).agg(
        n=pl.len(),
        **{f"n_{c}": pl.col(c).count() for c in _SUMMARY},
        **{f"{c}_mean": pl.col(c).mean() for c in _SUMMARY},
        **{f"{c}_median": pl.col(c).median() for c in _SUMMARY},
        ar_t=_t_stat("ar"),
        car_0_1_t=_t_stat("car_0_1"),
    ).sort(by)
