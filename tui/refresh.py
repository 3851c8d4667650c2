"""``r`` in the terminal UI: the same refresh as ``tracker refresh``, reported as notifications.

It calls the refresh functions of the core unchanged (CelesTrak's 2-hour rule and stop-on-error,
Launch Library 2's hourly budget, one transaction per source) under the same lock file as the
command, so a cron run and the UI never refresh at once. It runs in a worker thread; the only
things it hands back are progress steps and messages to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

#: Steps reported to the progress bar: CelesTrak, Launch Library 2, then daily bars.
STEPS = 3


@dataclass
class Notice:
    """What one source did, for one notification: lines of text and the worst severity
    (Textual's: information, warning, error)."""

    source: str
    lines: list[str] = field(default_factory=list)
    severity: str = "information"

    def add(self, text: str, severity: str = "information") -> None:
        order = ("information", "warning", "error")
        self.lines.append(text)
        self.severity = max(self.severity, severity, key=order.index)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def refresh_all(engine: Engine, db_url: str, now: Callable[[], datetime], step: Callable[[int], None]) -> list[Notice]:
    """Refresh CelesTrak, LL2, then daily bars (independent sources: a failure of one does not
    skip the next); one notice per source.

    Raises :class:`tracker.lock.Locked` when another refresh holds the lock.
    """
    from tle.celestrak import CelesTrakClient
    from tracker.launches.refresh import OFF, ll2_base, refresh_launches
    from tracker.lock import refresh_lock
    from tracker.markets.refresh import refresh_prices
    from tracker.refresh import celestrak_base, refresh_tle, urls_for

    celestrak, ll2, prices = Notice("CelesTrak"), Notice("Launch Library 2"), Notice("Prices")
    with refresh_lock(db_url):
        client = CelesTrakClient(celestrak_base())
        tle = refresh_tle(engine, client, urls_for([], [], client.base_url), now=now())
        for outcome in tle.outcomes:
            if outcome.kind in ("error", "not-attempted"):
                celestrak.add(f"{outcome.kind}: {outcome.message}", "error")
        for problem in tle.problems + tle.rejected:
            celestrak.add(problem, "warning")
        skipped = sum(o.kind == "skipped" for o in tle.outcomes)
        counts = tle.counts
        celestrak.add(f"{counts.new_element_sets} new element sets, {counts.new_satellites} new satellites")
        if skipped:
            celestrak.add(f"{skipped} queries fetched less than 2 h ago were skipped")
        step(1)
        base = ll2_base()
        if base == OFF:
            ll2.add("off (TRACKER_LL2_URL=off)")
        else:
            launches = refresh_launches(engine, base, now())
            for answer in launches.answers:
                if answer.error:
                    ll2.add(answer.error, "error")
            if launches.budget_note:
                ll2.add(launches.budget_note, "warning")
            for problem in launches.rejected:
                ll2.add(f"rejected: {problem}", "warning")
            for conflict in launches.conflicts:
                ll2.add(f"conflict kept for you to resolve: {conflict}", "warning")
            ll2.add(f"{len(launches.added)} launches added, {len(launches.updated)} updated")
        step(2)
        bars = refresh_prices(engine, now())
        for error in bars.errors:
            prices.add(error, "error")
        if bars.stopped:
            prices.add(bars.stopped, "error")
        new = sum(c.new for c in bars.stored.values())
        prices.add(f"{new} new daily bars for {len(bars.stored)} securities; {len(bars.up_to_date)} up to date"
                   + (f"; {len(bars.off)} with their vendor off" if bars.off else ""))
        step(3)
    return [celestrak, ll2, prices]
