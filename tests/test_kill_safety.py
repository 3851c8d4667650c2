"""``tracker refresh`` killed with SIGKILL at random moments: each source all or nothing.

The promise (README, "Refreshing under cron"): a killed run leaves each source's data whole or
untouched. CelesTrak: the element sets and URL states of the whole run, one transaction. Launch
Library 2: the merge, one transaction (its request log and location list are committed before
each request, on purpose). Prices: one transaction per security.

One local server plays every source (CelesTrak answers any GP query with the real ``stations``
capture of ../shared, LL2 with the real sample result, Eastmoney and Yahoo with the SYNTHETIC bars
of :mod:`tests.test_markets_refresh`), each answer held back a little so that a run lasts under a
second. A reference run, not killed, says what a complete refresh stores; then each trial copies
the same prepared database, starts ``python -m tracker refresh`` as a real process, kills it after
a seeded random delay and checks what SQLite holds, then refreshes again with quick answers (the
lock must be free) and must end with the complete data.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import build_template, copy_database, run_in_process, shared_path, tracker_command, tracker_env
from tests.httpserver import LocalServer, Reply, Request
from tests.test_ll2 import LOCATIONS, PATH, locations, page
from tests.test_markets_refresh import KLINE, chart_reply, kline_reply
from tracker.errors import ExitCode

TRIALS = 32
SEED = 11
#: Seconds each answer is held back in the killed runs.
DELAY = 0.04
#: A small watchlist: the vendors space their requests (Yahoo 1 s, Eastmoney 0.5 s), so a full
#: watchlist would make one run last ten seconds. One Yahoo and two Eastmoney securities.
WATCHLIST = ("XHKG:0941", "XSHG:000300", "XSHG:600118")

pytestmark = pytest.mark.usefixtures("no_waiting")  # for the in-process runs after each kill


def small_watchlist(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM security WHERE security NOT IN ({', '.join('?' * len(WATCHLIST))})", WATCHLIST)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory, "killsafe", small_watchlist)


@pytest.fixture
def slow_sources(http_server: LocalServer) -> dict[str, float]:
    """Every source on ``http_server``; the returned dict's ``delay`` holds each answer back."""
    pace = {"delay": DELAY}
    stations = shared_path("data", "celestrak", "gp-2026-08-18", "stations.csv").read_bytes()
    sample = json.loads(shared_path(
        "api-samples", "ll2_2.3.0_launches_upcoming_limit10_lldev_2025-12-26_FIRST-RESULT-ONLY.json").read_text())["results"][0]

    def slow(route: Reply | Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        return lambda request: replace(route(request) if callable(route) else route, delay=pace["delay"])

    http_server.route("GET", "/NORAD/elements/gp.php", slow(Reply(200, stations, {"Content-Type": "text/csv"})))
    http_server.route("GET", LOCATIONS, slow(locations(sample)))
    http_server.route("GET", PATH, slow(page([sample])))
    http_server.route("GET", KLINE, slow(kline_reply))
    for symbol in ("0941.HK", "%5EHSI", "^HSI"):
        http_server.route("GET", f"/v8/finance/chart/{symbol}", slow(chart_reply))
    return pace


def rows(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def state(path: Path) -> dict[str, object]:
    """What each source stored, in forms that compare across runs (no times of the run)."""
    prices = rows(path, "SELECT security, year, n, date, open, high, low, close, volume FROM price_chunk ORDER BY 1, 2")
    return {
        "element_sets": rows(path, "SELECT * FROM element_set ORDER BY 1"),
        "satellites": rows(path, "SELECT * FROM satellite ORDER BY 1"),
        "dawn_dusk": rows(path, "SELECT * FROM constellation_rule ORDER BY 1, 2, 3"),
        "fetch_state": rows(path, "SELECT url, last_status, etag, last_modified, last_success IS NOT NULL FROM fetch_state ORDER BY 1"),
        "launches": rows(path, "SELECT * FROM launch ORDER BY id"),
        "launch_history": rows(path, "SELECT launch_id, field, old, new, origin FROM launch_history ORDER BY 1, 2, 3, 4"),
        **{f"prices {s}": [r for r in prices if r[0] == s] for s in WATCHLIST},
    }


def env_for(db: Path, server: LocalServer) -> dict[str, str]:
    urls = {f"TRACKER_{s}_URL": server.url for s in ("CELESTRAK", "LL2", "YAHOO", "EASTMONEY")}
    return tracker_env(f"sqlite:///{db}", urls)


def start(db: Path, server: LocalServer) -> subprocess.Popen:
    return subprocess.Popen(tracker_command("refresh"), env=env_for(db, server),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_refresh_killed_at_random_moments_leaves_each_source_whole_or_untouched(
    template: Path, http_server: LocalServer, slow_sources: dict[str, float], tmp_path: Path
) -> None:
    t_start = time.monotonic()
    before = state(template)
    assert not before["element_sets"] and not before["fetch_state"] and not any(before[f"prices {s}"] for s in WATCHLIST)

    # The reference: one whole run, not killed; how long it lasts after its first request.
    reference_db = Path(copy_database(template, tmp_path, "reference.db").removeprefix("sqlite:///"))
    proc = start(reference_db, http_server)
    while not http_server.requests:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.002)
    first = time.monotonic()
    _, err = proc.communicate(timeout=60)
    span = time.monotonic() - first
    assert proc.returncode == ExitCode.OK, err
    after = state(reference_db)
    for key in after:
        if key != "dawn_dusk":
            assert after[key] != before[key], f"the reference run stored nothing for {key}"
    assert 0.2 < span < 5, span

    rng = random.Random(SEED)
    seen: dict[str, set[str]] = {key: set() for key in before}
    for trial in range(TRIALS):
        db = Path(copy_database(template, tmp_path, f"trial-{trial}.db").removeprefix("sqlite:///"))
        asked = len(http_server.requests)
        slow_sources["delay"] = DELAY
        proc = start(db, http_server)
        try:
            while len(http_server.requests) == asked and proc.poll() is None:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, span * 1.1))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        killed = proc.returncode == -signal.SIGKILL
        assert killed or proc.returncode == ExitCode.OK, (trial, proc.returncode)

        assert rows(db, "PRAGMA integrity_check") == [("ok",)], trial
        now = state(db)
        for key in now:
            assert now[key] in (before[key], after[key]), f"trial {trial}: {key} is half written"
            seen[key].add("whole" if now[key] == after[key] else "untouched")
        if now["element_sets"] == after["element_sets"]:  # the URL states went with the element sets
            assert now["fetch_state"] == after["fetch_state"] and now["satellites"] == after["satellites"]
        else:
            assert now["fetch_state"] == before["fetch_state"] and now["satellites"] == before["satellites"]
        merged = (now["launches"], now["launch_history"])
        assert merged in [(before["launches"], before["launch_history"]), (after["launches"], after["launch_history"])]

        # The kernel freed the lock with the process: a refresh with quick answers runs, and ends
        # with every source whole.
        slow_sources["delay"] = 0.0
        again = run_in_process("refresh", env=env_for(db, http_server))
        assert again.returncode == ExitCode.OK, (trial, again.stderr)
        assert state(db) == after, trial

    # The delays did reach into every source: some trials were killed before each source was
    # stored, some after.
    assert all(found == {"whole", "untouched"} for key, found in seen.items() if key != "dawn_dusk"), seen
    assert time.monotonic() - t_start < 60
