"""Launch records: values, validation, the merge rule, and writing with history.

A record is a plain dict keyed by :data:`FIELDS` holding Python values (aware UTC datetimes,
lists for ``sources`` and ``user_fields``). Every writer goes through :func:`write` or
:func:`delete`, which keep the change history and the constellation link of a Guowang/Qianfan
launch designator, inside the caller's transaction. File formats are in :mod:`.files`.

Rules a record must satisfy (:func:`validate`), stated so users can judge them:

* status, orbit outcome, booster recovery and precision take only their listed values;
* a launch that has not flown (status scheduled/go/hold, or NET in the future) has orbit outcome
  ``pending``/``unknown`` and no ``attempted-*`` recovery: an outcome before launch is a typo;
* a flown launch's status and a known orbit outcome agree (status success with orbit failure is
  refused);
* booster recovery ``attempted-succeeded`` on an orbit failure is *allowed*: the booster can land
  while the upper stage fails (Falcon 9 Starlink 9-3, July 2024);
* every time (NET, window, announced) lies in :data:`TIME_RANGE`, 1957-01-01 .. 2100-12-31;
* a landing's downrange distance is a finite number of km >= 0 (:func:`check_downrange`);
* a launch window does not end before it starts. (That NET lies inside the window is checked
  only for edits by a person, :func:`window_problem`: a stale window from LL2 must not make an
  export impossible to import again.)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from tle.elements import utc
from tle.formats import EPOCH_RANGE
from tracker.db import batches
from tracker.launches.models import launch as launch_table
from tracker.launches.models import launch_history, launch_state
from tracker.launches.vehicles import full
from tracker.launches.vocab import CONSTELLATIONS, FLOWN, ORBIT_OUTCOMES, PRE_LAUNCH, PRECISIONS, RECOVERIES, STATUSES

#: Every field, in export order.
FIELDS = (
    "id", "vehicle", "variant", "serial", "provider", "site", "mission", "mission_zh",
    "constellation", "cospar_launch", "net_utc", "net_precision", "window_start", "window_end",
    "status", "orbit_outcome", "booster_recovery", "landing_type", "landing_location",
    "landing_downrange_km", "announced_utc", "sources", "notes", "ll2_id", "ll2_url", "webcast_url",
    "user_fields", "origin",
)
REQUIRED = ("id", "vehicle", "net_utc", "net_precision", "status", "orbit_outcome", "booster_recovery")
TIME_FIELDS = ("net_utc", "window_start", "window_end", "announced_utc")
LIST_FIELDS = ("sources", "user_fields")
#: The values each enumerated field may take.
CHOICES = {
    "status": STATUSES,
    "orbit_outcome": ORBIT_OUTCOMES,
    "booster_recovery": RECOVERIES,
    "net_precision": PRECISIONS,
    "constellation": CONSTELLATIONS,
    "origin": ("bundled", "user", "ll2"),
}
#: The supported range of launch times (NET, window, announced), the same as element epochs'
#: (:data:`tle.formats.EPOCH_RANGE`): from the year of Sputnik 1 to the end of 2100. A time
#: outside it is a typo or garbage, from a file or from Launch Library 2 alike.
TIME_RANGE = EPOCH_RANGE


def check_time(value: datetime, field: str) -> datetime:
    """``value`` if it lies in :data:`TIME_RANGE`; else :class:`InvalidLaunch` naming ``field``."""
    if not TIME_RANGE[0] <= value < TIME_RANGE[1]:
        raise InvalidLaunch(f"{field}: {iso(value)} is outside the supported range 1957-01-01..2100-12-31")
    return value


def check_downrange(value: float, field: str = "landing_downrange_km") -> float:
    """A landing's downrange distance: finite and >= 0 km (a distance, not a signed offset)."""
    if not (math.isfinite(value) and value >= 0):
        raise InvalidLaunch(f"{field}: {value!r} is not a distance >= 0 km")
    return value


#: Fields whose changes are not history: bookkeeping, not facts about the launch.
_UNTRACKED = ("id", "user_fields", "origin")
_COSPAR = re.compile(r"^\d{4}-\d{3}$")
#: How far apart two sources' NETs may be and still be the same launch (:func:`find_match`).
MATCH_WINDOW = timedelta(days=1)


class InvalidLaunch(ValueError):
    """A record that breaks a rule; the message names the field."""


# -- values ------------------------------------------------------------------------------------


