"""Refreshing element sets from CelesTrak into the database, safely under cron.

The network part and its politeness rules live in :mod:`tle.celestrak`; this module adds what
needs the database: the per-URL state that makes the 2-hour rule hold across runs, and the single
transaction that stores the new element sets *and* that state together. A run killed before the
commit leaves the database exactly as it was (the next run simply asks again); a run killed after
it has finished its work.

Dawn-dusk objects. The default refresh asks for CelesTrak's active catalogue on its own, longer
interval (a day by default). Each download of it is classified (:func:`tracker.orbits.dawn_dusk`)
in the same transaction that stores it: the objects found become the members of the built-in
constellation ``dawn-dusk`` (norad rules of origin ``catalogue``, replaced each time). CelesTrak's
GP API has no query for a list of catalog numbers (CATNR takes one), so between two catalogue
downloads the default refresh follows them by launch: one ``INTDES=yyyy-nnn`` query per launch
holding members, at most :data:`MAX_FOLLOWED_LAUNCHES` (most members first, then the newest),
under the same 2-hour rule as every URL. The launches beyond the cap come with the catalogue only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from tle.celestrak import DEFAULT_GROUPS, CelesTrakClient, FetchOutcome, FetchState, gp_url, query_url
from tle.frame import concat, launch_of
from tracker.constellations import CATALOGUE_ORIGIN, DAWN_DUSK, replace_rules
from tracker.db import batches, constellation_rule, fetch_state, satellite, writing
from tracker.ingest import ImportCounts, store_in

#: CelesTrak's active catalogue (about 16,000 objects): what the dawn-dusk classification, the
#: ``all`` view and passes over the whole catalogue need. Asked for on its own, longer interval.
CATALOGUE = "GROUP=active"

#: At most this many launches with dawn-dusk objects are asked for (one INTDES query each) by a
#: default refresh: with the cron line of the README, 8 runs a day, at most 80 requests a day.
MAX_FOLLOWED_LAUNCHES = 10


@dataclass(frozen=True)
class Followed:
    """The launches holding dawn-dusk objects: those a default refresh asks for by INTDES, and
    those beyond :data:`MAX_FOLLOWED_LAUNCHES`, refreshed with the catalogue only."""

    launches: list[str]
    left_out: list[str]


@dataclass(frozen=True)
class DawnDusk:
    """What the classification found in a catalogue downloaded by this run."""

    members: int
    launches: int
    changed: bool  #: the members differ from those of the previous download


@dataclass
class TleRefresh:
    """What one refresh did: one outcome per URL (a body that was not element data at all is an
    ``"error"`` outcome, :mod:`tle.celestrak`), what was stored and single records rejected."""

    outcomes: list[FetchOutcome]
    counts: ImportCounts
    rejected: list[str] = field(default_factory=list)
    dawn_dusk: DawnDusk | None = None  #: set when this run downloaded the catalogue
    followed: Followed | None = None  #: set for the default refresh

    @property
    def failed(self) -> bool:
        return any(o.kind == "error" for o in self.outcomes)


def urls_for(groups: list[str], queries: list[str], base: str, launches: Sequence[str] = ()) -> list[str]:
    """Canonical GP URLs for group specs and raw queries; with neither, the default groups, one
    INTDES query per launch of ``launches`` and then the active catalogue (last, so that a
    catalogue failure costs nothing else)."""
    if not groups and not queries:
        groups = [*DEFAULT_GROUPS, *(f"INTDES={launch}" for launch in launches), CATALOGUE]
    return [gp_url(base, g) for g in groups] + [query_url(base, q) for q in queries]


def followed_launches(engine: Engine, limit: int = MAX_FOLLOWED_LAUNCHES) -> Followed:
    """The launches of the ``dawn-dusk`` constellation's members (its norad rules), most members
    first, then the newest; the first ``limit`` are followed."""
    rule, sat = constellation_rule, satellite
    with engine.connect() as conn:
        values = conn.execute(
            select(rule.c.value).where(rule.c.constellation == DAWN_DUSK, rule.c.kind == "norad")
        ).scalars()
        norads = sorted({int(v) for v in values if v.isdigit()})
        members: Counter[str] = Counter()
        for chunk in batches(norads):
            members.update(conn.execute(select(sat.c.launch).where(sat.c.norad.in_(chunk), sat.c.launch.is_not(None))).scalars())
    ordered = sorted(sorted(members, reverse=True), key=lambda launch: -members[launch])
    return Followed(ordered[:limit], ordered[limit:])


def default_urls(engine: Engine, base: str) -> tuple[list[str], Followed]:
    """The URLs of the default refresh, with the launches it follows."""
    followed = followed_launches(engine)
    return urls_for([], [], base, followed.launches), followed


def classify_dawn_dusk(frame: pl.DataFrame) -> list[tuple[int, str | None]]:
    """(catalog number, launch) of the dawn-dusk objects among element sets (a frame of
    :data:`tle.frame.SCHEMA`; the newest set of each object counts), as
    :func:`tracker.orbits.dawn_dusk` finds them."""
    from tracker.orbits import dawn_dusk

    newest = (frame.sort("epoch", descending=True, maintain_order=True)  # of equal epochs, the first
              .unique("norad", keep="first", maintain_order=True)
              .with_columns(launch=launch_of(pl.col("cospar"))))
    return list(dawn_dusk(newest).select("norad", "launch").iter_rows())


def follow_dawn_dusk(conn: Connection, found: list[tuple[int, str | None]]) -> DawnDusk:
    """Make the dawn-dusk objects found in a downloaded catalogue (:func:`classify_dawn_dusk`)
    the members of ``dawn-dusk``, inside the caller's transaction."""
    changed = replace_rules(conn, DAWN_DUSK, "norad", [str(n) for n, _ in found], CATALOGUE_ORIGIN)
    return DawnDusk(members=len(found), launches=len({launch for _, launch in found if launch}), changed=changed)


