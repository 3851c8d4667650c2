"""``tracker refresh``: every data source in one cron-friendly run, under one lock.

Quiet when nothing happened (cron mails only what matters); ``--verbose`` reports every URL. The
work is :func:`tracker.services.refresh.refresh`; the per-source refresh commands (``tle``,
``launches``, ``markets``) call it too, through :func:`run`.
"""

from __future__ import annotations

import argparse

from tracker.cli.common import open_db, render_refresh


def register(commands, common: argparse.ArgumentParser) -> None:
    ref = commands.add_parser(
        "refresh",
        parents=[common],
        help="refresh every source (CelesTrak element sets, LL2 launches, daily bars); for cron",
        description="Refresh every data source with the default queries, honouring each source's "
        "rate rules: CelesTrak (the Guowang, Qianfan and station groups; the active catalogue once "
        "a day), Launch Library 2, Eastmoney and Yahoo. Quiet unless something changed or failed. "
        "Exit codes: 0 ok, 3 a request failed (that source stopped), 4 another refresh is running, "
        "5 some records were rejected.",
    )
    ref.add_argument("--force", action="store_true", help="ignore minimum refresh intervals")
    ref.add_argument("--verbose", "-v", action="store_true", help="report every request")
    ref.set_defaults(handler=lambda args: run(args))


def run(args: argparse.Namespace, sources: tuple[str, ...] | None = None, **options) -> int:
    """One call of the refresh service for ``sources`` (default all), rendered for cron."""
    from tracker.services.refresh import SOURCES, refresh

    report = refresh(open_db(args), args.settings, sources=sources or SOURCES, force=getattr(args, "force", False), **options)
    return render_refresh(report, args.verbose)
