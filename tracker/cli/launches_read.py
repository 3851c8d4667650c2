"""Handlers of the ``tracker launches`` commands that only read: list, show, export.

Each handler is: arguments to plain values, one call of :mod:`tracker.services.launches`,
rendering. Listing and showing are where precision matters: a NET known to the day is rendered
as that day, never as a fake midnight (CSV/JSON give ``net_utc`` with ``net_precision`` beside it).
"""

from __future__ import annotations

import argparse

from tracker.cli.common import open_db, rounded, say
from tracker.errors import ExitCode
from tracker.text import plural


def list_launches(args: argparse.Namespace) -> int:
    import polars as pl

    from tracker.launches.store import render_net
    from tracker.output import emit
    from tracker.services import launches

    frame = launches.list_launches(
        open_db(args), vehicle=args.vehicle, provider=args.provider, constellation=args.constellation,
        outcome=args.outcome, recovery=args.recovery, since=args.since, until=args.until, upcoming=args.upcoming,
    )
    if args.format == "table":
        net = [render_net(t, p) for t, p in zip(frame["net_utc"], frame["net_precision"], strict=True)]
        frame = frame.with_columns(
            pl.Series("net_utc", net, pl.String), pl.col("sources").list.len().alias("sources")
        ).drop("net_precision")
        emit(frame, "table", title=f"{plural(frame.height, 'launch', 'launches')}, newest first (times UTC; sources: count)")
    else:
        if args.format == "csv":
            frame = frame.with_columns(pl.col("sources").list.join(" "))
        emit(frame, args.format, raw_csv=args.raw_csv)
    return ExitCode.OK


def show_launch(args: argparse.Namespace) -> int:
    from tracker.launches.store import FIELDS, as_text, render_net
    from tracker.output import emit
    from tracker.services import launches

    detail = launches.show_launch(open_db(args), args.id)
    rec = detail.record
    say(f"{rec['id']}  NET {render_net(rec['net_utc'], rec['net_precision'])} UTC")
    for name in FIELDS[1:]:
        if rec.get(name) not in (None, "", []):
            mark = " (user-set)" if name in detail.user_fields else ""
            say(f"  {name:>22}: {as_text(rec[name])}{mark}")
    if detail.differences:
        say("  differs from the bundled calendar (the values set by a person are kept):")
        for name, value in detail.differences:
            say(f"  {name:>22}: the calendar says {value}")
    emit(detail.history, "table", title="history (UTC)")
    digits = {"alt_km": 1, "rate_km_per_day": 2}
    emit(rounded(detail.satellites, digits), "table", title=f"satellites of launch {rec['cospar_launch'] or '(no designator)'}",
         digits=digits)
    return ExitCode.OK


def export_launches(args: argparse.Namespace) -> int:
    from tracker.services import launches

    count = launches.export_launches(open_db(args), args.output, args.format, force=args.force, raw_csv=args.raw_csv)
    say(f"wrote {plural(count, 'launch', 'launches')} to {args.output}")
    return ExitCode.OK