def parse_time(text: str, field: str = "net_utc") -> datetime:
    """ISO 8601 to aware UTC; a date alone is 00:00 UTC; no offset means UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidLaunch(f"{field}: {text!r} is not an ISO 8601 time (e.g. 2025-12-03T04:00:00Z)") from None
    try:
        return check_time(utc(value), field)
    except OverflowError:  # year 1 with an offset east of UTC
        raise InvalidLaunch(f"{field}: {text!r} is outside the supported range 1957-01-01..2100-12-31") from None


def iso(value: datetime | None) -> str | None:
    """``2025-12-03T04:00:00Z``: the one spelling of times in files and history."""
    return None if value is None else value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_net(net: datetime, precision: str) -> str:
    """NET as a person should read it: never a fake midnight for a day-precision launch."""
    formats = {
        "second": "%Y-%m-%d %H:%M:%S",
        "minute": "%Y-%m-%d %H:%M",
        "hour": "%Y-%m-%d %H:00 (hour)",
        "day": "%Y-%m-%d (day)",
        "month": "%Y-%m (month)",
    }
    return net.astimezone(timezone.utc).strftime(formats[precision])


def parse_value(field: str, raw: Any) -> Any:
    """A value read from a file (text, or JSON types) to its Python type; raises naming ``field``."""
    if field in LIST_FIELDS:
        if raw is not None and not isinstance(raw, (list, str)):
            raise InvalidLaunch(f"{field}: expected a list of texts or space-separated text, got {_json_type(raw)}")
        items = raw if isinstance(raw, list) else (raw or "").split()
        wrong = [v for v in items if not isinstance(v, str)]
        if wrong:
            raise InvalidLaunch(f"{field}: expected a list of texts, got a list holding {_json_type(wrong[0])}")
        return list(items)
    if raw is None or raw == "":
        return "" if field == "variant" else None
    if field == "landing_downrange_km":
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise InvalidLaunch(f"{field}: {raw!r} is not a number (got {_json_type(raw)})")
        try:
            number = float(raw)
        except (TypeError, ValueError, OverflowError):
            raise InvalidLaunch(f"{field}: {raw!r} is not a number") from None
        return check_downrange(number, field)
    if not isinstance(raw, str):
        raise InvalidLaunch(f"{field}: expected text, got {_json_type(raw)}")
    if field in TIME_FIELDS:
        return parse_time(raw, field)
    return raw


def _json_type(value: Any) -> str:
    """What a JSON value is, in JSON's words (``a number``, ``true/false``, ``an object``)."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)


def plain(rec: dict[str, Any]) -> dict[str, Any]:
    """Every field with times as ISO text: the shape of export files and deletion snapshots."""
    return {f: iso(v) if isinstance(v, datetime) else v for f, v in ((f, rec.get(f)) for f in FIELDS)}


