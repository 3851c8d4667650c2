"""What the terminal UI shows, read from the database as polars frames (no Textual in here).

Every function takes the engine and returns plain frames or small records, so the app can run
them in worker threads and tests can call them directly. The computation itself lives in the
``tracker`` core (catalogue, orbit metrics, launch batches, the calendar); this module only
chooses rows and columns for the panels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tracker.text import plural

# The views (built-in ones, user constellations) are resolved in the core, for the CLI as well.
from tracker.views import BUILTIN_VIEWS, views  # noqa: F401 (used as data.BUILTIN_VIEWS, data.views)
from tracker.views import members as view_members

#: Columns of the satellites panel's frame (plus the element columns SGP4 needs).
SATELLITE_COLUMNS = [
    "norad", "name", "cospar", "launch", "constellation", "alt_km", "inclination_deg", "ltan_h",
    "age_days", "stale", "group_status", "straggler",
]

#: Columns of the market panel's reaction frame, as the market library produces them.
REACTION_SCHEMA = {
    "symbol": pl.String,
    "name": pl.String,
    "t0": pl.Date,
    "session_class": pl.String,
    "ret": pl.Float64,
    "bench_ret": pl.Float64,
    "ar": pl.Float64,
    "car_0_1": pl.Float64,
    "limit_up": pl.Boolean,
    "limit_down": pl.Boolean,
    "no_trade": pl.Boolean,
}
#: Daily closes around t0 for the market panel's chart.
BARS_SCHEMA = {"symbol": pl.String, "date": pl.Date, "close": pl.Float64}
#: One launch's cumulative abnormal return by session from t0 (``tau``), per security and for the
#: launch's equal-weighted portfolio (``symbol`` null): :func:`tracker.services.link.car_path`.
PATH_SCHEMA = {"symbol": pl.String, "tau": pl.Int64, "car": pl.Float64}
#: Securities the command palette can find.
SECURITY_SCHEMA = {"symbol": pl.String, "name": pl.String}


# -- satellites --------------------------------------------------------------------------------


def members(engine: Engine, view: str) -> pl.DataFrame:
    """The newest element set of every satellite in ``view`` (resolved by
    :func:`tracker.views.members`, as the command line does), in natural order of names
    (``QIANFAN-2`` before ``QIANFAN-10``), then catalog number."""
    from tracker.text import in_natural_order

    return in_natural_order(view_members(engine, view))


def describe(engine: Engine, sats: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """``sats`` (from :func:`members`) with the panel's columns: mean altitude, inclination,
    LTAN, element age at ``now`` (stale past :data:`tracker.positions.STALE_DAYS`), and the
    status of the satellite's launch batch with its straggler flag, in the same row order."""
    from tracker.batches import groups_of, with_stragglers
    from tracker.catalog import history
    from tracker.orbits import metrics, sun_geometry
    from tracker.positions import is_stale

    norads = sats.select("norad", "constellation")
    past = history(engine, sats["norad"].to_list()).join(norads, on="norad")
    members = with_stragglers(past)
    batch = groups_of(members).select("launch", pl.col("status").alias("group_status"))
    flags = members.select("norad", "straggler")
    age = (pl.lit(now) - pl.col("epoch")).dt.total_seconds() / 86400.0
    return (
        sun_geometry(metrics(sats))
        .with_columns(age.alias("age_days"))
        .with_columns(is_stale(pl.col("age_days")).alias("stale"))
        .join(batch, on="launch", how="left", maintain_order="left")
        .join(flags, on="norad", how="left", maintain_order="left")
        .select(SATELLITE_COLUMNS)
    )


def catalogue(engine: Engine) -> pl.DataFrame:
    """Every satellite held (norad, name, cospar, constellation): what the palette searches."""
    from tracker.catalog import latest

    return latest(engine).select("norad", "name", "cospar", "constellation")


# -- launches ----------------------------------------------------------------------------------

LAUNCH_SCHEMA = {
    "id": pl.String,
    "vehicle": pl.String,
    "serial": pl.String,
    "mission": pl.String,
    "constellation": pl.String,
    "cospar_launch": pl.String,
    "net_utc": pl.Datetime("us", "UTC"),
    "net_precision": pl.String,
    "status": pl.String,
    "orbit_outcome": pl.String,
    "booster_recovery": pl.String,
}


def launches(engine: Engine) -> pl.DataFrame:
    """The calendar newest first; ``vehicle`` is the full name (family and variant)."""
    from tracker.launches.store import load
    from tracker.launches.vehicles import full

    with engine.connect() as conn:
        records = list(load(conn).values())
    rows = [
        {**{c: r[c] for c in LAUNCH_SCHEMA}, "vehicle": full(r["vehicle"], r["variant"])}
        for r in records
    ]
    return pl.DataFrame(rows, schema=LAUNCH_SCHEMA).sort("net_utc", "id", descending=True)


def launch_name(launch: dict) -> str:
    """``Long March 5B Y6``: vehicle and serial, as people name a launch."""
    return " ".join(filter(None, (launch["vehicle"], launch["serial"])))


def next_launch(calendar: pl.DataFrame, now: datetime) -> dict | None:
    """The earliest launch whose NET is still ahead of ``now`` (scrubbed ones aside), if any.

    By NET rather than status, so a clock set back in time (``--at``-style replays, frozen test
    clocks) counts down to what was next then.
    """
    ahead = calendar.filter((pl.col("status") != "scrubbed") & (pl.col("net_utc") > now))
    return ahead.sort("net_utc").row(0, named=True) if ahead.height else None


# -- freshness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """When one data source was last refreshed: its host, last success, last try and answer."""

    name: str
    last_success: datetime | None
    last_attempt: datetime | None
    last_status: int | None


