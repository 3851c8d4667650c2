"""Pieces every subcommand shares: errors with exit codes, the database, formats and times."""

from __future__ import annotations

import argparse
from datetime import datetime

from tracker.errors import ExitCode, TrackerError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NETWORK, EXIT_LOCKED, EXIT_PARTIAL = (int(c) for c in ExitCode)


class UserError(TrackerError):
    """A failure with an explicit exit code (being replaced by the classes of tracker.errors)."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.exit_code = ExitCode(code)


def constellation_name(text: str) -> str:
    """An argparse ``type``: a constellation name as stored (trimmed, lower case), never empty."""
    name = text.strip().lower()
    if not name:
        raise argparse.ArgumentTypeError("a constellation name must not be empty")
    return name


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")


def db_url(args: argparse.Namespace) -> str:
    return args.settings.db_url


def open_db(args: argparse.Namespace):
    """The engine of the command's database, opened (and bootstrapped) once per command."""
    from tracker.services.bootstrap import open_database

    if getattr(args, "engine", None) is None:
        args.engine = open_database(args.settings.db_url)
    return args.engine


def render_refresh(report, verbose: bool) -> int:
    """Print a refresh report as cron wants it (quiet unless something changed or failed:
    problems on stderr, news on stdout) and return its exit code."""
    import sys

    from tracker.text import visible

    for message in report.messages():
        if verbose or not message.detail:
            stream = sys.stdout if message.severity == "information" else sys.stderr
            print(visible(message.text), file=stream)
    return int(report.exit_code)


def parse_instant(text: str | None, option: str = "--at") -> datetime:
    """ISO 8601 to aware UTC (a time without offset is UTC); None means now."""
    from tracker.times import instant

    return instant(text, option)
