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
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence

from tracker.errors import TrackerError

#: Entry-point group of commands that live outside the core (the terminal UI registers ``tui``
#: there, so the core never imports it); each entry point is a ``register(commands, common)``.
COMMANDS_GROUP = "tracker.commands"

#: The core's commands, in the order ``tracker --help`` lists them; ``tracker.cli.NAME`` registers
#: command NAME (its module is imported only when the command is built).
CORE = ("tle", "sats", "passes", "observers", "orbits", "constellations", "launches", "markets", "link", "refresh", "db")

_EPILOG = """\
exit codes: 0 ok (also: nothing to do), 1 error (nothing written), 2 usage,
3 network/HTTP failure (refresh stopped), 4 another refresh is running,
5 partial import (good records stored, some rejected)

database: --db URL or TRACKER_DB (a SQLAlchemy URL or a file path); default: SQLite in the
user data directory. Sources: TRACKER_CELESTRAK_URL, TRACKER_LL2_URL, TRACKER_YAHOO_URL,
TRACKER_EASTMONEY_URL (a base URL, or off)
"""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command tree; ``--db`` is accepted before or after the subcommand.

    Given the arguments ``argv`` of a core command, the tree holds that command only: the other
    commands' options are not built, and the installed distributions are not scanned for
    :data:`COMMANDS_GROUP` (which costs as much as a small command). Every command is there for
    any other ``argv`` (another command, the top-level help, a usage error) and with none.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help="SQLAlchemy database URL (env TRACKER_DB)")
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track China's commercial-space race: constellations in orbit, launches, markets.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action=_Version, help="show the version and the bundled data's versions, then exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    word = None if argv is None else _command_word(argv)
    for name in [word] if word in CORE else CORE:
        importlib.import_module(f"tracker.cli.{name}").register(commands, common)
    if word in CORE:
        return parser
    for register in extension_commands():
        register(commands, common)
    return parser


class _Version(argparse.Action):
    """``--version``: the package's and the bundled data's versions (computed only when asked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from tracker.cli.version import version_text

        print(version_text())
        parser.exit()


def extension_commands() -> list[Callable[..., None]]:
    """The ``register`` functions of the :data:`COMMANDS_GROUP` entry points of the installed
    distributions, found as :func:`importlib.metadata.entry_points` finds them (``*.dist-info``
    and ``*.egg-info`` directories on ``sys.path``, the first distribution of a name winning)
    but without importing :mod:`importlib.metadata`, which costs more than the rest of
    ``tracker --help``. Distributions inside zip files on ``sys.path`` are not searched."""
    import re

    seen: set[str] = set()
    found = []
    for root in sys.path:
        try:
            children = os.listdir(root or ".")
        except OSError:
            continue
        for child in children:
            stem, _, suffix = child.rpartition(".")
            name = re.sub(r"[-_.]+", "_", stem.partition("-")[0]).lower()
            if suffix not in ("dist-info", "egg-info") or name in seen:
                continue
            seen.add(name)
            try:
                with open(os.path.join(root or ".", child, "entry_points.txt"), encoding="utf-8") as file:
                    text = file.read()
            except OSError:
                continue
            found += _group_entries(text, COMMANDS_GROUP)
    registers = []
    for value in found:
        module, _, attrs = value.partition(":")
        target = importlib.import_module(module.strip())
        for attr in filter(None, attrs.split("[")[0].strip().split(".")):
            target = getattr(target, attr)
        registers.append(target)
    return registers


def _group_entries(text: str, group: str) -> list[str]:
    """The values (``module:attr``) of the entries of ``group`` in an ``entry_points.txt``."""
    values, current = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == group and "=" in line:
            values.append(line.partition("=")[2].strip())
    return values


def _command_word(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (its first word that is neither an option nor the value
    of ``--db``, which argparse also takes as ``--d``), or None."""
    words = iter(argv)
    for word in words:
        if word in ("--d", "--db"):
            next(words, None)
        elif word == "--":
            return None
        elif not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run one command; return its exit code. ``environ`` (default ``os.environ``) is read once,
    into the settings every handler receives as ``args.settings``."""
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)  # exits here for --help and usage errors
    from tracker.settings import Settings

    warnings.showwarning = _explain_warning
    try:
        args.settings = Settings.from_env(os.environ if environ is None else environ, db=getattr(args, "db", None))
        return int(args.handler(args) or 0)
    except TrackerError as exc:
        from tracker.cli.common import say

        say(f"tracker: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except BrokenPipeError:
        # The reader went away (`tracker link | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("tracker: interrupted; nothing from the unfinished step was written", file=sys.stderr)
        return 130
    finally:
        if (engine := getattr(args, "engine", None)) is not None:
            engine.dispose()  # a server's connections end with the command, not with the process


def _explain_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Library warnings reach the user labelled with their origin, never as a bare traceback line."""
    origin = filename.rsplit("site-packages/", 1)[-1].split("/", 1)[0]
    from tracker.cli.common import say

    say(f"tracker: warning from library {origin!r} ({category.__name__}): {message}", file=sys.stderr)
