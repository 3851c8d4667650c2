"""``tracker refresh``: every data source in one cron-friendly run, under one lock.

Quiet when nothing happened (cron mails only what matters); ``--verbose`` reports every URL.
Sources: CelesTrak element sets, Launch Library 2 launches, then daily bars (Eastmoney, Yahoo).
Each runs even when an earlier one failed (the sources are independent); the exit code reports
any failure.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone

from tracker.cli.common import EXIT_NETWORK, EXIT_OK, EXIT_PARTIAL, UserError, open_db, refresh_lock


def register(commands, common: argparse.ArgumentParser) -> None:
    ref = commands.add_parser(
        "refresh",
        parents=[common],
        help="refresh every source (CelesTrak element sets, LL2 launches, daily bars); for cron",
        description="Refresh every data source with the default queries, honouring each source's "
        "rate rules. Quiet unless something changed or failed. Exit codes: 0 ok, 3 a request "
        "failed (the run stopped), 4 another refresh is running, 5 some records were rejected.",
    )
    ref.add_argument("--force", action="store_true", help="ignore minimum refresh intervals")
    ref.add_argument("--verbose", "-v", action="store_true", help="report every request")
    ref.set_defaults(handler=lambda args: run_refresh(args, sources=("tle", "launches", "prices")), groups=[], query=[])


def run_refresh(args: argparse.Namespace, sources: tuple[str, ...]) -> int:
    """Take the lock, run each source, report, and map the result to an exit code."""
    from tracker.cli.launches_write import run_ll2
    from tracker.cli.markets import run_prices
    from tracker.markets.refresh import check_vendors
    from tle.celestrak import CelesTrakClient
    from tracker.refresh import celestrak_base, refresh_tle, urls_for

    try:
        client = CelesTrakClient(celestrak_base())
        urls = urls_for(args.groups, args.query, client.base_url)
        if "prices" in sources:
            check_vendors()
    except ValueError as exc:
        raise UserError(str(exc), 2) from None
    engine = open_db(args)
    with refresh_lock(args):
        if args.force:
            print("tracker: warning: --force ignores CelesTrak's 2-hour rule; repeated use gets clients blocked", file=sys.stderr)
        report = refresh_tle(engine, client, urls, now=datetime.now(timezone.utc), force=args.force)
        _report(report, args.verbose)
        launches = run_ll2(engine, args.verbose) if "launches" in sources else EXIT_OK
        prices_failed = "prices" in sources and run_prices(engine, args.verbose)
    if report.failed or launches == EXIT_NETWORK or prices_failed:
        return EXIT_NETWORK
    return EXIT_PARTIAL if report.rejected or launches == EXIT_PARTIAL else EXIT_OK


def _report(report, verbose: bool) -> None:
    for outcome in report.outcomes:
        if verbose or outcome.kind in ("fetched", "error", "not-attempted"):
            stream = sys.stderr if outcome.kind in ("error", "not-attempted") else sys.stdout
            print(f"{outcome.kind:>13}  {outcome.url}  {outcome.message}", file=stream)
    for problem in report.problems + report.rejected:
        print(problem, file=sys.stderr)
    counts = report.counts
    if verbose or counts.new_element_sets:
        print(f"stored {counts.new_element_sets} new element sets ({counts.new_satellites} new satellites, {counts.duplicates} already held)")
