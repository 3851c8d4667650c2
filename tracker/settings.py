"""The settings of one run, read once from the command line's flags and the environment.

Only :meth:`Settings.from_env` reads the environment (the ``tracker`` command and
:func:`tracker.open` call it once); everything below receives a :class:`Settings` value. Every
value is checked here, before any work starts, so that a typo in a variable is a usage error
(exit 2) naming that variable, never a failure halfway through a refresh.

=========================  ===================================================================
variable                   meaning
=========================  ===================================================================
TRACKER_DB                 SQLAlchemy URL, or a plain path taken as a SQLite file
TRACKER_CELESTRAK_URL      CelesTrak base URL (``off``: leave CelesTrak out of refreshes)
TRACKER_LL2_URL            Launch Library 2 base URL (``off``: leave it out)
TRACKER_YAHOO_URL          Yahoo Finance base URL (``off``: leave it out)
TRACKER_EASTMONEY_URL      Eastmoney base URL (``off``: leave it out)
TRACKER_CATALOGUE_HOURS    minimum hours between downloads of CelesTrak's active catalogue (24)
TRACKER_REFRESH_DEADLINE   seconds one refresh may take across all its sources (600); past it
                           the sources not yet begun are not attempted and a request under
                           way is cut off (exit 3)
=========================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from tracker.errors import UsageError

__all__ = ["OFF", "SOURCES", "Settings"]

#: The value that switches a network source off.
OFF = "off"

#: Network sources by name, with their environment variable and default base URL.
SOURCES: dict[str, tuple[str, str]] = {
    "celestrak": ("TRACKER_CELESTRAK_URL", "https://celestrak.org"),
    "ll2": ("TRACKER_LL2_URL", "https://ll.thespacedevs.com"),
    "yahoo": ("TRACKER_YAHOO_URL", "https://query1.finance.yahoo.com"),
    "eastmoney": ("TRACKER_EASTMONEY_URL", "https://push2his.eastmoney.com"),
}
DB_ENV = "TRACKER_DB"
CATALOGUE_ENV = "TRACKER_CATALOGUE_HOURS"
#: CelesTrak updates GP data at most every 2 hours: asking sooner for the big catalogue only
#: costs their bandwidth, so the interval may not be set below that.
CATALOGUE_MIN_HOURS = 2.0
CATALOGUE_DEFAULT_HOURS = 24.0
DEADLINE_ENV = "TRACKER_REFRESH_DEADLINE"
#: Seconds a whole refresh may take by default: each request has a deadline of its own (CelesTrak
#: 120 s, the others 60 s) and a run of many of them must still end before the next cron run.
DEADLINE_DEFAULT_SECONDS = 600.0
#: The longest deadline that may be set: a day.
DEADLINE_MAX_SECONDS = 86_400.0
APP_NAME = "china-space-tracker"
#: What a database setting should look like, for the messages that refuse one.
EXPECTED_URL = "expected e.g. sqlite:////path/tracker.db, postgresql+psycopg://user@host/db, or a plain file path"


@dataclass(frozen=True)
class Settings:
    """Where the data lives and where each source is (``None``: switched off)."""

    db_url: str
    urls: Mapping[str, str | None]
    catalogue_interval: timedelta = timedelta(hours=CATALOGUE_DEFAULT_HOURS)
    #: Seconds one refresh (every source it runs) may take: :data:`DEADLINE_ENV`.
    refresh_deadline: float = DEADLINE_DEFAULT_SECONDS

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, db: str | None = None) -> Settings:
        """Settings from ``environ`` (``os.environ`` at the edge, a dict in tests) and flags."""
        urls = {name: _base_url(environ.get(var), var, default) for name, (var, default) in SOURCES.items()}
        return cls(
            db_url=database_url(db or environ.get(DB_ENV) or None, "--db" if db else DB_ENV),
            urls=urls,
            catalogue_interval=_hours(environ.get(CATALOGUE_ENV)),
            refresh_deadline=_seconds(environ.get(DEADLINE_ENV)),
        )

    def url(self, source: str) -> str | None:
        """The base URL of ``source`` (a key of :data:`SOURCES`), None when it is off."""
        return self.urls[source]


def database_url(value: str | None, origin: str) -> str:
    """A SQLAlchemy URL from what a person typed: a URL as given, a plain path as a SQLite file
    (``~`` expanded, made absolute), nothing as the default file in the user data directory."""
    if value is None:
        from platformdirs import user_data_path

        return f"sqlite:///{user_data_path(APP_NAME) / 'tracker.db'}"
    text = value.strip()
    if not text:
        raise UsageError(f"{origin} is empty: give a SQLAlchemy URL (postgresql+psycopg://host/db) or a file path")
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().absolute()}"
    scheme, rest = text.split("://", 1)
    if not scheme or not all(c.isalnum() or c in "+-." for c in scheme) or (scheme != "sqlite" and not rest):
        raise UsageError(f"{origin} {value!r} is not a database URL: {EXPECTED_URL}")
    if not _dialect_known(scheme):
        raise UsageError(f"{origin} {value!r}: SQLAlchemy knows no database {scheme!r}: {EXPECTED_URL}")
    if scheme in ("postgresql", "postgres"):  # the driver of the [postgres] extra, not psycopg2
        return f"postgresql+psycopg://{rest}"
    if scheme == "sqlite" and text not in ("sqlite://", "sqlite:///:memory:"):
        path = text.removeprefix("sqlite:///")
        if not path.startswith("/"):
            raise UsageError(
                f"{origin} {value!r}: a relative SQLite path depends on the current directory; "
                f"use an absolute one (sqlite:////abs/path.db) or a plain path ({path})"
            )
    return text


def _dialect_known(scheme: str) -> bool:
    """Whether SQLAlchemy has a dialect (built in, or registered by an installed plugin) for the
    scheme of a URL (``postgresql+psycopg``); the database's driver is not imported."""
    from sqlalchemy.dialects import registry
    from sqlalchemy.exc import NoSuchModuleError

    try:
        registry.load(scheme.replace("+", "."))
    except NoSuchModuleError:
        return False
    return True


def sqlite_path(db_url: str) -> Path | None:
    """The file of a SQLite URL, None for other databases and in-memory SQLite."""
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        return Path(db_url.removeprefix("sqlite:///"))
    return None


def _base_url(value: str | None, variable: str, default: str) -> str | None:
    """A source's base URL without its trailing slash; ``off`` is None; anything not like
    ``https://host[/path]`` is a usage error naming the variable."""
    if value is None or not value.strip():
        return default
    text = value.strip()
    if text.lower() == OFF:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UsageError(f"{variable} must be like https://host (or '{OFF}'), got {value!r}")
    return text.rstrip("/")


def _hours(value: str | None) -> timedelta:
    if value is None or not value.strip():
        return timedelta(hours=CATALOGUE_DEFAULT_HOURS)
    try:
        hours = float(value)
    except ValueError:
        hours = float("nan")
    if not CATALOGUE_MIN_HOURS <= hours <= 24 * 365:
        raise UsageError(f"{CATALOGUE_ENV} must be hours between {CATALOGUE_MIN_HOURS:g} and 8760, got {value!r}")
    return timedelta(hours=hours)


def _seconds(value: str | None) -> float:
    if value is None or not value.strip():
        return DEADLINE_DEFAULT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= DEADLINE_MAX_SECONDS:
        raise UsageError(f"{DEADLINE_ENV} must be seconds above 0 and at most {DEADLINE_MAX_SECONDS:g}, got {value!r}")
    return seconds
