"""``tracker tle import`` and ``tracker tle refresh``: getting element sets into the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tle import ELEMENT_SUFFIXES
from tracker.cli.common import open_db, say
from tracker.errors import ExitCode
from tracker.text import plural


def register(commands, common: argparse.ArgumentParser) -> None:
    tle = commands.add_parser("tle", parents=[common], help="element sets: import files, refresh from CelesTrak")
    sub = tle.add_subparsers(dest="tle_command", metavar="COMMAND", required=True)

    imp = sub.add_parser(
        "import",
        parents=[common],
        help="import TLE/3LE or OMM CSV/JSON/XML files or directories",
        description="Import element sets. The format is detected from each file's content. "
        "Every element set is kept (one per catalog number and epoch); importing the same file "
        "twice changes nothing. Bad records are listed and skipped; a file that is not element "
        "data at all aborts the import before anything is written.",
    )
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files, or directories searched for " + "/".join(ELEMENT_SUFFIXES))
    imp.add_argument("--constellation", metavar="NAME", help="also make every imported object a member of NAME")
    imp.set_defaults(handler=import_files)

    ref = sub.add_parser(
        "refresh",
        parents=[common],
        help="download GP data from CelesTrak (politely; safe under cron)",
        description="Download CelesTrak GP data (FORMAT=csv). A URL fetched successfully less than "
        "2 hours ago is not fetched again (CelesTrak updates at most every 2 hours); the first "
        "failed request stops the run. Quiet unless something changed or --verbose.",
    )
    ref.add_argument(
        "groups", nargs="*", metavar="GROUP",
        help="GROUP=name, NAME=text, CATNR=n, INTDES=yyyy-nnn or a bare group name "
        "(default: NAME=HULIANWANG GROUP=qianfan GROUP=stations, and GROUP=active once a day)",
    )
    ref.add_argument("--query", action="append", default=[], metavar="QUERY", help="a raw GP query such as 'GROUP=active' (repeatable)")
    ref.add_argument("--force", action="store_true", help="ignore the 2-hour rule (be considerate: CelesTrak blocks abusers)")
    ref.add_argument("--verbose", "-v", action="store_true", help="report every URL, even when nothing changed")
    ref.set_defaults(handler=refresh)


def import_files(args: argparse.Namespace) -> ExitCode:
    from tracker.services.orbits import import_elements

    report = import_elements(open_db(args), args.paths, constellation=args.constellation)
    for line in report.rejected:
        say(line, file=sys.stderr)
    counts = report.counts
    member = f", {counts.constellation_members_added} added to {report.constellation}" if report.constellation else ""
    say(
        f"{plural(len(report.files), 'file')}: {plural(counts.new_satellites, 'new satellite')}, "
        f"{plural(counts.new_element_sets, 'new element set')}, {plural(counts.duplicates, 'duplicate')}, "
        f"{len(report.rejected)} rejected{member}"
    )
    return report.exit_code


def refresh(args: argparse.Namespace) -> int:
    from tracker.cli.refresh import run

    return run(args, ("celestrak",), groups=args.groups, queries=args.query)

