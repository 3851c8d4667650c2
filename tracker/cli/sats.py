"""``tracker sats``: where every satellite is at one instant."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import add_format, add_observer_options, observer_options, open_db, rounded, say, time_value
from tracker.errors import ExitCode
from tracker.text import plural


def register(commands, common: argparse.ArgumentParser) -> None:
    sats = commands.add_parser(
        "sats",
        parents=[common],
        help="positions of satellites now (or --at): sub-point, altitude, sunlight, element age",
        description="Propagate each satellite's newest element set with SGP4 to one instant and "
        "report its WGS84 sub-point, altitude, orbital speed, whether it is sunlit, and the age of "
        "its elements (stale: more than 14 days from the instant). Without --constellation: the "
        "built-in constellations (guowang, qianfan). With an observer (--observer NAME or --lat/--lon): "
        "also azimuth, elevation, range and range rate (positive: receding) as seen from it.",
    )
    sats.add_argument(
        "--constellation", metavar="NAME",
        help="only members of NAME: guowang, qianfan or your own, or a view: dawn-dusk, stations, all "
        "(default: the built-in constellations)",
    )
    sats.add_argument("--at", type=time_value, metavar="ISO8601", help="instant to show (default: now); no offset means UTC")
    add_observer_options(sats)
    add_format(sats)
    sats.set_defaults(handler=show)


def show(args: argparse.Namespace) -> ExitCode:
    from tracker.constellations import BUILTIN_RULES
    from tracker.output import emit
    from tracker.services.orbits import satellites
    from tracker.times import instant

    at = instant(args.at, "--at")
    frame = satellites(open_db(args), at=at, constellation=args.constellation, **observer_options(args))
    digits = {"lat_deg": 4, "lon_deg": 4, "alt_km": 2, "speed_km_s": 3, "age_days": 2,
              "az_deg": 2, "el_deg": 2, "range_km": 1, "range_rate_km_s": 3}
    if args.format != "table":
        digits = {name: places + 2 for name, places in digits.items()}
    emit(rounded(frame, digits), args.format,
         raw_csv=args.raw_csv, title=f"{plural(frame.height, 'satellite')} at {at:%Y-%m-%d %H:%M:%S} UTC", digits=digits)
    if args.constellation is None:
        say(f"tracker: showing the built-in constellations ({', '.join(BUILTIN_RULES)}); "
              "`--constellation all` shows every satellite held", file=sys.stderr)
    if frame.is_empty():
        say("tracker: no satellites held for this query; get element sets with `tracker tle refresh` "
              "or `tracker tle import FILE...`", file=sys.stderr)
    return ExitCode.OK
