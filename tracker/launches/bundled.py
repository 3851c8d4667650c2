"""The bundled calendar: the launches of ``calendar.json``, held offline and kept current.

A fresh database receives every bundled launch without any network. A later version's calendar
(corrections, new launches) also reaches a database that holds an older one: whenever
calendar.json differs from the one last merged (its SHA-256 is kept in ``launch_state``) it is
merged again. While it is unchanged, which is nearly always, connecting costs one lookup: every
command connects.

Merge rule (:func:`tracker.launches.store.merge_fields`, the one LL2 refresh follows too):

* the calendar replaces a field it was the last source to write (people not counted), and fills
  any empty field; a value it leaves empty says nothing (it never erases);
* a field a person set is kept, and the disagreement reported as a conflict;
* a field LL2 wrote after the calendar is left to LL2: it is the newer source, and within its
  window the next refresh would only say it again. (So a newer calendar corrects what an older
  calendar said, never what LL2 or a person said since.)

Every change is kept in the history with origin ``bundled``. A bundled launch whose id the
database lacks is first matched against the launches outside the calendar (same rule as LL2
matching: vehicle and serial, else vehicle and NET within a day), so that a launch LL2 or a
person recorded first is completed rather than duplicated.

``connect()`` ignores the report; ``tracker launches show`` lists, per launch, where a person's
value differs from the calendar.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from tracker.launches.models import launch_history
from tracker.launches.store import FIELDS, find_match, get_state, load, merge_fields, parse_value, set_state, write

DIGEST_KEY = "bundled_calendar_sha256"
SOURCE = "the bundled calendar"
#: What a calendar record does not speak for: bookkeeping of the database, not facts.
_NOT_OFFERED = ("id", "origin", "user_fields")


@dataclass
class CalendarMerge:
    """What merging one calendar did: launches added, fields changed per launch, conflicts kept."""

    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)


@cache
def packaged() -> bytes:
    """calendar.json as shipped (read once per process)."""
    return resources.files("tracker.launches").joinpath("calendar.json").read_bytes()


def records(raw: bytes) -> tuple[dict, ...]:
    """A calendar document's launches as records (origin ``bundled``)."""
    doc = json.loads(raw.decode("utf-8"))
    return tuple(
        {**{f: parse_value(f, item.get(f)) for f in FIELDS}, "origin": "bundled"} for item in doc["launches"]
    )


@cache
def calendar() -> tuple[dict, ...]:
    """The shipped launches as records."""
    return records(packaged())


def shipped(launch_id: str) -> dict | None:
    """The shipped record of ``launch_id``, or None when the calendar lacks it."""
    return next((r for r in calendar() if r["id"] == launch_id), None)


def seed(engine: Engine, raw: bytes | None = None, now: datetime | None = None) -> CalendarMerge | None:
    """Merge the calendar (``raw``, default the shipped one) unless it is the one merged last.

    Returns what the merge did, or None when the calendar was already merged (one lookup).
    """
    raw = packaged() if raw is None else raw
    digest = hashlib.sha256(raw).hexdigest()
    if _merged(engine) == digest:
        return None
    now = now or datetime.now(timezone.utc)
    try:
        with engine.begin() as conn:
            report = merge(conn, records(raw), now)
            set_state(conn, DIGEST_KEY, digest, now)
    except (IntegrityError, OperationalError):
        if _merged(engine) == digest:
            return None  # another process connecting at the same moment merged it first
        raise
    return report


def _merged(engine: Engine) -> str | None:
    with engine.connect() as conn:
        held = get_state(conn, DIGEST_KEY)
    return None if held is None else held[0]


def merge(conn, bundled: tuple[dict, ...], now: datetime) -> CalendarMerge:
    """Apply ``bundled`` under the merge rule (module docstring), inside ``conn``'s transaction."""
    report = CalendarMerge()
    held = load(conn)
    ids = {rec["id"] for rec in bundled}
    outside = [r for r in held.values() if r["id"] not in ids]
    writer = _last_writers(conn) if held else {}
    for rec in bundled:
        target = held.get(rec["id"]) or find_match(outside, rec)
        if target is None:
            write(conn, {**rec, "user_fields": []}, None, "bundled", now)
            report.added.append(rec["id"])
            continue
        created_by = writer.get((target["id"], "record"))
        claims = {f for f in FIELDS if writer.get((target["id"], f), created_by) in (None, "bundled")}
        offered = {k: v for k, v in rec.items() if k not in _NOT_OFFERED}
        after, conflicts = merge_fields(target, offered, SOURCE, claims)
        report.conflicts += conflicts
        if changed := write(conn, after, target, "bundled", now):
            report.updated[target["id"]] = changed
    return report


def _last_writers(conn) -> dict[tuple[str, str], str]:
    """(launch id, field) -> the source that last wrote it, people not counted.

    ``(id, "record")`` is the source that created the launch, which wrote every field it gave.
    """
    h = launch_history
    rows = conn.execute(select(h.c.launch_id, h.c.field, h.c.origin).where(h.c.origin != "user").order_by(h.c.id))
    return {(launch_id, name): origin for launch_id, name, origin in rows}
