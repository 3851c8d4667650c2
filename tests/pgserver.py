"""A throwaway PostgreSQL server on 127.0.0.1 for the suite: started from the machine's server
binaries in a temporary directory, stopped (and the directory removed) afterwards.

``.ci/run`` starts one for the whole run (``python -m tests.pgserver start DIR`` prints its URL,
``stop DIR`` ends it) and passes the URL to the suite as ``TRACKER_TEST_POSTGRES_URL``; a local
``pytest`` without that variable starts its own when the binaries are found, and the
PostgreSQL variants of the tests skip with a reason when they are not.

The server refuses to run as root, so under root the cluster belongs to ``nobody`` and every
server command runs as that user (``runuser``). Durability is switched off (``fsync``,
``synchronous_commit``, ``full_page_writes``): a test database is thrown away, and a crash of
the machine mid-test needs no recovery.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

#: The role the suite connects as (a superuser of its own throwaway cluster, trusted locally).
USER = "tracker"
#: Who runs the server when the suite runs as root.
UNPRIVILEGED = "nobody"


def binaries() -> Path | None:
    """The directory of ``pg_ctl`` and ``initdb``: PATH first, then Debian's layout."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb", path=str(Path(found).resolve().parent)):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", UNPRIVILEGED, "--", *argv] if os.geteuid() == 0 else argv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(directory: Path) -> str:
    """Create a cluster in ``directory`` (made, readable by the server's user), start it and
    return its SQLAlchemy URL (database ``postgres``). Raises RuntimeError with the server's log
    when it does not start."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (pg_ctl, initdb) on this machine")
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, UNPRIVILEGED)
    os.chmod(directory, 0o755)
    data, port = directory / "data", _free_port()
    run = lambda *argv: subprocess.run(_as_server_user([str(a) for a in argv]), capture_output=True, text=True, check=False)
    made = run(bin_dir / "initdb", "-D", data, "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")
    if made.returncode != 0:
        raise RuntimeError(f"initdb failed: {made.stderr.strip()}")
    options = f"-h 127.0.0.1 -p {port} -k {directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    started = run(bin_dir / "pg_ctl", "-D", data, "-l", directory / "server.log", "-o", options, "-w", "-t", "30", "start")
    if started.returncode != 0:
        log = (directory / "server.log").read_text(errors="replace") if (directory / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log[-2000:]}")
    (directory / "url").write_text(url := f"postgresql+psycopg://{USER}@127.0.0.1:{port}/postgres")
    return url


def stop(directory: Path) -> None:
    """Stop the server of ``directory`` (if it runs) and remove the directory."""
    bin_dir, data = binaries(), directory / "data"
    if bin_dir is not None and (data / "postmaster.pid").exists():
        subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, check=False)
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(where))
    else:
        stop(where)
