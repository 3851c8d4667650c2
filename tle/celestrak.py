"""CelesTrak GP client that follows CelesTrak's rules for automated clients.

CelesTrak (https://celestrak.org/NORAD/documentation/gp-data-formats.php and its usage policy)
asks automated clients to:

* not download the same GP query more than once per update cycle: GP data changes at most every
  2 hours, so a URL is not fetched again within :data:`MIN_INTERVAL` of its last *successful*
  fetch (``force=True`` overrides; the caller warns the user);
* stop at once on any error answer instead of hammering on (CelesTrak blocks clients that keep
  producing errors), so the first failure ends the run and the remaining URLs are not attempted;
* identify themselves with an honest User-Agent.

CelesTrak answers a repeated download with HTTP 403 and a body saying the data "has not updated
since your last successful download"; that is a normal answer, treated like a 304. A 200 is a
success only when its body is element data (parsed here, :func:`tle.formats.parse_text`): CelesTrak
answers an unknown group with 200 and a line of text, and a proxy or captive portal may answer
with a page; such an answer is an error like any other (the run stops, no success is recorded).

Nothing a server sends can hold the run for ever or fill the memory (:mod:`tle.download`): an
answer may be at most :data:`LIMITS` (size and time), and a run lasts at most :data:`RUN_LIMIT`.

This module is pure library code: it performs the HTTP requests and returns updated
:class:`FetchState` values, and the caller persists them (keyed by the canonical URL, which is why
:func:`gp_url` and :func:`query_url` always build the same string for the same query).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from importlib import metadata
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from tle import download
from tle.download import Limits
from tle.formats import FormatError, ParseResult, parse_text

#: What the tracker follows by default: the Guowang (SatNet "HULIANWANG") satellites, Qianfan
#: (Thousand Sails / G60) and the space stations (Tiangong).
DEFAULT_GROUPS: tuple[str, ...] = ("NAME=HULIANWANG", "GROUP=qianfan", "GROUP=stations")

#: CelesTrak updates GP data at most every 2 hours; fetching sooner only wastes their bandwidth.
MIN_INTERVAL = timedelta(hours=2)

#: Default timeouts: connecting should be quick; the large groups can take a while to stream.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

#: The most one answer may be. Size: the largest query, the whole active catalogue (GROUP=active,
#: about 16,000 objects), is about 2.5 MB of CSV (2026); 64 MiB leaves room for the catalogue to
#: grow twenty-fold and still bounds the memory of a run. Time: the catalogue at a slow 100 kB/s
#: takes 25 s; 120 s from the request to the last byte cuts off a server that drips.
LIMITS = Limits(max_bytes=64 << 20, deadline=120.0)
#: The most one run may last, whatever each answer takes: a default run asks for about 15 URLs
#: (the groups, the followed launches, the catalogue), which take seconds; 10 minutes keeps a
#: cron run (and the refresh lock) from outliving the next one however the server behaves.
RUN_LIMIT = 600.0

#: The query keys that select objects in CelesTrak's GP API.
SELECTORS = ("GROUP", "NAME", "CATNR", "INTDES", "SPECIAL")

_GP_PATH = "/NORAD/elements/gp.php"
_BARE_GROUP = re.compile(r"^[A-Za-z0-9._-]+$")
_UNCHANGED_403 = re.compile(r"has not updated", re.IGNORECASE)
_NO_DATA = re.compile(r"^\s*No GP data found\s*$", re.IGNORECASE)
_SNIPPET_CHARS = 200
_TIMEOUT_PHASES: dict[type[httpx.TimeoutException], str] = {
    httpx.ConnectTimeout: "connect",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}


def _version() -> str:
    try:
        return metadata.version("china-space-tracker")
    except metadata.PackageNotFoundError:  # running from a source checkout
        return "0.0.0"


#: The installed package's version, for other modules' User-Agent strings (:mod:`markets.fetch`).
package_version = _version

#: CelesTrak asks automated clients to identify themselves honestly.
USER_AGENT = (
    f"china-space-tracker/{_version()} "
    "(+https://github.com/china-space-tracker; automated GP refresh)"
)

OutcomeKind = Literal["fetched", "unchanged", "skipped", "error", "not-attempted"]


@dataclass(frozen=True)
class FetchState:
    """What is remembered about one GP URL between runs. All datetimes are aware UTC."""

    url: str
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None

    def __post_init__(self) -> None:
        # A naive datetime (e.g. read back from SQLite, which drops tzinfo) would make the 2-hour
        # comparison raise or, worse, be off by the local UTC offset.
        for name in ("last_success", "last_attempt"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"FetchState.{name} must be timezone-aware (UTC), got {value!r}")


@dataclass(frozen=True)
class FetchOutcome:
    """The result for one URL of :meth:`CelesTrakClient.fetch_all`; ``message`` says what
    happened without repeating the URL (callers show ``url`` beside it)."""

    url: str
    kind: OutcomeKind
    status: int | None
    message: str
    body: str | None  #: decoded response text, only for ``"fetched"``
    state: FetchState  #: the state to persist (unchanged input for skipped / not-attempted)
    parsed: ParseResult | None = None  #: the element data of ``body``, only for ``"fetched"``


# -- URL building --------------------------------------------------------------------------------


def _endpoint(base_url: str) -> str:
    base = base_url.strip().rstrip("/")
    split = urlsplit(base)
    if split.scheme not in ("http", "https") or not split.netloc or split.query:
        raise ValueError(f"CelesTrak base URL must be like https://celestrak.org, got {base_url!r}")
    return base + _GP_PATH


def _build(base_url: str, params: dict[str, str]) -> str:
    """The canonical URL: sorted parameters, FORMAT=csv, so equal queries give equal state keys."""
    params = {**params, "FORMAT": "csv"}
    return f"{_endpoint(base_url)}?{urlencode(sorted(params.items()))}"


def gp_url(base_url: str, spec: str) -> str:
    """The canonical GP CSV URL for a group spec: ``KEY=VALUE`` or a bare group name.

    ``KEY`` is one of :data:`SELECTORS` (any case); ``"qianfan"`` means ``GROUP=qianfan``.
    """
    text = spec.strip()
    if "=" not in text:
        if not _BARE_GROUP.match(text):
            raise ValueError(
                f"bad group spec {spec!r}: expected KEY=VALUE (KEY one of {', '.join(SELECTORS)})"
                " or a bare CelesTrak group name such as 'qianfan'"
            )
        return _build(base_url, {"GROUP": text})
    key, _, value = text.partition("=")
    key, value = key.strip().upper(), value.strip()
    if key not in SELECTORS:
        raise ValueError(f"bad group spec {spec!r}: key must be one of {', '.join(SELECTORS)}")
    if not value or "&" in value:
        raise ValueError(
            f"bad group spec {spec!r}: expected one non-empty value"
            " (use a raw query for several parameters)"
        )
    return _build(base_url, {key: value})


def query_url(base_url: str, query: str) -> str:
    """The canonical GP URL for a raw query string such as ``GROUP=active&FORMAT=json``.

    Keys are upper-cased and FORMAT is forced to csv, the only format the tracker parses here.
    """
    try:
        pairs = parse_qsl(query.strip().lstrip("?"), keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise ValueError(f"bad query {query!r}: {exc}") from None
    params: dict[str, str] = {}
    for key, value in pairs:
        key = key.strip().upper()
        if key in params:
            raise ValueError(f"bad query {query!r}: {key} given more than once")
        if not value.strip():
            raise ValueError(f"bad query {query!r}: {key} has an empty value")
        params[key] = value.strip()
    params.pop("FORMAT", None)
    if not any(key in params for key in SELECTORS):
        raise ValueError(f"bad query {query!r}: needs one of {', '.join(SELECTORS)}")
    return _build(base_url, params)


# -- fetching ------------------------------------------------------------------------------------


def _snippet(text: str) -> str:
    return " ".join(text.split())[:_SNIPPET_CHARS]


def _utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


class CelesTrakClient:
    """Fetches GP URLs politely; see the module docstring for the rules it enforces."""

    def __init__(
        self,
        base_url: str = "https://celestrak.org",
        *,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        min_interval: timedelta = MIN_INTERVAL,
        limits: Limits | None = None,
        run_limit: float | None = None,
        until: float | None = None,
    ) -> None:
        """``run_limit``: seconds a run may last (default :data:`RUN_LIMIT`); ``until``: a
        ``time.monotonic()`` deadline of a larger run this one belongs to, kept as well."""
        self._endpoint = _endpoint(base_url)
        self.base_url = self._endpoint.removesuffix(_GP_PATH)
        self._timeout = timeout or DEFAULT_TIMEOUT
        self._transport = transport
        self._min_interval = min_interval
        self._limits = limits or LIMITS
        self._run_limit = RUN_LIMIT if run_limit is None else run_limit
        self._until = until

    def fetch_all(
        self,
        urls: list[str],
        states: dict[str, FetchState],
        *,
        now: datetime,
        force: bool = False,
        intervals: Mapping[str, timedelta] | None = None,
    ) -> list[FetchOutcome]:
        """Fetch each URL in order and return one outcome per URL.

        A URL whose last success is within ``min_interval`` of ``now`` is skipped unless ``force``;
        ``intervals`` gives some URLs a longer interval of their own (never a shorter one: the
        big catalogue is asked for once a day, not every 2 hours).
        The first error stops the run: CelesTrak asks clients to stop querying on any error, so
        the remaining URLs come back as ``"not-attempted"``. A URL repeated in ``urls`` is only
        requested once. Past the run's time limit a request fails at once (and so stops the run).
        """
        if now.tzinfo is None:
            raise ValueError(f"now must be timezone-aware, got {now!r}")
        now = now.astimezone(timezone.utc)
        foreign = [url for url in urls if not url.startswith(self._endpoint + "?")]
        if foreign:
            raise ValueError(f"not GP URLs of {self.base_url}: {', '.join(foreign)}")

        outcomes: list[FetchOutcome] = []
        requested: set[str] = set()
        failed = False
        until = min(time.monotonic() + self._run_limit, self._until if self._until is not None else math.inf)
        with download.client(
            headers={"User-Agent": USER_AGENT}, timeout=self._timeout, transport=self._transport
        ) as client:
            for url in urls:
                state = states.get(url) or FetchState(url)
                if failed:
                    message = "stopped: an earlier request failed"
                    outcomes.append(_not_requested(url, "not-attempted", message, state))
                elif url in requested:
                    message = "skipped: already requested in this run"
                    outcomes.append(_not_requested(url, "skipped", message, state))
                elif not force and (reason := self._too_soon(state, now, (intervals or {}).get(url))):
                    outcomes.append(_not_requested(url, "skipped", reason, state))
                else:
                    requested.add(url)
                    outcome = _fetch(client, url, state, now, self._limits, until)
                    failed = outcome.kind == "error"
                    outcomes.append(outcome)
        return outcomes

    def _too_soon(self, state: FetchState, now: datetime, interval: timedelta | None) -> str | None:
        if state.last_success is None:
            return None
        interval = max(interval or self._min_interval, self._min_interval)
        due = state.last_success + interval
        if now >= due:
            return None
        rule = f"CelesTrak updates GP data at most every {self._min_interval.total_seconds() / 3600:g} h"
        if interval > self._min_interval:
            rule = f"this query is asked for at most every {interval.total_seconds() / 3600:g} h"
        return (
            f"skipped: last successful download {_utc(state.last_success)}; {rule}, next fetch"
            f" allowed from {_utc(due)} (force to override)"
        )


def _not_requested(url: str, kind: OutcomeKind, message: str, state: FetchState) -> FetchOutcome:
    return FetchOutcome(url=url, kind=kind, status=None, message=message, body=None, state=state)


def _fetch(
    client: httpx.Client, url: str, state: FetchState, now: datetime, limits: Limits, until: float
) -> FetchOutcome:
    """One GET with conditional headers, mapped to an outcome and the state to persist."""
    headers: dict[str, str] = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    attempted = replace(state, last_attempt=now)

    def error(status: int | None, message: str) -> FetchOutcome:
        failed = replace(attempted, last_status=status)
        return FetchOutcome(url, "error", status, message, None, failed)

    try:
        response = download.fetch(client, url, limits, headers=headers, until=until)
    except download.DownloadError as exc:
        return error(None, str(exc))
    except httpx.TimeoutException as exc:
        phase = _TIMEOUT_PHASES.get(type(exc), "read")
        limit = client.timeout.as_dict()[phase]  # the limit that fired, hence never None
        return error(None, f"timed out after {limit:g} s ({phase})")
    except download.BodyTruncated as exc:
        return error(None, f"truncated response body ({exc})")
    except httpx.RemoteProtocolError as exc:
        return error(None, f"bad HTTP answer: {exc}")
    except httpx.HTTPError as exc:
        return error(None, f"request failed ({type(exc).__name__}): {exc}")

    status = response.status_code
    succeeded = replace(attempted, last_success=now, last_status=status)
    if status == 200:
        body = response.text
        if _NO_DATA.match(body) and _selects_one_launch_or_object(url):
            # Every object of that launch (or that object) has come down: nothing to store, and
            # not a failure (a group or name query answering so is, since it names nothing).
            return FetchOutcome(url, "unchanged", status, "CelesTrak holds no objects for it (decayed?)", None, succeeded)
        try:
            parsed = _element_data(body, url)
        except FormatError as exc:
            return error(status, f"HTTP 200 but not element data ({exc}): {_snippet(body)!r}")
        # Validators of the previous download are replaced, not merged: a response without them
        # means the next request must be unconditional.
        fetched = replace(
            succeeded,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )
        message = f"fetched {len(body)} characters"
        return FetchOutcome(url, "fetched", status, message, body, fetched, parsed)
    if status == 304:
        message = "not modified since the last download"
        return FetchOutcome(url, "unchanged", status, message, None, succeeded)
    if status == 403 and _UNCHANGED_403.search(response.text):
        message = f"unchanged, CelesTrak says: {_snippet(response.text)}"
        return FetchOutcome(url, "unchanged", status, message, None, succeeded)
    message = f"HTTP {status}: {_snippet(response.text)}"
    if location := response.headers.get("Location"):
        message += f" (redirected to {location})"
    return error(status, message)


def _selects_one_launch_or_object(url: str) -> bool:
    return any(key in ("INTDES", "CATNR") for key, _ in parse_qsl(urlsplit(url).query))


def _element_data(body: str, url: str) -> ParseResult:
    """The element sets of a 200's body. FormatError, saying why without the URL, when the body
    is not element data or none of its records can be read (a server misbehaving, not a bad
    record among good ones)."""
    try:
        parsed = parse_text(body, url)
    except FormatError as exc:
        reason = str(exc).removeprefix(url).lstrip(": ")
        if reason.startswith("not element-set data"):  # "(expected TLE/3LE, ...)" says enough
            reason = reason.removeprefix("not element-set data").strip(" ()")
        raise FormatError(reason if body.strip() else "empty body") from None
    if parsed.rejected and parsed.frame.is_empty():
        count, first = len(parsed.rejected), parsed.rejected[0]
        raise FormatError(f"none of its {count} records can be read, the first: {first.reason}")
    return parsed
