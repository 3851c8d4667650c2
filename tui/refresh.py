"""``r`` in the terminal UI: the refresh service of ``tracker refresh``, shown as notifications.

The UI calls :func:`tracker.services.refresh.refresh` unchanged (same sources, rules and lock as
the command; it runs in a worker thread) and turns its report into one notification per source:
the lines the command would print without ``--verbose``, plus each source's summary line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from tracker.services.refresh import LABELS, SOURCES, RefreshReport, refresh
from tracker.settings import Settings
from tracker.text import visible

#: Steps reported to the progress bar: one per source.
STEPS = len(SOURCES)
_ORDER = ("information", "warning", "error")


@dataclass
class Notice:
    """What one source did, for one notification: lines of text and the worst severity
    (Textual's: information, warning, error)."""

    source: str
    lines: list[str] = field(default_factory=list)
    severity: str = "information"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def notices(report: RefreshReport) -> list[Notice]:
    """One notice per source of the report, in the order they ran."""
    by_source = {s: Notice(LABELS[s]) for s in report.sources}
    for message in report.messages():
        if message.summary or not message.detail:
            notice = by_source[message.source]
            notice.lines.append(visible(message.text))
            notice.severity = max(notice.severity, message.severity, key=_ORDER.index)
    return list(by_source.values())


def refresh_all(engine: Engine, settings: Settings, now: Callable[[], datetime], step: Callable[[int], None]) -> list[Notice]:
    """Refresh every source; ``step`` is told how many have finished.

    Raises :class:`tracker.errors.Locked` when another refresh holds the lock.
    """
    done: list[str] = []

    def progress(source: str) -> None:
        done.append(source)
        step(len(done))

    return notices(refresh(engine, settings, clock=now, progress=progress))
