"""Refreshing the network sources: the one use case behind ``tracker refresh``, the per-source
refresh commands and the terminal UI's ``r``.

One table of sources, in order: CelesTrak element sets, Launch Library 2 launches, daily bars.
They are independent, so a failure of one does not skip the next; each keeps its own rules (its
module says which) and writes in its own transactions. All of them run under the one refresh
lock, so a cron run, a command and the UI never refresh the same database at once.

A whole run ends by its deadline (:attr:`Settings.refresh_deadline
<tracker.settings.Settings.refresh_deadline>`, ``TRACKER_REFRESH_DEADLINE``): each source is given
what is left of it (within its own run limit), a request under way at the deadline is cut off,
and the sources not yet begun are not attempted: the report lists them as failed (exit 3).

The service prints nothing: it returns a :class:`RefreshReport`, which says what each source did,
the lines a person should read (:meth:`RefreshReport.messages`) and the exit code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from tracker.errors import ExitCode, UsageError
from tracker.settings import DEADLINE_ENV, Settings
from tracker.settings import SOURCES as ENV
from tracker.text import plural

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.launches.refresh import Ll2Refresh
    from tracker.markets.refresh import PriceRefresh
    from tracker.refresh import TleRefresh

__all__ = ["LABELS", "SOURCES", "Message", "PriceOptions", "RefreshReport", "refresh"]

#: The sources of a full refresh, in the order they run.
SOURCES: tuple[str, ...] = ("celestrak", "ll2", "prices")
#: How each source is named to people.
LABELS = {"celestrak": "CelesTrak", "ll2": "Launch Library 2", "prices": "Prices"}
#: The settings each source needs (``prices`` needs at least one of its vendors).
_URLS = {"celestrak": ("celestrak",), "ll2": ("ll2",), "prices": ("eastmoney", "yahoo")}

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class Message:
    """One line for a person. ``detail`` lines (every URL, every security up to date) are for
    ``--verbose``; ``summary`` lines say in one line what a source did (the UI always shows
    them; the command shows them when something changed or with ``--verbose``)."""

    source: str
    severity: Severity
    text: str
    detail: bool = False
    summary: bool = False


@dataclass(frozen=True)
class PriceOptions:
    """What a price refresh asks for: some securities, one vendor for all, from a date."""

    securities: list[str] | None = None
    vendor: str | None = None
    since: date | None = None


@dataclass
class RefreshReport:
    """What one refresh did, per source (None: not run), and what a person should read."""

    sources: tuple[str, ...]
    celestrak: TleRefresh | None = None
    ll2: Ll2Refresh | None = None
    prices: PriceRefresh | None = None
    off: list[str] = field(default_factory=list)
    forced: bool = False
    #: Sources not attempted because the run's deadline had passed, and that deadline (seconds).
    out_of_time: list[str] = field(default_factory=list)
    deadline: float | None = None

    @property
    def failed(self) -> list[str]:
        """The sources whose requests failed or were refused, or that the deadline left out."""
        return [s for s in self.sources if s in self.out_of_time or ((r := getattr(self, s)) is not None and r.failed)]

    @property
    def partial(self) -> bool:
        """Some records were rejected while the good ones were stored."""
        return bool((self.celestrak and self.celestrak.rejected) or (self.ll2 and self.ll2.rejected))

    @property
    def exit_code(self) -> ExitCode:
        if self.failed:
            return ExitCode.SOURCE_FAILED
        return ExitCode.PARTIAL if self.partial else ExitCode.OK

    def messages(self) -> list[Message]:
        """Every line for a person, source by source, in the order the sources ran."""
        lines: list[Message] = []
        for source in self.sources:
            if source in self.off:
                names = " and ".join(ENV[u][0] for u in _URLS[source])
                lines.append(Message(source, "information", f"off ({names}=off)", detail=True, summary=True))
            elif source in self.out_of_time:
                text = (f"{LABELS[source]}: not attempted: the refresh's time limit ran out "
                        f"({DEADLINE_ENV}={self.deadline:g} s)")
                lines.append(Message(source, "error", text, summary=True))
            elif (report := getattr(self, source)) is not None:
                lines += _WRITERS[source](report, self)
        return lines


def refresh(
    engine: Engine,
    settings: Settings,
    *,
    sources: Sequence[str] = SOURCES,
    force: bool = False,
    groups: Sequence[str] = (),
    queries: Sequence[str] = (),
    prices: PriceOptions | None = None,
    clock: Callable[[], datetime] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RefreshReport:
    """Refresh ``sources`` (keys of :data:`SOURCES`) under the refresh lock.

    ``groups`` are CelesTrak GP query specs (``GROUP=x``, ``NAME=x``, a bare group name) and
    ``queries`` raw GP queries; with neither, the default groups, the launches holding dawn-dusk
    objects and the catalogue (:mod:`tracker.refresh`). ``progress`` is told each source as it
    finishes. Raises
    :class:`~tracker.errors.Locked` when another refresh holds the lock (nothing done) and
    :class:`~tracker.errors.UsageError` for an unknown source or a malformed query.
    """
    from tracker.lock import refresh_lock

    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise UsageError(f"unknown source {unknown[0]!r}: expected one of {', '.join(SOURCES)}")
    now = clock or (lambda: datetime.now(timezone.utc))
    report = RefreshReport(sources=tuple(s for s in SOURCES if s in sources), forced=force)
    report.off = [s for s in report.sources if not any(settings.url(u) for u in _URLS[s])]
    urls = _celestrak_urls(settings, groups, queries) if "celestrak" in report.sources and "celestrak" not in report.off else None
    with refresh_lock(engine, settings.db_url):
        until = time.monotonic() + settings.refresh_deadline
        report.deadline = settings.refresh_deadline
        for source in report.sources:
            if source in report.off:
                pass
            elif time.monotonic() >= until:
                report.out_of_time.append(source)
            else:
                run = _RUNNERS[source]
                setattr(report, source, run(engine, settings, now(), force, urls, prices or PriceOptions(), until))
            if progress is not None:
                progress(source)
    return report


def _celestrak_urls(settings: Settings, groups: Sequence[str], queries: Sequence[str]) -> list[str] | None:
    """Canonical URLs of the queries (checked before the lock is taken: a typo is exit 2); None
    for the default refresh, whose URLs depend on the database (read under the lock)."""
    from tle.celestrak import SELECTORS
    from tracker.refresh import urls_for

    base = settings.url("celestrak")
    assert base is not None
    if not groups and not queries:
        return None
    try:
        return urls_for(list(groups), list(queries), base)
    except ValueError as exc:
        raise UsageError(f"{exc} (a query is one of {', '.join(SELECTORS)}=VALUE, or a group name)") from None


# -- one runner and one writer per source ----------------------------------------------------------


def _run_celestrak(engine, settings, now, force, urls, _prices, until) -> TleRefresh:
    from tle.celestrak import CelesTrakClient
    from tracker.refresh import default_urls, intervals_for, refresh_tle

    client = CelesTrakClient(settings.url("celestrak"), until=until)
    followed = None
    if urls is None:
        urls, followed = default_urls(engine, client.base_url)
    intervals = intervals_for(client.base_url, settings.catalogue_interval)
    result = refresh_tle(engine, client, urls, now=now, force=force, intervals=intervals)
    result.followed = followed
    return result


def _run_ll2(engine, settings, now, _force, _urls, _prices, until) -> Ll2Refresh:
    from tracker.launches.refresh import refresh_launches

    return refresh_launches(engine, settings.url("ll2"), now, until=until)


def _run_prices(engine, settings, now, _force, _urls, options: PriceOptions, until) -> PriceRefresh:
    from tracker.markets.refresh import refresh_prices

    bases = {vendor: settings.url(vendor) for vendor in _URLS["prices"]}
    return refresh_prices(engine, now, bases, securities=options.securities, source=options.vendor, since=options.since,
                          until=until)


def _celestrak_lines(r: TleRefresh, report: RefreshReport) -> list[Message]:
    def line(severity: Severity, text: str, **kind: bool) -> Message:
        return Message("celestrak", severity, text, **kind)

    lines = []
    if report.forced:
        lines.append(line("warning", "--force ignores CelesTrak's minimum intervals; repeated use gets clients blocked"))
    for o in r.outcomes:
        text = f"{o.kind:>13}  {o.url}  {o.message}"
        if o.kind in ("error", "not-attempted"):
            lines.append(line("error", text))
        else:
            lines.append(line("information", text, detail=o.kind != "fetched"))
    lines += [line("warning", p) for p in r.rejected]
    lines += _dawn_dusk_lines(r, line)
    c = r.counts
    skipped = sum(o.kind == "skipped" for o in r.outcomes)
    stored, new = plural(c.new_element_sets, "new element set"), plural(c.new_satellites, "new satellite")
    text = f"stored {stored} ({new}, {c.duplicates} already held)"
    if skipped:
        text += f"; {skipped} {'query' if skipped == 1 else 'queries'} not due yet"
    lines.append(line("information", text, detail=not c.new_element_sets, summary=True))
    return lines


def _dawn_dusk_lines(r: TleRefresh, line: Callable[..., Message]) -> list[Message]:
    """What the catalogue's classification found, and the launches followed beyond the cap."""
    from tracker.refresh import MAX_FOLLOWED_LAUNCHES

    lines = []
    if (found := r.dawn_dusk) is not None:
        text = f"dawn-dusk: {plural(found.members, 'object')} from {plural(found.launches, 'launch', 'launches')} in the active catalogue"
        if found.launches > MAX_FOLLOWED_LAUNCHES:
            text += (f"; the next refreshes follow {MAX_FOLLOWED_LAUNCHES} of these launches by INTDES"
                     f" (most members first), the other {found.launches - MAX_FOLLOWED_LAUNCHES} come with the catalogue only")
        lines.append(line("information", text, detail=not found.changed))
    if r.followed is not None and r.followed.left_out:
        lines.append(line("information", f"dawn-dusk: not followed by INTDES (more than {MAX_FOLLOWED_LAUNCHES} launches),"
                          f" refreshed with the catalogue only: {', '.join(r.followed.left_out)}", detail=True))
    return lines


