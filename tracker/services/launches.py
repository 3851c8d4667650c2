"""The launch calendar's use cases: list, show, add, update, delete, import and export.

Each function takes an engine and plain values (text, dates, datetimes, mappings: never an
argparse namespace), runs as one transaction, prints nothing and returns a polars frame, a small
report or the plain result. Failures are raised from :mod:`tracker.errors` only:

* :class:`~tracker.errors.UsageError`: a malformed value (a time, an unknown field or choice, a
  reversed range, an edit that changes nothing);
* :class:`~tracker.errors.NotFound`: no such launch (the message says when it was deleted, if it
  was), an unknown vehicle;
* :class:`~tracker.errors.Refused`: an edit that breaks a rule of
  :func:`tracker.launches.store.validate`, a NET outside its window, a deletion the launch's source
  would undo, an id that exists, an export over an existing file;
* :class:`~tracker.errors.BadInput`: a file that cannot be read, parsed or written (named).

The rules of an edit by a person live here: a new launch's defaults, every field given is
marked user-set (no refresh or calendar update overwrites it), an orbit outcome given for a
launch still marked pre-launch whose NET has passed also sets its status, the NET must lie in
the launch window whenever an edit touches either, and only launches a person added may be
deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from tracker.errors import BadInput, NotFound, Refused, UsageError
from tracker.launches import store, vehicles
from tracker.launches.vocab import CONSTELLATIONS, FLOWN, ORBIT_OUTCOMES, PRE_LAUNCH, RECOVERIES, UPCOMING
from tracker.times import instant, time_range

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = [
    "COLUMNS", "EDITABLE", "FORMATS", "ImportReport", "LaunchDetail", "add_launch", "delete_launch",
    "export_launches", "import_launches", "list_launches", "show_launch", "update_launch",
]

#: A time as people or programs give it: ISO 8601 text (no offset means UTC), a date, a datetime.
Instant = str | date | datetime

#: The columns of :func:`list_launches`, in order (the calendar's output fields).
COLUMNS = (
    "id", "vehicle", "variant", "serial", "provider", "site", "mission", "constellation", "cospar_launch",
    "net_utc", "net_precision", "status", "orbit_outcome", "booster_recovery", "announced_utc", "sources",
)
#: The fields a person sets with :func:`add_launch` (all but ``net_utc``, given apart) and
#: :func:`update_launch`; sources and notes are added through their own arguments.
EDITABLE = (
    "net_utc", "net_precision", "window_start", "window_end", "serial", "provider", "site", "mission", "mission_zh",
    "constellation", "cospar_launch", "status", "orbit_outcome", "booster_recovery", "landing_type",
    "landing_location", "landing_downrange_km", "announced_utc",
)
#: Export file formats (both round-trip through :func:`import_launches`).
FORMATS = ("csv", "json")
#: Fields whose change makes the NET-inside-window rule apply to an edit.
_WHEN = frozenset({"net_utc", "net_precision", "window_start", "window_end"})

_LIST_SCHEMA: dict[str, Any] = {c: pl.String for c in COLUMNS} | {
    "net_utc": pl.Datetime("us", "UTC"), "announced_utc": pl.Datetime("us", "UTC"), "sources": pl.List(pl.String),
}
_HISTORY_SCHEMA: dict[str, Any] = {
    "time": pl.Datetime("us", "UTC"), "field": pl.String, "old": pl.String, "new": pl.String, "origin": pl.String,
}
_SATELLITE_SCHEMA: dict[str, Any] = {
    "norad": pl.Int64, "name": pl.String, "cospar": pl.String, "constellation": pl.String,
    "alt_km": pl.Float64, "rate_km_per_day": pl.Float64, "trend": pl.String, "straggler": pl.Boolean,
}


@dataclass(frozen=True)
class LaunchDetail:
    """One launch as :func:`show_launch` finds it.

    ``record`` holds every field (:data:`tracker.launches.store.FIELDS`, Python values);
    ``user_fields`` the fields a person set; ``differences`` the user-set fields whose value
    differs from the bundled calendar, as (field, what the calendar says); ``history`` its changes
    oldest first (``time, field, old, new, origin``); ``satellites`` the objects of its launch
    designator with their current mean altitude, trend and straggler flag; ``batch_status`` the
    status of them as a batch (raising, on-station, lowering, mixed, unknown; None without any).
    """

    record: dict[str, Any]
    user_fields: list[str]
    differences: list[tuple[str, str]]
    history: pl.DataFrame
    satellites: pl.DataFrame
    batch_status: str | None = None


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_launches` stored: the ids read, those new and those changed."""

    path: Path
    ids: list[str]
    added: list[str]
    changed: list[str]


