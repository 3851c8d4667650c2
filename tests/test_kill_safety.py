"""``tracker refresh`` killed with SIGKILL at random moments: each source all or nothing.

The promise (README, "Refreshing under cron"): a killed run leaves each source's data whole or
untouched. CelesTrak: the element sets and URL states of the whole run, one transaction. Launch
Library 2: the merge, one transaction (its request log is committed before each request, and
its location list once looked up, on purpose). Prices: one transaction per security.

Local servers (one per trial running at once) play every source (CelesTrak answers any GP query
with the real ``stations`` capture of ../shared, LL2 with the real sample result, Eastmoney and
Yahoo with the SYNTHETIC bars of :mod:`tests.test_markets_refresh`), each answer held back a
little so that a run lasts about a second. Reference runs, not killed, say what a complete refresh stores; then each trial copies
the same prepared database, starts ``python -m tracker refresh`` as a real process, kills it after
a seeded random delay and checks what SQLite holds, then refreshes again with quick answers (the
lock must be free) and must end with the complete data.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import build_template, copy_database, run_in_process, shared_path, tracker_command, tracker_env
from tests.httpserver import LocalServer, Reply, Request
from tests.test_ll2 import LOCATIONS, PATH, locations, page
from tests.test_markets_refresh import KLINE, chart_reply, kline_reply
from tracker.errors import ExitCode

TRIALS = 30
SEED = 11
#: Trials run at once, each against its own server.
WORKERS = 3
SERVER = re.compile(r"http://127\.0\.0\.1:\d+")
#: Seconds each answer is held back in the killed runs.
DELAY = 0.03
#: A small watchlist: the vendors space their requests (Yahoo 1 s, Eastmoney 0.5 s), so a full
#: watchlist would make one run last ten seconds. One security of each vendor.
WATCHLIST = ("XHKG:0941", "XSHG:600118")

pytestmark = pytest.mark.usefixtures("no_waiting")  # for the in-process runs after each kill


def small_watchlist(engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM security WHERE security NOT IN ({', '.join('?' * len(WATCHLIST))})", WATCHLIST)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(build_template(tmp_path_factory, "killsafe", small_watchlist).location)


def serve_sources(server: LocalServer, pace: dict[str, float]) -> LocalServer:
    """Every source on ``server``; ``pace["delay"]`` holds each answer back."""
    stations = shared_path("data", "celestrak", "gp-2026-08-18", "stations.csv").read_bytes()
    sample = json.loads(
        shared_path("api-samples", "ll2_2.3.0_launches_upcoming_limit10_lldev_2025-12-26_FIRST-RESULT-ONLY.json").read_text()
    )["results"][0]

    def slow(route: Reply | Callable[[Request], Reply]) -> Callable[[Request], Reply]:
        return lambda request: replace(route(request) if callable(route) else route, delay=pace["delay"])

    server.route("GET", "/NORAD/elements/gp.php", slow(Reply(200, stations, {"Content-Type": "text/csv"})))
    server.route("GET", LOCATIONS, slow(locations(sample)))
    server.route("GET", PATH, slow(page([sample])))
    server.route("GET", KLINE, slow(kline_reply))
    for symbol in ("0941.HK", "%5EHSI", "^HSI"):
        server.route("GET", f"/v8/finance/chart/{symbol}", slow(chart_reply))
    return server


def rows(path: Path, sql: str) -> list[tuple]:
    """The rows of ``sql``, each local server's URL (stored with the data) spelled the same."""
    with closing(sqlite3.connect(path)) as conn:
        found = conn.execute(sql).fetchall()
    return [tuple(SERVER.sub("http://server", v) if isinstance(v, str) else v for v in row) for row in found]


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
    return subprocess.Popen(
        tracker_command("refresh"), env=env_for(db, server), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def kill_after(db: Path, server: LocalServer, delay: float) -> int:
    """Start a refresh of ``db``, SIGKILL it ``delay`` seconds after its first request (unless it
    ended first); its return code."""
    asked = len(server.requests)
    proc = start(db, server)
    try:
        while len(server.requests) == asked and proc.poll() is None:
            time.sleep(0.001)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode


def test_refresh_killed_at_random_moments_leaves_each_source_whole_or_untouched(template: Path, tmp_path: Path) -> None:
    t_start = time.monotonic()
    pace = {"delay": DELAY}
    with ExitStack() as stack:
        servers = [serve_sources(stack.enter_context(LocalServer()), pace) for _ in range(WORKERS)]
        check(template, tmp_path, servers, pace)
    assert time.monotonic() - t_start < 120  # about 25 s on an idle two-core machine


def check(template: Path, tmp_path: Path, servers: list[LocalServer], pace: dict[str, float]) -> None:
    before = state(template)
    assert not before["element_sets"] and not before["fetch_state"] and not any(before[f"prices {s}"] for s in WATCHLIST)

    # The reference: whole runs, not killed, side by side as the trials will run; how long they
    # last after their first request.
    def whole_run(w: int) -> tuple[Path, float]:
        db = Path(copy_database(template, tmp_path, f"reference-{w}.db").removeprefix("sqlite:///"))
        proc = start(db, servers[w])
        while not servers[w].requests:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.001)
        first = time.monotonic()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == ExitCode.OK, err
        return db, time.monotonic() - first

    with ThreadPoolExecutor(WORKERS) as pool:
        references = list(pool.map(whole_run, range(WORKERS)))
    after = state(references[0][0])
    assert all(state(db) == after for db, _ in references)
    for key in after:
        if key != "dawn_dusk":
            assert after[key] != before[key], f"the reference run stored nothing for {key}"
    span = sum(s for _, s in references) / WORKERS
    assert 0.2 < span < 5, span

    # The killed runs, a few at once (each worker its own server), answers held back.
    rng = random.Random(SEED)
    # Spread over the run: one random moment in each of TRIALS equal slices of its length, shuffled.
    delays = [span * (t + rng.random()) / TRIALS for t in range(TRIALS)]
    rng.shuffle(delays)
    dbs = [Path(copy_database(template, tmp_path, f"trial-{t}.db").removeprefix("sqlite:///")) for t in range(TRIALS)]

    def worker(w: int) -> list[int]:
        return [kill_after(dbs[t], servers[w], delays[t]) for t in range(w, TRIALS, WORKERS)]

    with ThreadPoolExecutor(WORKERS) as pool:
        order = [t for w in range(WORKERS) for t in range(w, TRIALS, WORKERS)]
        codes = dict(zip(order, (c for found in pool.map(worker, range(WORKERS)) for c in found), strict=True))

    pace["delay"] = 0.0
    seen: dict[str, set[str]] = {key: set() for key in before}
    for trial, db in enumerate(dbs):
        assert codes[trial] in (-signal.SIGKILL, ExitCode.OK), (trial, codes[trial])
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

        # The kernel freed the lock with the process: a refresh with quick answers runs (no
        # exit 4), and ends with every source whole.
        again = run_in_process("refresh", env=env_for(db, servers[trial % WORKERS]))  # its URLs
        assert again.returncode == ExitCode.OK, (trial, again.stderr)
        assert state(db) == after, trial

    # The delays did reach into every source: some trials were killed before each source was
    # stored, some after.
    one_sided = {key: found for key, found in seen.items() if key != "dawn_dusk" and found != {"whole", "untouched"}}
    assert not one_sided, one_sided
    killed = sum(code == -signal.SIGKILL for code in codes.values())
    assert killed >= TRIALS * 2 // 3, codes
