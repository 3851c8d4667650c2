"""One refresh at a time: an advisory file lock that dies with its process.

``flock`` is released by the kernel when the holder exits, however it exits (even ``kill -9``),
so a crashed cron run never leaves a stale lock behind to block the next one.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tracker.errors import Locked


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


def refresh_lock(db_url: str):
    """The lock every refresh of a database takes (each refresh command, cron, the TUI's ``r``):
    one refresh of that database at a time (:func:`lock_path`)."""
    return exclusive(lock_path(db_url))