# -- reading -----------------------------------------------------------------------------------


def list_launches(
    engine: Engine,
    *,
    vehicle: str | None = None,
    provider: str | None = None,
    constellation: str | None = None,
    outcome: str | None = None,
    recovery: str | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    upcoming: bool = False,
) -> pl.DataFrame:
    """The launches the filters keep, newest first, as a frame of :data:`COLUMNS`.

    ``vehicle`` takes any spelling of a known vehicle (``CZ-8A``, ``LM-8A``, ``Zhuque 3``); a
    family (``Long March 12``) also keeps its variants; a name matching nothing held is
    :class:`~tracker.errors.NotFound` with suggestions. ``provider`` is a case-insensitive
    substring. NET is on or after ``since`` and before ``until``. ``upcoming`` keeps the launches
    not yet flown (scheduled, go, hold, in-flight).
    """
    start, end = time_range(since, until)
    _check_choice(constellation, CONSTELLATIONS, "constellation")
    _check_choice(outcome, ORBIT_OUTCOMES, "outcome")
    _check_choice(recovery, RECOVERIES, "recovery")
    with engine.connect() as conn:
        records = store.load(conn).values()
        known = store.known_vehicles(conn) if vehicle else []
    frame = pl.DataFrame([{c: r[c] for c in COLUMNS} for r in records], schema=_LIST_SCHEMA)
    keep = [pl.col(c) == v for c, v in (("constellation", constellation), ("orbit_outcome", outcome), ("booster_recovery", recovery)) if v]
    if vehicle:
        keep.append(_vehicle_filter(frame, vehicle, known))
    if provider:
        keep.append(pl.col("provider").str.to_lowercase().str.contains(provider.lower(), literal=True))
    if start is not None:
        keep.append(pl.col("net_utc") >= start)
    if end is not None:
        keep.append(pl.col("net_utc") < end)
    if upcoming:
        keep.append(pl.col("status").is_in(UPCOMING))
    if keep:
        frame = frame.filter(*keep)
    return frame.sort("net_utc", "id", descending=True)


def _vehicle_filter(frame: pl.DataFrame, vehicle: str, known: list[str]) -> pl.Expr:
    """Rows of ``vehicle``: its family or its full name, in any spelling."""
    wanted = vehicle.strip().lower()
    try:
        name = vehicles.match(vehicle, known).lower()
    except vehicles.UnknownVehicle as exc:
        if wanted not in set(frame["vehicle"].str.to_lowercase()):
            raise NotFound(str(exc)) from None
        name = wanted
    full_name = pl.concat_str(pl.col("vehicle"), pl.col("variant").fill_null("")).str.to_lowercase()
    return pl.col("vehicle").str.to_lowercase().is_in([wanted, name]) | (full_name == name)


