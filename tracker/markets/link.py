"""Launches joined with the moves of related securities: one row per (event, security).

Every flown launch is an event at its UTC time and precision (or, on request, at the time its
outcome was announced, when that differs). A launch links to the securities that carry one of
the themes its rules give it (``theme_rule``: Guowang batches link to ``guowang`` and
``commercial-space``, reusable-rocket families to ``reusable-rockets`` ...), or, when the analyst
names securities, to exactly those. Each pair is then placed on its security's exchange calendar
(:mod:`markets.sessions`) and measured (:mod:`markets.returns`). Every step is a polars
expression over whole frames; nothing loops over events or pairs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import select

from markets import returns, sessions
from tracker.constellations import glob_regex
from tracker.launches.models import launch as launch_table
from tracker.launches.vocab import FLOWN
from tracker.markets import bars, registry, vocab

#: Event filters ``--event-filter KEY=VALUE`` understands, and the event column each compares.
FILTERS = {
    "id": "event_id", "vehicle": "vehicle", "provider": "provider", "constellation": "constellation",
    "orbit-outcome": "orbit_outcome", "booster-recovery": "booster_recovery",
}
#: The default CAR windows (session offsets from t0).
WINDOWS: tuple[returns.Window, ...] = tuple(returns.WINDOWS.values())


def columns(windows: tuple[returns.Window, ...] = WINDOWS) -> tuple[str, ...]:
    """Columns of the export, in order (the issue's list, then the security's name and the
    extras), with ``car_*`` and ``car_mm_*`` for each of ``windows``."""
    named = returns.named_windows(windows)
    return (
        "event_id", "net_utc", "net_precision", "announced_utc", "event_time", "vehicle", "serial", "mission",
        "orbit_outcome", "booster_recovery", "symbol", "security", "name", "mic", "session_class", "t0",
        "ambiguous", "prev_close", "close", "ret", "bench_symbol", "bench_ret", "ar", "ar_mm", "alpha",
        "beta", "n_est", *(f"car_{s}" for s in named), *(f"car_mm_{s}" for s in named),
        "limit_up", "limit_down", "no_trade", "adjusted",
    )


#: Columns of the export with the default windows.
COLUMNS = columns()


@dataclass(frozen=True)
class LinkParams:
    """Everything that decides the numbers of an export, recorded beside it."""

    filters: dict[str, str] = field(default_factory=dict)
    since: datetime | None = None
    until: datetime | None = None
    symbols: tuple[str, ...] = ()
    at: str = "net"  # net | announced
    est_len: int = 120
    gap: int = 10
    min_est: int = 30
    windows: tuple[returns.Window, ...] = WINDOWS

    @property
    def span(self) -> tuple[int, int]:
        """Event time from the first offset of the CAR windows to the last: what :func:`caar`
        and :func:`event_path` draw."""
        return min(a for a, _ in self.windows), max(b for _, b in self.windows)

    def describe(self) -> dict:
        return {
            "filters": self.filters,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "symbols": list(self.symbols),
            "event_time": self.at,
            "estimation_window_sessions": self.est_len,
            "estimation_gap_sessions": self.gap,
            "min_estimation_sessions": self.min_est,
            "car_windows": [f"{a}:{b}" for a, b in self.windows],
            "order": "newest event first",
        }


def events(conn, params: LinkParams) -> pl.DataFrame:
    """Flown launches as events: id, fields, the time the event is placed at and its precision."""
    t = launch_table.c
    rows = conn.execute(
        select(
            t.id, t.vehicle, t.variant, t.serial, t.provider, t.mission, t.constellation, t.orbit_outcome,
            t.booster_recovery, t.net_utc, t.net_precision, t.announced_utc,
        ).where(t.status.in_(FLOWN))
    ).all()
    schema = {
        "event_id": pl.Utf8, "family": pl.Utf8, "variant": pl.Utf8, "serial": pl.Utf8, "provider": pl.Utf8,
        "mission": pl.Utf8, "constellation": pl.Utf8, "orbit_outcome": pl.Utf8, "booster_recovery": pl.Utf8,
        "net_utc": pl.Datetime("us", "UTC"), "net_precision": pl.Utf8, "announced_utc": pl.Datetime("us", "UTC"),
    }
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row").with_columns(
        vehicle=pl.col("family") + pl.col("variant").fill_null(""),
    )
    if params.at == "announced":
        # An announcement is a point in time: its precision is the minute it was stamped with.
        announced = pl.col("announced_utc").is_not_null()
        frame = frame.with_columns(
            event_time=pl.when(announced).then("announced_utc").otherwise("net_utc"),
            precision=pl.when(announced).then(pl.lit("minute")).otherwise("net_precision"),
        )
    else:
        frame = frame.with_columns(event_time=pl.col("net_utc"), precision=pl.col("net_precision"))
    for key, value in params.filters.items():
        frame = frame.filter(pl.col(FILTERS[key]).str.to_lowercase() == value.lower())
    if params.since:
        frame = frame.filter(pl.col("net_utc") >= params.since)
    if params.until:
        frame = frame.filter(pl.col("net_utc") < params.until)
    return frame.sort("net_utc", "event_id")


def event_themes(evts: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """(ev, theme) for every enabled rule an event (numbered ``ev``) matches."""
    rules = rules.filter("enabled").with_columns(
        pattern=pl.when(pl.col("kind") == "mission")
        .then(pl.lit("(?i)") + pl.col("value").map_elements(glob_regex, return_dtype=pl.Utf8))
        .otherwise(None),
        value=pl.col("value").str.to_lowercase(),
    )
    pairs = evts.join(rules, how="cross")
    match = (
        ((pl.col("kind") == "vehicle") & (pl.col("vehicle").str.to_lowercase() == pl.col("value")))
        | ((pl.col("kind") == "constellation") & (pl.col("constellation").str.to_lowercase() == pl.col("value")))
        | ((pl.col("kind") == "orbit-outcome") & (pl.col("orbit_outcome") == pl.col("value")))
        | ((pl.col("kind") == "booster-recovery") & (pl.col("booster_recovery") == pl.col("value")))
        | ((pl.col("kind") == "launch") & (pl.col("event_id").str.to_lowercase() == pl.col("value")))
        | ((pl.col("kind") == "mission") & pl.col("mission").fill_null("").str.contains(pl.col("pattern")))
    )
    return pairs.filter(match.fill_null(False)).select("ev", "theme").unique()


def _themes(conn, evts: pl.DataFrame, secs: pl.DataFrame, params: LinkParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What links events to securities, read from the database: ``(ev, theme)`` and
    ``(si, theme)``. Named securities are linked to every event through one shared theme."""
    if params.symbols:
        chosen = {registry.resolve(conn, s) for s in params.symbols}
        chosen_si = secs.filter(pl.col("security").is_in(chosen)).select("si", theme=pl.lit(""))
        return evts.select("ev", theme=pl.lit("")), chosen_si
    return event_themes(evts, registry.rules(conn)), secs.select("si", theme="themes").explode("theme")


