"""``tracker markets``: the securities registry, theme rules, and daily bars (import, refresh)."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import add_format, open_db, real_number, row_id, say, time_value
from tracker.text import plural


def register(commands, common: argparse.ArgumentParser) -> None:
    markets = commands.add_parser("markets", parents=[common], help="securities, theme links and daily bars")
    sub = markets.add_subparsers(dest="markets_command", metavar="COMMAND", required=True)

    ls = sub.add_parser("list", parents=[common], help="the securities registry with the bars held for each")
    add_format(ls)
    ls.set_defaults(handler=list_securities)

    add = sub.add_parser(
        "add",
        parents=[common],
        help="add a security (board, limit, currency, benchmark derived from its exchange and code)",
        description="Add a security by canonical id (XSHG:600118) or Yahoo symbol (600118.SS, 0941.HK, "
        "JKS with --mic XNAS for NASDAQ). Board and daily limit follow the code (688/689 STAR and "
        "300/301 ChiNext 20%, other A-shares 10%, none in Hong Kong and the US) unless given.",
    )
    add.add_argument("symbol", metavar="SYMBOL")
    add.add_argument("--name", required=True, help="English name")
    add.add_argument("--mic", choices=("XNYS", "XNAS"), default="XNYS", help="exchange of a bare US ticker")
    _security_options(add)
    add.set_defaults(handler=add_security)

    upd = sub.add_parser("update", parents=[common], help="change fields of a security in the registry")
    upd.add_argument("symbol", metavar="SYMBOL")
    upd.add_argument("--name", help="English name")
    _security_options(upd)
    upd.set_defaults(handler=update_security)

    rules = sub.add_parser("rules", parents=[common], help="which launches link to which themes: list, add, remove")
    rsub = rules.add_subparsers(dest="rules_command", metavar="COMMAND", required=True)
    rls = rsub.add_parser("list", parents=[common], help="every rule (disabled ones marked)")
    add_format(rls)
    rls.set_defaults(handler=list_rules)
    radd = rsub.add_parser(
        "add",
        parents=[common],
        help="a launch matching KIND=VALUE links to securities with THEME",
        description="KIND is vehicle (Long March 12A), constellation (guowang), orbit-outcome, "
        "booster-recovery, mission (a glob such as '*computing*') or launch (a launch id). Adding a "
        "bundled rule that was removed enables it again.",
    )
    from tracker.markets.vocab import RULE_KINDS

    radd.add_argument("kind", choices=RULE_KINDS)
    radd.add_argument("value")
    radd.add_argument("theme")
    radd.set_defaults(handler=add_rule)
    rrm = rsub.add_parser("remove", parents=[common], help="remove a rule by id (a bundled rule is disabled)")
    rrm.add_argument("id", type=row_id)
    rrm.set_defaults(handler=remove_rule)

    imp = sub.add_parser(
        "import",
        parents=[common],
        help="import daily bars: long CSV, per-symbol CSV, Chinese broker export; files or directories (all or none)",
        description="Import daily bars. Formats are recognised by their header: long "
        "(date,symbol,open,high,low,close,volume), per-symbol (Date,Open,High,Low,Close,Volume; the "
        "symbol from --symbol or the file name, 600118.SS.csv) and the Chinese broker export "
        "(日期,代码,...,前收盘价,...), whose columns are checked against each other; a dividends-and-splits "
        "file (date,symbol,dividend,split) stores adjustment factors on the held bars. A directory stands for "
        "every price file below it. Bars already held "
        "are unchanged; a bar contradicting a stored one is reported (exit 5) and the stored one "
        "kept unless --replace. A malformed file imports nothing (exit 1).",
    )
    imp.add_argument("files", nargs="+", metavar="FILE|DIR", help="files, or directories (every .csv/.txt/.tsv below)")
    imp.add_argument("--symbol", help="the security of per-symbol files (any spelling: 600118, sh600118, 600118.SS, XSHG:600118)")
    imp.add_argument("--replace", action="store_true", help="contradicting bars replace the stored ones")
    imp.add_argument("--add-missing", action="store_true", help="register securities not in the registry (name = code)")
    imp.set_defaults(handler=import_bars)

    ref = sub.add_parser(
        "refresh",
        parents=[common],
        help="fetch missing daily bars (Eastmoney for A-shares, Yahoo otherwise)",
        description="Fetch the sessions each security lacks, up to the last closed session, from "
        "Eastmoney (Shanghai/Shenzhen) or Yahoo (Hong Kong, US, HSI, S&P 500); TRACKER_YAHOO_URL / "
        "TRACKER_EASTMONEY_URL set the base URLs (off: skip). Securities already up to date cost no "
        "request. Requests are spaced and retried on transient faults; a blocking answer "
        "(401/403/429, captcha) stops the run. Exit 3 when a request failed, 4 when locked.",
    )
    ref.add_argument("--symbols", metavar="S,S", help="only these securities")
    ref.add_argument("--source", choices=("yahoo", "eastmoney"), help="use this vendor for every security")
    ref.add_argument("--since", type=time_value, metavar="DATE", help="ask from this date (default: after the newest stored bar)")
    ref.add_argument("--verbose", "-v", action="store_true")
    ref.set_defaults(handler=refresh_command)

    bars = sub.add_parser("bars", parents=[common], help="the daily bars held for one security")
    bars.add_argument("symbol", metavar="SYMBOL")
    bars.add_argument("--since", type=time_value, metavar="DATE")
    bars.add_argument("--until", type=time_value, metavar="DATE")
    add_format(bars)
    bars.set_defaults(handler=show_bars)


def _security_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name-zh", help="Chinese name")
    parser.add_argument("--board", help="board (main, STAR, ChiNext, ETF, ...)")
    parser.add_argument(
        "--limit", dest="limit_pct", type=real_number(0.0, 100.0), metavar="PCT", help="daily price limit in percent (0: none)"
    )
    parser.add_argument("--currency")
    parser.add_argument("--benchmark", help="the index abnormal returns are measured against")
    parser.add_argument("--themes", help="comma-separated themes (replaces the list)")
    parser.add_argument("--yahoo", help="Yahoo symbol, if not the derived one")
    parser.add_argument("--eastmoney", help="Eastmoney secid, if not the derived one")
    parser.add_argument("--note")


def _fields(args: argparse.Namespace) -> dict:
    """The registry fields given on the command line (None: not given; the service checks them)."""
    return {
        "name_zh": args.name_zh, "board": args.board, "limit_pct": args.limit_pct, "currency": args.currency,
        "benchmark": args.benchmark, "themes": args.themes, "yahoo": args.yahoo, "eastmoney": args.eastmoney,
        "notes": args.note,
    }


def list_securities(args: argparse.Namespace) -> None:
    import polars as pl

    from tracker.output import emit
    from tracker.services.markets import securities

    frame = securities(open_db(args)).with_columns(pl.col("themes").list.join(";"))
    emit(frame, args.format, raw_csv=args.raw_csv, title="Securities (bars: daily bars held, first/last: exchange-local dates)")


def add_security(args: argparse.Namespace) -> None:
    from tracker.services.markets import add_security

    ident = add_security(open_db(args), args.symbol, name=args.name, mic=args.mic, **_fields(args))
    say(f"added {ident}")


def update_security(args: argparse.Namespace) -> None:
    from tracker.services.markets import update_security

    ident, changed = update_security(open_db(args), args.symbol, name=args.name, **_fields(args))
    say(f"updated {ident}: {', '.join(changed)}")


def list_rules(args: argparse.Namespace) -> None:
    from tracker.output import emit
    from tracker.services.markets import theme_rules

    emit(theme_rules(open_db(args)), args.format,
         raw_csv=args.raw_csv, title="Theme rules: a launch matching kind=value links to securities with theme")


def add_rule(args: argparse.Namespace) -> None:
    from tracker.services.markets import add_theme_rule

    rule = add_theme_rule(open_db(args), args.kind, args.value, args.theme)
    done = f"enabled {rule.origin} rule {rule.id} again:" if rule.status == "enabled" else "added rule"
    say(f"{done} {rule.kind}={rule.value} -> {rule.theme}")


def remove_rule(args: argparse.Namespace) -> None:
    from tracker.services.markets import remove_theme_rule

    outcome = remove_theme_rule(open_db(args), args.id)
    say(f"{'disabled bundled' if outcome == 'disabled' else 'removed'} rule {args.id}")


def import_bars(args: argparse.Namespace) -> int:
    """All files or none (the service parses every file before storing any)."""
    from tracker.services.markets import import_bars

    report = import_bars(open_db(args), args.files, symbol=args.symbol, replace=args.replace, add_missing=args.add_missing)
    for warning in report.warnings:
        say(f"tracker: warning: {warning}", file=sys.stderr)
    for line in report.conflicts:
        say(line, file=sys.stderr)
    say(
        f"imported {plural(report.new, 'new bar')} from {plural(len(report.files), 'file')}; {report.unchanged} already held"
        + (f"; {report.replaced} replaced" if report.replaced else "")
        + (f"; {plural(report.factors, 'adjustment factor')} stored" if report.factors else "")
        + (f"; {len(report.conflicts)} contradicting bars reported" if report.partial else "")
    )
    return int(report.exit_code)


def show_bars(args: argparse.Namespace) -> None:
    from tracker.output import emit
    from tracker.services.markets import bars, resolve

    engine = open_db(args)
    frame = bars(engine, args.symbol, args.since, args.until)  # checks the range before the symbol
    ident = resolve(engine, args.symbol)
    if frame.is_empty():
        say(f"no bars held for {ident}: `tracker markets import FILE` or `tracker markets refresh`", file=sys.stderr)
    emit(frame, args.format, raw_csv=args.raw_csv, title=f"Daily bars of {ident} (exchange-local dates)")


def refresh_command(args: argparse.Namespace) -> int:
    from tracker.cli.refresh import run
    from tracker.errors import UsageError
    from tracker.services.markets import names, resolve
    from tracker.services.refresh import PriceOptions
    from tracker.times import instant

    engine = open_db(args)
    since = instant(args.since, "--since").date() if args.since else None
    today = instant(None).date()
    if since is not None and since > today:
        raise UsageError(f"--since {args.since} is after today {today} (UTC): there are no sessions to fetch")
    chosen = [resolve(engine, s) for s in names(args.symbols)] if args.symbols else None
    return run(args, ("prices",), prices=PriceOptions(chosen, args.source, since))