@dataclass(frozen=True)
class Freshness:
    """How current the data is: the newest element-set epoch held and each source's refreshes."""

    newest_epoch: datetime | None
    sources: tuple[Source, ...]


def freshness(engine: Engine) -> Freshness:
    """From ``element_set``, the per-URL ``fetch_state`` (grouped by host) and the LL2 log."""
    from tracker.db import element_set, fetch_state
    from tracker.launches.models import ll2_request

    e, f, r = element_set, fetch_state, ll2_request
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(e.c.epoch))).scalar()
        states = conn.execute(select(f.c.url, f.c.last_success, f.c.last_attempt, f.c.last_status)).all()
        ll2 = conn.execute(select(r.c.url, r.c.sent_utc, r.c.status).order_by(r.c.sent_utc.desc()).limit(1)).first()
        ll2_ok = conn.execute(select(func.max(r.c.sent_utc)).where(r.c.status == 200)).scalar()
    by_host: dict[str, list] = {}
    for state in states:
        by_host.setdefault(urlsplit(state.url).hostname or state.url, []).append(state)
    sources = [_source(host, rows) for host, rows in sorted(by_host.items())]
    if ll2 is not None:
        sources.append(Source(urlsplit(ll2.url).hostname or ll2.url, ll2_ok, ll2.sent_utc, ll2.status))
    return Freshness(newest, tuple(sources))


def _source(host: str, rows: list) -> Source:
    """One host's URLs summed up: its latest success, and its latest attempt with the answer."""
    tried = [s for s in rows if s.last_attempt is not None]
    last = max(tried, key=lambda s: s.last_attempt) if tried else None
    return Source(
        host,
        max((s.last_success for s in rows if s.last_success is not None), default=None),
        last.last_attempt if last else None,
        last.last_status if last else None,
    )


# -- markets (filled by the market library) ------------------------------------------------------


#: What the market panel says when no price at all is held.
NO_PRICES = "No prices yet: run `tracker markets import FILE` or `tracker markets refresh`"
#: ... when the launch links to no security.
NO_LINK = "No security is linked to this launch (not flown yet, or no theme rule links it)."


def market_reaction(engine: Engine, launch_id: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, str | None]:
    """How the securities linked to one launch moved: ``(reactions, bars, paths, note)``.

    ``reactions`` has one row per linked security (:data:`REACTION_SCHEMA`: symbol, name, t0,
    session_class, ret, bench_ret, ar, car_0_1, limit_up, limit_down, no_trade; returns are
    fractions, null when they cannot be computed), the securities with bars around t0 first
    (:func:`tracker.services.markets.launch_reaction` decides); ``bars`` holds daily closes
    around each t0 (:data:`BARS_SCHEMA`) for the panel's chart; ``paths`` the CAR over event
    time (:data:`PATH_SCHEMA`) for the chart beside it. When no bar covers the launch all are
    empty and ``note`` says why: no price held at all (and how to get some), no
    security linked, or which dates are held ("no bars around 2026-09-23; held 2025-10-31 ..
    2026-06-04"), rather than a table of blanks.
    """
    from tracker.services.link import car_path
    from tracker.services.markets import launch_reaction

    found = launch_reaction(engine, launch_id)
    empty = pl.DataFrame(schema=REACTION_SCHEMA), pl.DataFrame(schema=BARS_SCHEMA), pl.DataFrame(schema=PATH_SCHEMA)
    if found.held is None:
        return *empty, NO_PRICES
    if found.rows.is_empty():
        return *empty, NO_LINK
    if not found.covered:
        first, last = found.held
        linked = found.rows["symbol"].unique().len()
        return *empty, (
            f"No bars around {found.day}; held {first} .. {last} ({plural(linked, 'linked security', 'linked securities')}). "
            "Import prices covering the launch: `tracker markets import FILE` or `tracker markets refresh`."
        )
    paths = car_path(engine, launch_id).select(list(PATH_SCHEMA)).cast(PATH_SCHEMA)
    return found.rows.select(list(REACTION_SCHEMA)).cast(REACTION_SCHEMA), found.closes.cast(BARS_SCHEMA), paths, None


def securities(engine: Engine) -> pl.DataFrame:
    """Every security in the market registry (:data:`SECURITY_SCHEMA`), for the command palette."""
    from tracker.markets.registry import securities as registry

    with engine.connect() as conn:
        return registry(conn).select(symbol="yahoo", name="name_en").cast(SECURITY_SCHEMA)


#: Why a view shows no satellite, when the database holds none at all.
NO_ELEMENTS = "No element sets held: run `tracker tle import FILE` or `tracker refresh` (r here)."
#: Why the dawn-dusk view is empty when the active catalogue is not held.
NO_CATALOGUE = (
    "dawn-dusk needs CelesTrak's active catalogue, which this database does not hold: press r "
    "(the refresh brings it) or run `tracker tle import` with an active-catalogue file."
)


def empty_reason(engine: Engine, view: str) -> str:
    """What to tell a person whose view shows no satellite (the same rule as the command line's
    notice for ``tracker orbits dawn-dusk``)."""
    from tracker.catalog import satellites
    from tracker.services.orbits import catalogue_held

    if satellites(engine).is_empty():
        return NO_ELEMENTS
    if view == "dawn-dusk" and not catalogue_held(engine):
        return NO_CATALOGUE
    return f"No satellite of {view} is held."


# -- one launch ----------------------------------------------------------------------------------


def launch_detail(engine: Engine, launch_id: str):
    """Everything known of one launch (:func:`tracker.services.launches.show_launch`: fields,
    history, differences from the calendar, its satellites and their batch status)."""
    from tracker.services.launches import show_launch

    return show_launch(engine, launch_id)
