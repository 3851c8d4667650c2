"""``tracker launches``: the launch calendar: list, show, add, update, import, export, refresh."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from tracker.cli.common import EXIT_LOCKED, EXIT_NETWORK, EXIT_OK, UserError, add_format, db_url, open_db
from tracker.launches.vocab import CONSTELLATIONS, FLOWN, ORBIT_OUTCOMES, PRE_LAUNCH, PRECISIONS, RECOVERIES, STATUSES, UPCOMING



def register(commands, common: argparse.ArgumentParser) -> None:
    launches = commands.add_parser("launches", parents=[common], help="the launch calendar: list, show, edit, import/export, refresh from LL2")
    sub = launches.add_subparsers(dest="launches_command", metavar="COMMAND", required=True)

    ls = sub.add_parser(
        "list",
        parents=[common],
        help="launches, newest first",
        description="Launches newest first. --vehicle accepts any spelling (CZ-8A, LM-8A, Zhuque 3); "
        "a family name (Long March 12) also lists its variants (12A, 12B). CSV/JSON: net_utc is ISO "
        "8601 UTC with net_precision alongside (a day-precision launch is stored at 00:00).",
    )
    ls.add_argument("--vehicle", metavar="V")
    ls.add_argument("--provider", metavar="P", help="case-insensitive substring of the provider")
    ls.add_argument("--constellation", choices=CONSTELLATIONS)
    ls.add_argument("--outcome", choices=ORBIT_OUTCOMES, help="orbit outcome")
    ls.add_argument("--recovery", choices=RECOVERIES, help="booster recovery")
    ls.add_argument("--since", metavar="DATE", help="NET on or after (ISO date or time, UTC)")
    ls.add_argument("--until", metavar="DATE", help="NET before (ISO date or time, UTC)")
    ls.add_argument("--upcoming", action="store_true", help="only launches not yet flown (scheduled, go, hold, in-flight)")
    add_format(ls)
    ls.set_defaults(handler=list_launches)

    show = sub.add_parser("show", parents=[common], help="one launch: record, history, satellites with orbit status")
    show.add_argument("id", metavar="ID")
    show.set_defaults(handler=show_launch)

    add = sub.add_parser("add", parents=[common], help="add a launch by hand (validated; every field given is user-set)")
    add.add_argument("--vehicle", required=True, metavar="V", help="any spelling of a known vehicle")
    add.add_argument("--net", required=True, metavar="ISO8601", help="NET in UTC (no offset means UTC)")
    add.add_argument("--new-vehicle", action="store_true", help="accept a vehicle not known yet")
    _edit_options(add)
    add.set_defaults(handler=add_launch)

    upd = sub.add_parser(
        "update",
        parents=[common],
        help="correct or complete a launch; the fields you set are never overwritten by a refresh",
        description="Set fields of launch ID. Setting an orbit outcome on a launch still marked "
        "scheduled/go/hold whose NET has passed also sets its status to match.",
    )
    upd.add_argument("id", metavar="ID")
    upd.add_argument("--net", metavar="ISO8601")
    _edit_options(upd)
    upd.set_defaults(handler=update_launch)

    imp = sub.add_parser("import", parents=[common], help="import launches from an export file (all rows or none)")
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(handler=import_launches)

    exp = sub.add_parser("export", parents=[common], help="write every launch and field to a file (round-trips through import)")
    exp.add_argument("--format", choices=("csv", "json"), default="csv")
    exp.add_argument("--output", "-o", required=True, metavar="FILE")
    exp.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    exp.set_defaults(handler=export_launches)

    ref = sub.add_parser(
        "refresh",
        parents=[common],
        help="update the calendar from Launch Library 2 (15 requests/hour budget)",
        description="Ask Launch Library 2 (TRACKER_LL2_URL, default https://ll.thespacedevs.com) for "
        "launches from China's launch centres. Never more than 15 requests in any hour; stops at "
        "the first failed request. Fields you set by hand are kept; disagreements are reported.",
    )
    ref.add_argument("--verbose", "-v", action="store_true", help="report every request")
    ref.set_defaults(handler=refresh_command)


def _edit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--precision", dest="net_precision", choices=PRECISIONS)
    parser.add_argument("--serial", metavar="Y1")
    parser.add_argument("--provider")
    parser.add_argument("--site")
    parser.add_argument("--mission")
    parser.add_argument("--constellation", choices=CONSTELLATIONS)
    parser.add_argument("--cospar", dest="cospar_launch", metavar="YYYY-NNN")
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--orbit-outcome", dest="orbit_outcome", choices=ORBIT_OUTCOMES)
    parser.add_argument("--recovery", dest="booster_recovery", choices=RECOVERIES)
    parser.add_argument("--landing-type", metavar="ASDS|RTLS|...")
    parser.add_argument("--landing-location")
    parser.add_argument("--downrange-km", dest="landing_downrange_km", type=float)
    parser.add_argument("--announced", dest="announced_utc", metavar="ISO8601", help="when the outcome was announced, if not at T-0")
    parser.add_argument("--source", dest="sources", action="append", metavar="URL", help="a source URL (repeatable; added)")
    parser.add_argument("--note", metavar="TEXT", help="a note (added to the notes)")


_EDITABLE = (
    "net_precision", "serial", "provider", "site", "mission", "constellation", "cospar_launch", "status",
    "orbit_outcome", "booster_recovery", "landing_type", "landing_location", "landing_downrange_km",
)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _changes(args: argparse.Namespace) -> dict:
    """The fields given on the command line, parsed; errors name the option."""
    from tracker.launches.store import InvalidLaunch, parse_time

    given = {f: getattr(args, f) for f in _EDITABLE if getattr(args, f) is not None}
    try:
        if args.net is not None:
            given["net_utc"] = parse_time(args.net, "--net")
        if args.announced_utc is not None:
            given["announced_utc"] = parse_time(args.announced_utc, "--announced")
    except InvalidLaunch as exc:
        raise UserError(str(exc), 2) from None
    return given


def _apply(rec: dict, given: dict, args: argparse.Namespace) -> None:
    """Put ``given`` (plus sources and note) into ``rec`` and mark them all user-set."""
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
    if "status" not in given and outcome in FLOWN and rec["status"] in PRE_LAUNCH and rec["net_utc"] <= _now():
        rec["status"] = outcome
        fields.append("status")
    mark_user(rec, fields)


def _save(args: argparse.Namespace, rec: dict, before: dict | None) -> list[str]:
    from tracker.launches.store import InvalidLaunch, validate, write

    try:
        validate(rec, _now())
    except InvalidLaunch as exc:
        raise UserError(f"refused: {exc}") from None
    with open_db(args).begin() as conn:
        return write(conn, rec, before, "user", _now())


def add_launch(args: argparse.Namespace) -> int:
    from tracker.launches import vehicles
    from tracker.launches.store import known_vehicles, load, new_id

    engine = open_db(args)
    with engine.connect() as conn:
        extra = known_vehicles(conn)
        try:
            name = vehicles.match(args.vehicle, extra)
        except vehicles.UnknownVehicle as exc:
            if not args.new_vehicle:
                raise UserError(f"{exc} (or pass --new-vehicle)") from None
            name = args.vehicle.strip()
        family, variant = vehicles.split(name)
        given = {"vehicle": family, "variant": variant, **_changes(args)}
        rec = {
            "provider": vehicles.KNOWN.get(name),
            "status": "scheduled",
            "orbit_outcome": "pending",
            "booster_recovery": "unknown",
            "net_precision": "minute",
            "sources": [],
            "user_fields": [],
            "origin": "user",
        }
        outcome = given.get("orbit_outcome")
        if "status" not in given and outcome in FLOWN:
            rec["status"] = outcome
        _apply(rec, given, args)
        rec["id"] = new_id(rec)
        if load(conn, [rec["id"]]):
            raise UserError(f"launch {rec['id']} already exists; use 'tracker launches update {rec['id']}'")
    _save(args, rec, None)
    print(f"added {rec['id']}")
    return EXIT_OK


def update_launch(args: argparse.Namespace) -> int:
    from tracker.launches.store import load

    with open_db(args).connect() as conn:
        before = load(conn, [args.id]).get(args.id)
    if before is None:
        raise UserError(f"no launch {args.id!r}; see 'tracker launches list'")
    given = _changes(args)
    if not (given or args.sources or args.note):
        raise UserError("nothing to change: give at least one option", 2)
    rec = dict(before)
    _apply(rec, given, args)
    changed = _save(args, rec, before)
    print(f"{args.id}: " + (", ".join(changed) + " changed" if changed else "unchanged"))
    return EXIT_OK


def _frame(args: argparse.Namespace):
    import polars as pl

    from tracker.launches import vehicles
    from tracker.launches.store import known_vehicles, load, parse_time, InvalidLaunch

    engine = open_db(args)
    with engine.connect() as conn:
        records = list(load(conn).values())
        extra = known_vehicles(conn)
    if args.vehicle:
        wanted = args.vehicle.strip().lower()
        try:
            name = vehicles.match(args.vehicle, extra).lower()
        except vehicles.UnknownVehicle as exc:
            if wanted not in {r["vehicle"].lower() for r in records}:
                raise UserError(str(exc)) from None
            name = wanted
        records = [r for r in records if r["vehicle"].lower() in (wanted, name) or vehicles.full(r["vehicle"], r["variant"]).lower() == name]
    try:
        since = parse_time(args.since, "--since") if args.since else None
        until = parse_time(args.until, "--until") if args.until else None
    except InvalidLaunch as exc:
        raise UserError(str(exc), 2) from None
    keep = [
        r for r in records
        if (not args.provider or args.provider.lower() in (r["provider"] or "").lower())
        and (not args.constellation or r["constellation"] == args.constellation)
        and (not args.outcome or r["orbit_outcome"] == args.outcome)
        and (not args.recovery or r["booster_recovery"] == args.recovery)
        and (since is None or r["net_utc"] >= since)
        and (until is None or r["net_utc"] < until)
        and (not args.upcoming or r["status"] in UPCOMING)
    ]
    columns = ("id", "vehicle", "variant", "serial", "provider", "site", "mission", "constellation", "cospar_launch",
               "net_utc", "net_precision", "status", "orbit_outcome", "booster_recovery", "announced_utc", "sources")
    schema = {c: pl.String for c in columns} | {
        "net_utc": pl.Datetime("us", "UTC"), "announced_utc": pl.Datetime("us", "UTC"), "sources": pl.List(pl.String),
    }
    return pl.DataFrame([{c: r[c] for c in columns} for r in keep], schema=schema).sort("net_utc", "id", descending=True)


def list_launches(args: argparse.Namespace) -> int:
    import polars as pl

    from tracker.launches.store import render_net
    from tracker.output import emit

    frame = _frame(args)
    if args.format == "table":
        net = [render_net(t, p) for t, p in zip(frame["net_utc"], frame["net_precision"])]
        frame = frame.with_columns(
            pl.Series("net_utc", net, pl.String), pl.col("sources").list.len().alias("sources")
        ).drop("net_precision")
        emit(frame, "table", title=f"{frame.height} launches, newest first (times UTC; sources: count)")
    else:
        if args.format == "csv":
            frame = frame.with_columns(pl.col("sources").list.join(" "))
        emit(frame, args.format)
    return EXIT_OK


def show_launch(args: argparse.Namespace) -> int:
    import polars as pl
    from rich.console import Console

    from tracker.batches import member_rates
    from tracker.catalog import history, latest
    from tracker.launches.store import FIELDS, as_text, history as changes, load, render_net
    from tracker.output import emit

    engine = open_db(args)
    with engine.connect() as conn:
        rec = load(conn, [args.id]).get(args.id)
        if rec is None:
            raise UserError(f"no launch {args.id!r}; see 'tracker launches list'")
        past = changes(conn, args.id)
    console = Console(width=None if sys.stdout.isatty() else 10_000)
    console.print(f"[bold]{args.id}[/bold]  NET {render_net(rec['net_utc'], rec['net_precision'])} UTC")
    for name in FIELDS[1:]:
        if rec.get(name) not in (None, "", []):
            mark = " (user-set)" if name in rec["user_fields"] else ""
            console.print(f"  {name:>22}: {as_text(rec[name])}{mark}", markup=False, highlight=False)
    emit(pl.DataFrame(past, schema={"time": pl.Datetime("us", "UTC"), "field": pl.String, "old": pl.String, "new": pl.String, "origin": pl.String}),
         "table", title="history (UTC)")
    sats = latest(engine)
    sats = sats.filter(pl.col("launch") == rec["cospar_launch"]) if rec["cospar_launch"] else sats.clear()
    if sats.is_empty():
        members = pl.DataFrame(schema={"norad": pl.Int64, "name": pl.String, "cospar": pl.String, "constellation": pl.String,
                                       "alt_km": pl.Float64, "rate_km_per_day": pl.Float64, "trend": pl.String})
    else:
        rates = member_rates(history(engine, sats["norad"].to_list()).with_columns(pl.lit(None, pl.String).alias("constellation")))
        members = sats.select("norad", "name", "cospar", "constellation").join(
            rates.select("norad", "alt_km", "rate_km_per_day", "trend"), on="norad", how="left"
        )
    emit(members, "table", title=f"satellites of launch {rec['cospar_launch'] or '(no designator)'}", digits={"alt_km": 1, "rate_km_per_day": 2})
    return EXIT_OK


def import_launches(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tracker.launches.store import InvalidLaunch, load, parse_file, write

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


def export_launches(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tracker.launches.store import export_text, load

    path = Path(args.output)
    if path.exists() and not args.force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    with open_db(args).connect() as conn:
        records = list(load(conn).values())
    path.write_text(export_text(records, args.format), encoding="utf-8")
    print(f"wrote {len(records)} launches to {path}")
    return EXIT_OK


def refresh_command(args: argparse.Namespace) -> int:
    from tracker.db import data_dir_for
    from tracker.lock import Locked, exclusive

    engine = open_db(args)
    try:
        with exclusive(data_dir_for(db_url(args)) / "refresh.lock"):
            failed = run_ll2(engine, args.verbose)
    except Locked as exc:
        raise UserError(str(exc), EXIT_LOCKED) from None
    return EXIT_NETWORK if failed else EXIT_OK


def run_ll2(engine, verbose: bool) -> bool:
    """Refresh from LL2 (the caller holds the refresh lock), report, return whether it failed.

    Quiet unless something changed, conflicted or failed. ``TRACKER_LL2_URL=off`` skips it.
    """
    from tracker.launches.refresh import OFF, ll2_base, refresh_launches

    base = ll2_base()
    if base == OFF:
        if verbose:
            print("launch library 2: off (TRACKER_LL2_URL=off)")
        return False
    report = refresh_launches(engine, base, _now())
    for answer in report.answers:
        if verbose or answer.error:
            print(f"{'error' if answer.error else 'fetched':>13}  {answer.url}  {answer.error or ''}",
                  file=sys.stderr if answer.error else sys.stdout)
    if report.budget_note:
        print(f"tracker: {report.budget_note}", file=sys.stderr)
    for conflict in report.conflicts:
        print(f"conflict  {conflict}", file=sys.stderr)
    for launch_id in report.added:
        print(f"added     {launch_id}")
    for launch_id, fields in report.updated.items():
        print(f"updated   {launch_id}: {', '.join(fields)}")
    return report.failed