def pairs(ev_themes: pl.DataFrame, si_themes: pl.DataFrame, n_secs: int) -> pl.DataFrame:
    """The (event, security) pairs as (``ev``, ``si``), in that order, once each."""
    linked = ev_themes.join(si_themes, on="theme")
    # A security sharing two themes with an event is one pair; one integer key makes the
    # de-duplication and the ordering cheap on millions of rows.
    key = (pl.col("ev").cast(pl.Int64) * n_secs + pl.col("si")).alias("key")
    return linked.select(key).unique().sort("key").select(
        ev=(pl.col("key") // n_secs).cast(pl.UInt32), si=(pl.col("key") % n_secs).cast(pl.UInt32)
    )


def _placed(evts: pl.DataFrame, secs: pl.DataFrame, ev_themes: pl.DataFrame, si_themes: pl.DataFrame) -> pl.DataFrame:
    """The pairs with their security's fields, placed on its calendar (session class, t0)."""
    linked = pairs(ev_themes, si_themes, secs.height)
    used = secs.join(linked.select("si").unique(), on="si", how="semi")
    calendars = used["calendar"].drop_nulls().unique().sort().to_list()
    # Every event placed on every calendar, calendar after calendar: one gather places a pair.
    events = evts.select("event_id", time_utc="event_time", precision="precision")
    placed = pl.concat([sessions.place_events(events, c) for c in calendars]) if calendars else None
    which = secs.select(pl.col("calendar").replace_strict(calendars, range(len(calendars)), default=None))
    row = pl.lit(which.to_series()).gather(pl.col("si")).cast(pl.Int64) * evts.height + pl.col("ev")
    return linked.with_columns(
        **{c: pl.lit(secs[c]).gather(pl.col("si")) for c in ("security", "benchmark", "calendar", "limit_pct")},
        event_id=pl.lit(evts["event_id"]).gather(pl.col("ev")),
        **{
            col: pl.lit(placed[col]).gather(row) if placed is not None else pl.lit(None, dtype)
            for col, dtype in (("session_class", pl.Utf8), ("t0", pl.Date), ("ambiguous", pl.Boolean))
        },
    )


def _prices(conn, evts: pl.DataFrame, secs: pl.DataFrame, ev_themes: pl.DataFrame, si_themes: pl.DataFrame,
            params: LinkParams) -> pl.DataFrame:
    """Closes and volumes of the securities the events link to and of their benchmarks, from the
    estimation window before the first event to past the event windows after the last.

    Worked out from the events and themes alone, before any pair is placed, so that the read
    can run while the pairs are built. ``t0`` is at most a day before an event's UTC date (US
    local time) and rarely two weeks after it (the Spring Festival closure); the last window may
    reach far beyond (``--car=0:60``), at about 1.6 calendar days a session."""
    reached = si_themes.join(ev_themes.select("theme").unique(), on="theme", how="semi")
    linked = secs.join(reached.select("si").unique(), on="si", how="semi")
    wanted = pl.concat([linked["security"], linked["benchmark"]]).drop_nulls().unique().to_list()
    times = evts["event_time"].drop_nulls()
    if times.is_empty() or not wanted:
        return bars.empty().select("security", "date", "close", "volume")
    start = times.min().date() - timedelta(days=1) - _lead(params)
    # Factors only when some bar holds one: most databases hold none, and the column costs a read.
    fields = ("close", "volume", bars.FACTOR) if bars.any_factors(conn, wanted) else ("close", "volume")
    reach = max(b for _, b in params.windows)  # sessions after t0 the last window reads
    end = times.max().date() + timedelta(days=max(45, int(reach * 1.6) + 30))
    return bars.read(conn, wanted, start, end, fields=fields)


def _lead(params: LinkParams) -> timedelta:
    """Calendar days of bars needed before the first t0: the estimation window and its gap, at
    the Spring Festival's worst ratio of calendar days to sessions (about 1.6), plus a month."""
    return timedelta(days=int((params.est_len + params.gap + 1) * 1.6) + 30)


#: Most session-by-session abnormal returns a summary, CAAR or plot builds (pairs x sessions;
#: about 1 GB of memory at 30 million).
PANEL_ROWS = 30_000_000


def link(conn, params: LinkParams) -> pl.DataFrame:
    """The export: one row per (event, security) with the columns of :func:`columns` (the
    windows of ``params``), newest event first (see :func:`link_with_panel`)."""
    return _link(conn, params, with_panel=False)[0]


def link_with_panel(conn, params: LinkParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`link` and its pairs' abnormal returns session by session: ``pair`` (the row of
    the pair in the link), ``tau, ar, ar_mm`` (:func:`markets.returns.measure_with_panel`).

    Events and securities are numbered (``ev``, ``si``) and every per-pair value is gathered by
    those numbers, so the millions of pair rows are never joined or sorted on text keys. Events
    are numbered newest first, so the pairs come newest event first.
    """
    frame, panel = _link(conn, params, with_panel=True)
    assert panel is not None
    return frame, panel


def _link(conn, params: LinkParams, with_panel: bool) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    evts = events(conn, params).reverse().with_row_index("ev")
    listed = registry.securities(conn)
    secs = listed.filter(pl.col("role") == "security").sort("yahoo").with_row_index("si")
    ev_themes, si_themes = _themes(conn, evts, secs, params)
    # Building and placing the pairs, and planning their grids, is polars work, which runs
    # outside the GIL: a worker thread does it while this thread, which owns the database
    # connection, reads the bars.
    with ThreadPoolExecutor(max_workers=1) as pool:
        placing = pool.submit(_placed, evts, secs, ev_themes, si_themes)
        planning = pool.submit(lambda: returns.plan(placing.result(), params.windows))
        prices = [_prices(conn, evts, secs, ev_themes, si_themes, params)]
        linked, planned = placing.result(), planning.result()
    # The bars, the biggest frame, go to measure() as their only reference, so that it can let
    # them go once its grids are built.
    # (Keywords, not **options: a call with ** packs the arguments in a tuple that would keep
    # the bars alive for the whole call.)
    est_len, gap, min_est, panel = params.est_len, params.gap, params.min_est, None
    if with_panel:
        measures, panel = returns.measure_with_panel(
            planned, prices.pop(), est_len=est_len, gap=gap, min_est=min_est, max_rows=PANEL_ROWS
        )
    else:
        measures = returns.measure(planned, prices.pop(), est_len=est_len, gap=gap, min_est=min_est)
    measured = linked.hstack(measures)
    symbols = listed.select(benchmark="security", bench_symbol="yahoo")
    secs = secs.join(symbols, on="benchmark", how="left", maintain_order="left")
    secs = secs.with_columns(symbol="yahoo", name="name_en", mic=pl.col("security").str.extract(r"^([A-Z]+):"))
    wanted = columns(params.windows)
    from_event = [c for c in wanted if c in evts.columns and c not in measured.columns]
    frame = measured.with_columns(
        *(pl.lit(evts[c]).gather(pl.col("ev")).alias(c) for c in from_event),
        *(pl.lit(secs[c]).gather(pl.col("si")).alias(c) for c in ("symbol", "name", "mic", "bench_symbol")),
    )
    return frame.select(wanted), panel


#: The abnormal-return models :func:`study` reports: name -> panel column (defined with the
#: words the command line needs before polars is imported).
MODELS = vocab.MODELS
#: The parameters each model fits per pair in the estimation window (market-adjusted: none; market
#: model: alpha and beta): :func:`markets.eventstudy.summarize`'s ``fitted``.
FITTED = {"market": 0, "market-model": 2}


def _coded(frame: pl.DataFrame, panel: pl.DataFrame, columns: list[str], model: str) -> tuple[pl.DataFrame, dict]:
    """The panel's rows with, for each of ``columns`` of the link ``frame``, the pair's value as
    an integer code (millions of rows are grouped on them, never on text), and ``ar`` of
    ``model``; and per column a frame ``code, value`` to decode results."""
    codes = {c: frame.select(pl.col(c).cast(pl.Utf8).cast(pl.Categorical).to_physical()).to_series() for c in columns}
    rows = panel.select(*(pl.lit(codes[c]).gather(pl.col("pair")).alias(c) for c in columns), "tau", ar=MODELS[model])
    lookup = {c: pl.DataFrame({"code": codes[c], "value": frame[c]}).unique("code") for c in columns}
    return rows, lookup


def _decoded(result: pl.DataFrame, column: str, lookup: pl.DataFrame) -> pl.DataFrame:
    """``result`` with the codes of ``column`` replaced by their values."""
    values = lookup.rename({"code": column, "value": "_value"})
    return result.join(values, on=column, how="left").with_columns(pl.col("_value").alias(column)).drop("_value")


def study(conn, params: LinkParams, by: str) -> pl.DataFrame:
    """Event-study statistics per class of the event column ``by`` (``vehicle``,
    ``orbit_outcome``, ``booster_recovery``), per model (:data:`MODELS`) and CAR window of
    ``params``: :func:`markets.eventstudy.summarize` over the linked pairs."""
    from markets.eventstudy import summarize

    frame, panel = link_with_panel(conn, params)
    windows = returns.named_windows(params.windows)
    parts = []
    for model in MODELS:
        rows, lookup = _coded(frame, panel, [by, "event_id", "security"], model)
        part = summarize(rows, by, windows, est_last=-params.gap, fitted=FITTED[model])
        parts.append(_decoded(part, by, lookup[by]).with_columns(model=pl.lit(model)))
    out = pl.concat(parts, how="diagonal_relaxed")
    first = [by, "model", "window"]
    return out.sort(by, maintain_order=True).select(*first, *(c for c in out.columns if c not in first))


def caar(conn, params: LinkParams, by: str, model: str = "market") -> pl.DataFrame:
    """The CAAR path per class of the event column ``by`` over the span of ``params``' CAR
    windows (first offset to last): :func:`markets.eventstudy.caar_path` for ``model``
    (:data:`MODELS`)."""
    from markets.eventstudy import caar_path

    frame, panel = link_with_panel(conn, params)
    rows, lookup = _coded(frame, panel, [by, "event_id", "security"], model)
    return _decoded(caar_path(rows, by, params.span), by, lookup[by]).sort(by, "tau")


def event_path(conn, params: LinkParams, model: str = "market") -> pl.DataFrame:
    """The CAR of each event of ``params`` over event time, per security and for the event's
    equal-weighted portfolio (``symbol`` null): ``event_id, symbol, tau, car`` over the span of
    ``params``' CAR windows, for a chart next to the event's prices (a security lacking an AR
    on a session of the span has no path)."""
    from markets.eventstudy import caar_path

    frame, panel = link_with_panel(conn, params)
    rows, lookup = _coded(frame, panel, ["event_id"], model)
    each = caar_path(rows.with_columns(key=panel["pair"], security=panel["pair"]), "key", params.span)
    each = each.with_columns(
        event_id=pl.lit(frame["event_id"]).gather("key"), symbol=pl.lit(frame["symbol"]).gather("key")
    )
    whole = caar_path(rows.with_columns(key="event_id", security=panel["pair"]), "key", params.span).rename({"key": "event_id"})
    whole = _decoded(whole, "event_id", lookup["event_id"]).with_columns(symbol=pl.lit(None, pl.Utf8))
    return pl.concat([each.select("event_id", "symbol", "tau", car="caar"), whole.select("event_id", "symbol", "tau", car="caar")])


def reaction(conn, launch_id: str, days: int = 30) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One launch's linked securities (the :func:`link` rows) and their closes from ``days``
    calendar days before to ``days`` after its t0 (``symbol, date, close``), for a price chart."""
    rows = link(conn, LinkParams(filters={"id": launch_id}))
    t0 = rows["t0"].drop_nulls()
    if t0.is_empty():
        return rows, pl.DataFrame(schema={"symbol": pl.Utf8, "date": pl.Date, "close": pl.Float64})
    span = timedelta(days=days)
    held = bars.read(conn, rows["security"].unique().to_list(), t0.min() - span, t0.max() + span, fields=("close",))
    symbols = rows.select("security", "symbol").unique()
    return rows, held.join(symbols, on="security").select("symbol", "date", "close").sort("symbol", "date")
