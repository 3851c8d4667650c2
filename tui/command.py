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
    from tracker.views import check
    from tui.app import TrackerApp

    engine = open_db(args)
    view = check(engine, args.constellation)  # an unknown name is refused before the screen opens
    TrackerApp(engine, args.settings, view=view).run()
    return 0
