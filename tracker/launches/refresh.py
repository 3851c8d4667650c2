"""Refreshing the calendar from Launch Library 2: the request budget, matching and the merge rule.

Budget: LL2's free tier allows 15 requests an hour. Every request is logged in ``ll2_request``
and committed *before* it is sent, so a run killed mid-request still counts it; no request is
sent while 15 were sent in the sliding hour before it. Any answer but 200 (429 included), a
timeout, a refused connection, an answer beyond :data:`~tracker.launches.ll2.LIMITS` or of the
wrong shape, or the run's time limit (:data:`~tracker.launches.ll2.RUN_LIMIT`) stops the run; the
launches already fetched are still merged.

Which locations are asked (:mod:`tracker.launches.ll2`): the Chinese location ids LL2 lists are
looked up at most every :data:`LOCATIONS_MAX_AGE` and kept in ``launch_state`` (one request out
of the budget, like any other; a failed lookup stops the run like any other failure).

Matching an LL2 launch to a record: by stored LL2 id; else, among records not linked to another
LL2 launch, :func:`tracker.launches.store.find_match` (vehicle and serial, else vehicle and NET
within a day). Unmatched launches are added (origin ``ll2``).

Merge rule (:func:`tracker.launches.store.merge_fields`): LL2 decides the time-line fields (NET,
precision, window, status, outcomes, landing, designator) and only fills descriptive fields
(vehicle, serial, provider, site, mission, constellation) that are empty. A field a person set
(listed in ``user_fields``) is never overwritten; when LL2 says something else it is reported as
a conflict, every run, until the person resolves it. Everything is merged in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tle.download import Limits
from tracker.launches import ll2
from tracker.launches.models import ll2_request
from tracker.launches.store import FIELDS, find_match, get_state, iso, load, merge_fields, new_id, set_state, write

BUDGET = 15
WINDOW = timedelta(hours=1)
MAX_PAGES = 5
#: How long the list of Chinese LL2 locations is trusted before LL2 is asked again.
LOCATIONS_MAX_AGE = timedelta(days=30)
LOCATIONS_KEY = "ll2_china_locations"
SOURCE = "LL2"
#: Descriptive fields LL2 only fills when empty (its spellings differ from the curated ones).
_FILL_ONLY = ("vehicle", "variant", "serial", "provider", "site", "mission", "constellation")
#: What LL2 speaks for, even over a value already held (unless a person set it).
CLAIMS = frozenset(FIELDS) - set(_FILL_ONLY)


@dataclass
class Ll2Refresh:
    """What one refresh did: each request's answer, records added/changed, conflicts kept."""

    answers: list[ll2.Answer] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  #: results LL2 sent that could not be read
    budget_note: str | None = None

    @property
    def failed(self) -> bool:
        return any(a.error for a in self.answers)


def _budget_wait(engine: Engine, now: datetime) -> datetime | None:
    """None if a request may be sent now, else when the oldest request in the window expires."""
    t = ll2_request
    with engine.connect() as conn:
        count, oldest = conn.execute(
            select(func.count(), func.min(t.c.sent_utc)).where(t.c.sent_utc > now - WINDOW)
        ).one()
    return None if count < BUDGET else oldest + WINDOW


def _log(engine: Engine, now: datetime, url: str) -> int:
    with engine.begin() as conn:
        return conn.execute(ll2_request.insert().values(sent_utc=now, url=url)).inserted_primary_key[0]


def _log_answer(engine: Engine, request_id: int, answer: ll2.Answer) -> None:
    """Record the answer's status; a request that never left this machine is taken off the
    budget (it was logged first only so that a run killed mid-request still counts it)."""
    t = ll2_request
    where = t.c.id == request_id
    with engine.begin() as conn:
        conn.execute(t.update().where(where).values(status=answer.status) if answer.sent else t.delete().where(where))


