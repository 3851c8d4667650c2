"""tle.download, the bounded reading every source uses, against hostile local servers.

Limits are small (1 MiB, 0.3 seconds) so that each case is quick; the clients' own tests
(tests/test_hostile_sources.py) show that each source goes through this code.
"""

from __future__ import annotations

import gzip
import time
import zlib

import httpx
import pytest

from tests.httpserver import LocalServer, Reply, endless, gzip_bomb, gzip_bomb_stream
from tle import download
from tle.download import STEP, BadEncoding, Limits, TooLarge, TooSlow

CAP = 1 << 20
LIMITS = Limits(max_bytes=CAP, deadline=0.3)
TEXT = "OBJECT_NAME,NORAD_CAT_ID\r\nSYNTHETIC SAT,90001\r\n" * 100


@pytest.fixture
def http():
    with download.client(timeout=5.0, headers={"User-Agent": "tests"}, trust_env=False) as client:
        yield client


def get(http: httpx.Client, server: LocalServer, path: str, reply: Reply, limits: Limits = LIMITS, **kw) -> httpx.Response:
    server.route("GET", path, reply)
    return download.fetch(http, server.url + path, limits, **kw)


# -- answers within the limits ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["", "gzip", "x-gzip", "deflate", "raw-deflate", "identity"])
def test_answers_within_the_limits_come_back_decoded(http, http_server, encoding: str) -> None:
    data = TEXT.encode()
    body = {
        "gzip": gzip.compress(data), "x-gzip": gzip.compress(data), "deflate": zlib.compress(data),
        "raw-deflate": zlib.compress(data)[2:-4],  # what some servers send as "deflate"
    }.get(encoding, data)
    headers = {"Content-Encoding": encoding.removeprefix("raw-")} if encoding else {}

    response = get(http, http_server, "/ok", Reply(200, body, {"Content-Type": "text/csv", **headers}))

    assert (response.status_code, response.text) == (200, TEXT)
    assert "content-encoding" not in response.headers
    assert http_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_streamed_body_and_an_error_status_come_back_whole(http, http_server) -> None:
    chunks = [b"a" * 1000] * 50
    assert get(http, http_server, "/s", Reply(200, stream=lambda: chunks)).content == b"a" * 50_000
    assert get(http, http_server, "/e", Reply(503, "busy")).status_code == 503


def test_exactly_the_limit_is_accepted(http, http_server) -> None:
    assert len(get(http, http_server, "/x", Reply(200, b"x" * CAP)).content) == CAP
    assert len(get(http, http_server, "/g", Reply(200, gzip_bomb(1), {"Content-Encoding": "gzip"})).content) == CAP


# -- size ------------------------------------------------------------------------------------------


def test_an_endless_body_stops_just_past_the_limit(http, http_server) -> None:
    with pytest.raises(TooLarge, match=r"^the answer is larger than 1 MiB, the most accepted") as caught:
        get(http, http_server, "/endless", Reply(stream=endless()))
    assert CAP < caught.value.received <= CAP + STEP


@pytest.mark.parametrize("bomb", [
    pytest.param(Reply(stream=gzip_bomb_stream(), headers={"Content-Encoding": "gzip"}), id="endless"),
    pytest.param(Reply(200, gzip_bomb(256), {"Content-Encoding": "gzip"}), id="256MiB-in-260KiB"),
])
def test_a_gzip_bomb_is_never_inflated_past_the_limit(http, http_server, bomb: Reply) -> None:
    with pytest.raises(TooLarge, match=r"larger than 1 MiB once decompressed \(gzip\)") as caught:
        get(http, http_server, "/bomb", bomb)
    # The counter of what was inflated: the limit and one byte, never a whole network read's worth.
    assert caught.value.decoded == CAP + 1
    assert caught.value.received <= 64 * 1024  # at most one read of the wire (about 1 KiB per MiB)


