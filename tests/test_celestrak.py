"""CelesTrak client against a real local HTTP server (no internet, no mocked transport)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path

import httpx
import pytest

from tests.httpserver import LocalServer, Reply, Request
from tle.celestrak import (
    DEFAULT_GROUPS,
    MIN_INTERVAL,
    CelesTrakClient,
    FetchOutcome,
    FetchState,
    gp_url,
    query_url,
)

GP_PATH = "/NORAD/elements/gp.php"
T0 = datetime(2026, 8, 18, 10, 0, tzinfo=timezone.utc)
SHORT = httpx.Timeout(2.0)  # generous for localhost, short enough to keep a hung test quick

_SHARED_CSV = (
    Path(__file__).resolve().parents[2] / "shared/data/celestrak/gp-2026-08-18/hulianwang.csv"
)


def _sample_csv() -> str:
    """Header plus three records of a real CelesTrak download if present, else a synthetic one."""
    if _SHARED_CSV.is_file():
        return "".join(_SHARED_CSV.read_text().splitlines(keepends=True)[:4])
    return (  # synthetic, shaped like CelesTrak's GP CSV
        "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
        "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
        "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\r\n"
        "SYNTHETIC SAT 1,2024-001A,2026-08-18T07:53:08.013408,13.39545679,.00180742,86.5081,"
        "343.2734,23.5971,336.5997,0,U,90001,999,15207,.66076555E-4,.51E-6,0\r\n"
    )


CSV = _sample_csv()
NOT_UPDATED = (
    "GP data has not updated since your last successful download of GROUP=qianfan at "
    "2026-08-18 09:12:13 UTC.\nData is updated once every 2 hours."
)


def by_group(replies: dict[str, Reply]) -> Callable[[Request], Reply]:
    """A route answering according to the GROUP query parameter."""

    def answer(request: Request) -> Reply:
        return replies[request.query["GROUP"]]

    return answer


def urls(server: LocalServer, *groups: str) -> list[str]:
    return [gp_url(server.url, group) for group in groups]


def fetch(
    server: LocalServer,
    url_list: list[str],
    states: dict[str, FetchState] | None = None,
    *,
    now: datetime = T0,
    force: bool = False,
    timeout: httpx.Timeout = SHORT,
) -> list[FetchOutcome]:
    client = CelesTrakClient(server.url, timeout=timeout)
    return client.fetch_all(url_list, states or {}, now=now, force=force)


# -- successful answers ----------------------------------------------------------------------------


def test_200_returns_body_and_records_validators(http_server: LocalServer) -> None:
    headers = {
        "Content-Type": "text/csv; charset=utf-8",
        "ETag": '"5f2a-qianfan"',
        "Last-Modified": "Tue, 18 Aug 2026 08:00:00 GMT",
    }
    http_server.route("GET", GP_PATH, Reply(200, CSV, headers))
    [url] = urls(http_server, "qianfan")

    [outcome] = fetch(http_server, [url])

    assert (outcome.url, outcome.kind, outcome.status, outcome.body) == (url, "fetched", 200, CSV)
    assert outcome.state == FetchState(
        url=url,
        last_success=T0,
        last_attempt=T0,
        last_status=200,
        etag='"5f2a-qianfan"',
        last_modified="Tue, 18 Aug 2026 08:00:00 GMT",
    )
    [request] = http_server.requests
    assert request.query == {"GROUP": "qianfan", "FORMAT": "csv"}
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers


def test_user_agent_is_honest(http_server: LocalServer) -> None:
    try:
        version = metadata.version("china-space-tracker")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    http_server.route("GET", GP_PATH, Reply(200, CSV))

    fetch(http_server, urls(http_server, "qianfan"))

    assert http_server.requests[0].headers["user-agent"] == (
        f"china-space-tracker/{version} "
        "(+https://github.com/china-space-tracker; automated GP refresh)"
    )


def test_304_sends_validators_and_counts_as_success(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(304))
    [url] = urls(http_server, "stations")
    earlier = T0 - timedelta(hours=3)
    before = FetchState(url, earlier, earlier, 200, '"v1"', "Tue, 18 Aug 2026 07:00:00 GMT")

    [outcome] = fetch(http_server, [url], {url: before})

    [request] = http_server.requests
    assert request.headers["if-none-match"] == '"v1"'
    assert request.headers["if-modified-since"] == "Tue, 18 Aug 2026 07:00:00 GMT"
    assert (outcome.kind, outcome.status, outcome.body) == ("unchanged", 304, None)
    assert outcome.state == FetchState(url, T0, T0, 304, '"v1"', "Tue, 18 Aug 2026 07:00:00 GMT")


@pytest.mark.parametrize("body", [NOT_UPDATED, NOT_UPDATED.upper()])
def test_403_not_updated_is_unchanged_and_the_run_goes_on(
    http_server: LocalServer, body: str
) -> None:
    http_server.route(
        "GET", GP_PATH, by_group({"qianfan": Reply(403, body), "stations": Reply(200, CSV)})
    )
    first, second = urls(http_server, "qianfan", "stations")
    before = FetchState(first, T0 - timedelta(hours=3), etag='"old"')

    outcomes = fetch(http_server, [first, second], {first: before})

    assert [o.kind for o in outcomes] == ["unchanged", "fetched"]
    assert outcomes[0].status == 403
    assert "has not updated" in outcomes[0].message.lower()
    assert outcomes[0].state == FetchState(first, T0, T0, 403, '"old"', None)
    assert len(http_server.requests) == 2


def test_no_gp_data_for_a_launch_is_empty_but_for_a_group_is_an_error(http_server: LocalServer) -> None:
    """A launch whose objects have all come down answers "No GP data found": nothing to store,
    and the run goes on; a group or name answering so names nothing, which is a failure."""
    http_server.route("GET", GP_PATH, Reply(200, "No GP data found"))
    launch, group, after = urls(http_server, "INTDES=2013-009", "GROUP=nosuch", "stations")

    outcomes = fetch(http_server, [launch, group, after])

    assert [o.kind for o in outcomes] == ["unchanged", "error", "not-attempted"]
    assert outcomes[0].state.last_success == T0 and "no objects" in outcomes[0].message


def test_format_is_forced_to_csv_on_the_wire(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV))

    fetch(http_server, [query_url(http_server.url, "GROUP=active&FORMAT=json")])

    assert http_server.requests[0].query == {"GROUP": "active", "FORMAT": "csv"}


# -- errors stop the run ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        Reply(403, "Forbidden: too many requests from your address"),
        Reply(404, "<html><body>Not Found</body></html>"),
        Reply(500, "Internal Server Error"),
        Reply(301, "Moved", {"Location": "https://celestrak.org/NORAD/elements/gp.php"}),
    ],
    ids=lambda reply: str(reply.status),
)
def test_non_200_is_an_error_and_stops_the_run(http_server: LocalServer, reply: Reply) -> None:
    http_server.route("GET", GP_PATH, [reply, Reply(200, CSV), Reply(200, CSV)])
    url_list = urls(http_server, "qianfan", "stations", "NAME=HULIANWANG")
    earlier = T0 - timedelta(hours=5)
    states = {url: FetchState(url, earlier, earlier, 200) for url in url_list}

    outcomes = fetch(http_server, url_list, states)

    assert [o.kind for o in outcomes] == ["error", "not-attempted", "not-attempted"]
    error = outcomes[0]
    assert error.status == reply.status
    assert error.message.startswith(f"HTTP {reply.status}: ")
    assert error.state == FetchState(url_list[0], earlier, T0, reply.status)
    for outcome in outcomes[1:]:
        assert outcome.message == "stopped: an earlier request failed"
        assert outcome.state is states[outcome.url]
    assert len(http_server.requests) == 1  # CelesTrak: stop querying at the first error


def test_error_message_quotes_the_start_of_the_body(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(500, "Database\n\n   unavailable. " + "x" * 500))

    [outcome] = fetch(http_server, urls(http_server, "qianfan"))

    assert outcome.message.endswith(": " + ("Database unavailable. " + "x" * 500)[:200])
    assert "(redirected" not in outcome.message


def test_timeout_is_an_error_and_stops_the_run(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV, delay=2.0))
    url_list = urls(http_server, "qianfan", "stations")

    outcomes = fetch(http_server, url_list, timeout=httpx.Timeout(0.2))

    assert [o.kind for o in outcomes] == ["error", "not-attempted"]
    assert outcomes[0].status is None
    assert outcomes[0].message == "timed out after 0.2 s (read)"
    assert outcomes[0].state == FetchState(url_list[0], last_attempt=T0)
    assert len(http_server.requests) == 1


def test_truncated_body_is_an_error_and_stops_the_run(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV, truncate=True))
    url_list = urls(http_server, "qianfan", "stations")

    outcomes = fetch(http_server, url_list)

    assert [o.kind for o in outcomes] == ["error", "not-attempted"]
    assert outcomes[0].message.startswith("truncated response body (")
    assert outcomes[0].body is None
    assert outcomes[0].state.last_success is None
    assert len(http_server.requests) == 1


def test_connection_refused_is_an_error_and_stops_the_run() -> None:
    with socket.socket() as sock:  # reserve a port, then free it: nothing listens there
        sock.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    url_list = [gp_url(base, "qianfan"), gp_url(base, "stations")]

    outcomes = CelesTrakClient(base, timeout=SHORT).fetch_all(url_list, {}, now=T0)

    assert [o.kind for o in outcomes] == ["error", "not-attempted"]
    assert outcomes[0].message.startswith("request failed (ConnectError)")


# -- the 2-hour rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since_success", "force", "kind"),
    [
        (timedelta(hours=1, minutes=59), False, "skipped"),
        (timedelta(hours=2), False, "fetched"),
        (timedelta(hours=2, minutes=1), False, "fetched"),
        (timedelta(hours=1, minutes=59), True, "fetched"),
    ],
)
def test_two_hour_rule(
    http_server: LocalServer, since_success: timedelta, force: bool, kind: str
) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV))
    [url] = urls(http_server, "qianfan")
    state = FetchState(url, last_success=T0, last_attempt=T0, last_status=200)

    [outcome] = fetch(http_server, [url], {url: state}, now=T0 + since_success, force=force)

    assert outcome.kind == kind
    if kind == "skipped":
        assert outcome.state is state
        assert http_server.requests == []
        assert "2026-08-18 12:00:00 UTC" in outcome.message  # when it may be fetched next
    else:
        assert outcome.state.last_success == T0 + since_success
        assert len(http_server.requests) == 1


def test_two_hour_rule_counts_from_the_last_success_not_the_last_attempt(
    http_server: LocalServer,
) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV))
    [url] = urls(http_server, "qianfan")
    failed_recently = FetchState(url, T0 - timedelta(hours=3), T0 - timedelta(minutes=1), 500)

    [outcome] = fetch(http_server, [url], {url: failed_recently})

    assert outcome.kind == "fetched"


def test_min_interval_is_configurable(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV))
    [url] = urls(http_server, "qianfan")
    client = CelesTrakClient(http_server.url, timeout=SHORT, min_interval=timedelta(minutes=10))
    state = FetchState(url, last_success=T0)

    outcomes = [
        client.fetch_all([url], {url: state}, now=T0 + timedelta(minutes=minutes))[0].kind
        for minutes in (9, 11)
    ]

    assert outcomes == ["skipped", "fetched"]


def test_skips_do_not_stop_the_run_and_later_errors_do(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, [Reply(404, "no such group"), Reply(200, CSV)])
    fresh, failing, rest = urls(http_server, "qianfan", "nosuchgroup", "stations")
    states = {fresh: FetchState(fresh, last_success=T0 - timedelta(minutes=30))}

    outcomes = fetch(http_server, [fresh, failing, rest], states)

    assert [o.kind for o in outcomes] == ["skipped", "error", "not-attempted"]
    assert [r.query["GROUP"] for r in http_server.requests] == ["nosuchgroup"]


def test_a_url_repeated_in_one_run_is_requested_once(http_server: LocalServer) -> None:
    http_server.route("GET", GP_PATH, Reply(200, CSV))
    url = gp_url(http_server.url, "qianfan")
    same = query_url(http_server.url, "group=qianfan&format=json")

    outcomes = fetch(http_server, [url, same], force=True)

    assert [o.kind for o in outcomes] == ["fetched", "skipped"]
    assert len(http_server.requests) == 1


# -- argument checks -------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected(http_server: LocalServer) -> None:
    [url] = urls(http_server, "qianfan")
    with pytest.raises(ValueError, match="timezone-aware"):
        fetch(http_server, [url], now=datetime(2026, 8, 18, 10, 0))
    with pytest.raises(ValueError, match="last_success must be timezone-aware"):
        FetchState(url, last_success=datetime(2026, 8, 18, 10, 0))


def test_urls_of_another_endpoint_are_rejected(http_server: LocalServer) -> None:
    with pytest.raises(ValueError, match="not GP URLs of"):
        fetch(http_server, [gp_url("https://celestrak.org", "qianfan")])
    assert http_server.requests == []


# -- URL building ----------------------------------------------------------------------------------

BASE = "https://celestrak.org"
ENDPOINT = BASE + GP_PATH


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("qianfan", f"{ENDPOINT}?FORMAT=csv&GROUP=qianfan"),
        ("GROUP=qianfan", f"{ENDPOINT}?FORMAT=csv&GROUP=qianfan"),
        (" group = qianfan ", f"{ENDPOINT}?FORMAT=csv&GROUP=qianfan"),
        ("name=HULIANWANG", f"{ENDPOINT}?FORMAT=csv&NAME=HULIANWANG"),
        ("NAME=TIANZHOU 9", f"{ENDPOINT}?FORMAT=csv&NAME=TIANZHOU+9"),
        ("CATNR=48274", f"{ENDPOINT}?CATNR=48274&FORMAT=csv"),
        ("intdes=2024-140", f"{ENDPOINT}?FORMAT=csv&INTDES=2024-140"),
        ("Special=gpz", f"{ENDPOINT}?FORMAT=csv&SPECIAL=gpz"),
    ],
)
def test_gp_url(spec: str, expected: str) -> None:
    assert gp_url(BASE, spec) == expected
    assert gp_url(BASE + "/", spec) == expected


@pytest.mark.parametrize(
    "spec",
    ["", "   ", "two words", "FORMAT=json", "FOO=bar", "GROUP=", "=qianfan", "GROUP=a&FORMAT=tle"],
)
def test_bad_group_spec_names_the_spec(spec: str) -> None:
    with pytest.raises(ValueError, match=f"bad group spec {spec!r}"):
        gp_url(BASE, spec)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("GROUP=active&FORMAT=json", f"{ENDPOINT}?FORMAT=csv&GROUP=active"),
        ("?format=tle&catnr=48274", f"{ENDPOINT}?CATNR=48274&FORMAT=csv"),
        ("NAME=SHENZHOU%2020", f"{ENDPOINT}?FORMAT=csv&NAME=SHENZHOU+20"),
        ("INTDES=2024-140&GROUP=qianfan", f"{ENDPOINT}?FORMAT=csv&GROUP=qianfan&INTDES=2024-140"),
    ],
)
def test_query_url(query: str, expected: str) -> None:
    assert query_url(BASE, query) == expected


@pytest.mark.parametrize("query", ["", "FORMAT=json", "GROUP", "GROUP=", "GROUP=a&group=b"])
def test_bad_query_names_the_query(query: str) -> None:
    with pytest.raises(ValueError, match=f"bad query {query!r}"):
        query_url(BASE, query)


def test_urls_are_canonical_so_state_keys_match_across_runs() -> None:
    assert (
        gp_url(BASE, "qianfan")
        == gp_url(BASE, "group=qianfan")
        == query_url(BASE, "FORMAT=json&GROUP=qianfan")
        == query_url(BASE + "/", "group=qianfan")
    )


def test_default_groups_are_valid_specs() -> None:
    assert [gp_url(BASE, spec) for spec in DEFAULT_GROUPS] == [
        f"{ENDPOINT}?FORMAT=csv&NAME=HULIANWANG",
        f"{ENDPOINT}?FORMAT=csv&GROUP=qianfan",
        f"{ENDPOINT}?FORMAT=csv&GROUP=stations",
    ]
    assert MIN_INTERVAL == timedelta(hours=2)


@pytest.mark.parametrize(
    "base", ["celestrak.org", "ftp://celestrak.org", "https://", "https://x?y=1"]
)
def test_bad_base_url(base: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        gp_url(base, "qianfan")
    with pytest.raises(ValueError, match="base URL"):
        CelesTrakClient(base)


# -- the test server itself ------------------------------------------------------------------------


def test_server_stops_promptly_without_leaking_threads() -> None:
    threads_before = set(threading.enumerate())
    with LocalServer({("GET", "/slow"): Reply(200, "late", delay=30.0)}) as server:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(server.url + "/slow", timeout=0.1)
        missing = httpx.get(server.url + "/nowhere?x=1", timeout=SHORT)
    assert missing.status_code == 404
    assert [(r.path, r.query) for r in server.requests] == [("/slow", {}), ("/nowhere", {"x": "1"})]
    assert set(threading.enumerate()) == threads_before
