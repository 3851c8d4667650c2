"""Launch records: validation, writing with history, listing, and file import/export.

A record is a plain dict keyed by :data:`FIELDS` holding Python values (aware UTC datetimes,
lists for ``sources`` and ``user_fields``). Every writer goes through :func:`write`, which keeps
the change history and links the launch designator of a Guowang/Qianfan launch to its
constellation, inside the caller's transaction.

Rules a record must satisfy (:func:`validate`), stated so users can judge them:

* status, orbit outcome, booster recovery and precision take only their listed values;
* a launch that has not flown (status scheduled/go/hold, or NET in the future) has orbit outcome
  ``pending``/``unknown`` and no ``attempted-*`` recovery: an outcome before launch is a typo;
* a flown launch's status and a known orbit outcome agree (status success with orbit failure is
  refused);
* booster recovery ``attempted-succeeded`` on an orbit failure is *allowed*: the booster can land
  while the upper stage fails (Falcon 9 Starlink 9-3, July 2024).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from tracker.launches.models import Launch, LaunchHistory
from tracker.launches.vehicles import full
from tracker.launches.vocab import CONSTELLATIONS, FLOWN, ORBIT_OUTCOMES, PRE_LAUNCH, PRECISIONS, RECOVERIES, STATUSES


#: Every field, in export order.
FIELDS = (
    "id", "vehicle", "variant", "serial", "provider", "site", "mission", "mission_zh",
    "constellation", "cospar_launch", "net_utc", "net_precision", "window_start", "window_end",
    "status", "orbit_outcome", "booster_recovery", "landing_type", "landing_location",
    "landing_downrange_km", "announced_utc", "sources", "notes", "ll2_id", "user_fields", "origin",
)
REQUIRED = ("id", "vehicle", "net_utc", "net_precision", "status", "orbit_outcome", "booster_recovery")
TIME_FIELDS = ("net_utc", "window_start", "window_end", "announced_utc")
LIST_FIELDS = ("sources", "user_fields")
_CHOICES = {
    "status": STATUSES,
    "orbit_outcome": ORBIT_OUTCOMES,
    "booster_recovery": RECOVERIES,
    "net_precision": PRECISIONS,
    "constellation": CONSTELLATIONS,
    "origin": ("bundled", "user", "ll2"),
}
#: Fields whose changes are not history: bookkeeping, not facts about the launch.
_UNTRACKED = ("id", "user_fields", "origin")
_COSPAR = re.compile(r"^\d{4}-\d{3}$")


class InvalidLaunch(ValueError):
    """A record that breaks a rule; the message names the field."""


# -- values ------------------------------------------------------------------------------------


def parse_time(text: str, field: str = "net_utc") -> datetime:
    """ISO 8601 to aware UTC; a date alone is 00:00 UTC; no offset means UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidLaunch(f"{field}: {text!r} is not an ISO 8601 time (e.g. 2025-12-03T04:00:00Z)") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


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
        items = raw if isinstance(raw, list) else (raw or "").split()
        return [str(v) for v in items]
    if raw is None or raw == "":
        return "" if field == "variant" else None
    if field in TIME_FIELDS:
        return parse_time(str(raw), field)
    if field == "landing_downrange_km":
        try:
            return float(raw)
        except ValueError:
            raise InvalidLaunch(f"{field}: {raw!r} is not a number") from None
    return str(raw)


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
    for field, allowed in _CHOICES.items():
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
    """Records by id (all, or those in ``ids``)."""
    table = Launch.__table__
    query = select(table)
    if ids is not None:
        query = query.where(table.c.id.in_(ids))
    return {row.id: _from_row(row) for row in conn.execute(query)}


def write(conn, rec: dict[str, Any], before: dict[str, Any] | None, origin: str, now: datetime) -> list[str]:
    """Insert or update ``rec`` and record each changed field; returns the fields changed."""
    table = Launch.__table__
    if before is None:
        conn.execute(table.insert().values(**_to_row(rec)))
        changed = ["record"]
        history = [{"field": "record", "old": None, "new": "created"}]
    else:
        changed = [f for f in FIELDS if f not in _UNTRACKED and as_text(rec.get(f)) != as_text(before.get(f))]
        history = [{"field": f, "old": as_text(before.get(f)), "new": as_text(rec.get(f))} for f in changed]
        if changed or rec.get("user_fields") != before.get("user_fields"):
            conn.execute(table.update().where(table.c.id == rec["id"]).values(**_to_row(rec)))
    if history:
        conn.execute(
            LaunchHistory.__table__.insert(),
            [{"launch_id": rec["id"], "time": now, "origin": origin, **h} for h in history],
        )
    link(conn, rec)
    return changed


