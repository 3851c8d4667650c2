"""Writing files the tool produces (exports, their sidecars): whole or not at all.

Every file is written to a temporary file in the target's own directory (so the rename stays on
one file system and is atomic) and renamed over the target only when the writer finished. A
failure (missing directory, full disk, permission) is a one-line
:class:`~tracker.errors.BadInput` and leaves neither a temporary file nor a half-written target;
an earlier file of that name stays whole.

Only regular files are ever replaced: a target that is a symlink, a FIFO, a device or a
directory is refused even with ``force``. Renaming over a symlink would silently replace the
link (not what it points to), writing into a FIFO or device would block or go elsewhere, and a
directory cannot be a file's target at all.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from tracker.errors import BadInput, Refused

__all__ = ["check_target", "write_atomically"]


def check_target(path: Path, force: bool) -> None:
    """Refuse ``path`` unless it is absent, or a regular file and ``force`` (see the module)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = ("a symlink" if stat.S_ISLNK(mode) else "a directory" if stat.S_ISDIR(mode)
                else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket")
        raise Refused(f"{path} exists and is {kind}, not a regular file; it is never overwritten")
    if not force:
        raise Refused(f"{path} exists; pass --force to overwrite it")


def write_atomically(path: str | os.PathLike[str], writer: Callable[[Path], object], *, force: bool = False) -> Path:
    """Have ``writer`` write a temporary file beside ``path``, then rename it to ``path``.

    ``writer`` receives the temporary path (an empty file that it may overwrite). Raises
    :class:`~tracker.errors.Refused` for a target that exists (without ``force``) or is not a
    regular file, :class:`~tracker.errors.BadInput` when writing fails; returns ``path``.
    """
    path = Path(path)
    check_target(path, force)
    part: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
        part = Path(name)
        writer(part)
        os.chmod(part, 0o644 & ~_umask())
        check_target(path, True)  # the target may have changed kind while we wrote
        os.replace(part, path)
        part = None
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if part is not None:
            part.unlink(missing_ok=True)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def files_under(paths: list[Path], suffixes: tuple[str, ...], what: str) -> list[Path]:
    """Files named directly, plus the files with one of ``suffixes`` found below directories
    (sorted); :class:`BadInput` for a path that does not exist or when none is found."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes))
        elif path.is_file():
            files.append(path)
        else:
            raise BadInput(f"{path}: no such file or directory")
    if not files:
        raise BadInput(f"no {what} files ({', '.join(suffixes)}) under {', '.join(map(str, paths))}")
    return files