def _send(engine: Engine, http: ll2.Session, url: str, now: datetime, report: Ll2Refresh) -> ll2.Answer | None:
    """One request within the budget (logged before it is sent); None when the budget is used."""
    if (wait := _budget_wait(engine, now)) is not None:
        report.budget_note = f"LL2 budget used ({BUDGET} requests in the last hour); next request after {iso(wait)}"
        return None
    request_id = _log(engine, now, url)
    answer = ll2.get(http, url)
    _log_answer(engine, request_id, answer)
    report.answers.append(answer)
    return answer


def location_ids(engine: Engine, http: ll2.Session, base: str, now: datetime, report: Ll2Refresh) -> list[int] | None:
    """The Chinese LL2 locations to ask for: remembered, or asked when older than LOCATIONS_MAX_AGE
    (or remembered for another server). None when the lookup failed or the budget is used."""
    with engine.connect() as conn:
        held = get_state(conn, LOCATIONS_KEY)
    if held is not None:
        value, updated = held
        memory = json.loads(value)
        if memory.get("base") == base and now - updated < LOCATIONS_MAX_AGE:
            return memory["ids"]
    answer = _send(engine, http, ll2.locations_url(base), now, report)
    if answer is None or answer.error:
        return None
    ids = sorted(set(ll2.VERIFIED_LOCATIONS) | set(ll2.chinese_locations(answer.data)))
    with engine.begin() as conn:
        set_state(conn, LOCATIONS_KEY, json.dumps({"base": base, "ids": ids}), now)
    return ids


def fetch(engine: Engine, http: ll2.Session, base: str, now: datetime, report: Ll2Refresh) -> list[dict[str, Any]]:
    """Follow ``next`` pages within the budget and MAX_PAGES; stop at the first failure."""
    ids = location_ids(engine, http, base, now, report)
    url: str | None = None if ids is None else ll2.first_url(base, now, ids)
    results: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        if url is None:
            break
        answer = _send(engine, http, url, now, report)
        if answer is None or answer.error:
            break
        results.extend(answer.data["results"])
        nxt = answer.data.get("next")
        url = nxt if nxt and ll2.same_server(nxt, base) else None
    return results


def merge(conn, fetched: list[dict[str, Any]], now: datetime, report: Ll2Refresh) -> None:
    """Apply LL2 records under the merge rule (module docstring), inside ``conn``'s transaction."""
    records = load(conn)
    for rec in fetched:
        target = next((r for r in records.values() if r["ll2_id"] == rec["ll2_id"]), None) or find_match(
            (r for r in records.values() if r["ll2_id"] is None), rec
        )
        if target is None:
            new = {"booster_recovery": "unknown", "user_fields": [], "origin": "ll2", **rec}
            new["id"] = new_id(new)
            while new["id"] in records:
                new["id"] += "-ll2"
            write(conn, new, None, "ll2", now)
            records[new["id"]] = new
            report.added.append(new["id"])
            continue
        after, conflicts = merge_fields(target, rec, SOURCE, CLAIMS)
        report.conflicts += conflicts
        changed = write(conn, after, target, "ll2", now)
        records[after["id"]] = after
        if changed:
            report.updated[after["id"]] = changed


def refresh_launches(engine: Engine, base: str, now: datetime, timeout: httpx.Timeout = ll2.DEFAULT_TIMEOUT,
                     limits: Limits | None = None, run_limit: float | None = None,
                     until: float | None = None) -> Ll2Refresh:
    """Fetch within the budget, then merge everything fetched in one transaction. ``limits`` and
    ``run_limit`` default to :data:`ll2.LIMITS <tracker.launches.ll2.LIMITS>` and ``RUN_LIMIT``;
    ``until`` is the deadline of a larger run (:class:`~tracker.launches.ll2.Session`)."""
    report = Ll2Refresh()
    with ll2.client(timeout, limits, run_limit, until) as http:
        results = fetch(engine, http, base, now, report)
    fetched = []
    for result in results:
        try:
            fetched.append(ll2.to_record(result))
        except ValueError as exc:
            report.rejected.append(str(exc))
    with engine.begin() as conn:
        merge(conn, fetched, now, report)
    return report
