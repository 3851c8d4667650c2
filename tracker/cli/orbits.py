"""``tracker orbits``: dawn-dusk sun-synchronous objects, launch batches, one satellite's history."""

from __future__ import annotations

import argparse

from tracker.cli.common import UserError, add_format, open_db


def register(commands, common: argparse.ArgumentParser) -> None:
    orbits = commands.add_parser("orbits", parents=[common], help="orbit analytics: dawn-dusk SSO, launch batches, history")
    sub = orbits.add_subparsers(dest="orbits_command", metavar="COMMAND", required=True)

    dd = sub.add_parser(
        "dawn-dusk",
        parents=[common],
        help="sun-synchronous objects with LTAN within 1 h of 06:00/18:00 in an altitude band",
        description="Objects whose J2 nodal drift is within 2%% of the Sun's 0.9856 deg/day "
        "(sun-synchronous), whose local time of ascending node is within 1 hour of 06:00 or "
        "18:00, and whose mean altitude (a - 6378.137 km) is in the band: the orbit planned for "
        "Beijing's space data centre. sunlit_fraction: share of each revolution in sunlight.",
    )
    dd.add_argument("--min-alt", type=float, default=700.0, metavar="KM", help="lowest mean altitude (default 700)")
    dd.add_argument("--max-alt", type=float, default=800.0, metavar="KM", help="highest mean altitude (default 800)")
    add_format(dd)
    dd.set_defaults(handler=dawn_dusk)

    gr = sub.add_parser(
        "groups",
        parents=[common],
        help="launch batches: raising, on-station, lowering or mixed, with stragglers",
        description="One row per launch designator: members held, mean altitude now, median "
        "altitude change per day over the element sets held, status, and stragglers (members "
        "more than --straggler-km below the batch's shell that are not raising).",
    )
    gr.add_argument("--constellation", metavar="NAME", help="only batches of NAME (default: every satellite held)")
    gr.add_argument("--straggler-km", type=float, default=50.0, metavar="KM", help="how far below the shell a straggler is (default 50)")
    add_format(gr)
    gr.set_defaults(handler=groups)

    hi = sub.add_parser("history", parents=[common], help="one satellite's altitude over every element set held")
    hi.add_argument("norad", type=int, metavar="CATNR", help="catalog number")
    add_format(hi)
    hi.set_defaults(handler=history)


def _latest(engine, constellation=None):
    from tracker.catalog import UnknownConstellation, latest

    try:
        return latest(engine, constellation)
    except UnknownConstellation as exc:
        raise UserError(str(exc)) from None


def dawn_dusk(args: argparse.Namespace) -> int:
    import polars as pl

    from tracker.orbits import dawn_dusk as select_dawn_dusk
    from tracker.output import emit

    if args.min_alt > args.max_alt:
        raise UserError(f"--min-alt {args.min_alt} is above --max-alt {args.max_alt}", 2)
    rows = select_dawn_dusk(_latest(open_db(args)), args.min_alt, args.max_alt).select(
        "norad", "name", "cospar", "alt_km", "perigee_km", "apogee_km",
        pl.col("inclination_deg").alias("inc_deg"), "ltan_h", "sunlit_fraction",
    )
    emit(rows, args.format, title=f"{rows.height} dawn-dusk sun-synchronous objects at {args.min_alt:g}-{args.max_alt:g} km (LTAN in hours, local mean solar time)",
         digits={"alt_km": 1, "perigee_km": 1, "apogee_km": 1, "inc_deg": 3, "ltan_h": 3, "sunlit_fraction": 3})
    return 0


def groups(args: argparse.Namespace) -> int:
    import polars as pl

    from tracker.batches import groups as batch_groups
    from tracker.catalog import history
    from tracker.output import emit

    engine = open_db(args)  # once: every open creates tables and seeds rules
    members = _latest(engine, args.constellation).select("norad", "constellation")
    # Without a constellation every satellite is wanted: no need for an IN list of all of them.
    norads = None if args.constellation is None else members["norad"].to_list()
    hist = history(engine, norads).join(members, on="norad")
    rows = batch_groups(hist, args.straggler_km).with_columns(pl.col("count").cast(pl.Int64))
    emit(rows, args.format, title=f"{rows.height} launch batches (rate: median km/day over the element sets held)",
         digits={"alt_km": 1, "rate_km_per_day": 3})
    return 0


def history(args: argparse.Namespace) -> int:
    import polars as pl

    from tracker.catalog import history as element_history
    from tracker.orbits import metrics
    from tracker.output import emit

    rows = element_history(open_db(args), [args.norad])
    if rows.is_empty():
        raise UserError(f"no element sets held for catalog number {args.norad}")
    name = rows["name"][-1]
    rows = metrics(rows).select(
        "epoch", "alt_km", "perigee_km", "apogee_km", pl.col("inclination_deg").alias("inc_deg"), "raan_deg", "mean_motion", "bstar"
    )
    emit(rows, args.format, title=f"{name} ({args.norad}): {rows.height} element sets (epochs UTC)",
         digits={"alt_km": 3, "perigee_km": 3, "apogee_km": 3})
    return 0
