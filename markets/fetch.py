"""Polite HTTP for the market-data sources, and the daily-bar frame they all return.

Yahoo Finance and Eastmoney publish no usage policy for these endpoints, but both throttle or
block clients that hammer them, and a block tends to cover the whole address for hours. So
:class:`PoliteClient`:

* spaces requests to one host at least ``min_interval`` seconds apart, counted from the end of the
  previous answer (Yahoo 1 s, Eastmoney 0.5 s: each source module sets its own default);
* retries transient faults only (timeouts, connection errors, truncated bodies, HTTP 5xx) with
  exponential backoff, ``attempts`` tries in all, then raises :class:`FetchError`; a 5xx's
  Retry-After is honoured when it is at most ``max_wait`` seconds;
* raises :class:`Blocked` at once, without retrying, on answers that mean "go away": HTTP
  401/403/429, a redirect (e.g. to a consent or login page), a 200 carrying an HTML page where
  JSON was expected (captcha, block page), or a 5xx asking to wait longer than ``max_wait``. Every
  further request of the run would get the same answer and only prolong the block, so the caller
  must end the run. :class:`Blocked` is deliberately *not* a :class:`FetchError`;
* raises :class:`FetchError` for anything else (404, 400, malformed bodies, an answer larger than
  ``limits.max_bytes``): that one security failed and the caller may go on with the next;
* raises :class:`Unreachable` at once, without retrying, when an answer is not complete within
  ``limits.deadline`` (a server dripping its answer would only drip again), or by ``until`` (the
  :func:`time.monotonic` instant a caller's whole run must end by; no wait goes beyond it); like
  a network that is down, the caller skips the rest of that source.

Answers are read within :data:`LIMITS` (:mod:`tle.download`). Size: a year of daily bars is
about 30 KB from either vendor (Yahoo's ``range=max`` of an old index a few MB); 16 MiB is far
beyond any real answer and bounds the memory. Time: 60 s from the request to the last byte.

The clock and sleep are injectable so that tests never wait.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar
from urllib.parse import urlencode, urlsplit

import httpx
import polars as pl

from markets.bounds import first_problem
from tle import download
from tle.celestrak import package_version
from tle.download import Limits

log = logging.getLogger(__name__)

#: Identify ourselves honestly, as for CelesTrak; we never pretend to be a browser.
USER_AGENT = f"china-space-tracker/{package_version()} (+https://github.com/china-space-tracker; daily market bars)"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
#: The most one vendor answer may be (module docstring).
LIMITS = Limits(max_bytes=16 << 20, deadline=60.0)
#: Statuses that refuse this client rather than this request.
BLOCKING_STATUSES = frozenset({401, 403, 429})

#: Columns of every daily-bar frame. ``date`` is the exchange-local trading date; prices are
#: traded (unadjusted) prices, never null; ``volume`` is in shares and may be null.
SCHEMA: dict[str, Any] = {
    "security": pl.Utf8, "date": pl.Date, "open": pl.Float64, "high": pl.Float64,
    "low": pl.Float64, "close": pl.Float64, "volume": pl.Float64,
}
_SNIPPET_CHARS = 200
_JSONP = re.compile(r"^\s*[A-Za-z_$][\w$.]*\s*\((.*)\)\s*;?\s*$", re.DOTALL)


class MarketDataError(Exception):
    """A failed market-data request: ``url``, a human ``message`` and the HTTP ``status`` if any."""

    def __init__(self, message: str, url: str, status: int | None = None) -> None:
        super().__init__(f"{message} [{url}]" if url else message)
        self.message, self.url, self.status = message, url, status


class FetchError(MarketDataError):
    """This security could not be fetched or parsed; others may still be. ``body``: the answer."""

    def __init__(self, message: str, url: str, status: int | None = None, body: str | None = None) -> None:
        super().__init__(message, url, status)
        self.body = body


class Unreachable(FetchError):
    """Every attempt ended without an HTTP answer (network down, DNS, refused connection), or an
    answer did not come whole within the deadline: other securities of the same source would fare
    no better, so the caller may skip them."""


class Blocked(MarketDataError):
    """The source refuses this client: stop the whole run. ``retry_after``: seconds, if it said."""

    def __init__(self, message: str, url: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, url, status)
        self.retry_after = retry_after


@dataclass(frozen=True, eq=False)
class Fetched:
    """Daily bars of one security (columns :data:`SCHEMA`, sorted by date) and where they came from."""

    security: str
    frame: pl.DataFrame
    url: str


#: ``(date, open, high, low, close, volume)``
Row = tuple[date, float | None, float | None, float | None, float | None, float | None]


def bars(security: str, rows: Iterable[Row], url: str = "") -> pl.DataFrame:
    """``(date, open, high, low, close, volume)`` rows as a bar frame.

    A bar lacking any price is dropped: a null close is a placeholder for a day without trade or a
    live bar not yet priced, and a bar missing open/high/low cannot be checked against the price
    limits (only volume may be null). When a date comes twice the last row wins (Yahoo repeats the
    live bar). Sorted by date. A bar breaking the rules of :mod:`markets.bounds` (the same as
    for price files) is a :class:`FetchError` naming ``url``, the bar's date and the field.
    """
    frame = pl.DataFrame([(security, *row) for row in rows], schema=SCHEMA, orient="row")
    frame = frame.drop_nulls(["open", "high", "low", "close"])
    frame = frame.unique(subset="date", keep="last", maintain_order=True).sort("date")
    problem = first_problem(frame)
    if problem is not None:
        row, name, message = problem
        raise FetchError(f"bar of {frame['date'][row]}, field {name}: {message} (the bar rules of "
                         "markets.bounds, as for price files)", url)
    return frame


def check_base(base_url: str, source: str) -> str:
    """``base_url`` without a trailing slash; ValueError unless it is like ``https://host``."""
    base = base_url.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ValueError(f"{source} base URL must be like https://host, got {base_url!r}")
    return base


