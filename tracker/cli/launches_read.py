"""Handlers of the ``tracker launches`` commands that only read: list, show, export.

Listing and showing are where precision matters: a NET known to the day is rendered as that
day, never as a fake midnight (CSV/JSON give ``net_utc`` with ``net_precision`` beside it).
"""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import EXIT_OK, UserError, open_db, parse_instant
from tracker.launches.vocab import UPCOMING

#: The columns of ``list`` in every format, in order (the issue's output fields).
COLUMNS = (
    "id", "vehicle", "variant", "serial", "provider", "site", "mission", "constellation", "cospar_launch",
    "net_utc", "net_precision", "status", "orbit_outcome", "booster_recovery", "announced_utc", "sources",
)


def _wanted_vehicle(args: argparse.Namespace, records: list[dict], extra: list[str]):
    """A test for ``--vehicle``: any spelling of a known vehicle, or a family (``Long March 12``
    lists 12, 12A and 12B); a name matching nothing held is refused with suggestions."""
    from tracker.launches import vehicles

    wanted = args.vehicle.strip().lower()
    try:
        name = vehicles.match(args.vehicle, extra).lower()
    except vehicles.UnknownVehicle as exc:
        if wanted not in {r["vehicle"].lower() for r in records}:
            raise UserError(str(exc)) from None
        name = wanted
    return lambda r: r["vehicle"].lower() in (wanted, name) or vehicles.full(r["vehicle"], r["variant"]).lower() == name


def _frame(args: argparse.Namespace):
    """The launches the filters keep, newest first, as a frame of :data:`COLUMNS`."""
    import polars as pl

    from tracker.launches.store import known_vehicles, load

    since = parse_instant(args.since, "--since") if args.since else None
    until = parse_instant(args.until, "--until") if args.until else None
    with open_db(args).connect() as conn:
        records = list(load(conn).values())
        extra = known_vehicles(conn)
    vehicle = _wanted_vehicle(args, records, extra) if args.vehicle else None
    keep = [
        r for r in records
        if (vehicle is None or vehicle(r))
        and (not args.provider or args.provider.lower() in (r["provider"] or "").lower())
        and (not args.constellation or r["constellation"] == args.constellation)
        and (not args.outcome or r["orbit_outcome"] == args.outcome)
        and (not args.recovery or r["booster_recovery"] == args.recovery)
        and (since is None or r["net_utc"] >= since)
        and (until is None or r["net_utc"] < until)
        and (not args.upcoming or r["status"] in UPCOMING)
    ]
    schema = {c: pl.String for c in COLUMNS} | {
        "net_utc": pl.Datetime("us", "UTC"), "announced_utc": pl.Datetime("us", "UTC"), "sources": pl.List(pl.String),
    }
    return pl.DataFrame([{c: r[c] for c in COLUMNS} for r in keep], schema=schema).sort("net_utc", "id", descending=True)


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

    from tracker.launches.store import FIELDS, as_text, changes, load, render_net
    from tracker.output import emit

    engine = open_db(args)
    with engine.connect() as conn:
        rec = load(conn, [args.id]).get(args.id)
        past = changes(conn, args.id)
    if rec is None:
        gone = [c for c in past if c["field"] == "record" and c["new"] == "deleted"]
        when = f" (deleted {gone[-1]['time']:%Y-%m-%d %H:%M} UTC)" if gone else ""
        raise UserError(f"no launch {args.id!r}{when}; see 'tracker launches list'")
    console = Console(width=None if sys.stdout.isatty() else 10_000)
    console.print(f"[bold]{args.id}[/bold]  NET {render_net(rec['net_utc'], rec['net_precision'])} UTC")
    for name in FIELDS[1:]:
        if rec.get(name) not in (None, "", []):
            mark = " (user-set)" if name in rec["user_fields"] else ""
            console.print(f"  {name:>22}: {as_text(rec[name])}{mark}", markup=False, highlight=False)
    differences = _differences_from_calendar(rec)
    if differences:
        console.print("  differs from the bundled calendar (the values set by a person are kept):")
        for name, value in differences:
            console.print(f"  {name:>22}: the calendar says {value}", markup=False, highlight=False)
    emit(pl.DataFrame(past, schema={"time": pl.Datetime("us", "UTC"), "field": pl.String, "old": pl.String, "new": pl.String, "origin": pl.String}),
         "table", title="history (UTC)")
    emit(_satellites(engine, rec["cospar_launch"]), "table",
         title=f"satellites of launch {rec['cospar_launch'] or '(no designator)'}", digits={"alt_km": 1, "rate_km_per_day": 2})
    return EXIT_OK


def _differences_from_calendar(rec: dict) -> list[tuple[str, str]]:
    """User-set fields whose value differs from what the bundled calendar says of this launch:
    the conflicts a calendar update keeps (sources are united, never in conflict)."""
    from tracker.launches.bundled import shipped
    from tracker.launches.store import as_text

    calendar_rec = shipped(rec["id"])
    if calendar_rec is None:
        return []
    return [
        (name, as_text(calendar_rec[name])) for name in rec["user_fields"]
        if name != "sources" and calendar_rec.get(name) is not None and as_text(calendar_rec[name]) != as_text(rec.get(name))
    ]


def _satellites(engine, designator: str | None):
    """The objects of a launch designator with their current mean altitude and trend."""
    import polars as pl

    from tracker.batches import member_rates
    from tracker.catalog import history, satellites
    from tracker.constellations import label, rules_frame

    sats = satellites(engine, designator) if designator else None
    if sats is None or sats.is_empty():
        return pl.DataFrame(schema={"norad": pl.Int64, "name": pl.String, "cospar": pl.String, "constellation": pl.String,
                                    "alt_km": pl.Float64, "rate_km_per_day": pl.Float64, "trend": pl.String})
    sats = label(sats, rules_frame(engine))
    rates = member_rates(history(engine, sats["norad"].to_list()).join(sats.select("norad", "constellation"), on="norad"))
    return sats.select("norad", "name", "cospar", "constellation").join(
        rates.select("norad", "alt_km", "rate_km_per_day", "trend"), on="norad", how="left"
    )


def export_launches(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tracker.launches.files import export_text
    from tracker.launches.store import load

    path = Path(args.output)
    if path.exists() and not args.force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    with open_db(args).connect() as conn:
        records = list(load(conn).values())
    path.write_text(export_text(records, args.format), encoding="utf-8")
    print(f"wrote {len(records)} launches to {path}")
    return EXIT_OK
