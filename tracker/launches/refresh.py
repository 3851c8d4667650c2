"""Refreshing the calendar from Launch Library 2: the request budget, matching and the merge rule.

Budget: LL2's free tier allows 15 requests an hour. Every request is logged in ``ll2_request``
and committed *before* it is sent, so a run killed mid-request still counts it; no request is
sent while 15 were sent in the sliding hour before it. Any answer but 200 (429 included), a
timeout or a refused connection stops the run; the launches already fetched are still merged.

Matching an LL2 launch to a record: by stored LL2 id; else same vehicle (family and variant) and
same serial; else same vehicle with NET within one day (the nearest wins). Unmatched launches
are added (origin ``ll2``).

Merge rule: LL2 decides the time-line fields (NET, precision, window, status, outcomes, landing,
designator) and only fills descriptive fields (serial, provider, site, mission, constellation)
that are empty. A field a person set (listed in ``user_fields``) is never overwritten; when LL2
says something else it is reported as a conflict, every run, until the person resolves it.
Everything is merged in one transaction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from tracker.launches import ll2
from tracker.launches.models import Ll2Request
from tracker.launches.store import as_text, iso, load, new_id, write

LL2_ENV = "TRACKER_LL2_URL"
#: ``TRACKER_LL2_URL=off`` leaves LL2 out of ``tracker refresh`` (offline sites, tests).
OFF = "off"
BUDGET = 15
WINDOW = timedelta(hours=1)
MAX_PAGES = 5
MATCH_WINDOW = timedelta(days=1)
_FILL_ONLY = ("vehicle", "variant", "serial", "provider", "site", "mission", "constellation")


@dataclass
class Ll2Refresh:
    """What one refresh did: each request's answer, records added/changed, conflicts kept."""

    answers: list[ll2.Answer] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    budget_note: str | None = None

    @property
    def failed(self) -> bool:
        return any(a.error for a in self.answers)


def ll2_base() -> str:
    """``TRACKER_LL2_URL`` (tests point it at a local server; ``off`` disables), else LL2."""
    return os.environ.get(LL2_ENV) or ll2.DEFAULT_BASE


def _budget_wait(engine: Engine, now: datetime) -> datetime | None:
    """None if a request may be sent now, else when the oldest request in the window expires."""
    t = Ll2Request.__table__
    with engine.connect() as conn:
        count, oldest = conn.execute(
            select(func.count(), func.min(t.c.sent_utc)).where(t.c.sent_utc > now - WINDOW)
        ).one()
    return None if count < BUDGET else oldest + WINDOW


def _log(engine: Engine, now: datetime, url: str) -> int:
    with engine.begin() as conn:
        return conn.execute(Ll2Request.__table__.insert().values(sent_utc=now, url=url)).inserted_primary_key[0]


def _log_status(engine: Engine, request_id: int, status: int | None) -> None:
    t = Ll2Request.__table__
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == request_id).values(status=status))


def fetch(engine: Engine, http: httpx.Client, base: str, now: datetime, report: Ll2Refresh) -> list[dict[str, Any]]:
    """Follow ``next`` pages within the budget and MAX_PAGES; stop at the first failure."""
    url: str | None = ll2.first_url(base, now)
    results: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        if url is None:
            break
        if (wait := _budget_wait(engine, now)) is not None:
            report.budget_note = f"LL2 budget used ({BUDGET} requests in the last hour); next request after {iso(wait)}"
            break
        request_id = _log(engine, now, url)
        answer = ll2.get(http, url)
        _log_status(engine, request_id, answer.status)
        report.answers.append(answer)
        if answer.error:
            break
        results.extend(answer.data["results"])
        nxt = answer.data.get("next")
        url = nxt if nxt and ll2.same_server(nxt, base) else None
    return results


def _match(records: dict[str, dict], rec: dict[str, Any]) -> dict | None:
    same = [
        r for r in records.values()
        if r["vehicle"] == rec["vehicle"] and r["variant"] == rec["variant"] and r["ll2_id"] in (None, rec["ll2_id"])
    ]
    if rec.get("serial"):
        for r in same:
            if r["serial"] == rec["serial"]:
                return r
    near = [r for r in same if abs(r["net_utc"] - rec["net_utc"]) <= MATCH_WINDOW]
    return min(near, key=lambda r: abs(r["net_utc"] - rec["net_utc"]), default=None)


def merge(conn, fetched: list[dict[str, Any]], now: datetime, report: Ll2Refresh) -> None:
    """Apply LL2 records under the merge rule (module docstring), inside ``conn``'s transaction."""
    records = load(conn)
    for rec in fetched:
        target = next((r for r in records.values() if r["ll2_id"] == rec["ll2_id"]), None) or _match(records, rec)
        if target is None:
            new = {"booster_recovery": "unknown", "user_fields": [], "origin": "ll2", **rec}
            new["id"] = new_id(new)
            while new["id"] in records:
                new["id"] += "-ll2"
            write(conn, new, None, "ll2", now)
            records[new["id"]] = new
            report.added.append(new["id"])
            continue
        after = dict(target)
        for name, value in rec.items():
            if name == "sources":
                after["sources"] = target["sources"] + [s for s in value if s not in target["sources"]]
            elif value is None or (name in _FILL_ONLY and target.get(name)):
                continue
            elif name in target["user_fields"]:
                if as_text(value) != as_text(target.get(name)):
                    report.conflicts.append(
                        f"{target['id']}: {name}: LL2 says {as_text(value)!r}, kept {as_text(target.get(name))!r} (set by a person)"
                    )
            else:
                after[name] = value
        changed = write(conn, after, target, "ll2", now)
        records[after["id"]] = after
        if changed:
            report.updated[after["id"]] = changed


def refresh_launches(engine: Engine, base: str, now: datetime, timeout: httpx.Timeout = ll2.DEFAULT_TIMEOUT) -> Ll2Refresh:
    """Fetch within the budget, then merge everything fetched in one transaction."""
    report = Ll2Refresh()
    with ll2.client(timeout) as http:
        results = fetch(engine, http, base, now, report)
    fetched = [ll2.to_record(r) for r in results]
    with engine.begin() as conn:
        merge(conn, fetched, now, report)
    return report