def intervals_for(base: str, catalogue_interval: timedelta) -> dict[str, timedelta]:
    """The URLs with an interval of their own: the active catalogue."""
    return {gp_url(base, CATALOGUE): catalogue_interval}


def load_states(engine: Engine, urls: list[str]) -> dict[str, FetchState]:
    with engine.connect() as conn:
        rows = conn.execute(select(fetch_state).where(fetch_state.c.url.in_(urls))).all()
    return {
        r.url: FetchState(
            url=r.url,
            last_success=r.last_success,
            last_attempt=r.last_attempt,
            last_status=r.last_status,
            etag=r.etag,
            last_modified=r.last_modified,
        )
        for r in rows
    }


def _save_state(conn, state: FetchState) -> None:
    table = fetch_state
    values = {
        "last_success": state.last_success,
        "last_attempt": state.last_attempt,
        "last_status": state.last_status,
        "etag": state.etag,
        "last_modified": state.last_modified,
    }
    if conn.execute(select(table.c.url).where(table.c.url == state.url)).first():
        conn.execute(table.update().where(table.c.url == state.url).values(**values))
    else:
        conn.execute(table.insert().values(url=state.url, **values))


def refresh_tle(
    engine: Engine, client: CelesTrakClient, urls: list[str], *, now: datetime, force: bool = False,
    intervals: Mapping[str, timedelta] | None = None,
) -> TleRefresh:
    """Fetch what the rules allow (the client parses each body) and store elements plus URL state
    in one transaction."""
    outcomes = client.fetch_all(urls, load_states(engine, urls), now=now, force=force, intervals=intervals)
    catalogue_url = gp_url(client.base_url, CATALOGUE)
    frames, rejected = [], []
    found: list[tuple[int, str | None]] | None = None  # dawn-dusk objects of a downloaded catalogue
    for outcome in outcomes:
        if (result := outcome.parsed) is None:
            continue
        frames.append(result.frame)
        rejected.extend(str(r) for r in result.rejected)
        if outcome.url == catalogue_url:
            found = classify_dawn_dusk(result.frame)  # before the transaction: it takes a while
    with writing(engine).begin() as conn:
        counts = store_in(conn, concat(frames))
        dawn_dusk = None if found is None else follow_dawn_dusk(conn, found)
        for outcome in outcomes:
            if outcome.kind not in ("skipped", "not-attempted"):
                _save_state(conn, outcome.state)
    return TleRefresh(outcomes, counts, rejected, dawn_dusk=dawn_dusk)
