"""``tracker markets``: the securities registry, theme rules, and daily bars (import, refresh)."""

from __future__ import annotations

import argparse
import json
import sys

from tracker.cli.common import EXIT_OK, EXIT_PARTIAL, UserError, add_format, open_db


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
        "300/301 ChiNext 20%%, other A-shares 10%%, none in Hong Kong and the US) unless given.",
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
        "booster-recovery, mission (a glob such as '*computing*') or launch (a launch id).",
    )
    from tracker.markets.vocab import RULE_KINDS

    radd.add_argument("kind", choices=RULE_KINDS)
    radd.add_argument("value")
    radd.add_argument("theme")
    radd.set_defaults(handler=add_rule)
    rrm = rsub.add_parser("remove", parents=[common], help="remove a rule by id (a bundled rule is disabled)")
    rrm.add_argument("id", type=int)
    rrm.set_defaults(handler=remove_rule)

    imp = sub.add_parser(
        "import",
        parents=[common],
        help="import daily bars: long CSV, per-symbol CSV, Chinese broker export (all files or none)",
        description="Import daily bars. Formats are recognised by their header: long "
        "(date,symbol,open,high,low,close,volume), per-symbol (Date,Open,High,Low,Close,Volume; the "
        "symbol from --symbol or the file name, 600118.SS.csv) and the Chinese broker export "
        "(日期,代码,...,前收盘价,...), whose columns are checked against each other. Bars already held "
        "are unchanged; a bar contradicting a stored one is reported (exit 5) and the stored one "
        "kept unless --replace. A malformed file imports nothing (exit 1).",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--symbol", help="the security of per-symbol files (any spelling)")
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
    ref.add_argument("--since", metavar="DATE", help="ask from this date (default: after the newest stored bar)")
    ref.add_argument("--verbose", "-v", action="store_true")
    ref.set_defaults(handler=refresh_command)

    bars = sub.add_parser("bars", parents=[common], help="the daily bars held for one security")
    bars.add_argument("symbol", metavar="SYMBOL")
    bars.add_argument("--since", metavar="DATE")
    bars.add_argument("--until", metavar="DATE")
    add_format(bars)
    bars.set_defaults(handler=show_bars)


def _security_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name-zh", help="Chinese name")
    parser.add_argument("--board", help="board (main, STAR, ChiNext, ETF, ...)")
    parser.add_argument("--limit", dest="limit_pct", type=float, metavar="PCT", help="daily price limit in percent (0: none)")
    parser.add_argument("--currency")
    parser.add_argument("--benchmark", help="the index abnormal returns are measured against")
    parser.add_argument("--themes", help="comma-separated themes (replaces the list)")
    parser.add_argument("--yahoo", help="Yahoo symbol, if not the derived one")
    parser.add_argument("--eastmoney", help="Eastmoney secid, if not the derived one")
    parser.add_argument("--note")


def _given(args: argparse.Namespace, conn) -> dict:
    """The registry fields set on the command line, validated."""
    given = {
        "name_zh": args.name_zh, "board": args.board, "currency": args.currency, "yahoo": args.yahoo,
        "eastmoney": args.eastmoney, "notes": args.note, "name_en": args.name,
    }
    if args.themes is not None:
        given["themes"] = json.dumps(sorted({t.strip() for t in args.themes.split(",") if t.strip()}))
    if args.benchmark:
        given["benchmark"] = _resolve(conn, args.benchmark)
    given = {k: v for k, v in given.items() if v is not None}
    if args.limit_pct is not None:
        if not 0 <= args.limit_pct < 100:
            raise UserError(f"--limit {args.limit_pct}: a daily limit is a percentage between 0 and 100", 2)
        given["limit_pct"] = args.limit_pct or None  # --limit 0: no daily limit (stored as null)
    return given


def _resolve(conn, text: str) -> str:
    """The canonical id of a registered security, or a one-line error saying how to add it."""
    from markets.symbols import UnknownSymbol
    from tracker.markets.registry import resolve

    try:
        return resolve(conn, text)
    except UnknownSymbol as exc:
        raise UserError(str(exc)) from None


def list_securities(args: argparse.Namespace) -> int:
    import polars as pl

    from tracker.markets import bars, registry
    from tracker.output import emit

    with open_db(args).connect() as conn:
        frame = registry.securities(conn).join(bars.coverage(conn), on="security", how="left")
    frame = frame.with_columns(pl.col("themes").list.join(";"), pl.col("bars").fill_null(0))
    cols = ["security", "yahoo", "name_en", "name_zh", "board", "limit_pct", "currency", "role", "benchmark", "themes", "bars", "first", "last"]
    emit(frame.select(cols), args.format, title="Securities (bars: daily bars held, first/last: exchange-local dates)")
    return EXIT_OK


def add_security(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from markets.symbols import UnknownSymbol, parse
    from tracker.markets.models import Security
    from tracker.markets.registry import new_security

    try:
        ident = parse(args.symbol, args.mic)
    except UnknownSymbol as exc:
        raise UserError(str(exc)) from None
    engine = open_db(args)
    try:
        with engine.begin() as conn:
            conn.execute(Security.__table__.insert().values(**new_security(ident, **_given(args, conn))))
    except IntegrityError:
        raise UserError(f"{ident} is already in the registry; change it with `tracker markets update {ident}`") from None
    print(f"added {ident}")
    return EXIT_OK


def update_security(args: argparse.Namespace) -> int:
    from tracker.markets.models import Security

    engine = open_db(args)
    with engine.begin() as conn:
        ident = _resolve(conn, args.symbol)
        given = _given(args, conn)
        if not given:
            raise UserError("nothing to change: give at least one option (see --help)", 2)
        table = Security.__table__
        conn.execute(table.update().where(table.c.security == ident).values(**given))
    print(f"updated {ident}: {', '.join(sorted(given))}")
    return EXIT_OK


def list_rules(args: argparse.Namespace) -> int:
    from tracker.markets.registry import rules
    from tracker.output import emit

    with open_db(args).connect() as conn:
        emit(rules(conn), args.format, title="Theme rules: a launch matching kind=value links to securities with theme")
    return EXIT_OK


def add_rule(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from tracker.launches import vehicles
    from tracker.launches.store import known_vehicles
    from tracker.markets.models import ThemeRule

    value = args.value.lower() if args.kind in ("constellation", "orbit-outcome", "booster-recovery") else args.value
    try:
        with open_db(args).begin() as conn:
            if args.kind == "vehicle":  # any spelling (CZ-12A, LM-12A) as the calendar writes it
                try:
                    value = vehicles.match(value, known_vehicles(conn))
                except vehicles.UnknownVehicle as exc:
                    raise UserError(str(exc)) from None
            table = ThemeRule.__table__
            conn.execute(table.insert().values(kind=args.kind, value=value, theme=args.theme, origin="user"))
    except IntegrityError:
        raise UserError(f"rule {args.kind}={value} -> {args.theme} exists already (see `tracker markets rules list`)") from None
    print(f"added rule {args.kind}={value} -> {args.theme}")
    return EXIT_OK


def remove_rule(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from tracker.markets.models import ThemeRule

    table = ThemeRule.__table__
    with open_db(args).begin() as conn:
        origin = conn.execute(select(table.c.origin).where(table.c.id == args.id)).scalar()
        if origin is None:
            raise UserError(f"no rule with id {args.id} (see `tracker markets rules list`)")
        where = table.c.id == args.id
        conn.execute(table.update().where(where).values(enabled=False) if origin == "bundled" else table.delete().where(where))
    print(f"{'disabled bundled' if origin == 'bundled' else 'removed'} rule {args.id}")
    return EXIT_OK


def import_bars(args: argparse.Namespace) -> int:
    """Parse every file first; store all of them in one transaction, or nothing."""
    from pathlib import Path

    from markets.files import PriceFileError, parse_file
    from tracker.markets import bars, registry
    from tracker.markets.models import Security

    engine = open_db(args)
    with engine.connect() as conn:
        symbol = _resolve(conn, args.symbol) if args.symbol else None
        known = set(registry.securities(conn)["security"])
    parsed = []
    for name in args.files:
        path = Path(name)
        try:
            parsed.append((path, parse_file(path, security=symbol)))
        except OSError as exc:
            raise UserError(f"cannot read {path}: {exc.strerror}") from None
        except PriceFileError as exc:
            raise UserError(f"{exc}; nothing was imported") from None
    for path, result in parsed:
        for warning in result.warnings:
            print(f"tracker: warning: {warning}", file=sys.stderr)
        missing = sorted(set(result.bars["security"]) - known)
        if missing and not args.add_missing:
            raise UserError(
                f"{path}: {', '.join(missing)} not in the registry: add with `tracker markets add`, "
                "or import with --add-missing; nothing was imported"
            )
    conflicts, total = [], bars.MergeCounts()
    with engine.begin() as conn:
        for path, result in parsed:
            for ident in sorted(set(result.bars["security"]) - known):
                conn.execute(Security.__table__.insert().values(**registry.new_security(ident, ident.split(":")[1])))
                known.add(ident)
            counts = bars.merge(conn, result.bars, str(path.resolve()), replace=args.replace)
            total.new += counts.new
            total.unchanged += counts.unchanged
            total.replaced += counts.replaced
            conflicts += counts.conflicts
    for line in conflicts:
        print(line, file=sys.stderr)
    print(
        f"imported {total.new} new bars from {len(parsed)} file(s); {total.unchanged} already held"
        + (f"; {total.replaced} replaced" if total.replaced else "")
        + (f"; {len(conflicts)} contradicting bars reported" if conflicts and not args.replace else "")
    )
    return EXIT_PARTIAL if conflicts and not args.replace else EXIT_OK


def show_bars(args: argparse.Namespace) -> int:
    from tracker.cli.common import parse_instant
    from tracker.markets import bars
    from tracker.output import emit

    since = parse_instant(args.since, "--since").date() if args.since else None
    until = parse_instant(args.until, "--until").date() if args.until else None
    with open_db(args).connect() as conn:
        ident = _resolve(conn, args.symbol)
        frame = bars.read(conn, [ident], since, until)
    if frame.is_empty():
        print(f"no bars held for {ident}: `tracker markets import FILE` or `tracker markets refresh`", file=sys.stderr)
    emit(frame, args.format, title=f"Daily bars of {ident} (exchange-local dates)")
    return EXIT_OK


def refresh_command(args: argparse.Namespace) -> int:
    from tracker.cli.common import parse_instant
    from tracker.cli.refresh import run
    from tracker.services.refresh import PriceOptions

    with open_db(args).connect() as conn:
        chosen = [_resolve(conn, s) for s in args.symbols.split(",") if s.strip()] if args.symbols else None
    since = parse_instant(args.since, "--since").date() if args.since else None
    return run(args, ("prices",), prices=PriceOptions(chosen, args.source, since))
