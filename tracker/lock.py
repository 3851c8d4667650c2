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


def refresh_lock(data_dir: Path):
    """The lock every refresh of a database takes (each refresh command, cron, the TUI's ``r``),
    in its data directory (beside a SQLite file): one refresh at a time."""
    return exclusive(data_dir / "refresh.lock")
