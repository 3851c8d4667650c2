"""``tracker launches``: the command tree of the launch calendar (arguments and help only).

The handlers live in :mod:`tracker.cli.launches_read` (list, show, export) and
:mod:`tracker.cli.launches_write` (add, update, delete, import, refresh). Both import their heavy
dependencies only when a command runs, so building this tree keeps ``tracker --help`` fast.
"""

from __future__ import annotations

import argparse
import math

from tracker.cli import launches_read as read
from tracker.cli import launches_write as write
from tracker.cli.common import add_format, add_raw_csv, real_number, time_value
from tracker.launches.vocab import CONSTELLATIONS, ORBIT_OUTCOMES, PRECISIONS, RECOVERIES, STATUSES

_EDIT_EXIT_CODES = "Exit codes: 0 ok, 1 bad input or refused (nothing written), 2 usage."
_REFRESH_EXIT_CODES = (
    "Exit codes: 0 ok, 3 an LL2 request failed (the run stopped), 4 another refresh holds the lock, "
    "5 some LL2 launches were unreadable (listed, the rest stored)."
)


def register(commands, common: argparse.ArgumentParser) -> None:
    launches = commands.add_parser(
        "launches", parents=[common], help="the launch calendar: list, show, edit, import/export, refresh from LL2"
    )
    sub = launches.add_subparsers(dest="launches_command", metavar="COMMAND", required=True)

    def command(name: str, handler, help: str, description: str | None = None) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, parents=[common], help=help, description=description or help)
        parser.set_defaults(handler=handler)
        return parser

    ls = command(
        "list", read.list_launches, "launches, newest first",
        "Launches newest first. --vehicle accepts any spelling (CZ-8A, LM-8A, Zhuque 3); a family name "
        "(Long March 12) also lists its variants (12A, 12B). CSV/JSON: net_utc is ISO 8601 UTC with "
        "net_precision alongside (a day-precision launch is stored at 00:00).",
    )
    ls.add_argument("--vehicle", metavar="V")
    ls.add_argument("--provider", metavar="P", help="case-insensitive substring of the provider")
    ls.add_argument("--constellation", choices=CONSTELLATIONS)
    ls.add_argument("--outcome", choices=ORBIT_OUTCOMES, help="orbit outcome")
    ls.add_argument("--recovery", choices=RECOVERIES, help="booster recovery")
    ls.add_argument("--since", type=time_value, metavar="DATE", help="NET on or after (ISO date or time, UTC)")
    ls.add_argument("--until", type=time_value, metavar="DATE", help="NET before (ISO date or time, UTC)")
    ls.add_argument("--upcoming", action="store_true", help="only launches not yet flown (scheduled, go, hold, in-flight)")
    add_format(ls)

    show = command(
        "show", read.show_launch, "one launch: record, history, satellites with orbit status",
        "One launch: every field (user-set ones marked, and where they differ from the bundled "
        "calendar), its history of changes, and the satellites of its launch designator.",
    )
    show.add_argument("id", metavar="ID")

    add = command(
        "add", write.add_launch, "add a launch by hand (validated; every field given is user-set)",
        "Add a launch. Every field given is user-set: no refresh or calendar update overwrites it. " + _EDIT_EXIT_CODES,
    )
    add.add_argument("--vehicle", required=True, metavar="V", help="any spelling of a known vehicle")
    add.add_argument("--net", dest="net_utc", required=True, type=time_value, metavar="ISO8601", help="NET in UTC (no offset means UTC)")
    add.add_argument("--new-vehicle", action="store_true", help="accept a vehicle not known yet")
    _edit_options(add)

    upd = command(
        "update", write.update_launch, "correct or complete a launch; the fields you set are never overwritten by a refresh",
        "Set fields of launch ID. Setting an orbit outcome on a launch still marked scheduled/go/hold "
        "whose NET has passed also sets its status to match. " + _EDIT_EXIT_CODES,
    )
    upd.add_argument("id", metavar="ID")
    upd.add_argument("--net", dest="net_utc", type=time_value, metavar="ISO8601", help="NET in UTC (no offset means UTC)")
    _edit_options(upd)

    delete = command(
        "delete", write.delete_launch, "remove a launch a person added (the history keeps its last state)",
        "Remove launch ID. Launches of the bundled calendar or linked to Launch Library 2 are refused: "
        "their source would bring them back; correct them with 'update' (e.g. --status scrubbed). " + _EDIT_EXIT_CODES,
    )
    delete.add_argument("id", metavar="ID")

    imp = command("import", write.import_launches, "import launches from an export file (all rows or none)")
    imp.add_argument("file", metavar="FILE")

    exp = command("export", read.export_launches, "write every launch and field to a file (round-trips through import)")
    exp.add_argument("--format", choices=("csv", "json"), default="csv")
    exp.add_argument("--output", "-o", required=True, metavar="FILE")
    exp.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    add_raw_csv(exp)

    ref = command(
        "refresh", write.refresh_command, "update the calendar from Launch Library 2 (15 requests/hour budget)",
        "Ask Launch Library 2 (TRACKER_LL2_URL, default https://ll.thespacedevs.com) for launches from "
        "China's launch locations. Never more than 15 requests in any hour; stops at the first failed "
        "request. Fields you set by hand are kept; disagreements are reported. " + _REFRESH_EXIT_CODES,
    )
    ref.add_argument("--verbose", "-v", action="store_true", help="report every request")


def _edit_options(parser: argparse.ArgumentParser) -> None:
    """The fields a person may set with add and update (times are parsed when the command runs)."""
    parser.add_argument("--precision", dest="net_precision", choices=PRECISIONS, help="how much of NET is known")
    parser.add_argument(
        "--window-start", dest="window_start", type=time_value, metavar="ISO8601", help="launch window opens (UTC; it must hold the NET)"
    )
    parser.add_argument("--window-end", dest="window_end", type=time_value, metavar="ISO8601", help="launch window closes (UTC)")
    parser.add_argument("--serial", metavar="Y1")
    parser.add_argument("--provider")
    parser.add_argument("--site")
    parser.add_argument("--mission")
    parser.add_argument("--mission-zh", dest="mission_zh", metavar="TEXT", help="the mission's Chinese name")
    parser.add_argument("--constellation", choices=CONSTELLATIONS)
    parser.add_argument("--cospar", dest="cospar_launch", metavar="YYYY-NNN")
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--orbit-outcome", dest="orbit_outcome", choices=ORBIT_OUTCOMES)
    parser.add_argument("--recovery", dest="booster_recovery", choices=RECOVERIES)
    parser.add_argument("--landing-type", metavar="ASDS|RTLS|...")
    parser.add_argument("--landing-location")
    parser.add_argument("--downrange-km", dest="landing_downrange_km", type=real_number(0.0, math.inf), metavar="KM")
    parser.add_argument(
        "--announced", dest="announced_utc", type=time_value, metavar="ISO8601", help="when the outcome was announced, if not at T-0"
    )
    parser.add_argument("--source", dest="sources", action="append", metavar="URL", help="a source URL (repeatable; added)")
    parser.add_argument("--note", metavar="TEXT", help="a note (added to the notes)")