def as_text(value: Any) -> str | None:
    """A value as history stores it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- rules -------------------------------------------------------------------------------------


def validate(rec: dict[str, Any], now: datetime) -> None:
    """Refuse impossible records (see the module docstring); raises :class:`InvalidLaunch`."""
    for field in REQUIRED:
        if rec.get(field) in (None, ""):
            raise InvalidLaunch(f"{field}: missing")
    for field, allowed in CHOICES.items():
        value = rec.get(field)
        if value is not None and value not in allowed:
            raise InvalidLaunch(f"{field}: {value!r} is not one of {', '.join(allowed)}")
    if rec.get("cospar_launch") and not _COSPAR.match(rec["cospar_launch"]):
        raise InvalidLaunch(f"cospar_launch: {rec['cospar_launch']!r} is not a launch designator like 2024-240")
    not_flown = rec["status"] in PRE_LAUNCH or rec["net_utc"] > now
    if not_flown and rec["orbit_outcome"] not in ("pending", "unknown"):
        raise InvalidLaunch(
            f"orbit_outcome: {rec['orbit_outcome']!r} on a launch that has not flown "
            f"(status {rec['status']}, NET {iso(rec['net_utc'])})"
        )
    if not_flown and rec["booster_recovery"].startswith("attempted-"):
        raise InvalidLaunch(
            f"booster_recovery: {rec['booster_recovery']!r} on a launch that has not flown "
            f"(status {rec['status']}, NET {iso(rec['net_utc'])})"
        )
    if rec["status"] in FLOWN and rec["orbit_outcome"] in FLOWN and rec["status"] != rec["orbit_outcome"]:
        raise InvalidLaunch(f"orbit_outcome: {rec['orbit_outcome']!r} contradicts status {rec['status']!r}")
    for field in TIME_FIELDS:
        if rec.get(field) is not None:
            check_time(rec[field], field)
    if rec.get("landing_downrange_km") is not None:
        check_downrange(rec["landing_downrange_km"])
    start, end = rec.get("window_start"), rec.get("window_end")
    if start is not None and end is not None and end < start:
        raise InvalidLaunch(f"window_end: {iso(end)} is before window_start {iso(start)}")


def net_span(net: datetime, precision: str) -> tuple[datetime, datetime]:
    """The stretch of time a NET of that precision stands for: a day-precision NET is its day."""
    if precision == "month":
        first = net.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return first, (first + timedelta(days=32)).replace(day=1)
    step = {"second": timedelta(seconds=1), "minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
    return net, net + step[precision]


def window_problem(rec: dict[str, Any]) -> str | None:
    """Why the NET falls outside the launch window (None when it falls inside or there is none).

    Compared at the NET's precision: a launch known to the day fits any window touching that day.
    """
    start, end = rec.get("window_start"), rec.get("window_end")
    if start is None and end is None:
        return None
    first, after = net_span(rec["net_utc"], rec["net_precision"])
    if (start is not None and start >= after) or (end is not None and end < first):
        return (
            f"NET {render_net(rec['net_utc'], rec['net_precision'])} lies outside the window "
            f"{iso(start) or '(open)'} .. {iso(end) or '(open)'}"
        )
    return None


def merge_fields(
    target: dict[str, Any], offered: dict[str, Any], source: str, claims: Collection[str]
) -> tuple[dict[str, Any], list[str]]:
    """``target`` updated with what an automatic ``source`` offers, and the conflicts found.

    The one merge rule of LL2 refresh and bundled-calendar updates: a source replaces only the
    fields it ``claims`` and fills any empty one; where a person set the field (``user_fields``)
    the person's value is kept and the disagreement reported, never silently resolved; a value
    the source leaves empty (None) says nothing; ``sources`` lists are united.
    """
    after = dict(target)
    conflicts = []
    for name, value in offered.items():
        held = target.get(name)
        if name == "sources":
            after[name] = held + [s for s in value if s not in held]
        elif value is None or as_text(value) == as_text(held) or (held not in (None, "") and name not in claims):
            continue
        elif name in target["user_fields"]:
            conflicts.append(
                f"{target['id']}: {name}: {source} says {as_text(value)!r}, kept {as_text(held)!r} (set by a person)"
            )
        else:
            after[name] = value
    return after, conflicts


# -- database ----------------------------------------------------------------------------------


def _from_row(row: Any) -> dict[str, Any]:
    rec = {f: getattr(row, f) for f in FIELDS}
    for field in LIST_FIELDS:
        rec[field] = json.loads(rec[field] or "[]")
    return rec


def _to_row(rec: dict[str, Any]) -> dict[str, Any]:
    row = {f: rec.get(f) for f in FIELDS}
    for field in LIST_FIELDS:
        row[field] = json.dumps(rec.get(field) or [], ensure_ascii=False)
    row["variant"] = row["variant"] or ""
    return row


def load(conn, ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Records by id (all, or those in ``ids``, asked for in batches: an import may name more ids
    than SQLite takes as parameters of one statement)."""
    table = launch_table
    if ids is None:
        return {row.id: _from_row(row) for row in conn.execute(select(table))}
    return {row.id: _from_row(row) for chunk in batches(list(ids)) for row in conn.execute(select(table).where(table.c.id.in_(chunk)))}


def write(conn, rec: dict[str, Any], before: dict[str, Any] | None, origin: str, now: datetime) -> list[str]:
    """Insert or update ``rec`` and record each changed field; returns the fields changed."""
    table = launch_table
    if before is None:
        conn.execute(table.insert().values(**_to_row(rec)))
        changed = ["record"]
        history = [{"field": "record", "old": None, "new": "created"}]
    else:
        changed = [f for f in FIELDS if f not in _UNTRACKED and as_text(rec.get(f)) != as_text(before.get(f))]
        history = [{"field": f, "old": as_text(before.get(f)), "new": as_text(rec.get(f))} for f in changed]
        if changed or rec.get("user_fields") != before.get("user_fields"):
            conn.execute(table.update().where(table.c.id == rec["id"]).values(**_to_row(rec)))
    _history(conn, rec["id"], origin, now, history)
    _link(conn, rec, before)
    return changed


def delete(conn, rec: dict[str, Any], now: datetime) -> None:
    """Remove ``rec``; its history keeps a snapshot of the last state (JSON, export fields)."""
    table = launch_table
    conn.execute(table.delete().where(table.c.id == rec["id"]))
    snapshot = json.dumps(plain(rec), ensure_ascii=False)
    _history(conn, rec["id"], "user", now, [{"field": "record", "old": snapshot, "new": "deleted"}])
    _link(conn, None, rec)


