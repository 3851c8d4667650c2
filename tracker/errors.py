"""The one error tree of the application, each class with the exit code the command line uses.

Services raise these; the ``tracker`` command translates them once, in ``main()``, into one line
on stderr and the exit code; notebooks catch :class:`TrackerError`. Errors of the libraries
(``tle``, ``markets``) are wrapped into this tree where a service meets them, so nothing above
the services needs to know them::

    TrackerError                 1  something the user can act on; nothing was written
    ├── UsageError               2  a bad option value, a malformed time, a reversed range
    ├── NotFound                 1  no such launch, security, constellation or satellite
    ├── Refused                  1  a record or an edit that breaks a rule (validated, not written)
    ├── BadInput                 1  a file that cannot be read or parsed (names file and line)
    ├── DatabaseError            1  the database cannot be opened or written
    ├── SourceFailed             3  a network source failed; the run stopped
    └── Locked                   4  another refresh holds the lock; nothing was done

Exit code 5 (partial: good records stored, rejected ones listed) is not an error: the work was
done and stored, so it is derived from a service's report, never raised.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "BadInput", "DatabaseError", "ExitCode", "Locked", "NotFound", "Refused", "SourceFailed",
    "TrackerError", "UsageError",
]


class ExitCode(IntEnum):
    """The exit codes of every ``tracker`` command (stable, for cron jobs and scripts)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    SOURCE_FAILED = 3
    LOCKED = 4
    PARTIAL = 5


class TrackerError(Exception):
    """Base of every error the application reports: ``str(error)`` is the one line to show."""

    exit_code: ExitCode = ExitCode.ERROR


class UsageError(TrackerError):
    """A value given on the command line or to the API is malformed or out of range."""

    exit_code = ExitCode.USAGE


class NotFound(TrackerError, LookupError):
    """A name or id that the database does not hold."""


class Refused(TrackerError):
    """A change that breaks a rule of the domain; nothing was written."""


class BadInput(TrackerError):
    """A file or value from outside that cannot be read; nothing was written."""


class DatabaseError(TrackerError):
    """The database cannot be opened, read or written."""


class SourceFailed(TrackerError):
    """A network source failed or refused us."""

    exit_code = ExitCode.SOURCE_FAILED


class Locked(TrackerError):
    """Another process holds the refresh lock."""

    exit_code = ExitCode.LOCKED
