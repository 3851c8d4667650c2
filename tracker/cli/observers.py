"""``tracker observers``: the places passes are computed for (bundled and your own)."""

from __future__ import annotations

import argparse

from tracker.cli.common import add_format, add_observer_options, open_db, say
from tracker.errors import ExitCode


def register(commands, common: argparse.ArgumentParser) -> None:
    obs = commands.add_parser("observers", parents=[common], help="places for passes: list, add, remove, choose the default")
    sub = obs.add_subparsers(dest="observers_command", metavar="COMMAND")
    obs.set_defaults(handler=list_observers, format="table", raw_csv=False)

    ls = sub.add_parser("list", parents=[common], help="your observers and the bundled places, with their sources")
    add_format(ls)
    ls.set_defaults(handler=list_observers)

    add = sub.add_parser(
        "add", parents=[common], help="add an observer by WGS84 latitude, longitude and height",
        description="Add a place passes can be computed for. Latitude in degrees north (-90..90), "
        "longitude in degrees east (-180..180), height above the WGS84 ellipsoid in metres (default 0). "
        "A name of yours hides a bundled place of the same name.",
    )
    add.add_argument("name", metavar="NAME")
    add_observer_options(add, required=True)
    add.set_defaults(handler=add_observer)

    rm = sub.add_parser("remove", parents=[common], help="remove an observer you added")
    rm.add_argument("name", metavar="NAME")
    rm.set_defaults(handler=remove_observer)

    default = sub.add_parser("default", parents=[common], help="the observer commands use when given none")
    default.add_argument("name", metavar="NAME")
    default.set_defaults(handler=set_default)


def list_observers(args: argparse.Namespace) -> ExitCode:
    from tracker.output import emit
    from tracker.services.observers import list_observers as listed

    frame = listed(open_db(args))
    emit(frame, args.format, raw_csv=args.raw_csv, title="observers (WGS84 degrees, metres)")
    return ExitCode.OK


def add_observer(args: argparse.Namespace) -> ExitCode:
    from tracker.services.observers import add_observer as add

    added = add(open_db(args), args.name, args.lat, args.lon, args.alt_m)
    say(f"added observer {added.label}")
    return ExitCode.OK


def remove_observer(args: argparse.Namespace) -> ExitCode:
    from tracker.services.observers import remove_observer as remove

    gone = remove(open_db(args), args.name)
    say(f"removed observer {gone.label}")
    return ExitCode.OK


def set_default(args: argparse.Namespace) -> ExitCode:
    from tracker.services.observers import set_default as choose

    chosen = choose(open_db(args), args.name)
    say(f"default observer: {chosen.label}")
    return ExitCode.OK
