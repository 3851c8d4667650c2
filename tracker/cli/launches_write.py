"""Handlers of the ``tracker launches`` commands that write: add, update, delete, import, refresh.

An edit by a person is validated whole before anything is written (exit 1 and nothing written
when it is refused), and every field it gives is marked user-set, so that no LL2 refresh or
bundled-calendar update overwrites it. Command-line values are parsed here rather than in the
argument tree so that ``tracker --help`` imports nothing heavy.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from tracker.cli.common import EXIT_OK, EXIT_USAGE, UserError, open_db
from tracker.launches.vocab import FLOWN, PRE_LAUNCH

#: Options that set a field as given (argparse ``dest`` = field name).
_PLAIN = (
    "net_precision", "serial", "provider", "site", "mission", "mission_zh", "constellation", "cospar_launch",
    "status", "orbit_outcome", "booster_recovery", "landing_type", "landing_location", "landing_downrange_km",
)
#: Options holding ISO 8601 times, by field, with the option's name for error messages.
_TIMES = {"net_utc": "--net", "window_start": "--window-start", "window_end": "--window-end", "announced_utc": "--announced"}
#: Fields whose change makes the NET-inside-window check apply to the edit.
_WHEN = ("net_utc", "net_precision", "window_start", "window_end")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _changes(args: argparse.Namespace) -> dict:
    """The fields given on the command line, parsed; a malformed time is a usage error."""
    from tracker.launches.store import InvalidLaunch, parse_time

    given = {f: getattr(args, f) for f in _PLAIN if getattr(args, f) is not None}
    try:
        for name, option in _TIMES.items():
            if getattr(args, name) is not None:
                given[name] = parse_time(getattr(args, name), option)
    except InvalidLaunch as exc:
        raise UserError(str(exc), EXIT_USAGE) from None
    return given


def _apply(rec: dict, given: dict, args: argparse.Namespace, now: datetime) -> None:
    """Put ``given`` (plus sources and note) into ``rec`` and mark them all user-set.

    An orbit outcome given for a launch still marked pre-launch whose NET has passed also sets
    the status: announcing "it reached orbit" should not need a second option.
    """
    from tracker.launches.store import mark_user

    rec.update(given)
    fields = list(given)
    if args.sources:
        rec["sources"] = list(dict.fromkeys([*(rec.get("sources") or []), *args.sources]))
        fields.append("sources")
    if args.note:
        rec["notes"] = "\n".join(filter(None, [rec.get("notes"), args.note]))
        fields.append("notes")
    outcome = given.get("orbit_outcome")
    if "status" not in given and outcome in FLOWN and rec["status"] in PRE_LAUNCH and rec["net_utc"] <= now:
        rec["status"] = outcome
        fields.append("status")
    mark_user(rec, fields)


def _save(engine, rec: dict, before: dict | None, given: dict, now: datetime) -> list[str]:
    """Validate, then write in one transaction; a refused record writes nothing (exit 1)."""
    from tracker.launches.store import InvalidLaunch, validate, window_problem, write

    try:
        validate(rec, now)
    except InvalidLaunch as exc:
        raise UserError(f"refused: {exc}") from None
    if given.keys() & set(_WHEN) and (problem := window_problem(rec)):
        raise UserError(
            f"refused: {problem}; the launch window is when the launch may happen, so it holds the NET: "
            "give --net, --window-start and --window-end that agree"
        )
    with engine.begin() as conn:
        return write(conn, rec, before, "user", now)


def add_launch(args: argparse.Namespace) -> int:
    from tracker.launches import vehicles
    from tracker.launches.store import known_vehicles, load, new_id

    engine, now = open_db(args), _now()
    with engine.connect() as conn:
        try:
            name = vehicles.match(args.vehicle, known_vehicles(conn))
        except vehicles.UnknownVehicle as exc:
            if not args.new_vehicle:
                raise UserError(f"{exc} (or pass --new-vehicle)") from None
            name = args.vehicle.strip()
        family, variant = vehicles.split(name)
        given = {"vehicle": family, "variant": variant, **_changes(args)}
        rec = {
            "provider": vehicles.KNOWN.get(name), "status": "scheduled", "orbit_outcome": "pending",
            "booster_recovery": "unknown", "net_precision": "minute", "sources": [], "user_fields": [], "origin": "user",
        }
        _apply(rec, given, args, now)
        rec["id"] = new_id(rec)
        if load(conn, [rec["id"]]):
            raise UserError(f"launch {rec['id']} already exists; use 'tracker launches update {rec['id']}'")
    _save(engine, rec, None, given, now)
    print(f"added {rec['id']}")
    return EXIT_OK


def update_launch(args: argparse.Namespace) -> int:
    from tracker.launches.store import load

    given = _changes(args)
    if not (given or args.sources or args.note):
        raise UserError("nothing to change: give at least one option", EXIT_USAGE)
    engine, now = open_db(args), _now()
    with engine.connect() as conn:
        before = load(conn, [args.id]).get(args.id)
    if before is None:
        raise UserError(f"no launch {args.id!r}; see 'tracker launches list'")
    rec = dict(before)
    _apply(rec, given, args, now)
    changed = _save(engine, rec, before, given, now)
    print(f"{args.id}: " + (", ".join(changed) + " changed" if changed else "unchanged"))
    return EXIT_OK


def delete_launch(args: argparse.Namespace) -> int:
    """Delete a launch only a person made: one that a source would re-create is refused.

    A bundled launch would come back with the next calendar update and an LL2 launch with the next
    refresh, so deleting them would be a promise the tool cannot keep; they are corrected instead.
    """
    from tracker.launches.bundled import shipped
    from tracker.launches.store import delete, load

    with open_db(args).begin() as conn:
        rec = load(conn, [args.id]).get(args.id)
        if rec is None:
            raise UserError(f"no launch {args.id!r}; see 'tracker launches list'")
        fix = f"correct it instead, e.g. 'tracker launches update {args.id} --status scrubbed --note TEXT'"
        if shipped(args.id) is not None:
            raise UserError(f"refused: {args.id} is in the bundled calendar, which would add it again; {fix}")
        if rec["ll2_id"]:
            raise UserError(f"refused: {args.id} is Launch Library 2 launch {rec['ll2_id']}, which the next refresh would add again; {fix}")
        delete(conn, rec, _now())
    print(f"deleted {args.id} (its last state is kept in its history)")
    return EXIT_OK


def import_launches(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tracker.launches.files import parse_file
    from tracker.launches.store import InvalidLaunch, load, write

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    fmt = "json" if text.lstrip().startswith("[") else "csv"
    now = _now()
    try:
        records = parse_file(text, fmt, now)
    except InvalidLaunch as exc:
        raise UserError(f"{path}: {exc}; nothing imported") from None
    added = changed = 0
    with open_db(args).begin() as conn:
        held = load(conn, [r["id"] for r in records])
        for rec in records:
            fields = write(conn, rec, held.get(rec["id"]), "user", now)
            added += rec["id"] not in held
            changed += bool(fields) and rec["id"] in held
    print(f"{path}: {len(records)} launches ({added} new, {changed} changed)")
    return EXIT_OK


def refresh_command(args: argparse.Namespace) -> int:
    from tracker.cli.refresh import run

    return run(args, ("ll2",))