def snippet(text: str) -> str:
    return " ".join(text.split())[:_SNIPPET_CHARS]


def decode_json(text: str, url: str, *, jsonp: bool = False) -> Any:
    """The JSON value of a body; with ``jsonp`` a ``callback(...);`` wrapper is removed first."""
    if jsonp and (match := _JSONP.match(text)):
        text = match.group(1)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FetchError(f"answer is not valid JSON ({exc}): {snippet(text)!r}", url) from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise FetchError(f"answer is not valid JSON (nested too deep): {snippet(text)!r}", url) from None


def field(obj: Any, *path: str | int, url: str, what: str) -> Any:
    """``obj[path[0]][path[1]]...``; a missing or null step raises FetchError naming the field."""
    for depth, key in enumerate(path):
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            obj = None
        if obj is None:
            name = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path[: depth + 1])
            raise FetchError(f"{what}: missing field {name.lstrip('.')}", url)
    return obj


@dataclass(frozen=True)
class _Transient:
    """A failed attempt worth retrying."""

    message: str
    status: int | None = None
    retry_after: float | None = None


class _SupportsClose(Protocol):
    def close(self) -> None: ...


_Wrapped = TypeVar("_Wrapped", bound=_SupportsClose)


class _Closing(Generic[_Wrapped]):
    """``close()`` of the wrapped ``self._http``, and ``with`` support that calls it."""

    _http: _Wrapped

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class PoliteClient(_Closing[httpx.Client]):
    """One ``httpx.Client`` plus the spacing, retry and stop rules of the module docstring."""

    def __init__(
        self,
        *,
        min_interval: float,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        attempts: int = 3,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        trust_env: bool = True,
        user_agent: str = USER_AGENT,
        limits: Limits | None = None,
        until: float | None = None,
    ) -> None:
        if attempts < 1 or min_interval < 0 or backoff < 0:
            raise ValueError("attempts must be >= 1, min_interval and backoff >= 0")
        self.min_interval, self.attempts, self.backoff, self.max_wait = min_interval, attempts, backoff, max_wait
        self.limits = limits or LIMITS
        self.until = until
        self._clock, self._sleep = clock, sleep
        self._last: dict[str, float] = {}  # host -> clock() at the end of its last request
        self._http = download.client(
            timeout=timeout,
            headers={"User-Agent": user_agent, "Accept": "application/json, text/javascript, */*;q=0.1"},
            trust_env=trust_env,
        )

    def get_text(self, url: str) -> str:
        """The body of a 200 answer to GET ``url``; raises :class:`FetchError` or :class:`Blocked`."""
        host = urlsplit(url).netloc
        for attempt in range(1, self.attempts + 1):
            self._wait_turn(host)
            try:
                outcome = self._attempt(url)
            finally:
                self._last[host] = self._clock()
            if isinstance(outcome, str):
                return outcome
            if outcome.retry_after is not None and outcome.retry_after > self.max_wait:
                wait = f"the server asks to wait {outcome.retry_after:g} s (more than {self.max_wait:g} s)"
                raise Blocked(f"{outcome.message}; {wait}", url, outcome.status, outcome.retry_after)
            if attempt == self.attempts:
                message = f"{outcome.message}; gave up after {self.attempts} attempts"
                raise (FetchError if outcome.status else Unreachable)(message, url, outcome.status)
            delay = max(self.backoff * 2 ** (attempt - 1), outcome.retry_after or 0.0)
            log.info("%s (attempt %d of %d); retrying in %g s: %s", outcome.message, attempt, self.attempts, delay, url)
            self._nap(delay)
        raise AssertionError("unreachable")

    def _wait_turn(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None and (wait := last + self.min_interval - self._clock()) > 0:
            self._nap(wait)

    def _nap(self, seconds: float) -> None:
        """Sleep ``seconds``, but not beyond ``until`` (the request after it then fails at once)."""
        if self.until is not None:
            seconds = min(seconds, max(0.0, self.until - time.monotonic()))
        self._sleep(seconds)

    def _attempt(self, url: str) -> str | _Transient:
        try:
            response = download.fetch(self._http, url, self.limits, until=self.until)
        except download.TooSlow as exc:
            raise Unreachable(str(exc), url) from None
        except download.DownloadError as exc:
            raise FetchError(str(exc), url) from None
        except httpx.TimeoutException as exc:
            return _Transient(f"timed out ({type(exc).__name__})")
        except httpx.RemoteProtocolError as exc:
            return _Transient(f"connection dropped or body truncated ({exc})")
        except httpx.NetworkError as exc:
            return _Transient(f"connection failed ({type(exc).__name__}: {exc})")
        except httpx.HTTPError as exc:
            raise FetchError(f"request failed ({type(exc).__name__}: {exc})", url) from exc
        status, text = response.status_code, response.text
        retry_after = _retry_after(response)
        if status == 200:
            # By shape, not Content-Type: some Chinese APIs label JSON text/html, but no JSON or
            # JSONP body starts with "<".
            if text.lstrip("\ufeff \t\r\n").startswith("<"):
                message = f"an HTML page instead of JSON (captcha or block page?): {snippet(text)!r}"
                raise Blocked(message, url, status, retry_after)
            return text
        reason = f"HTTP {status} {response.reason_phrase}".rstrip()
        if status in BLOCKING_STATUSES or 300 <= status < 400:
            message = f"{reason}: the server refuses this client"
            if location := response.headers.get("Location"):
                message += f" (redirects to {location})"
            if retry_after is not None:
                message += f"; it asks to wait {retry_after:g} s"
            raise Blocked(f"{message}: {snippet(text)!r}", url, status, retry_after)
        if status >= 500:
            return _Transient(f"{reason}: {snippet(text)!r}", status, retry_after)
        raise FetchError(f"{reason}: {snippet(text)!r}", url, status, body=text)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds: delta-seconds, or an HTTP date relative to the server's own Date."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = _aware(parsedate_to_datetime(value))
        server_date = response.headers.get("Date")
        now = _aware(parsedate_to_datetime(server_date)) if server_date else datetime.now(timezone.utc)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (when - now).total_seconds())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def with_query(base: str, path: str, params: Mapping[str, str | int]) -> str:
    """``base + path + ?query``, commas left readable (both APIs take comma lists)."""
    return f"{base}{path}?{urlencode(params, safe=',')}"


class SourceClient(_Closing[PoliteClient]):
    """Base of the per-source clients: a checked ``base_url`` and a :class:`PoliteClient` spaced
    ``MIN_INTERVAL`` apart and ending by ``until`` (or the ``http`` given, e.g. by tests); closes it
    on ``close()``."""

    SOURCE: ClassVar[str]
    DEFAULT_BASE: ClassVar[str]
    MIN_INTERVAL: ClassVar[float]

    def __init__(self, base_url: str | None = None, *, http: PoliteClient | None = None, until: float | None = None) -> None:
        self.base_url = check_base(self.DEFAULT_BASE if base_url is None else base_url, self.SOURCE)
        self._http = http or PoliteClient(min_interval=self.MIN_INTERVAL, until=until)
