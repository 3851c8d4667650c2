"""``tracker link``: every (launch, security) pair with its session, returns and flags; summaries."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import add_format, open_db, rounded, say, time_value
from tracker.text import plural


def _digits(frame) -> dict[str, int]:
    """4 decimals for every float column except prices (returns, CARs, alpha, beta, statistics)."""
    return {name: 4 for name, dtype in frame.schema.items() if dtype.is_float() and name not in ("prev_close", "close")}


def register(commands, common: argparse.ArgumentParser) -> None:
    from tracker.services.link import BY, EVENT_TIMES, EXPORT_FORMATS, MODELS  # the choices the service accepts

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
        "--car", metavar="A:B,...",
        help="CAR windows in sessions from t0, e.g. --car=-1:1,0:5,-5:10 (columns car_m1_1, car_0_5, car_m5_10; "
        "write it with '=' when it starts with a minus); default 0:1,-1:1,0:5",
    )
    selection.add_argument(
        "--at", choices=EVENT_TIMES, default="net", help="place events at launch time or at the announcement of their outcome"
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
    add_format(link, EXPORT_FORMATS)
    link.add_argument("--output", "-o", metavar="FILE", help="write to FILE (with FILE.meta.json recording the parameters)")
    link.add_argument("--force", action="store_true", help="overwrite FILE")
    link.set_defaults(handler=link_command)
    sub = link.add_subparsers(dest="link_command", metavar="summary|plot")
    summary = sub.add_parser(
        "summary",
        parents=[common, selection],
        help="per class: events, pairs, mean/median CAR and event-study tests with p-values",
        description="Each event is the equal-weighted portfolio of its linked securities. Per class, "
        f"model ({', '.join(MODELS)}) and CAR window: number of events and pairs, mean and median "
        "event CAR, and the cross-sectional t, Patell Z, BMP, BMP with the Kolari-Pynnonen "
        "adjustment, Corrado rank and generalized sign tests with two-sided p-values. Below 3 "
        "events the tests are empty and `note` says why.",
    )
    summary.add_argument("--by", choices=BY, required=True)
    add_format(summary)
    summary.set_defaults(handler=summary_command)
    plot = sub.add_parser(
        "plot",
        parents=[common, selection],
        help="draw the CAAR over event time per class, with a 95%% confidence band (PNG or SVG)",
        description="The cumulative average abnormal return of the event portfolios per class, from the "
        "first to the last offset of --car (default -5:10), with a 95% cross-sectional confidence band "
        "where a class has 3 events or more. Needs matplotlib (pip install 'china-space-tracker[plot]').",
    )
    plot.add_argument("--by", choices=BY, required=True)
    plot.add_argument("--output", "-o", metavar="FILE", required=True, help="FILE.png or FILE.svg")
    plot.add_argument("--model", choices=MODELS, default="market", help="abnormal returns (default market)")
    plot.add_argument("--force", action="store_true", help="overwrite FILE")
    plot.set_defaults(handler=plot_command)


def _selection(args: argparse.Namespace) -> dict:
    """The options that choose the pairs, as the link service takes them."""
    from tracker.services.link import parse_filters

    return {
        "filters": parse_filters(args.event_filter), "since": args.since, "until": args.until,
        "symbols": args.symbols or (), "window": args.window, "car": args.car, "at": args.at,
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
    digits = _digits(frame) if args.format == "table" else None
    emit(rounded(frame, digits or {}), args.format,
         raw_csv=args.raw_csv, digits=digits, title="Launches and market reactions (times UTC; t0 exchange-local)")


def summary_command(args: argparse.Namespace) -> None:
    from tracker.output import emit
    from tracker.services.link import summary

    table = summary(open_db(args), args.by, **_selection(args))
    digits = _digits(table) if args.format == "table" else None
    title = f"Event study by {args.by} (CARs as fractions; each event one portfolio; p two-sided)"
    emit(rounded(table, digits or {}), args.format, raw_csv=args.raw_csv, digits=digits, title=title)


def plot_command(args: argparse.Namespace) -> None:
    from tracker.services.link import plot

    drawn = plot(open_db(args), args.by, args.output, args.model, force=args.force, **_selection(args))
    say(f"wrote the CAAR of {plural(drawn.classes, 'class', 'classes')} to {drawn.path}")