def test_a_content_length_beyond_the_limit_is_refused_before_reading(http, http_server) -> None:
    with pytest.raises(TooLarge, match=r"announces 2 MiB, more than the 1 MiB accepted") as caught:
        get(http, http_server, "/big", Reply(200, b"x" * (2 * CAP)))
    assert caught.value.received == 0


def test_an_encoding_not_offered_or_broken_is_refused(http, http_server) -> None:
    with pytest.raises(BadEncoding, match=r"encoded as 'br', which was not offered"):
        get(http, http_server, "/br", Reply(200, b"\x8b\x02\x80", {"Content-Encoding": "br"}))
    with pytest.raises(BadEncoding, match=r"gzip body is corrupt"):
        get(http, http_server, "/bad", Reply(200, gzip.compress(b"")[:10] + b"\xff" * 8, {"Content-Encoding": "gzip"}))
    with pytest.raises(BadEncoding, match=r"gzip body ends early"):
        get(http, http_server, "/cut", Reply(200, gzip.compress(TEXT.encode())[:-8], {"Content-Encoding": "gzip"}))


# -- time ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reply", [
    pytest.param(Reply(stream=endless(b"x"), interval=0.1), id="body"),
    pytest.param(Reply(200, "x", drip_head=True, interval=0.1), id="headers"),
    pytest.param(Reply(200, "x", delay=5.0), id="silence"),
])
def test_a_drip_is_cut_at_the_deadline(http, http_server, reply: Reply) -> None:
    start = time.monotonic()
    with pytest.raises(TooSlow, match=r"^no complete answer within 0.3 s: gave up$"):
        get(http, http_server, "/drip", reply)
    assert 0.29 < time.monotonic() - start < 0.8


def test_the_run_deadline_cuts_a_request_short_or_stops_it_from_starting(http, http_server) -> None:
    slow = Limits(CAP, deadline=5.0)
    start = time.monotonic()
    with pytest.raises(TooSlow, match=r"^the run's time limit ran out: gave up$") as caught:
        get(http, http_server, "/drip", Reply(stream=endless(b"x"), interval=0.1), slow, until=start + 0.3)
    assert caught.value.sent and time.monotonic() - start < 0.8
    with pytest.raises(TooSlow, match=r"^the run's time limit ran out before this request$") as caught:
        get(http, http_server, "/ok", Reply(200, "x"), slow, until=time.monotonic())
    assert not caught.value.sent and len(http_server.requests_to("/ok")) == 0


def test_the_deadline_holds_through_a_proxy_from_the_environment(http_server, monkeypatch) -> None:
    """The local server doubles as the proxy (it routes on the path of the absolute URL)."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", http_server.url)
    http_server.route("GET", "/drip", Reply(200, "x", drip_head=True, interval=0.1))
    with download.client(timeout=5.0, headers={}, trust_env=True) as http:
        with pytest.raises(TooSlow):
            download.fetch(http, "http://tracker.invalid/drip", LIMITS)
    assert http_server.requests_to("/drip")


def test_a_source_timeout_before_the_deadline_stays_a_timeout(http_server) -> None:
    with download.client(timeout=0.2, headers={}, trust_env=False) as http:
        with pytest.raises(httpx.ReadTimeout):
            get(http, http_server, "/slow", Reply(200, "x", delay=2.0), Limits(CAP, 5.0))


def test_after_an_abort_the_next_request_gets_a_fresh_connection(http, http_server) -> None:
    with pytest.raises(TooLarge):
        get(http, http_server, "/endless", Reply(stream=endless()))
    assert get(http, http_server, "/ok", Reply(200, "fine")).text == "fine"


def test_a_broken_connection_while_reading_is_a_truncated_body(http, http_server) -> None:
    with pytest.raises(download.BodyTruncated):
        get(http, http_server, "/cut", Reply(200, "x" * 100, truncate=True))


def test_limits_must_be_positive() -> None:
    for bad in ((0, 1.0), (1, 0.0), (1, float("nan"))):
        with pytest.raises(ValueError):
            Limits(*bad)
