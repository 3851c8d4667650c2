"""The ``tracker`` command: argument parsing and exit codes; the work lives in the app modules.

Only ``argparse`` is imported at start-up: every handler imports what it needs when it runs, so
``tracker --help`` answers in a few tens of milliseconds.

Exit codes (stable, for cron jobs and scripts):

====  ===================================================================================
0     success, including "nothing to do" (data unchanged, or fetched less than 2 h ago)
1     error: bad input, unknown name, unreadable file; nothing was written
2     usage error (bad arguments)
3     a network request failed or was refused; the refresh stopped and stored what it had
4     another refresh holds the lock; nothing was done
5     partial import: good records were stored, some records were rejected (listed)
====  ===================================================================================
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Mapping
from importlib.metadata import entry_points

from tracker.cli import constellations, launches, link, markets, orbits, refresh, sats, tle
from tracker.errors import TrackerError

#: Entry-point group of commands that live outside the core (the terminal UI registers ``tui``
#: there, so the core never imports it); each entry point is a ``register(commands, common)``.
COMMANDS_GROUP = "tracker.commands"

_EPILOG = """\
exit codes: 0 ok (also: nothing to do), 1 error (nothing written), 2 usage,
3 network/HTTP failure (refresh stopped), 4 another refresh is running,
5 partial import (good records stored, some rejected)

database: --db URL or TRACKER_DB (a SQLAlchemy URL or a file path); default: SQLite in the
user data directory. Sources: TRACKER_CELESTRAK_URL, TRACKER_LL2_URL, TRACKER_YAHOO_URL,
TRACKER_EASTMONEY_URL (a base URL, or off)
"""


def build_parser() -> argparse.ArgumentParser:
    """The full command tree; ``--db`` is accepted before or after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help="SQLAlchemy database URL (env TRACKER_DB)")
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track China's commercial-space race: constellations in orbit, launches, markets.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (tle, sats, orbits, constellations, launches, markets, link, refresh):
        module.register(commands, common)
    for entry in entry_points(group=COMMANDS_GROUP):
        entry.load()(commands, common)
    return parser


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command; return its exit code. ``environ`` (default ``os.environ``) is read once,
    into the settings every handler receives as ``args.settings``."""
    from tracker.settings import Settings

    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.showwarning = _explain_warning
    try:
        args.settings = Settings.from_env(os.environ if environ is None else environ, db=getattr(args, "db", None))
        return int(args.handler(args) or 0)
    except TrackerError as exc:
        from tracker.text import visible

        print(f"tracker: error: {visible(exc)}", file=sys.stderr)
        return int(exc.exit_code)
    except BrokenPipeError:
        # The reader went away (`tracker link | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("tracker: interrupted; nothing from the unfinished step was written", file=sys.stderr)
        return 130


def _explain_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Library warnings reach the user labelled with their origin, never as a bare traceback line."""
    origin = filename.rsplit("site-packages/", 1)[-1].split("/", 1)[0]
    print(f"tracker: warning from library {origin!r} ({category.__name__}): {message}", file=sys.stderr)
