"""``tracker constellations``: list constellations and their rules, define your own, remove them."""

from __future__ import annotations

import argparse

from tracker.cli.common import add_format, catalog_number, open_db, row_id, say
from tracker.errors import ExitCode
from tracker.text import plural

#: How many rules a table row shows (CSV and JSON show every rule).
TABLE_RULES = 5


def register(commands, common: argparse.ArgumentParser) -> None:
    con = commands.add_parser("constellations", parents=[common], help="list constellations, define your own")
    sub = con.add_subparsers(dest="constellations_command", metavar="COMMAND", required=True)

    ls = sub.add_parser("list", parents=[common], help="every constellation with its rules and members held")
    add_format(ls)
    ls.set_defaults(handler=list_constellations)

    add = sub.add_parser(
        "add",
        parents=[common],
        help="define a constellation (or --extend a built-in one) by name pattern, launch designator or catalog number",
        description="Add membership rules to NAME (created if new). A satellite belongs when any "
        "rule matches: --name takes a case-insensitive glob ('YAOGAN-*'), --launch a launch "
        "designator ('2024-240'), --norad a catalog number. Repeat options freely. 'stations' and "
        "'all' are views, not names; adding to 'dawn-dusk' extends what the refresh follows; adding "
        "to a built-in constellation (guowang, qianfan) needs --extend.",
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument("--name", dest="names", action="append", default=[], metavar="GLOB", help="satellite name glob (repeatable)")
    add.add_argument("--launch", dest="launches", action="append", default=[], metavar="YYYY-NNN", help="launch designator (repeatable)")
    add.add_argument(
        "--norad", dest="norads", action="append", default=[], type=catalog_number, metavar="CATNR",
        help="catalog number (repeatable)",
    )
    add.add_argument("--extend", action="store_true", help="add the rules to a built-in constellation (guowang, qianfan)")
    add.set_defaults(handler=add_rules)

    rm = sub.add_parser(
        "remove",
        parents=[common],
        help="remove a constellation you added (built-in ones cannot be removed)",
        description="Remove NAME and every rule of it. Only constellations a person added (with "
        "`constellations add` or `tle import --constellation`) can be removed; to take back a rule "
        "added to a built-in one, use `tracker constellations rules remove ID`.",
    )
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(handler=remove_constellation)

    rules = sub.add_parser("rules", parents=[common], help="the membership rules: list them, remove one you added")
    rules_sub = rules.add_subparsers(dest="rules_command", metavar="COMMAND")
    rules.set_defaults(handler=list_rules, constellation=None, format="table", raw_csv=False)
    rl = rules_sub.add_parser("list", parents=[common], help="every rule: id, constellation, kind, value, origin")
    rl.add_argument("--constellation", metavar="NAME", help="only the rules of NAME")
    add_format(rl)
    rl.set_defaults(handler=list_rules)
    rr = rules_sub.add_parser("remove", parents=[common], help="remove a rule a person added (by its id)")
    rr.add_argument("rule_id", type=row_id, metavar="ID", help="the rule's id (see `tracker constellations rules list`)")
    rr.set_defaults(handler=remove_rule)


def list_constellations(args: argparse.Namespace) -> ExitCode:
    import polars as pl

    from tracker.output import emit
    from tracker.services.constellations import constellations

    frame = constellations(open_db(args))
    title = "constellations"
    if args.format == "table" and (frame["n_rules"] > TABLE_RULES).any():
        words = pl.col("rules").str.split(" ")
        more = pl.col("n_rules") - TABLE_RULES
        frame = frame.with_columns(
            pl.when(more > 0)
            .then(words.list.head(TABLE_RULES).list.join(" ") + pl.lit(" (+") + more.cast(pl.String) + pl.lit(" more)"))
            .otherwise(pl.col("rules"))
            .alias("rules")
        )
        title = f"constellations (up to {TABLE_RULES} rules a row: every rule with `--format csv` or `tracker constellations rules`)"
    emit(frame, args.format, raw_csv=args.raw_csv, title=title)
    return ExitCode.OK


def add_rules(args: argparse.Namespace) -> ExitCode:
    from tracker.services.constellations import add_constellation_rules

    added = add_constellation_rules(
        open_db(args), args.name, names=args.names, launches=args.launches, norads=args.norads, extend=args.extend
    )
    verb = "extended with" if added.extended_builtin else "now has"
    say(f"{added.constellation}: {verb} {plural(added.new_rules, 'new rule')}; "
          f"{plural(added.new_members, 'satellite')} held became members ({added.members_after} in all)")
    return ExitCode.OK


def remove_constellation(args: argparse.Namespace) -> ExitCode:
    from tracker.services.constellations import remove_constellation as remove

    removed = remove(open_db(args), args.name)
    say(f"{args.name.strip().lower()}: removed with its {plural(removed, 'rule')}")
    return ExitCode.OK


def list_rules(args: argparse.Namespace) -> ExitCode:
    from tracker.output import emit
    from tracker.services.constellations import rules

    frame = rules(open_db(args), args.constellation)
    emit(frame, args.format,
         raw_csv=args.raw_csv, title=f"{plural(frame.height, 'constellation rule')} (origin user/import: yours, removable)")
    return ExitCode.OK


def remove_rule(args: argparse.Namespace) -> ExitCode:
    from tracker.services.constellations import remove_rule as remove

    rule = remove(open_db(args), args.rule_id)
    say(f"removed rule {rule['id']}: {rule['constellation']} {rule['kind']}:{rule['value']}")
    return ExitCode.OK
