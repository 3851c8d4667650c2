"""One refresh of a database at a time, with a lock that dies with its holder.

SQLite (one machine): an advisory file lock beside the database file. ``flock`` is released by
the kernel when the holder exits, however it exits (even ``kill -9``), so a crashed cron run
never leaves a stale lock behind to block the next one.

PostgreSQL (a server shared by several hosts): a session-level advisory lock in the database
itself, which every host sees. The server releases it when the holder's connection ends, and a
killed process's connection ends with it.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from tracker.errors import Locked

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

#: The PostgreSQL advisory lock key of refreshes: a fixed 63-bit number (from a digest of the
#: application's name), so that other programs' advisory locks in the same database do not clash.
ADVISORY_KEY = 0x2F6C_9A1E_53B7_0C41


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` or raise :class:`Locked` at once (never wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = Path(path).read_text().strip() or "another process"
            raise Locked(f"another refresh is running (pid {holder}; lock {path})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lock_path(db_url: str) -> Path:
    """The refresh lock file of the database at ``db_url``: one lock per database, not per
    directory, so two databases in one folder can refresh at once.

    A SQLite file gets ``<file>.refresh.lock`` beside it (``tracker.db.refresh.lock``); any other
    database (a server, in-memory SQLite) a file in the user data directory named after a hash of
    its URL, so that every process refreshing the same database takes the same lock.
    """
    import hashlib

    from tracker.settings import APP_NAME, sqlite_path

    path = sqlite_path(db_url)
    if path is not None:
        return path.with_name(path.name + ".refresh.lock")
    from platformdirs import user_data_path

    digest = hashlib.sha256(db_url.encode()).hexdigest()[:16]
    return user_data_path(APP_NAME) / f"refresh-{digest}.lock"


def refresh_lock(engine: Engine, db_url: str):
    """The lock every refresh of a database takes (each refresh command, cron, the TUI's ``r``):
    one refresh of that database at a time. PostgreSQL: :func:`advisory`; any other database
    a file lock (:func:`lock_path`). Raises :class:`Locked` at once when it is held."""
    if engine.dialect.name == "postgresql":
        return advisory(engine)
    return exclusive(lock_path(db_url))


@contextmanager
def advisory(engine: Engine) -> Iterator[None]:
    """Hold PostgreSQL's session-level advisory lock :data:`ADVISORY_KEY` on a connection of its
    own for the duration, or raise :class:`Locked` naming the holder (never wait)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
        if not taken:
            holder = conn.execute(text(
                "SELECT a.pid, host(a.client_addr) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.database = a.datid"
                " AND a.datname = current_database() AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"
            ), {"key": ADVISORY_KEY}).first()
            who = f"server session {holder[0]} from {holder[1] or 'a local socket'}" if holder else "another session"
            raise Locked(f"another refresh is running ({who}; PostgreSQL advisory lock {ADVISORY_KEY})")
        conn.commit()  # the lock belongs to the session: no transaction stays open while we work
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            conn.commit()


#: The key of :func:`store_lock` (another than the refresh's: a refresh stores under both).
STORE_KEY = ADVISORY_KEY + 1


def store_lock(conn: Connection) -> None:
    """PostgreSQL: wait until no other transaction stores element sets, and keep the others waiting
    until this one ends (``pg_advisory_xact_lock``). An import reads each satellite's epoch span
    and writes it back widened: two at once would each write what it read before the other's
    commit, and the newest set held would be lost from the span. SQLite: nothing to do, its
    writers are one at a time (:func:`tracker.db.writing`)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STORE_KEY})
