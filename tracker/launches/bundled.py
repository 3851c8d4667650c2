"""The bundled calendar: a fresh database holds every launch of ``calendar.json`` offline.

Seeding inserts the launches whose ids are missing and nothing else, so it is idempotent and
never touches a record a person (or a refresh) has changed since.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.engine import Engine

from tracker.launches.models import Launch
from tracker.launches.store import FIELDS, parse_value, write


@cache
def calendar() -> tuple[dict, ...]:
    """The bundled launches as records (origin ``bundled``)."""
    doc = json.loads(resources.files("tracker.launches").joinpath("calendar.json").read_text(encoding="utf-8"))
    return tuple(
        {**{f: parse_value(f, item.get(f)) for f in FIELDS}, "origin": "bundled"} for item in doc["launches"]
    )


def seed(engine: Engine) -> int:
    """Insert the bundled launches not yet held; returns how many were added."""
    records = calendar()
    with engine.begin() as conn:
        have = set(conn.execute(select(Launch.__table__.c.id)).scalars())
        missing = [r for r in records if r["id"] not in have]
        now = datetime.now(timezone.utc)
        for rec in missing:
            write(conn, dict(rec), None, "bundled", now)
    return len(missing)
