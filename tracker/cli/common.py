"""Pieces every subcommand shares: the database of the command, the output format, refresh reports."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TextIO

#: The largest id of a row (SQLite's and PostgreSQL's 64-bit integer): rule ids and the like.
MAX_ID = 2**63 - 1


# -- argument types: every value range-checked while the arguments are parsed (exit 2, naming the
# option); the checks import what they need only when the option is given, so `--help` stays light.


def _shown(text: str) -> str:
    return repr(text[:40] + "..." if len(text) > 40 else text)


def time_value(text: str) -> str:
    """An argparse ``type`` for ISO 8601 times (``--at``, ``--since``, ``--until``, ``--net``, ...):
    ``text`` unchanged if it is a time in the supported range (:data:`tracker.times.SUPPORTED`,
    1957-01-01 .. 2100-12-31 UTC), else a usage error naming the option."""
    from tracker.times import check_instant

    try:
        check_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in ``low..high`` (both inclusive)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also a number of more than 4300 digits
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is outside {low:,}..{high:,}")
        return value

    return parse


def catalog_number(text: str) -> int:
    """An argparse ``type`` for catalog numbers: 1..999,999,999 (:data:`tle.formats.MAX_NORAD`)."""
    from tle.formats import MAX_NORAD

    return whole_number(1, MAX_NORAD)(text)


#: An argparse ``type`` for the id of a row (a rule): 1 .. :data:`MAX_ID`.
row_id = whole_number(1, MAX_ID)


def real_number(low: float, high: float, *, above_low: bool = False, below_high: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite number in ``low..high`` (both inclusive; with ``above_low``
    ``low`` itself is not, with ``below_high`` ``high`` itself is not)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{_shown(text)} is not a finite number")
        if not low <= value <= high or (above_low and value == low) or (below_high and value == high):
            excluded = [f"{bound:g}" for bound, out in ((low, above_low), (high, below_high)) if out]
            note = f" ({' and '.join(excluded)} excluded)" if excluded else ""
            raise argparse.ArgumentTypeError(f"{_shown(text)} is outside {low:g}..{high:g}{note}")
        return value

    return parse


def catalog_numbers(text: str) -> list[int]:
    """An argparse ``type``: comma-separated catalog numbers (``25544,48274``), each as
    :func:`catalog_number` takes it; at least one."""
    numbers = [catalog_number(part.strip()) for part in text.split(",") if part.strip()]
    if not numbers:
        raise argparse.ArgumentTypeError(f"{_shown(text)} holds no catalog number (e.g. 25544,48274)")
    return numbers


def say(text: object, *, file: TextIO | None = None) -> None:
    """Print one message of a handler through the one escaping path (it may hold outside text:
    names, ids, file lines): control characters shown, nothing interpreted."""
    from tracker.text import visible

    print(visible(text), file=file)


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "csv", "json"), default: str = "table") -> None:
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default: {default})")
    add_raw_csv(parser)


def add_raw_csv(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw-csv", action="store_true",
        help="CSV cells as stored: do not put an apostrophe before a cell starting with = + - @ (a spreadsheet formula)",
    )


def open_db(args: argparse.Namespace):
    """The engine of the command's database, opened (and bootstrapped) once per command."""
    from tracker.services.bootstrap import open_database

    if getattr(args, "engine", None) is None:
        args.engine = open_database(args.settings.db_url)
    return args.engine


def render_refresh(report, verbose: bool) -> int:
    """Print a refresh report as cron wants it (quiet unless something changed or failed:
    problems on stderr, news on stdout) and return its exit code."""
    import sys

    for message in report.messages():
        if verbose or not message.detail:
            stream = sys.stdout if message.severity == "information" else sys.stderr
            say(message.text, file=stream)
    return int(report.exit_code)


def rounded(frame, digits: dict[str, int]):
    """``frame`` with the float columns of ``digits`` rounded for display, a negative zero (a
    small negative number rounded, e.g. ``-0.0``) made plain zero."""
    import polars as pl

    columns = [pl.col(name).round(places) for name, places in digits.items() if name in frame.columns]
    return frame.with_columns(pl.when(column == 0).then(0.0).otherwise(column).name.keep() for column in columns)


def add_observer_options(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--observer NAME`` or ``--lat/--lon [--alt-m]``: the place of a command (``required``:
    the coordinates themselves, for ``observers add``)."""
    from tracker.observers import ALT_RANGE, LAT_RANGE, LON_RANGE

    if not required:
        parser.add_argument("--observer", metavar="NAME", help="a place of `tracker observers list` (default: the default observer)")
    parser.add_argument("--lat", type=real_number(*LAT_RANGE), required=required, metavar="DEG", help="latitude, degrees north")
    parser.add_argument("--lon", type=real_number(*LON_RANGE), required=required, metavar="DEG", help="longitude, degrees east")
    parser.add_argument("--alt-m", type=real_number(*ALT_RANGE), metavar="M", help="height above the WGS84 ellipsoid, metres (default 0)")


def observer_options(args: argparse.Namespace) -> dict:
    """The observer options of ``args`` as the services take them."""
    return {"observer": args.observer, "lat": args.lat, "lon": args.lon, "alt_m": args.alt_m}