def link(conn, rec: dict[str, Any]) -> None:
    """Make every object of a Guowang/Qianfan launch a member, whatever its name becomes."""
    from tracker.constellations import add_rules

    if rec.get("constellation") in ("guowang", "qianfan") and rec.get("cospar_launch"):
        add_rules(conn, rec["constellation"], "launch", [rec["cospar_launch"]], origin="calendar")


def mark_user(rec: dict[str, Any], fields: list[str]) -> None:
    """Remember that a person set ``fields``: a refresh never overwrites them."""
    rec["user_fields"] = sorted(set(rec.get("user_fields") or []) | set(fields))


def history(conn, launch_id: str) -> list[dict[str, Any]]:
    h = LaunchHistory.__table__
    rows = conn.execute(
        select(h.c.time, h.c.field, h.c.old, h.c.new, h.c.origin)
        .where(h.c.launch_id == launch_id)
        .order_by(h.c.time, h.c.id)
    )
    return [dict(r._mapping) for r in rows]


def known_vehicles(conn) -> list[str]:
    """Full names of vehicles already in the calendar (LL2 may have brought new ones)."""
    t = Launch.__table__
    return [full(f, v) for f, v in conn.execute(select(t.c.vehicle, t.c.variant).distinct())]


def new_id(rec: dict[str, Any]) -> str:
    """``2024-12-16-long-march-5b-y6``: date, vehicle and serial, readable and stable."""
    slug = re.sub(r"[^a-z0-9]+", "-", full(rec["vehicle"], rec.get("variant")).lower()).strip("-")
    parts = (rec["net_utc"].strftime("%Y-%m-%d"), slug, (rec.get("serial") or "").lower())
    return "-".join(p for p in parts if p)


# -- files -------------------------------------------------------------------------------------


def export_text(records: list[dict[str, Any]], fmt: str) -> str:
    """Every field of every record, ordered by id; import of this text restores them exactly."""
    records = sorted(records, key=lambda r: r["id"])

    def plain(rec: dict[str, Any], lists_as_text: bool) -> dict[str, Any]:
        out = {}
        for f in FIELDS:
            value = rec.get(f)
            if isinstance(value, datetime):
                value = iso(value)
            elif f in LIST_FIELDS and lists_as_text:
                value = " ".join(value or [])
            out[f] = value
        return out

    if fmt == "json":
        return json.dumps([plain(r, False) for r in records], ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in plain(r, True).items()} for r in records)
    return buffer.getvalue()


def parse_file(text: str, fmt: str, now: datetime) -> list[dict[str, Any]]:
    """Records from an export-format file; any bad row raises naming the row and the field."""
    if fmt == "json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidLaunch(f"not JSON: {exc}") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidLaunch("expected a JSON list of launch objects")
        first_row = 1
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = [f for f in REQUIRED if f not in (reader.fieldnames or [])]
        if missing:
            raise InvalidLaunch(f"header: missing column(s) {', '.join(missing)}")
        rows = list(reader)
        first_row = 2  # line 1 is the header
    records = []
    for number, row in enumerate(rows, first_row):
        where = f"line {number}" if fmt == "csv" else f"record {number}"
        try:
            missing = [f for f in REQUIRED if f not in row]
            if missing:
                raise InvalidLaunch(f"{missing[0]}: missing")
            unknown = sorted(set(row) - set(FIELDS))
            if unknown:
                raise InvalidLaunch(f"{unknown[0]}: unknown field")
            rec = {f: parse_value(f, row.get(f)) for f in FIELDS}
            rec["origin"] = rec["origin"] or "user"
            validate(rec, now)
        except InvalidLaunch as exc:
            raise InvalidLaunch(f"{where} (id {row.get('id')!r}): {exc}") from None
        records.append(rec)
    ids = [r["id"] for r in records]
    if len(ids) != len(set(ids)):
        raise InvalidLaunch(f"duplicate id {next(i for i in ids if ids.count(i) > 1)!r}")
    return records
