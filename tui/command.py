"""``tracker tui``, registered through the ``tracker.commands`` entry point.

The core (``tracker``) must not import the UI, so the ``tracker`` command finds this subcommand
through the entry point at start-up. Only ``argparse`` is imported here: the app's modules load
when the command runs, so ``tracker --help`` stays fast.
"""

from __future__ import annotations

import argparse


def register(commands, common: argparse.ArgumentParser) -> None:
    tui = commands.add_parser(
        "tui",
        parents=[common],
        help="the live terminal view: satellites on a world map, launches, market reactions",
        description="Open the terminal UI: where the satellites are now on a world map (updated "
        "every second), the launch calendar with outcomes, and the market reaction to the "
        "selected launch. Press ? inside for the keys; Ctrl+P finds satellites and launches.",
    )
    tui.add_argument("--constellation", metavar="NAME", default="guowang",
                     help="what the satellites panel shows first: guowang (default), qianfan, dawn-dusk, stations, all, or yours")
    tui.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from tracker.cli.common import open_db
    from tui.app import TrackerApp

    TrackerApp(open_db(args), args.settings, view=args.constellation.strip().lower()).run()
    return 0
