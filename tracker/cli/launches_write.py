"""Handlers of the ``tracker launches`` commands that write: add, update, delete, import, refresh.

Each handler is: arguments to plain values, one call of :mod:`tracker.services.launches` (where
the rules of an edit live: validated whole, every field given marked user-set, one transaction),
one line saying what was done. Times are parsed here, naming their option, rather than in the
argument tree, so that ``tracker --help`` imports nothing heavy.
"""

from __future__ import annotations

import argparse
from typing import Any

from tracker.cli.common import open_db, say
from tracker.errors import ExitCode
from tracker.text import plural

#: The options holding ISO 8601 times, by field (the option's name goes into error messages).
_TIME_OPTIONS = {"net_utc": "--net", "window_start": "--window-start", "window_end": "--window-end", "announced_utc": "--announced"}


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    """The editable fields given on the command line (argparse ``dest`` = field name), times
    parsed; a malformed time is a usage error naming its option."""
    from tracker.services.launches import EDITABLE
    from tracker.times import instant

    given = {name: getattr(args, name, None) for name in EDITABLE}
    return {
        name: instant(value, _TIME_OPTIONS[name]) if name in _TIME_OPTIONS else value
        for name, value in given.items() if value is not None
    }


def add_launch(args: argparse.Namespace) -> int:
    from tracker.services import launches

    fields = _fields(args)
    launch_id = launches.add_launch(
        open_db(args), vehicle=args.vehicle, net=fields.pop("net_utc"), new_vehicle=args.new_vehicle,
        fields=fields, sources=args.sources or (), note=args.note,
    )
    say(f"added {launch_id}")
    return ExitCode.OK


def update_launch(args: argparse.Namespace) -> int:
    from tracker.services import launches

    changed = launches.update_launch(open_db(args), args.id, fields=_fields(args), sources=args.sources or (), note=args.note)
    say(f"{args.id}: " + (", ".join(changed) + " changed" if changed else "unchanged"))
    return ExitCode.OK


def delete_launch(args: argparse.Namespace) -> int:
    from tracker.services import launches

    launches.delete_launch(open_db(args), args.id)
    say(f"deleted {args.id} (its last state is kept in its history)")
    return ExitCode.OK


def import_launches(args: argparse.Namespace) -> int:
    from tracker.services import launches

    report = launches.import_launches(open_db(args), args.file)
    say(f"{report.path}: {plural(len(report.ids), 'launch', 'launches')} ({len(report.added)} new, {len(report.changed)} changed)")
    return ExitCode.OK


def refresh_command(args: argparse.Namespace) -> int:
    from tracker.cli.refresh import run

    return run(args, ("ll2",))
