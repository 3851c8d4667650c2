"""The refresh service: one code path for ``tracker refresh`` and the terminal UI's ``r``.

Every source is served by one real local server on 127.0.0.1: CelesTrak answers any GP query
with the real ``stations`` capture of ../shared, Launch Library 2 with the real sample result,
Eastmoney and Yahoo with the SYNTHETIC bars of :mod:`tests.test_markets_refresh`. The same
scenario (everything up, everything offline, CelesTrak failing, a malformed vendor URL) is run
through the command and through the UI on fresh databases, and must end the same way.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.conftest import copy_database, shared_path, tracker_env
from tests.httpserver import LocalServer, Reply
from tests.test_ll2 import LOCATIONS, PATH, locations, page
from tests.test_markets_refresh import KLINE, chart_reply, kline_reply
from tracker.errors import ExitCode, Locked, UsageError
from tracker.services.bootstrap import open_database
from tracker.services.refresh import SOURCES, refresh
from tracker.settings import Settings

OFFLINE = "http://127.0.0.1:9"  # the discard port: connections are refused


pytestmark = pytest.mark.usefixtures("no_waiting")


@pytest.fixture
def sources(http_server: LocalServer) -> LocalServer:
    """Every source on one local server: CelesTrak, LL2, Eastmoney and Yahoo."""
    stations = shared_path("data", "celestrak", "gp-2026-08-18", "stations.csv").read_bytes()
    sample = json.loads(shared_path(
        "api-samples", "ll2_2.3.0_launches_upcoming_limit10_lldev_2025-12-26_FIRST-RESULT-ONLY.json").read_text())["results"][0]
    http_server.route("GET", "/NORAD/elements/gp.php", Reply(200, stations, {"Content-Type": "text/csv"}))
    http_server.route("GET", LOCATIONS, locations(sample))
    http_server.route("GET", PATH, page([sample]))
    http_server.route("GET", KLINE, kline_reply)
    for symbol in ("0941.HK", "0981.HK", "%5EHSI", "^HSI", "%5EGSPC", "^GSPC", "AMZN", "MSFT", "JKS"):
        http_server.route("GET", f"/v8/finance/chart/{symbol}", chart_reply)
    return http_server


def scenario_env(name: str, server: LocalServer) -> dict[str, str]:
    up = {f"TRACKER_{s}_URL": server.url for s in ("CELESTRAK", "LL2", "YAHOO", "EASTMONEY")}
    if name == "up":
        return up
    if name == "offline":
        return dict.fromkeys(up, OFFLINE)
    if name == "celestrak-500":
        return {**up, "TRACKER_CELESTRAK_URL": server.url + "/broken"}
    raise AssertionError(name)


def settings_for(db_url: str, env: dict[str, str]) -> Settings:
    return Settings.from_env(tracker_env(db_url, env))


def tui_notices(db_url: str, env: dict[str, str]) -> list[tuple[str, str, str]]:
    """Press ``r`` in the UI on a fresh database; the notifications it shows."""
    from tui.app import TrackerApp

    async def run() -> list[tuple[str, str, str]]:
        engine = open_database(db_url)
        app = TrackerApp(engine, settings_for(db_url, env))
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r")
            for _ in range(200):
                await pilot.pause(0.05)
                if not any(w.group == "refresh" and w.is_running for w in app.workers) and app._notifications:
                    break
            found = [(n.title, n.severity, n.message) for n in app._notifications]
        engine.dispose()
        return found

    return asyncio.run(run())


@pytest.mark.parametrize("name", ["up", "offline", "celestrak-500"])
def test_the_command_and_the_ui_refresh_the_same_way(name, cli, sources, bootstrapped, tmp_path) -> None:
    if name == "celestrak-500":
        sources.route("GET", "/broken/NORAD/elements/gp.php", Reply(500, "down [for maintenance] [/]"))
    env = scenario_env(name, sources)
    done = cli("refresh", env=env)
    asked_by_cli = len(sources.requests)
    notices = tui_notices(copy_database(bootstrapped, tmp_path, "ui.db"), env)

    assert len(sources.requests) == 2 * asked_by_cli  # the same requests again, none more
    titles = {title for title, _, _ in notices}
    assert {"CelesTrak", "Launch Library 2", "Prices"} <= titles
    failed = {title for title, severity, _ in notices if severity == "error"}
    expected = {"up": (ExitCode.OK, set()), "offline": (ExitCode.SOURCE_FAILED, {"CelesTrak", "Launch Library 2", "Prices"}),
                "celestrak-500": (ExitCode.SOURCE_FAILED, {"CelesTrak"})}[name]
    assert (done.returncode, failed) == expected, (done.stderr, notices)
    shown = "\n".join(message for _, _, message in notices)
    for line in done.stderr.splitlines():  # every problem the command reports, the UI shows
        assert line.strip() in shown, line
    assert "Traceback" not in done.stderr


def test_a_malformed_vendor_url_stops_the_command_and_the_ui_before_any_request(cli, sources) -> None:
    env = {**scenario_env("up", sources), "TRACKER_YAHOO_URL": "ftp://bad"}
    for command in (["refresh"], ["tui"], ["tle", "refresh"]):
        done = cli(*command, env=env)
        assert done.returncode == ExitCode.USAGE, done
        assert "TRACKER_YAHOO_URL must be like https://host" in done.stderr
    assert not sources.requests


def test_off_switches_any_source_off_celestrak_included(db_url, sources) -> None:
    env = {**scenario_env("up", sources), "TRACKER_CELESTRAK_URL": "off", "TRACKER_LL2_URL": "OFF"}
    report = refresh(open_database(db_url), settings_for(db_url, env), sources=("celestrak", "ll2"))
    assert report.off == ["celestrak", "ll2"] and report.exit_code == ExitCode.OK
    assert not sources.requests
    assert [m.text for m in report.messages()] == ["off (TRACKER_CELESTRAK_URL=off)", "off (TRACKER_LL2_URL=off)"]


def test_the_report_says_what_each_source_did(db_url, sources) -> None:
    engine = open_database(db_url)
    progress: list[str] = []
    report = refresh(engine, settings_for(db_url, scenario_env("up", sources)), progress=progress.append)
    assert progress == list(SOURCES) and report.exit_code == ExitCode.OK and not report.failed
    assert report.celestrak is not None and report.celestrak.counts.new_element_sets > 0
    assert report.ll2 is not None and report.ll2.answers and report.prices is not None and report.prices.stored
    summaries = [m for m in report.messages() if m.summary]
    assert [m.source for m in summaries] == list(SOURCES)


def test_unknown_sources_and_bad_queries_are_usage_errors(db_url, sources) -> None:
    settings = settings_for(db_url, scenario_env("up", sources))
    with pytest.raises(UsageError, match="unknown source 'tle'"):
        refresh(open_database(db_url), settings, sources=("tle",))
    with pytest.raises(UsageError, match="bad group spec"):
        refresh(open_database(db_url), settings, sources=("celestrak",), groups=("FOO=bar",))
    assert not sources.requests


def test_a_held_lock_is_locked_and_nothing_is_asked(db_url, sources) -> None:
    from tracker.lock import refresh_lock

    settings = settings_for(db_url, scenario_env("up", sources))
    engine = open_database(db_url)
    with refresh_lock(engine, settings.db_url), pytest.raises(Locked, match="another refresh is running"):
        refresh(engine, settings)
    assert not sources.requests and Locked.exit_code == ExitCode.LOCKED


@pytest.mark.sqlite_only
def test_a_sqlite_file_lock_is_named_after_its_database(db_url) -> None:
    from pathlib import Path

    from tracker.lock import lock_path

    other = f"sqlite:///{Path(db_url.removeprefix('sqlite:///')).parent / 'other.db'}"
    assert lock_path(db_url) != lock_path(other) and lock_path(db_url).parent == lock_path(other).parent
    assert lock_path(db_url).name.endswith(".db.refresh.lock")


def test_the_lock_is_per_database_so_two_databases_refresh_at_once(db_url, backend, tmp_path) -> None:
    from tests.conftest import fresh_url
    from tracker.lock import refresh_lock

    other = fresh_url(backend, tmp_path, "other.db")  # in the same folder, or on the same server
    off = {f"TRACKER_{s}_URL": "off" for s in ("CELESTRAK", "LL2", "YAHOO", "EASTMONEY")}
    engine = open_database(db_url)
    with refresh_lock(engine, db_url):  # a refresh of the first database is running
        report = refresh(open_database(other), settings_for(other, off))
        assert report.exit_code == ExitCode.OK
        with pytest.raises(Locked):
            refresh(open_database(db_url), settings_for(db_url, off))
    engine.dispose()


def test_an_unresolvable_host_spends_no_ll2_budget(db_url) -> None:
    env = {"TRACKER_LL2_URL": "http://no-such-host.invalid", "TRACKER_CELESTRAK_URL": "off"}
    engine = open_database(db_url)
    report = refresh(engine, settings_for(db_url, env), sources=("ll2",))
    assert report.exit_code == ExitCode.SOURCE_FAILED
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM ll2_request").scalar() == 0


def test_prices_name_the_securities_not_attempted_in_one_line(db_url) -> None:
    env = {"TRACKER_EASTMONEY_URL": OFFLINE, "TRACKER_YAHOO_URL": OFFLINE}
    report = refresh(open_database(db_url), settings_for(db_url, env), sources=("prices",))
    lines = [m.text for m in report.messages() if m.severity == "error"]
    assert sum("not attempted" in line for line in lines) == 2  # one per vendor, not one per security
    assert sum("gave up after" in line for line in lines) == 2
