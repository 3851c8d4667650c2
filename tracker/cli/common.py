"""Pieces every subcommand shares: errors with exit codes, the database, formats and times."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_NETWORK, EXIT_LOCKED, EXIT_PARTIAL = 0, 1, 2, 3, 4, 5


class UserError(Exception):
    """A failure the user can act on: printed as one line, with its exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code


def constellation_name(text: str) -> str:
    """An argparse ``type``: a constellation name as stored (trimmed, lower case), never empty."""
    name = text.strip().lower()
    if not name:
        raise argparse.ArgumentTypeError("a constellation name must not be empty")
    return name


@contextmanager
def refresh_lock(args: argparse.Namespace) -> Iterator[None]:
    """Hold the refresh lock of the command's database; another refresh running is exit 4."""
    from tracker.lock import Locked
    from tracker.lock import refresh_lock as lock

    try:
        with lock(db_url(args)):
            yield
    except Locked as exc:
        raise UserError(str(exc), EXIT_LOCKED) from None


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default: table)")


def db_url(args: argparse.Namespace) -> str:
    from tracker.db import default_url

    return getattr(args, "db", None) or default_url()


def open_db(args: argparse.Namespace):
    """The engine for ``--db``/``TRACKER_DB``/default, created on first use; errors name the URL."""
    from sqlalchemy.exc import ArgumentError, OperationalError

    from tracker.db import connect

    url = db_url(args)
    try:
        return connect(url)
    except (ArgumentError, OperationalError) as exc:
        raise UserError(f"cannot open database {url!r}: {exc}") from None


def parse_instant(text: str | None, option: str = "--at") -> datetime:
    """ISO 8601 to aware UTC (a time without offset is UTC); None means now."""
    if text is None:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{option} {text!r} is not an ISO 8601 time (e.g. 2026-08-18T12:00:00Z)", 2) from None
    from tle.elements import utc

    return utc(value)
