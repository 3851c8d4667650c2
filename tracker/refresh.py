"""Refreshing element sets from CelesTrak into the database, safely under cron.

The network part and its politeness rules live in :mod:`tle.celestrak`; this module adds what
needs the database: the per-URL state that makes the 2-hour rule hold across runs, and the single
transaction that stores the new element sets *and* that state together. A run killed before the
commit leaves the database exactly as it was (the next run simply asks again); a run killed after
it has finished its work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from tle.celestrak import DEFAULT_GROUPS, CelesTrakClient, FetchOutcome, FetchState, gp_url, query_url
from tracker.db import FetchStateRow
from tracker.ingest import ImportCounts, store_in

#: CelesTrak's active catalogue (about 16,000 objects): what the dawn-dusk classification, the
#: ``all`` view and passes over the whole catalogue need. Asked for on its own, longer interval.
CATALOGUE = "GROUP=active"


@dataclass
class TleRefresh:
    """What one refresh did: one outcome per URL, what was stored, bodies that were not element
    data at all (``problems``: the server misbehaved) and single records rejected (``rejected``)."""

    outcomes: list[FetchOutcome]
    counts: ImportCounts
    problems: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(o.kind == "error" for o in self.outcomes) or bool(self.problems)


def urls_for(groups: list[str], queries: list[str], base: str) -> list[str]:
    """Canonical GP URLs for group specs and raw queries; with neither, the default groups and
    then the active catalogue (after them, so that a catalogue failure costs no group)."""
    if not groups and not queries:
        groups = [*DEFAULT_GROUPS, CATALOGUE]
    return [gp_url(base, g) for g in groups] + [query_url(base, q) for q in queries]


def intervals_for(base: str, catalogue_interval: timedelta) -> dict[str, timedelta]:
    """The URLs with an interval of their own: the active catalogue."""
    return {gp_url(base, CATALOGUE): catalogue_interval}


def load_states(engine: Engine, urls: list[str]) -> dict[str, FetchState]:
    with engine.connect() as conn:
        rows = conn.execute(select(FetchStateRow).where(FetchStateRow.url.in_(urls))).all()
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
    table = FetchStateRow.__table__
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
    """Fetch what the rules allow, parse it, and store elements plus URL state in one transaction."""
    from tle.formats import FormatError, parse_text

    outcomes = client.fetch_all(urls, load_states(engine, urls), now=now, force=force, intervals=intervals)
    records, problems, rejected = [], [], []
    for outcome in outcomes:
        if outcome.kind != "fetched":
            continue
        try:
            result = parse_text(outcome.body or "", outcome.url)
        except FormatError as exc:
            problems.append(str(exc))
            continue
        records.extend(result.records)
        rejected.extend(str(r) for r in result.rejected)
    with engine.begin() as conn:
        counts = store_in(conn, records)
        for outcome in outcomes:
            if outcome.kind not in ("skipped", "not-attempted"):
                _save_state(conn, outcome.state)
    return TleRefresh(outcomes, counts, problems, rejected)
