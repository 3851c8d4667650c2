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
  ``close``: the close at ``t0``; ``ret = close * adj / prev_close - 1``, with ``adj`` the bar's
  adjustment factor for a dividend or split going ex that day (a bars column ``adj``,
  :mod:`markets.adjust`; null or absent: 1), so that ``ret`` is a total return while
  ``prev_close``, ``close`` and the limit flags stay traded prices. ``adjusted``: a factor other
  than 1 lies in the pair's estimation window or event windows. The same rule gives the return
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
- CARs sum per-session abnormal returns over windows of session offsets from ``t0`` (by default
  ``[0, +1]``, ``[-1, +1]`` and ``[0, +5]``, any list through ``windows``; ``car_m1_1`` is
  ``[-1, +1]``): ``car_*`` market-adjusted, ``car_mm_*`` with the event's alpha and beta.
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
of two rows; each pair gathers those, its closes and its window's returns. Bars are found by
their runs of one security (never a join of millions of rows on text), numbered by one gather
over all calendars, and expressions that share subexpressions run in lazy frames so that polars
computes each once. :func:`plan` needs only the pairs, so a caller can run it while the bars are
being read. On a 2-core machine, 2.5 million pairs over 12 million bars take about 3 s.

Numerics. Centring is not needed: OLS from raw sums loses about ``log10(1 + mean²/variance)``
digits, and daily returns have a mean near 0.001 against a standard deviation near 0.02 (a loss
of 0.001 digits). Differences of long cumulative sums carry the running total's rounding error,
~1e-16 x 5,000 (x² summed over 12 million daily returns) against window sums near 0.05: a
relative error below 1e-11 (on 12 million synthetic bars, alpha and beta of the last series in
the grid agree with numpy.polyfit to 1e-14). That noise is why ``beta`` is null, rather than
huge, when the benchmark's return variance in the window is below 1e-10 (it did not move).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from markets.sessions import session_numbers

Window = tuple[int, int]

#: The default event windows as (first, last) session offsets from t0: column suffix -> window.
WINDOWS: dict[str, Window] = {"0_1": (0, 1), "m1_1": (-1, 1), "0_5": (0, 5)}


def window_name(window: Window) -> str:
    """The column suffix of a window: ``(-1, 1)`` -> ``m1_1``, ``(0, 5)`` -> ``0_5``."""
    return "_".join(f"m{-x}" if x < 0 else str(x) for x in window)


def named_windows(windows: Iterable[Window] | None) -> dict[str, Window]:
    """Windows by column suffix, in the order given (None: :data:`WINDOWS`); ValueError for an
    empty list or a window whose first offset is after its last."""
    if windows is None:
        return dict(WINDOWS)
    named = {window_name((a, b)): (a, b) for a, b in windows}
    if not named or any(a > b for a, b in named.values()):
        raise ValueError("event windows need first <= last, e.g. -1:1")
    return named


def output_columns(windows: Iterable[Window] | None = None) -> tuple[str, ...]:
    """The columns :func:`measure` adds for these windows (default :data:`WINDOWS`)."""
    named = named_windows(windows)
    return ("prev_close", "close", "ret", "bench_ret", "ar", "ar_mm", "alpha", "beta", "n_est",
            *(f"car_{s}" for s in named), *(f"car_mm_{s}" for s in named), "limit_up", "limit_down", "no_trade",
            "adjusted")


OUTPUT = output_columns()


def _offsets(windows: dict[str, Window]) -> range:
    """Session offsets the event windows read (t0 always among them)."""
    return range(min(0, *(a for a, _ in windows.values())), max(0, *(b for _, b in windows.values())) + 1)


def _at(table: pl.DataFrame, column: str, key: str) -> pl.Expr:
    """``table[column]`` for each row's ``key`` (keys number the rows of ``table`` from 0)."""
    return pl.lit(table[column]).gather(pl.col(key))


