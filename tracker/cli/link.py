"""``tracker link``: every (launch, security) pair with its session, returns and flags; summaries."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from tracker.cli.common import EXIT_OK, UserError, open_db, parse_instant

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
    selection.add_argument("--since", metavar="DATE", help="launches on or after (UTC)")
    selection.add_argument("--until", metavar="DATE", help="launches before (UTC)")
    selection.add_argument("--symbols", metavar="S,S", help="link every launch to these securities instead of by theme")
    selection.add_argument(
        "--window", default="120:10", metavar="EST:GAP",
        help="market-model estimation: EST sessions ending GAP sessions before t0 (default 120:10)",
    )
    selection.add_argument("--at", choices=("net", "announced"), default="net", help="place events at launch time or at the announcement of their outcome")

    link = commands.add_parser(
        "link",
        parents=[common, selection],
        help="launches joined with the moves of related securities (export for analysts)",
        description="One row per (launch, security): the first session that could react (t0), its "
        "session class, previous close, close, return, benchmark return, market-adjusted and "
        "market-model abnormal returns, CARs, limit and no-trade flags. Returns are fractions; what "
        "cannot be computed is empty. `tracker link summary --by ...` aggregates.",
    )
    link.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
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
    summary.add_argument("--format", choices=("table", "csv", "json"), default="table")
    summary.set_defaults(handler=summary_command)


def _vehicle(text: str) -> str:
    """A vehicle filter in the calendar's spelling (``CZ-12A`` -> ``Long March 12A``); a name the
    vehicle list does not know is kept as typed (LL2 may have brought it)."""
    from tracker.launches import vehicles

    try:
        return vehicles.match(text)
    except vehicles.UnknownVehicle:
        return text


def _params(args: argparse.Namespace):
    from tracker.markets.link import FILTERS, LinkParams

    filters = {}
    for item in args.event_filter:
        key, sep, value = item.partition("=")
        if not sep or key not in FILTERS or not value:
            raise UserError(f"--event-filter {item!r}: expected KEY=VALUE with KEY one of {', '.join(FILTERS)}", 2)
        filters[key] = _vehicle(value) if key == "vehicle" else value
    est, sep, gap = args.window.partition(":")
    try:
        est_len, gap_len = int(est), int(gap) if sep else 10
    except ValueError:
        raise UserError(f"--window {args.window!r}: expected EST:GAP in sessions, e.g. 120:10", 2) from None
    if est_len < 2 or gap_len < 1:
        raise UserError(f"--window {args.window!r}: needs at least 2 estimation sessions and a gap of 1", 2)
    return LinkParams(
        filters=filters,
        since=parse_instant(args.since, "--since") if args.since else None,
        until=parse_instant(args.until, "--until") if args.until else None,
        symbols=tuple(s.strip() for s in (args.symbols or "").split(",") if s.strip()),
        at=args.at,
        est_len=est_len,
        gap=gap_len,
        min_est=min(30, est_len),
    )


def _linked(args: argparse.Namespace):
    from markets.symbols import UnknownSymbol
    from tracker.markets.link import link

    params = _params(args)
    with open_db(args).connect() as conn:
        try:
            return params, link(conn, params)
        except UnknownSymbol as exc:
            raise UserError(str(exc)) from None


def link_command(args: argparse.Namespace) -> int:
    from tracker.output import emit

    params, frame = _linked(args)
    if args.format == "parquet" and not args.output:
        raise UserError("--format parquet needs --output FILE", 2)
    if not args.output:
        if frame.is_empty():
            print("no (launch, security) pairs: check the filters, `tracker markets rules list` and `tracker markets list`", file=sys.stderr)
        emit(frame, args.format, digits=_DIGITS if args.format == "table" else None, title="Launches and market reactions (times UTC; t0 exchange-local)")
        return EXIT_OK
    _export(frame, params, Path(args.output), args.format, args.force)
    print(f"wrote {frame.height} rows to {args.output} and its parameters to {args.output}.meta.json")
    return EXIT_OK


def _export(frame, params, path: Path, fmt: str, force: bool) -> None:
    """Write the export and its metadata sidecar; never clobber a file unless told to."""
    from tracker.output import emit

    meta_path = path.with_name(path.name + ".meta.json")
    if not force and (path.exists() or meta_path.exists()):
        raise UserError(f"{path if path.exists() else meta_path} exists; use --force to overwrite")
    meta = {
        "written_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rows": frame.height,
        "format": fmt,
        "parameters": params.describe(),
        "definitions": "returns are fractions of the previous close; ar = ret - bench_ret; ar_mm uses OLS "
        "alpha/beta over the estimation window; car_a_b sums ar over sessions t0+a..t0+b (car_mm_* sums "
        "ar_mm); empty means not computable",
    }
    tmp = path.with_name(path.name + ".part")
    if fmt == "parquet":
        frame.write_parquet(tmp, metadata={"tracker": json.dumps(meta)})
    else:
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            emit(frame, fmt, out=out)
    tmp.replace(path)
    meta_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def summary_command(args: argparse.Namespace) -> int:
    from markets.returns import summary
    from tracker.output import emit

    _, frame = _linked(args)
    table = summary(frame, args.by.replace("-", "_"))
    digits = {name: 4 for name, dtype in table.schema.items() if dtype.is_float()} if args.format == "table" else None
    emit(table, args.format, digits=digits, title=f"Abnormal returns by {args.by} (fractions; t: cross-sectional t-statistic)")
    return EXIT_OK
