"""``tracker constellations``: list constellations and define your own."""

from __future__ import annotations

import argparse

from tracker.cli.common import add_format, open_db
from tracker.errors import ExitCode


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
        "designator ('2024-240'), --norad a catalog number. Repeat options freely. The names of "
        "the views dawn-dusk, stations and all are taken.",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--name", dest="names", action="append", default=[], metavar="GLOB")
    add.add_argument("--launch", dest="launches", action="append", default=[], metavar="YYYY-NNN")
    add.add_argument("--norad", dest="norads", action="append", default=[], type=int, metavar="CATNR")
    add.set_defaults(handler=add_rules)


def list_constellations(args: argparse.Namespace) -> ExitCode:
    from tracker.output import emit
    from tracker.services.orbits import constellations

    emit(constellations(open_db(args)), args.format, title="constellations (first five rules shown)")
    return ExitCode.OK


def add_rules(args: argparse.Namespace) -> ExitCode:
    from tracker.services.orbits import add_constellation_rules

    added = add_constellation_rules(open_db(args), args.name, names=args.names, launches=args.launches, norads=args.norads)
    print(f"{args.name.strip().lower()}: {added} new rule(s)")
    return ExitCode.OK