def _keys(pairs: pl.DataFrame, calendars: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Number what gets a grid: ``combos`` (security, benchmark, calendar) and ``benches``
    (benchmark, calendar), and ``series`` (security, calendar) whose bars feed them (``sid``);
    ``cal`` is the calendar's index in ``calendars``."""
    combos = pairs.select("security", "benchmark", "calendar").unique().drop_nulls(["security", "calendar"])
    combos = combos.sort(pl.all(), nulls_last=True)
    benches = combos.select("benchmark", "calendar").unique().sort(pl.all(), nulls_last=True).with_row_index("bid")
    series = pl.concat([combos.select("security", "calendar"), benches.select("calendar", security="benchmark")],
                       how="diagonal")
    series = series.unique().with_row_index("sid").with_columns(
        cal=pl.col("calendar").replace_strict(calendars, range(len(calendars)), return_dtype=pl.UInt32)
    )
    combos = combos.with_row_index("combo").join(benches, on=["benchmark", "calendar"], maintain_order="left",
                                                  nulls_equal=True)
    combos = combos.join(series, on=["security", "calendar"], maintain_order="left")
    benches = benches.join(series, left_on=["benchmark", "calendar"], right_on=["security", "calendar"], how="left",
                           maintain_order="left")
    return combos, benches, series


def _runs(bars: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """Where each series' bars lie in ``bars``: ``sid, cal, start, len`` per run of rows of one
    security (bars come grouped by security, so a run is usually a whole series; a text join
    of the millions of bars on ``security`` is what this avoids)."""
    runs = bars.select(pl.col("security").rle()).unnest("security")
    runs = runs.with_columns(start=pl.col("len").cum_sum() - pl.col("len"))
    return runs.join(series.select("sid", "cal", value="security"), on="value").drop("value")


def _bar_rows(bars: pl.DataFrame, runs: pl.DataFrame, keys: pl.DataFrame, key: str, calendars: list[str],
              last: pl.DataFrame) -> pl.DataFrame:
    """``key, n, bar``: each bar (``bar`` its row in ``bars``) of each key's series, numbered by
    session ``n`` on the key's calendar; bars off the calendar or after its ``last`` are left out."""
    hit = runs.join(keys.select(key, "sid"), on="sid").join(last, on="cal")
    bar = pl.int_ranges("start", pl.col("start") + pl.col("len"), dtype=pl.UInt32)
    rows = hit.lazy().select(key, "cal", "last", bar=bar)
    rows = rows.explode("bar").with_columns(date=pl.lit(bars["date"]).gather(pl.col("bar")))
    n = session_numbers(calendars, pl.col("cal"), pl.col("date"))
    return rows.with_columns(n=n).filter(pl.col("n") <= pl.col("last")).select(key, "n", "bar").collect()


def _grid(keys: pl.DataFrame, key: str, rows: pl.DataFrame, bars: pl.DataFrame, last: pl.DataFrame,
          pad: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Daily series of each key on its session grid: ``(info, grid)``.

    ``keys`` numbers the series 0..K-1; ``rows`` (:func:`_bar_rows`) places their ``bars``. The
    grid is one frame sorted by (key, n); a key's rows run from ``start`` = ``pad`` sessions before
    its ``first`` bar (empty rows) to its calendar's ``last`` session, so the row of (key, n) is
    ``offset + n - start``: bars are scattered in and pairs gathered out by position, without
    joins, and the empty lead-in keeps windows from reaching into the previous key.
    Columns: ``key``; ``close``; ``no_trade`` (no bar, or a volume of 0); ``prev_close``, the last
    close before the session within the key; ``r``, the return since then.
    """
    info = keys.join(last, on="cal", how="left", maintain_order="left")
    info = info.join(rows.group_by(key).agg(first=pl.col("n").min()), on=key, how="left", maintain_order="left")
    info = info.with_columns(start=pl.col("first") - pad).with_columns(
        length=(pl.col("last") - pl.col("start") + 1).fill_null(0).clip(0)
    ).with_columns(offset=pl.col("length").cum_sum() - pl.col("length"))
    grid = pl.DataFrame({key: np.repeat(np.arange(info.height, dtype=np.uint32), info["length"].to_numpy())})
    pos = rows.select(_at(info, "offset", key) + pl.col("n") - _at(info, "start", key)).to_series()
    bar = pl.repeat(None, grid.height, dtype=pl.UInt32, eager=True).scatter(pos, rows["bar"])  # grid row -> bar row
    if grid.height - bar.null_count() != rows.height:
        raise ValueError("bars hold more than one row for the same security and session")
    close, volume = (pl.lit(bars[c]).cast(pl.Float64).gather(bar) for c in ("close", "volume"))
    first_row = _at(info, "offset", key) + pad  # the row of the key's first bar
    prev = pl.when(pl.int_range(pl.len()) > first_row).then(pl.col("close").forward_fill().shift(1))
    grid = grid.with_columns(close=close, no_trade=close.is_null() | (volume == 0).fill_null(False))
    grid = grid.with_columns(prev_close=prev)
    if "adj" not in bars.columns:  # no factors: the columns below would be 1 and 0 throughout
        return info, grid.with_columns(r=pl.col("close") / pl.col("prev_close") - 1)
    factor = pl.lit(bars["adj"]).cast(pl.Float64).gather(bar).fill_null(1.0)
    return info, grid.with_columns(r=pl.col("close") * factor / pl.col("prev_close") - 1, adjusted=(factor != 1.0).cast(pl.UInt32))


#: A one-session return: ``r`` only when the session before has a bar (not a resumption).
_R1 = pl.when(pl.col("close").shift(1).is_not_null()).then(pl.col("r"))


def _bounds(info: pl.DataFrame) -> pl.DataFrame:
    """Per key: the sessions its grid holds (``lo .. hi``, as ``start .. last``) and ``base``,
    which added to a session number gives that session's row in the grid."""
    bounds = info.select(lo="start", hi="last", base=pl.col("offset") - pl.col("start"))
    return bounds.cast(pl.Int32)  # narrow: millions of pairs carry them


def _row(n: pl.Expr, lo: pl.Expr, hi: pl.Expr, base: pl.Expr) -> pl.Expr:
    """Grid row of session ``n`` of a key with :func:`_bounds` ``lo, hi, base``; null unless
    ``lo <= n <= hi`` (rows before the first bar hold no bar and no return)."""
    return pl.when((n >= lo) & (n <= hi)).then(base + n)


def _clipped(n: pl.Expr, lo: pl.Expr, hi: pl.Expr, base: pl.Expr) -> pl.Expr:
    """Grid row of session ``n`` moved into the key's ``lo .. hi`` (for cumulative sums)."""
    return base + n.clip(lo, hi)


def _estimation_sums(info: pl.DataFrame, grid: pl.DataFrame, binfo: pl.DataFrame, bgrid: pl.DataFrame) -> pl.DataFrame:
    """The grid's ``close, prev_close, r, no_trade`` and cumulative sums, down the whole grid, of
    1, x, y, xy, x² (``x`` the benchmark's one-session return (:data:`_R1`) on the same session, read
    from its grid by position; ``y`` the security's; 0 for a session lacking either, so that
    differences of ``k`` count usable sessions). One chunk: gathers are faster."""
    # Session n sits on grid row i = n + base and on benchmark row n + bench base.
    bench = _bounds(binfo).with_row_index("bid")
    per_combo = info.select("bid", "offset", "start").join(bench, on="bid", how="left", maintain_order="left")
    per_combo = per_combo.select(
        lo=pl.col("lo") + pl.col("offset") - pl.col("start"), hi=pl.col("hi") + pl.col("offset") - pl.col("start"),
        base=pl.col("base") - pl.col("offset") + pl.col("start"),
    )
    at = lambda c: _at(per_combo, c, "combo")
    m1 = pl.lit(bgrid.select(_R1).to_series()).gather(_row(pl.int_range(pl.len()), at("lo"), at("hi"), at("base")))
    ok = pl.col("r1").is_not_null() & pl.col("m1").is_not_null()
    x, y = pl.when(ok).then("m1").otherwise(0.0), pl.when(ok).then("r1").otherwise(0.0)
    raw = {"k": ok, "sx": x, "sy": y, "sxy": x * y, "sxx": x * x}
    sums = grid.lazy().with_columns(r1=_R1, m1=m1).select(
        "close", "prev_close", "r", "no_trade", **{n: e.cum_sum() for n, e in raw.items()},
        **({"n_adj": pl.col("adjusted").cum_sum()} if "adjusted" in grid.columns else {}),
    )
    return sums.collect().rechunk()


def _read(p: pl.DataFrame, info: pl.DataFrame, grid: pl.DataFrame, binfo: pl.DataFrame, bgrid: pl.DataFrame,
          est_len: int, gap: int, windows: dict[str, Window]) -> pl.DataFrame:
    """Each pair's grid values at t0 (closes, no_trade), its estimation sums over sessions
    ``t0 - gap - est_len + 1 .. t0 - gap``, and its and its benchmark's returns across the event
    windows as ``_r{j}``, ``_m{j}`` for offsets j; null where a grid has no such row. (In a lazy
    frame, so that each session offset's row is computed once for all the columns read there.)"""
    p = p.with_columns(
        **{f"_{c}": _at(_bounds(info), c, "combo") for c in ("lo", "hi", "base")},
        **{f"_b{c}": _at(_bounds(binfo), c, "bid") for c in ("lo", "hi", "base")},
    )
    n0 = pl.col("_n0")
    row = lambda j: _row(n0 + j, pl.col("_lo"), pl.col("_hi"), pl.col("_base"))
    brow = lambda j: _row(n0 + j, pl.col("_blo"), pl.col("_bhi"), pl.col("_bbase"))
    offsets = _offsets(windows)
    return p.lazy().with_columns(
        **{c: pl.lit(grid[c]).gather(row(0)) for c in ("prev_close", "close", "no_trade")},
        # Factors between the estimation window's start and the last window's end (clipped to the grid).
        _adj=pl.lit(grid["n_adj"]).gather(_clipped(n0 + offsets.stop - 1, pl.col("_lo"), pl.col("_hi"), pl.col("_base")))
        - pl.lit(grid["n_adj"]).gather(_clipped(n0 - gap - est_len, pl.col("_lo"), pl.col("_hi"), pl.col("_base")))
        if "n_adj" in grid.columns else pl.lit(0, pl.UInt32),
        **{f"_{c}": pl.lit(grid[c]).gather(row(-gap)) - pl.lit(grid[c]).gather(row(-gap - est_len))
           for c in ("k", "sx", "sy", "sxy", "sxx")},
        **{f"_r{j}": pl.lit(grid["r"]).gather(row(j)) for j in offsets},
        **{f"_m{j}": pl.lit(bgrid["r"]).gather(brow(j)) for j in offsets},
    ).collect()


def _measure(p: pl.LazyFrame, min_est: int, windows: dict[str, Window]) -> pl.LazyFrame:
    """The output columns from what :func:`_read` gathered (lazy, so that terms the CARs and
    ARs share are computed once)."""
    k, sx, sy, sxy, sxx = map(pl.col, ("_k", "_sx", "_sy", "_sxy", "_sxx"))
    vxx = sxx - sx**2 / k  # normal equations from raw sums: see the module docstring on centring
    p = p.with_columns(beta=pl.when((k >= min_est) & (vxx > 1e-10 * k)).then((sxy - sx * sy / k) / vxx))
    p = p.with_columns(alpha=(sy - pl.col("beta") * sx) / k)
    alpha, beta, ret, bench = pl.col("alpha"), pl.col("beta"), pl.col("_r0"), pl.col("_m0")
    dated = pl.col("_n0").is_not_null()

    def car(window: str, model: bool) -> pl.Expr:  # + propagates nulls: a missing session voids the CAR
        a, b = windows[window]
        expected = lambda j: alpha + beta * pl.col(f"_m{j}") if model else pl.col(f"_m{j}")
        return sum((pl.col(f"_r{j}") - expected(j) for j in range(a, b + 1)), start=pl.lit(0))

    cents = (pl.col("prev_close") * 100).round()  # the exchange rounds limit prices half up to the tick
    limit = lambda sign: (cents * (100 + sign * pl.col("limit_pct")) / 100 + 0.5).floor() / 100
    capped = lambda hit: pl.when(pl.col("limit_pct").is_null()).then(False).otherwise(hit)
    return p.with_columns(
        ret=ret,
        bench_ret=bench,
        ar=ret - bench,
        ar_mm=ret - (alpha + beta * bench),
        n_est=pl.when(dated).then(k.fill_null(0).cast(pl.Int32)),
        **{f"car_{s}": car(s, model=False) for s in windows},
        **{f"car_mm_{s}": car(s, model=True) for s in windows},
        limit_up=capped(pl.col("close") >= limit(1) - 1e-9),
        limit_down=capped(pl.col("close") <= limit(-1) + 1e-9),
        no_trade=pl.when(dated).then(pl.col("no_trade").fill_null(True)),
        adjusted=pl.when(dated).then(pl.col("_adj").fill_null(0) > 0),
    )


@dataclass(frozen=True)
class Plan:
    """What the pairs alone decide, worked out before any bar is read (:func:`plan`).

    ``combos`` numbers the (security, benchmark, calendar) grids, ``benches`` the (benchmark,
    calendar) grids and ``series`` the (security, calendar) bar series feeding them; ``last`` is
    each calendar's last session an event window reads; ``keys`` holds each pair's ``combo, bid,
    _n0`` (t0's session number) and ``limit_pct`` in grid order, which ``order`` maps back from.
    """

    calendars: list[str]
    combos: pl.DataFrame
    benches: pl.DataFrame
    series: pl.DataFrame
    last: pl.DataFrame
    keys: pl.DataFrame
    order: pl.Series
    windows: dict[str, Window]


def plan(pairs: pl.DataFrame, windows: Iterable[Window] | None = None) -> Plan:
    """Number the grids ``pairs`` need and place each pair on them (see :func:`event_returns`);
    ``windows``: the CAR windows (default :data:`WINDOWS`).

    Raises ValueError for a ``t0`` that is not a session of the pair's calendar."""
    named = named_windows(windows)
    calendars = sorted(pairs["calendar"].drop_nulls().unique().to_list())
    combos, benches, series = _keys(pairs, calendars)
    p = pairs.select("event_id", "security", "benchmark", "calendar", "t0", "limit_pct").join(
        combos.select("security", "benchmark", "calendar", "combo", "bid", "cal"),
        on=["security", "benchmark", "calendar"], how="left", maintain_order="left", nulls_equal=True,
    ).with_columns(_n0=session_numbers(calendars, pl.col("cal"), pl.col("t0")))
    bad = p.filter(pl.col("t0").is_not_null() & pl.col("_n0").is_null())
    if bad.height:
        examples = bad.select("event_id", "security", "calendar", "t0").head(3).rows()
        raise ValueError(f"{bad.height} pairs have a t0 that is not a session of their calendar, e.g. {examples}")
    reach = _offsets(named).stop - 1
    last = p.group_by("cal").agg(last=pl.col("_n0").max() + reach).drop_nulls()
    # Pairs are read in grid order (by combo, then session), so that reads sweep the grid instead
    # of jumping about it. (One integer sort key: sorting on two columns took five times as long.)
    order = p.select((pl.col("combo").cast(pl.Int64) * 2**31 + pl.col("_n0")).arg_sort(nulls_last=True)).to_series()
    keys = p.select("combo", "bid", "_n0", "limit_pct")[order]
    return Plan(calendars, combos, benches, series, last, keys, order, named)


def measure(planned: Plan, bars: pl.DataFrame, *, est_len: int = 120, gap: int = 10, min_est: int = 30) -> pl.DataFrame:
    """The :func:`output_columns` for the pairs of ``planned`` (its windows), in the pairs' order.

    Raises ValueError for bars that repeat a (security, date). Memory: ``bars`` is the largest
    input; a caller that passes the only reference lets it go as soon as the grids are built.
    """
    held = [bars]
    del bars  # _compute holds the only reference, so that it can let the bars go (see above)
    return _compute(planned, held, est_len, gap, min_est, with_panel=False)[0]


class PanelTooLarge(ValueError):
    """The panel :func:`measure_with_panel` would build has more rows than the caller allows."""


def measure_with_panel(
    planned: Plan, bars: pl.DataFrame, *, est_len: int = 120, gap: int = 10, min_est: int = 30,
    max_rows: int | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`measure` and the pairs' abnormal returns session by session, for event studies.

    The panel has one row per pair (``pair``: its row in the pairs) and session offset ``tau``
    from t0, for the estimation window (``-gap - est_len + 1 .. -gap``) and the event windows:
    ``ar`` (market-adjusted) and ``ar_mm`` (market model, with the pair's alpha and beta).
    In the estimation window they are the one-session returns the market model was fitted on
    (null on a session where either series did not trade the session before); in the event
    windows they are the returns the CARs sum. A CAR is the sum of a pair's panel rows over its
    window. (Rows: pairs x (``est_len`` + the windows' span); meant for summaries, not exports:
    :class:`PanelTooLarge`, before any work, when that is above ``max_rows``.)
    """
    rows = planned.keys["_n0"].count() * (est_len + len(_offsets(planned.windows)))
    if max_rows is not None and rows > max_rows:
        raise PanelTooLarge(f"{planned.keys['_n0'].count():,} pairs x {rows // max(1, planned.keys['_n0'].count()):,} "
                            f"sessions = {rows:,} rows of abnormal returns, above the {max_rows:,} allowed")
    held = [bars]
    del bars
    measured, panel = _compute(planned, held, est_len, gap, min_est, with_panel=True)
    assert panel is not None
    return measured, panel


def _compute(planned: Plan, held: list[pl.DataFrame], est_len: int, gap: int, min_est: int,
             with_panel: bool) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """:func:`measure` (and the panel); ``held`` is a list holding the bars, emptied here."""
    bars = held.pop()
    if est_len < 2 or min_est < 2 or gap < 0:
        raise ValueError("need est_len >= 2, min_est >= 2 and gap >= 0")
    offsets = _offsets(planned.windows)
    if with_panel and offsets.start <= -gap:
        raise ValueError(f"an event window starting at {offsets.start} reaches the estimation window (gap {gap})")
    pad = est_len + gap  # empty lead-in: an estimation window that starts before the first bar reads it
    runs = _runs(bars, planned.series)

    def grid_of(keys: pl.DataFrame, key: str, bars: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        rows = _bar_rows(bars, runs, keys, key, planned.calendars, planned.last)
        return _grid(keys, key, rows, bars, planned.last, pad)

    binfo, bgrid = grid_of(planned.benches, "bid", bars)
    info, grid = grid_of(planned.combos, "combo", bars)
    del bars  # the grids hold what is needed: let the bars go (see the docstring)
    grid = _estimation_sums(info, grid, binfo, bgrid)
    gathered = _read(planned.keys, info, grid, binfo, bgrid, est_len, gap, planned.windows)
    full = _measure(gathered.lazy(), min_est, planned.windows)
    columns = output_columns(planned.windows.values())
    if with_panel:
        full_frame = full.collect()
        panel = _panel(full_frame, planned.order, grid, bgrid, est_len, gap, offsets)
        measured = full_frame.select(columns)
    else:
        del grid  # the biggest frame left: gone before the measures allocate theirs
        measured, panel = full.select(columns).collect(), None
    order = planned.order  # back to the pairs' order: the inverse permutation, by one scatter
    rows = pl.int_range(len(order), dtype=pl.UInt32, eager=True)
    back = pl.Series(np.empty(len(order), np.uint32)).scatter(order, rows)
    return measured[back], panel


def _panel(measured: pl.DataFrame, order: pl.Series, grid: pl.DataFrame, bgrid: pl.DataFrame, est_len: int, gap: int,
           offsets: range) -> pl.DataFrame:
    """The session-by-session abnormal returns of :func:`measure_with_panel`: every pair (in grid
    order, ``pair`` its row in the pairs) crossed with the estimation and event offsets."""
    taus = pl.Series("tau", [*range(-gap - est_len + 1, -gap + 1), *offsets], dtype=pl.Int32)
    one = lambda g: g.select(r=pl.col("r"), r1=_R1)
    sec, bench = one(grid), one(bgrid)
    p = measured.select("_n0", "_lo", "_hi", "_base", "_blo", "_bhi", "_bbase", "alpha", "beta", pair=order)
    p = p.join(taus.to_frame(), how="cross")
    n = pl.col("_n0") + pl.col("tau")
    row, brow = _row(n, pl.col("_lo"), pl.col("_hi"), pl.col("_base")), _row(n, pl.col("_blo"), pl.col("_bhi"), pl.col("_bbase"))
    est = pl.col("tau") <= -gap
    r = pl.when(est).then(pl.lit(sec["r1"]).gather(row)).otherwise(pl.lit(sec["r"]).gather(row))
    m = pl.when(est).then(pl.lit(bench["r1"]).gather(brow)).otherwise(pl.lit(bench["r"]).gather(brow))
    return p.lazy().with_columns(_y=r, _x=m).select(
        "pair", "tau", ar=pl.col("_y") - pl.col("_x"), ar_mm=pl.col("_y") - (pl.col("alpha") + pl.col("beta") * pl.col("_x"))
    ).collect()


def event_returns(
    pairs: pl.DataFrame, bars: pl.DataFrame, *, est_len: int = 120, gap: int = 10, min_est: int = 30,
    windows: Iterable[Window] | None = None,
) -> pl.DataFrame:
    """``pairs`` plus ``prev_close, close, ret, bench_ret, ar, ar_mm, alpha, beta, n_est``,
    ``car_*`` and ``car_mm_*`` for each of ``windows`` ((first, last) offsets; default
    :data:`WINDOWS`), ``limit_up``, ``limit_down``, ``no_trade``, ``adjusted`` (definitions in the
    module docstring; bars may carry ``adj``); rows keep their order.

    ``t0`` must be a session of the pair's ``calendar`` (or null); the benchmark's bars are read
    on the same calendar. Raises ValueError for a ``t0`` that is not a session and for bars that
    repeat a (security, date). :func:`plan` and :func:`measure` are its two halves, for a caller
    that has the pairs before the bars.
    """
    planned = plan(pairs, windows)
    pairs = pairs.drop(output_columns(planned.windows.values()), strict=False)
    return pairs.hstack(measure(planned, bars, est_len=est_len, gap=gap, min_est=min_est))