def _history(conn, launch_id: str, origin: str, now: datetime, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(
            launch_history.insert(),
            [{"launch_id": launch_id, "time": now, "origin": origin, **h} for h in rows],
        )


def _designator(rec: dict[str, Any] | None) -> tuple[str, str] | None:
    if rec and rec.get("constellation") in ("guowang", "qianfan") and rec.get("cospar_launch"):
        return rec["constellation"], rec["cospar_launch"]
    return None


def _link(conn, rec: dict[str, Any] | None, before: dict[str, Any] | None) -> None:
    """Make every object of a Guowang/Qianfan launch a member, whatever its name becomes.

    The rule (origin ``calendar``) follows the record: when a designator or constellation is
    corrected, or the launch deleted, the rule it made goes unless another launch still needs it.
    """
    from tracker.constellations import add_rules
    from tracker.db import constellation_rule

    new, old = _designator(rec), _designator(before)
    if new:
        add_rules(conn, new[0], "launch", [new[1]], origin="calendar")
    if old and old != new:
        t = launch_table
        still = conn.execute(
            select(t.c.id).where(t.c.constellation == old[0], t.c.cospar_launch == old[1]).limit(1)
        ).first()
        if still is None:
            r = constellation_rule
            conn.execute(r.delete().where(
                r.c.constellation == old[0], r.c.kind == "launch", r.c.value == old[1], r.c.origin == "calendar"
            ))


def mark_user(rec: dict[str, Any], fields: list[str]) -> None:
    """Remember that a person set ``fields``: a refresh never overwrites them."""
    rec["user_fields"] = sorted(set(rec.get("user_fields") or []) | set(fields))


def changes(conn, launch_id: str) -> list[dict[str, Any]]:
    """The history of one launch, oldest first (kept after a deletion)."""
    h = launch_history
    rows = conn.execute(
        select(h.c.time, h.c.field, h.c.old, h.c.new, h.c.origin)
        .where(h.c.launch_id == launch_id)
        .order_by(h.c.time, h.c.id)
    )
    return [dict(r._mapping) for r in rows]


def find_match(candidates: Iterable[dict[str, Any]], rec: dict[str, Any]) -> dict[str, Any] | None:
    """The held record that is the same launch as ``rec`` (which came from another source).

    Same vehicle (family and variant) and serial; else same vehicle with NET within
    :data:`MATCH_WINDOW`, the nearest winning. Used by LL2 refresh and calendar updates alike.
    """
    same = [r for r in candidates if r["vehicle"] == rec["vehicle"] and r["variant"] == rec["variant"]]
    if rec.get("serial"):
        for r in same:
            if r["serial"] == rec["serial"]:
                return r
    near = [r for r in same if abs(r["net_utc"] - rec["net_utc"]) <= MATCH_WINDOW]
    return min(near, key=lambda r: abs(r["net_utc"] - rec["net_utc"]), default=None)


def known_vehicles(conn) -> list[str]:
    """Full names of vehicles already in the calendar (LL2 may have brought new ones)."""
    t = launch_table
    return [full(f, v) for f, v in conn.execute(select(t.c.vehicle, t.c.variant).distinct())]


def new_id(rec: dict[str, Any]) -> str:
    """``2024-12-16-long-march-5b-y6``: date, vehicle and serial, readable and stable."""
    slug = re.sub(r"[^a-z0-9]+", "-", full(rec["vehicle"], rec.get("variant")).lower()).strip("-")
    parts = (rec["net_utc"].strftime("%Y-%m-%d"), slug, (rec.get("serial") or "").lower())
    return "-".join(p for p in parts if p)


# -- state the sources keep between commands ---------------------------------------------------


def get_state(conn, key: str) -> tuple[str, datetime] | None:
    """The value stored under ``key`` and when it was stored, or None."""
    t = launch_state
    row = conn.execute(select(t.c.value, t.c.updated_utc).where(t.c.key == key)).first()
    return None if row is None else (row.value, row.updated_utc)


def set_state(conn, key: str, value: str, now: datetime) -> None:
    t = launch_state
    if conn.execute(select(t.c.key).where(t.c.key == key)).first() is None:
        conn.execute(t.insert().values(key=key, value=value, updated_utc=now))
    else:
        conn.execute(t.update().where(t.c.key == key).values(value=value, updated_utc=now))
