"""One writer, three readers, real processes, on both backends: while ``tracker refresh`` stores
CelesTrak's whole active catalogue, ``tracker sats``, ``tracker link`` and the terminal UI's data
layer read the same database over and over. No reader may fail ("database is locked" or any
other error), and each sees the data from before the refresh or after it, never a part.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import replace

import pytest

from tests.conftest import build_template, copy_database, shared_path, tracker_command, tracker_env
from tests.httpserver import LocalServer, Reply

#: Seconds each CelesTrak answer is held back, so that the refresh (its transaction open from the
#: first answer to the last) lasts long enough for every reader to run during it.
DELAY = 0.6

#: The terminal UI's reads (what it loads at start and on every tick), in a loop, one line each.
#: It reads until the file given as its second argument exists (the refresh has ended).
TUI_READER = """
import os, sys
from tracker.services.bootstrap import open_database
from tui import data
engine = open_database(sys.argv[1])
while True:
    members = data.members(engine, "all")
    data.launches(engine), data.freshness(engine), data.securities(engine)
    print(members.height, flush=True)
    if os.path.exists(sys.argv[2]):
        break
"""


def stations(engine) -> None:
    from tracker.services import orbits

    orbits.import_elements(engine, [shared_path("data", "celestrak", "gp-2026-08-18", "stations.csv")])


@pytest.fixture(scope="module")
def template(tmp_path_factory, backend):
    return build_template(tmp_path_factory, "concurrent", stations, backend)


def sats_rows(result: subprocess.CompletedProcess[str]) -> int:
    return len(result.stdout.splitlines()) - 1  # the header


def test_readers_see_the_old_or_the_new_data_while_a_refresh_writes(template, tmp_path, http_server: LocalServer) -> None:
    db_url = copy_database(template, tmp_path)
    active = shared_path("data", "celestrak", "gp-2026-08-18", "active.csv").read_bytes()
    http_server.route("GET", "/NORAD/elements/gp.php", lambda request: replace(
        Reply(200, active, {"Content-Type": "text/csv"}), delay=DELAY))
    env = tracker_env(db_url, {"TRACKER_CELESTRAK_URL": http_server.url})
    run = lambda *args: subprocess.run(tracker_command(*args), env=env, capture_output=True, text=True, timeout=60)
    sats = ("sats", "--constellation", "all", "--format", "csv")
    link = ("link", "--format", "csv")
    before, linked = run(*sats), run(*link)
    assert before.returncode == 0 and linked.returncode == 0, before.stderr + linked.stderr

    writer = subprocess.Popen(tracker_command("refresh"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while not http_server.requests and writer.poll() is None:
        time.sleep(0.01)
    ended = tmp_path / "refresh-ended"
    tui = subprocess.Popen([sys.executable, "-c", TUI_READER, db_url, str(ended)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: dict[str, list[subprocess.CompletedProcess[str]]] = {"sats": [], "link": []}

    def keep_reading(name: str, args: tuple[str, ...]) -> None:
        while writer.poll() is None:
            seen[name].append(run(*args))

    readers = [threading.Thread(target=keep_reading, args=item) for item in (("sats", sats), ("link", link))]
    for reader in readers:
        reader.start()
    _, writer_err = writer.communicate(timeout=120)
    ended.touch()
    tui_out, tui_err = tui.communicate(timeout=60)
    for reader in readers:
        reader.join(timeout=120)
    assert writer.returncode == 0, writer_err
    after = run(*sats)
    assert after.returncode == 0 and sats_rows(after) > sats_rows(before)

    assert tui.returncode == 0, tui_err
    assert seen["sats"] and seen["link"] and tui_out.split(), "a reader never ran"
    for result in seen["sats"] + seen["link"]:
        assert result.returncode == 0 and not result.stderr, result.stderr
    assert {sats_rows(r) for r in seen["sats"]} <= {sats_rows(before), sats_rows(after)}
    assert all(r.stdout == linked.stdout for r in seen["link"])  # the refresh changes no launch or price
    counted = {int(line) for line in tui_out.split()}
    assert counted <= {sats_rows(before), sats_rows(after)}, counted