def _ll2_lines(r: Ll2Refresh, _report: RefreshReport) -> list[Message]:
    def line(severity: Severity, text: str, **kind: bool) -> Message:
        return Message("ll2", severity, text, **kind)

    lines = [
        line("error", f"{'error':>13}  {a.url}  {a.error}") if a.error else line("information", f"{'fetched':>13}  {a.url}", detail=True)
        for a in r.answers
    ]
    if r.budget_note:
        lines.append(line("warning", r.budget_note))
    lines += [line("warning", f"conflict  {c}") for c in r.conflicts]
    lines += [line("warning", f"rejected  {p}") for p in r.rejected]
    lines += [line("information", f"added     {i}") for i in r.added]
    lines += [line("information", f"updated   {i}: {', '.join(f)}") for i, f in r.updated.items()]
    added = plural(len(r.added), "launch", "launches")
    lines.append(line("information", f"{added} added, {len(r.updated)} updated", detail=True, summary=True))
    return lines


def _price_lines(r: PriceRefresh, _report: RefreshReport) -> list[Message]:
    def line(severity: Severity, text: str, **kind: bool) -> Message:
        return Message("prices", severity, text, **kind)

    lines = []
    for security, counts in r.stored.items():
        text = f"prices    {security}: {plural(counts.new, 'new bar')}, {counts.unchanged} already held"
        lines.append(line("information", text, detail=not counts.new))
        lines += [line("warning", f"conflict  {c}") for c in counts.conflicts]
    lines += [line("information", f"prices    {s}: up to date (no request)", detail=True) for s in r.up_to_date]
    if r.off:
        lines.append(line("information", f"prices    {len(r.off)} securities with their vendor off: {', '.join(r.off)}", detail=True))
    lines += [line("error", f"error     {e}") for e in r.errors]
    for vendor, securities in r.not_attempted.items():
        lines.append(line("error", f"error     {len(securities)} more securities not attempted: {vendor} could not be reached"))
    if r.stopped:
        lines.append(line("error", r.stopped))
    new = sum(c.new for c in r.stored.values())
    stored = plural(len(r.stored), "security", "securities")
    lines.append(line("information", f"{plural(new, 'new daily bar')} for {stored}; {len(r.up_to_date)} up to date",
                      detail=True, summary=True))
    return lines


_RUNNERS = {"celestrak": _run_celestrak, "ll2": _run_ll2, "prices": _run_prices}
#: One writer per source; each takes that source's own report type.
_WRITERS: dict[str, Callable[[Any, RefreshReport], list[Message]]] = {
    "celestrak": _celestrak_lines, "ll2": _ll2_lines, "prices": _price_lines,
}
