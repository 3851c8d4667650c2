"""``tracker link``: every (launch, security) pair with its session, returns and flags; summaries."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import add_format, open_db, rounded, say, time_value
from tracker.text import plural

_DIGITS = {
    c: 4 for c in ("ret", "bench_ret", "ar", "ar_mm", "alpha", "beta", "car_0_1", "car_m1_1", "car_0_5",
                   "car_mm_0_1", "car_mm_m1_1", "car_mm_0_5")
}


def register(commands, common: argparse.ArgumentParser) -> None:
    selection = argparse.ArgumentParser(add_help=False)
    selection.add_argument(
        "--event-filter", action="append", default=[], metavar="KEY=VALUE",
        help="keep launches whose KEY equals VALUE (repeatable): id, vehicle, provider, "
        "constellation, orbit-outcome, booster-recovery",
    )
    selection.add_argument("--since", type=time_value, metavar="DATE", help="launches on or after (UTC)")
    selection.add_argument("--until", type=time_value, metavar="DATE", help="launches before (UTC)")
    selection.add_argument("--symbols", metavar="S,S", help="link every launch to these securities instead of by theme")
    selection.add_argument(
        "--window", default="120:10", metavar="EST:GAP",
        help="market-model estimation: EST sessions ending GAP sessions before t0 (default 120:10)",
    )
    selection.add_argument(
        "--at", choices=("net", "announced"), default="net", help="place events at launch time or at the announcement of their outcome"
    )

    link = commands.add_parser(
        "link",
        parents=[common, selection],
        help="launches joined with the moves of related securities (export for analysts)",
        description="One row per (launch, security): the first session that could react (t0), its "
        "session class, previous close, close, return, benchmark return, market-adjusted and "
        "market-model abnormal returns, CARs, limit and no-trade flags. Returns are fractions; what "
        "cannot be computed is empty. `tracker link summary --by ...` aggregates.",
    )
    add_format(link, ("table", "csv", "json", "parquet"))
    link.add_argument("--output", "-o", metavar="FILE", help="write to FILE (with FILE.meta.json recording the parameters)")
    link.add_argument("--force", action="store_true", help="overwrite FILE")
    link.set_defaults(handler=link_command)
    sub = link.add_subparsers(dest="link_command", metavar="summary")
    summary = sub.add_parser(
        "summary",
        parents=[common, selection],
        help="mean/median abnormal return and CAR per class, with counts and t-statistics",
    )
    summary.add_argument("--by", choices=("orbit-outcome", "booster-recovery", "vehicle"), required=True)
    add_format(summary)
    summary.set_defaults(handler=summary_command)


def _selection(args: argparse.Namespace) -> dict:
    """The options that choose the pairs, as the link service takes them."""
    from tracker.services.link import parse_filters

    return {
        "filters": parse_filters(args.event_filter), "since": args.since, "until": args.until,
        "symbols": args.symbols or (), "window": args.window, "at": args.at,
    }


def link_command(args: argparse.Namespace) -> None:
    from tracker.errors import UsageError
    from tracker.output import emit
    from tracker.services.link import export, link

    if args.format == "parquet" and not args.output:
        raise UsageError("--format parquet needs --output FILE")
    params, frame = link(open_db(args), **_selection(args))
    if args.output:
        export(frame, params, args.output, args.format, force=args.force, raw_csv=args.raw_csv)
        say(f"wrote {plural(frame.height, 'row')} to {args.output} and its parameters to {args.output}.meta.json")
        return
    if frame.is_empty():
        say("no (launch, security) pairs: check the filters, `tracker markets rules list` and `tracker markets list`", file=sys.stderr)
    digits = _DIGITS if args.format == "table" else None
    emit(rounded(frame, digits or {}), args.format,
         raw_csv=args.raw_csv, digits=digits, title="Launches and market reactions (times UTC; t0 exchange-local)")


def summary_command(args: argparse.Namespace) -> None:
    from tracker.output import emit
    from tracker.services.link import summary

    table = summary(open_db(args), args.by, **_selection(args))
    digits = {name: 4 for name, dtype in table.schema.items() if dtype.is_float()} if args.format == "table" else None
    title = f"Abnormal returns by {args.by} (fractions; t: cross-sectional t-statistic)"
    emit(rounded(table, digits or {}), args.format, raw_csv=args.raw_csv, digits=digits, title=title)