def show_launch(engine: Engine, launch_id: str) -> LaunchDetail:
    """One launch with its history, its differences from the bundled calendar and its satellites.

    :class:`~tracker.errors.NotFound` when no launch has that id (saying when it was deleted, if
    it was).
    """
    with engine.connect() as conn:
        rec = store.load(conn, [launch_id]).get(launch_id)
        past = store.changes(conn, launch_id)
    if rec is None:
        raise _not_found(launch_id, past)
    sats, status = _satellites(engine, rec["cospar_launch"])
    return LaunchDetail(
        record=rec,
        user_fields=list(rec["user_fields"]),
        differences=_differences_from_calendar(rec),
        history=pl.DataFrame(past, schema=_HISTORY_SCHEMA),
        satellites=sats,
        batch_status=status,
    )


def _differences_from_calendar(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """User-set fields whose value differs from what the bundled calendar says of this launch:
    the conflicts a calendar update keeps (sources are united, never in conflict)."""
    from tracker.launches.bundled import shipped

    calendar_rec = shipped(rec["id"])
    if calendar_rec is None:
        return []
    return [
        (name, str(store.as_text(calendar_rec[name]))) for name in rec["user_fields"]
        if name != "sources" and calendar_rec.get(name) is not None
        and store.as_text(calendar_rec[name]) != store.as_text(rec.get(name))
    ]


def _satellites(engine: Engine, designator: str | None) -> tuple[pl.DataFrame, str | None]:
    """The objects of a launch designator with their constellation, current mean altitude, trend
    and straggler flag, and the batch's status (:func:`tracker.batches.groups_of`)."""
    from tracker.batches import groups_of, with_stragglers
    from tracker.catalog import history, satellites
    from tracker.constellations import label, rules_frame
    from tracker.text import in_natural_order

    sats = satellites(engine, designator) if designator else None
    if sats is None or sats.is_empty():
        return pl.DataFrame(schema=_SATELLITE_SCHEMA), None
    sats = label(sats, rules_frame(engine))
    past = history(engine, sats["norad"].to_list()).join(sats.select("norad", "constellation"), on="norad")
    rates = with_stragglers(past)
    batch = groups_of(rates)
    status = batch["status"][0] if batch.height else None
    found = sats.select("norad", "name", "cospar", "constellation").join(
        rates.select("norad", "alt_km", "rate_km_per_day", "trend", "straggler"), on="norad", how="left"
    )
    return in_natural_order(found), status


def export_launches(engine: Engine, path: str | Path, fmt: str = "csv", *, force: bool = False, raw_csv: bool = False) -> int:
    """Write every launch and field to ``path`` as ``fmt`` (csv or json); returns how many. CSV
    cells that would start a spreadsheet formula get a leading apostrophe (import takes it off)
    unless ``raw_csv``.

    An existing file is :class:`~tracker.errors.Refused` unless ``force``; the text goes to a
    temporary file beside ``path`` first, then takes its name, so a failed export leaves any
    earlier file whole.
    """
    from tracker.launches.files import export_text

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    from tracker.files import check_target, write_atomically

    path = Path(path)
    check_target(path, force)
    with engine.connect() as conn:
        records = list(store.load(conn).values())
    text = export_text(records, fmt, raw_csv=raw_csv)
    write_atomically(path, lambda part: part.write_text(text, encoding="utf-8"), force=force)
    return len(records)


# -- writing -----------------------------------------------------------------------------------


def add_launch(
    engine: Engine,
    *,
    vehicle: str,
    net: Instant,
    new_vehicle: bool = False,
    fields: Mapping[str, Any] | None = None,
    sources: Iterable[str] = (),
    note: str | None = None,
    now: datetime | None = None,
) -> str:
    """Add a launch by hand; returns its id (``2027-01-10-long-march-8a``).

    ``vehicle`` is any spelling of a known vehicle (an unknown one is
    :class:`~tracker.errors.NotFound` unless ``new_vehicle``); ``fields`` holds more of
    :data:`EDITABLE` (None values are ignored). Unset fields take the defaults of a launch
    announced but not flown (scheduled, outcome pending, recovery unknown, NET to the minute,
    the vehicle's usual provider). Every field given is user-set.
    """
    if net is None:
        raise UsageError("a new launch needs its NET")
    given = _given(fields, [f for f in EDITABLE if f != "net_utc"])
    given["net_utc"] = instant(net, "net_utc")
    now = instant(now, "now")
    with engine.begin() as conn:
        name = _vehicle_name(vehicle, store.known_vehicles(conn), new_vehicle)
        family, variant = vehicles.split(name)
        rec: dict[str, Any] = {
            "provider": vehicles.KNOWN.get(name), "status": "scheduled", "orbit_outcome": "pending",
            "booster_recovery": "unknown", "net_precision": "minute", "sources": [], "user_fields": [], "origin": "user",
        }
        _apply(rec, {"vehicle": family, "variant": variant, **given}, sources, note, now)
        rec["id"] = store.new_id(rec)
        if store.load(conn, [rec["id"]]):
            raise Refused(f"launch {rec['id']} already exists; use 'tracker launches update {rec['id']}'")
        _save(conn, rec, None, given, now)
    return rec["id"]


def update_launch(
    engine: Engine,
    launch_id: str,
    *,
    fields: Mapping[str, Any] | None = None,
    sources: Iterable[str] = (),
    note: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Set ``fields`` (of :data:`EDITABLE`; None values are ignored), add ``sources`` and
    ``note``; returns the fields that changed (empty when the values were already held).

    Every field given is user-set. An edit that gives nothing is a
    :class:`~tracker.errors.UsageError`.
    """
    given = _given(fields, EDITABLE)
    sources = list(sources)
    if not (given or sources or note):
        raise UsageError("nothing to change: give at least one option")
    now = instant(now, "now")
    with engine.begin() as conn:
        before = _held(conn, launch_id)
        rec = dict(before)
        _apply(rec, given, sources, note, now)
        return _save(conn, rec, before, given, now)


def delete_launch(engine: Engine, launch_id: str, now: datetime | None = None) -> None:
    """Delete a launch a person made; its history keeps its last state.

    A launch a source would create again (the bundled calendar with its next update, Launch
    Library 2 with its next refresh) is :class:`~tracker.errors.Refused`: deleting it would be a
    promise the tool cannot keep, so the message says how to correct it instead.
    """
    from tracker.launches.bundled import shipped

    now = instant(now, "now")
    with engine.begin() as conn:
        rec = _held(conn, launch_id)
        fix = f"correct it instead, e.g. 'tracker launches update {launch_id} --status scrubbed --note TEXT'"
        if shipped(launch_id) is not None:
            raise Refused(f"refused: {launch_id} is in the bundled calendar, which would add it again; {fix}")
        if rec["ll2_id"]:
            raise Refused(
                f"refused: {launch_id} is Launch Library 2 launch {rec['ll2_id']}, which the next refresh would add again; {fix}"
            )
        store.delete(conn, rec, now)


def import_launches(engine: Engine, path: str | Path, *, now: datetime | None = None) -> ImportReport:
    """Store the launches of an export file (CSV, or JSON when it starts with ``[``): all or none.

    The file must be UTF-8 (a byte-order mark, as Excel's "CSV UTF-8" writes, is allowed).

    The file is checked whole first; a file that cannot be read, or any bad row (named by line
    or position, id and field), is :class:`~tracker.errors.BadInput` and nothing is stored.
    """
    from tracker.launches.files import decode, parse_file

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = decode(raw)
    except store.InvalidLaunch as exc:
        raise BadInput(f"cannot read {path}: {exc}; nothing imported") from None
    now = instant(now, "now")
    try:
        records = parse_file(text, "json" if text.lstrip().startswith("[") else "csv", now)
    except store.InvalidLaunch as exc:
        raise BadInput(f"{path}: {exc}; nothing imported") from None
    added, changed = [], []
    with engine.begin() as conn:
        held = store.load(conn, [r["id"] for r in records])
        for rec in records:
            fields = store.write(conn, rec, held.get(rec["id"]), "user", now)
            if rec["id"] not in held:
                added.append(rec["id"])
            elif fields:
                changed.append(rec["id"])
    return ImportReport(path=path, ids=[r["id"] for r in records], added=added, changed=changed)


# -- the rules of an edit ----------------------------------------------------------------------


def _check_choice(value: str | None, allowed: Sequence[str], name: str) -> None:
    if value is not None and value not in allowed:
        raise UsageError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


def _given(fields: Mapping[str, Any] | None, allowed: Sequence[str]) -> dict[str, Any]:
    """The fields an edit sets, with their values as stored; a malformed one is a usage error."""
    given: dict[str, Any] = {}
    for name, value in (fields or {}).items():
        if value is None:
            continue
        if name not in allowed:
            raise UsageError(f"{name!r} is not a field a person sets here; expected one of {', '.join(allowed)}")
        if name in store.TIME_FIELDS:
            value = instant(value, name)
        elif name == "landing_downrange_km":
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise UsageError(f"{name}: {value!r} is not a number") from None
        elif name in store.CHOICES:
            _check_choice(value, store.CHOICES[name], name)
        given[name] = value
    return given


def _vehicle_name(vehicle: str, known: list[str], new_vehicle: bool) -> str:
    """The canonical name of ``vehicle``; an unknown one is accepted as written if ``new_vehicle``."""
    try:
        return vehicles.match(vehicle, known)
    except vehicles.UnknownVehicle as exc:
        if not new_vehicle:
            raise NotFound(f"{exc} (or pass --new-vehicle)") from None
        return vehicle.strip()


def _apply(rec: dict[str, Any], given: dict[str, Any], sources: Iterable[str], note: str | None, now: datetime) -> None:
    """Put ``given``, ``sources`` and ``note`` into ``rec`` and mark them all user-set.

    An orbit outcome given for a launch still marked pre-launch whose NET has passed also sets
    the status: announcing "it reached orbit" should not need a second field.
    """
    rec.update(given)
    marked = list(given)
    sources = list(sources)
    if sources:
        rec["sources"] = list(dict.fromkeys([*(rec.get("sources") or []), *sources]))
        marked.append("sources")
    if note:
        rec["notes"] = "\n".join(filter(None, [rec.get("notes"), note]))
        marked.append("notes")
    outcome = given.get("orbit_outcome")
    if "status" not in given and outcome in FLOWN and rec["status"] in PRE_LAUNCH and rec["net_utc"] <= now:
        rec["status"] = outcome
        marked.append("status")
    store.mark_user(rec, marked)


def _save(conn: Connection, rec: dict[str, Any], before: dict[str, Any] | None, given: dict[str, Any], now: datetime) -> list[str]:
    """Validate, then write with history; a refused record writes nothing."""
    try:
        store.validate(rec, now)
    except store.InvalidLaunch as exc:
        raise Refused(f"refused: {exc}") from None
    if _WHEN & given.keys() and (problem := store.window_problem(rec)):
        raise Refused(
            f"refused: {problem}; the launch window is when the launch may happen, so it holds the NET: "
            "give --net, --window-start and --window-end that agree"
        )
    return store.write(conn, rec, before, "user", now)


def _held(conn: Connection, launch_id: str) -> dict[str, Any]:
    """The record of ``launch_id``, or :class:`~tracker.errors.NotFound`."""
    rec = store.load(conn, [launch_id]).get(launch_id)
    if rec is None:
        raise _not_found(launch_id, store.changes(conn, launch_id))
    return rec


def _not_found(launch_id: str, past: list[dict[str, Any]]) -> NotFound:
    """No launch ``launch_id``, saying when it was deleted if its history says it was."""
    gone = [c for c in past if c["field"] == "record" and c["new"] == "deleted"]
    when = f" (deleted {gone[-1]['time']:%Y-%m-%d %H:%M} UTC)" if gone else ""
    return NotFound(f"no launch {launch_id!r}{when}; see 'tracker launches list'")
