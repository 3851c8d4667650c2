"""``tracker constellations``: list constellations and define your own."""

from __future__ import annotations

import argparse

from tracker.cli.common import UserError, add_format, constellation_name, open_db


def register(commands, common: argparse.ArgumentParser) -> None:
    con = commands.add_parser("constellations", parents=[common], help="list constellations, define your own")
    sub = con.add_subparsers(dest="constellations_command", metavar="COMMAND", required=True)

    ls = sub.add_parser("list", parents=[common], help="every constellation with its rules and members held")
    add_format(ls)
    ls.set_defaults(handler=list_constellations)

    add = sub.add_parser(
        "add",
        parents=[common],
        help="define or extend a constellation by name pattern, launch designator or catalog number",
        description="Add membership rules to NAME (created if new). A satellite belongs when any "
        "rule matches: --name takes a case-insensitive glob ('YAOGAN-*'), --launch a launch "
        "designator ('2024-240'), --norad a catalog number. Repeat options freely.",
    )
    add.add_argument("name", metavar="NAME", type=constellation_name)
    add.add_argument("--name", dest="names", action="append", default=[], metavar="GLOB")
    add.add_argument("--launch", dest="launches", action="append", default=[], metavar="YYYY-NNN")
    add.add_argument("--norad", dest="norads", action="append", default=[], type=int, metavar="CATNR")
    add.set_defaults(handler=add_rules)


def list_constellations(args: argparse.Namespace) -> int:
    import polars as pl

    from tracker.catalog import satellites
    from tracker.constellations import membership, rules_frame
    from tracker.output import emit

    engine = open_db(args)
    rules = rules_frame(engine)
    members = membership(satellites(engine), rules).group_by("constellation").len("members")
    rows = (
        rules.group_by("constellation")
        .agg((pl.col("kind") + ":" + pl.col("value")).sort().head(5).str.join(" ").alias("rules"), pl.len().alias("n_rules"))
        .join(members, on="constellation", how="left")
        .with_columns(pl.col("members").fill_null(0))
        .sort("constellation")
    )
    emit(rows, args.format, title="constellations (first five rules shown)")
    return 0


def add_rules(args: argparse.Namespace) -> int:
    from tle.elements import launch_designator
    from tracker.constellations import add_rules as add

    if not (args.names or args.launches or args.norads):
        raise UserError("give at least one --name, --launch or --norad", 2)
    bad = [l for l in args.launches if launch_designator(l) != l]
    if bad:
        raise UserError(f"--launch {bad[0]!r} is not a launch designator like 2024-240", 2)
    with open_db(args).begin() as conn:
        added = sum(
            add(conn, args.name, kind, values)
            for kind, values in (("name", args.names), ("launch", args.launches), ("norad", [str(n) for n in args.norads]))
            if values
        )
    print(f"{args.name}: {added} new rule(s)")
    return 0
