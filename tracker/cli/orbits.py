"""``tracker orbits``: dawn-dusk sun-synchronous objects, launch batches, one satellite's history."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import add_format, catalog_number, open_db, real_number, rounded, say
from tracker.errors import ExitCode
from tracker.text import plural

#: Said on stderr when dawn-dusk objects were looked for without the active catalogue.
NO_CATALOGUE = (
    "tracker: CelesTrak's active catalogue is not held, so only the groups downloaded were searched; "
    "get it with `tracker refresh` (once a day) or `tracker tle import` of an active-catalogue file (GROUP=active)"
)

#: Altitudes and distances in km (--min-alt, --max-alt, --straggler-km): beyond 100,000 km nothing
#: orbits the Earth in a way these commands look at.
ALTITUDE = real_number(0.0, 100_000.0)


def register(commands, common: argparse.ArgumentParser) -> None:
    orbits = commands.add_parser("orbits", parents=[common], help="orbit analytics: dawn-dusk SSO, launch batches, history")
    sub = orbits.add_subparsers(dest="orbits_command", metavar="COMMAND", required=True)

    dd = sub.add_parser(
        "dawn-dusk",
        parents=[common],
        help="sun-synchronous objects with LTAN within 1 h of 06:00/18:00 in an altitude band",
        description="Objects whose J2 nodal drift is within 2% of the Sun's 0.9856 deg/day "
        "(sun-synchronous), whose local time of ascending node is within 1 hour of 06:00 or "
        "18:00, and whose mean altitude (a - 6378.137 km) is in the band: the orbit planned for "
        "Beijing's space data centre. sunlit_fraction: share of each revolution in sunlight. "
        "Needs CelesTrak's active catalogue (tracker refresh) to find more than the groups held.",
    )
    dd.add_argument("--min-alt", type=ALTITUDE, default=700.0, metavar="KM", help="lowest mean altitude (default 700)")
    dd.add_argument("--max-alt", type=ALTITUDE, default=800.0, metavar="KM", help="highest mean altitude (default 800)")
    add_format(dd)
    dd.set_defaults(handler=dawn_dusk)

    gr = sub.add_parser(
        "groups",
        parents=[common],
        help="launch batches: raising, on-station, lowering or mixed, with stragglers",
        description="One row per launch designator: members held, mean altitude now, median "
        "altitude change per day over the element sets held, status, and stragglers (members "
        "more than --straggler-km below the batch's shell that are not raising).",
    )
    gr.add_argument(
        "--constellation", metavar="NAME",
        help="only batches of NAME: guowang, qianfan or your own, or a view: dawn-dusk, stations, all (default: all)",
    )
    gr.add_argument("--straggler-km", type=ALTITUDE, default=50.0, metavar="KM", help="how far below the shell a straggler is (default 50)")
    add_format(gr)
    gr.set_defaults(handler=groups)

    hi = sub.add_parser("history", parents=[common], help="one satellite's altitude over every element set held")
    hi.add_argument("norad", type=catalog_number, metavar="CATNR", help="catalog number")
    add_format(hi)
    hi.set_defaults(handler=history)


def dawn_dusk(args: argparse.Namespace) -> ExitCode:
    from tracker.output import emit
    from tracker.services.orbits import dawn_dusk as find_dawn_dusk

    found = find_dawn_dusk(open_db(args), min_alt=args.min_alt, max_alt=args.max_alt)
    title = (f"{plural(found.frame.height, 'dawn-dusk sun-synchronous object')} at {args.min_alt:g}-{args.max_alt:g} km "
             "(LTAN in hours, local mean solar time)")
    digits = {"alt_km": 1, "perigee_km": 1, "apogee_km": 1, "inc_deg": 3, "ltan_h": 3, "sunlit_fraction": 3}
    emit(rounded(found.frame, digits), args.format, raw_csv=args.raw_csv, title=title, digits=digits)
    if not found.catalogue_held:
        say(NO_CATALOGUE, file=sys.stderr)
    return ExitCode.OK


def groups(args: argparse.Namespace) -> ExitCode:
    from tracker.output import emit
    from tracker.services.orbits import groups as launch_groups

    rows = launch_groups(open_db(args), constellation=args.constellation, straggler_km=args.straggler_km)
    digits = {"alt_km": 1, "rate_km_per_day": 3}
    title = f"{plural(rows.height, 'launch batch', 'launch batches')} (rate: median km/day over the element sets held)"
    emit(rounded(rows, digits), args.format, raw_csv=args.raw_csv, title=title, digits=digits)
    return ExitCode.OK


def history(args: argparse.Namespace) -> ExitCode:
    from tracker.output import emit
    from tracker.services.orbits import history as element_history

    name, rows = element_history(open_db(args), args.norad)
    digits = {"alt_km": 3, "perigee_km": 3, "apogee_km": 3}
    emit(rounded(rows, digits), args.format,
         raw_csv=args.raw_csv, title=f"{name} ({args.norad}): {plural(rows.height, 'element set')} (epochs UTC)",
         digits=digits)
    return ExitCode.OK
