"""``tracker passes``: when satellites pass over an observer, and which passes can be seen."""

from __future__ import annotations

import argparse
import sys

from tracker.cli.common import (
    add_format,
    add_observer_options,
    catalog_numbers,
    observer_options,
    open_db,
    real_number,
    rounded,
    say,
    time_value,
)
from tracker.errors import ExitCode
from tracker.text import plural


def register(commands, common: argparse.ArgumentParser) -> None:
    from tracker.services.passes import DEFAULT_HOURS, DEFAULT_MIN_EL, MAX_HOURS, MIN_EL_RANGE

    passes = commands.add_parser(
        "passes",
        parents=[common],
        help="passes over an observer: AOS, culmination, LOS, azimuths, sunlight, visibility",
        description="Every pass of the satellites chosen over the observer in the window: a pass "
        "is an interval with the satellite's geometric elevation at or above --min-el (AOS to "
        "LOS; TCA is the highest point). visible: the satellite is sunlit while the observer's "
        "Sun is below -6 degrees at some instant of the pass. A pass already under way at --from "
        "starts there (in_progress); one still under way at the end stops there (continues). "
        "Satellites whose elements SGP4 cannot propagate (decayed) are listed on stderr.",
    )
    add_observer_options(passes)
    passes.add_argument(
        "--constellation", metavar="NAME",
        help="only members of NAME (guowang, qianfan, yours) or a view: dawn-dusk, stations, all "
        "(default: the built-in constellations)",
    )
    passes.add_argument("--norad", type=catalog_numbers, metavar="N,N", help="only these catalog numbers (comma-separated)")
    passes.add_argument("--from", dest="start", type=time_value, metavar="ISO8601",
                        help="start of the window (default: now); no offset means UTC")
    passes.add_argument("--hours", type=real_number(0.0, MAX_HOURS, above_low=True), default=DEFAULT_HOURS, metavar="H",
                        help=f"length of the window (default {DEFAULT_HOURS:g}, at most {MAX_HOURS:g})")
    passes.add_argument("--min-el", type=real_number(*MIN_EL_RANGE, below_high=True), default=DEFAULT_MIN_EL,
                        metavar="DEG", help=f"lowest elevation of a pass, degrees (default {DEFAULT_MIN_EL:g}; "
                        f"{MIN_EL_RANGE[0]:g} to below {MIN_EL_RANGE[1]:g})")
    passes.add_argument("--visible", action="store_true", help="only passes that can be seen (sunlit satellite, dark sky)")
    passes.add_argument("--by-launch", action="store_true",
                        help="one row per train: passes of one launch's satellites within 5 minutes of each other")
    add_format(passes)
    passes.set_defaults(handler=show)


def show(args: argparse.Namespace) -> ExitCode:
    from tracker.output import emit
    from tracker.services.passes import passes

    report = passes(
        open_db(args), **observer_options(args), constellation=args.constellation, norads=args.norad,
        start=args.start, hours=args.hours, min_el=args.min_el, visible=args.visible, by_launch=args.by_launch,
    )
    digits = {"aos_az_deg": 1, "tca_el_deg": 1, "tca_az_deg": 1, "tca_range_km": 0, "los_az_deg": 1, "duration_s": 0,
              "sun_alt_deg": 1}
    if args.format != "table":
        digits = {name: places + 2 for name, places in digits.items()}
    frame = report.frame
    if args.format == "table":
        import polars as pl

        frame = frame.with_columns(pl.col(pl.Datetime).dt.truncate("1s"))
    what = ("train", "trains") if args.by_launch else ("visible pass", "visible passes") if args.visible else ("pass", "passes")
    title = (f"{plural(report.frame.height, *what)} over {report.observer.label}, "
             f"{report.start:%Y-%m-%d %H:%M:%S} to {report.end:%Y-%m-%d %H:%M:%S} UTC, elevation >= {report.min_el:g} deg")
    emit(rounded(frame, digits), args.format, raw_csv=args.raw_csv, title=title, digits=digits)
    for line in report.not_propagated():
        say(f"tracker: {line}", file=sys.stderr)
    if report.searched == 0:
        say("tracker: no satellites held for this query; get element sets with `tracker tle refresh` "
            "or `tracker tle import FILE...`", file=sys.stderr)
    return ExitCode.OK
