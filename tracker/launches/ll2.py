"""Launch Library 2 (The Space Devs): the query for Chinese launches and mapping its answers.

Pure code: it builds URLs, performs one GET at a time and maps results to launch records; the
request budget, the database and the cache of location ids are :mod:`tracker.launches.refresh`'s.

Nothing LL2 (or whatever answers in its place) sends can crash or hold a refresh: an answer may be
at most :data:`LIMITS` (size and time) and a run lasts at most :data:`RUN_LIMIT`
(:mod:`tle.download`); an answer that is not an object with a ``results`` list and a ``next``
URL (or null) is an error for that request; a result whose fields are not of the documented
types is set aside by :func:`to_record` with a ValueError naming the launch and the field.

The query
---------
``/2.3.0/launches/?location__ids=...&net__gte=<30 days ago>&mode=detailed&limit=100&ordering=net``:
every launch from a Chinese launch location, whoever provides it (CASC and the commercial
companies) in one request, where ``lsp__name`` would cost one request per provider out of 15 an
hour. ``mode=detailed`` because ``rocket.launcher_stage[].landing`` exists only there; 100 is
LL2's page maximum.

The location ids come from LL2 itself: ``/2.3.0/locations/?country_code=CHN&limit=100``, asked
at most every 30 days (:data:`tracker.launches.refresh.LOCATIONS_MAX_AGE`), keeping only answers
whose ``country`` is CHN (so a filter LL2 ignored cannot pull in foreign sites), always joined
with the four verified inland centres below. This covers sites that have no verified id here,
above all the sea launches (LL2 location "Haiyang Oriental Spaceport"), at the cost of one
request a month.

What was verified, and where (public copies of LL2 material found by code search):

* LL2 2.3.0's launch endpoint has **no country filter**. Its filters (from the 2.3.0 OpenAPI
  schema, as published in github.com/api-evangelist/thespacedevs-ll2-api,
  ``collections/thespacedevs-ll2-api-launches-api.opencollection.json``) include
  ``location__ids`` ("Comma-separated location IDs"), ``lsp__id``, ``lsp__name``,
  ``pad__location``, ``net__gte``; no ``country_code``/``pad__location__country_code``.
* The locations endpoint does filter by country: ``country_code`` (same repository,
  ``...-locations-api.opencollection.json``: "Parameters - `country_code`, ... Example -
  /locations/?country_code=NZL", i.e. ISO alpha-3).
* Location ids: 8 Wenchang Space Launch Site (the real 2.3.0 answer in
  ``../shared/api-samples``, ``pad.location.id``, ``country.alpha_3_code`` "CHN"); 17 Jiuquan
  Satellite Launch Center (a real 2.3.0 answer pasted in a public JS file, the capture the
  shared sample was cut from, and 2.2.0 answers: ``"id": 17 ... "country_code": "CHN"``); 16
  Xichang Satellite Launch Center (a 2.2.0 answer: ``ll.thespacedevs.com/2.2.0/location/16/``,
  "CHN"); 19 Taiyuan Satellite Launch Center (an SQL dump of LL2 locations in a public
  repository: ``lldev.thespacedevs.com/2.2.0/location/19/``, "CHN"). All four are also in the
  location-id table of github.com/AlexMNet/MMM-TheSpaceDevs, README.md.
* The Hainan commercial pads belong to location 8: a public project's test payload shows pad
  "Commercial LC-1" under "Wenchang Space Launch Site, People's Republic of China" (a fixture,
  not a verbatim capture).

Not verified: the id of location "Haiyang Oriental Spaceport"; whether LL2 files the Yellow Sea
and South China Sea launch positions under it or under locations of their own (seen only as
names: "Haiyang offshore launch location", "Rizhao offshore launch location", "Yellow Sea
(launch location 5)", "South China Sea (launch location 2)"); that those carry country CHN; and
that the live server honours ``country_code=CHN`` (documented with NZL). A server ignoring the
filter is harmless (the country check, the verified ids); a sea launch LL2 files under no
Chinese location is missed by refresh and stays in the bundled calendar or is added by hand.
"""

from __future__ import annotations

import math
import re
import reprlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from tle import download
from tle.celestrak import USER_AGENT
from tle.download import Limits
from tle.elements import utc
from tracker.launches import vehicles
from tracker.launches.store import TIME_RANGE
from tracker.launches.vocab import FLOWN
from tracker.text import web_url

DEFAULT_BASE = "https://ll.thespacedevs.com"
#: The Chinese launch locations whose LL2 ids were verified (module docstring): always asked.
VERIFIED_LOCATIONS = {8: "Wenchang", 16: "Xichang", 17: "Jiuquan", 19: "Taiyuan"}
COUNTRY = "CHN"
LOOKBACK = timedelta(days=30)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: The most one answer may be. Size: a page is at most 100 launches; the real normal-mode result
#: in ../shared is 11 KB, detailed mode adds the stages and landings, so a full page is a few
#: hundred KB to a couple of MB; 16 MiB is several times that. Time: 60 s from the request to the
#: last byte (a page takes a second or two).
LIMITS = Limits(max_bytes=16 << 20, deadline=60.0)
#: The most one run may last: it sends at most 1 + MAX_PAGES requests (the location lookup and the
#: pages), each within LIMITS; 5 minutes keeps a cron run (and the refresh lock) from hanging on.
RUN_LIMIT = 300.0

#: LL2 status ids to our statuses (2 TBD and 8 TBC are both "scheduled": not yet confirmed).
STATUS = {1: "go", 2: "scheduled", 3: "success", 4: "failure", 5: "hold", 6: "in-flight", 7: "partial", 8: "scheduled"}
ORBIT = {3: "success", 4: "failure", 7: "partial"}
#: LL2 net_precision names to ours; anything coarser than a month is kept as "month" (the
#: coarsest we show), morning/afternoon as "day".
PRECISION = {
    "second": "second", "minute": "minute", "hour": "hour", "morning": "day", "afternoon": "day",
    "day": "day", "week": "month", "month": "month",
}
_SATNET = re.compile(r"satnet|guowang|hulianwang|星网", re.IGNORECASE)
_QIANFAN = re.compile(r"qianfan|thousand sails|千帆|spacesail", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange: status (None when no answer came), parsed JSON, or why it failed."""

    url: str
    status: int | None
    data: dict[str, Any] | None = None
    error: str | None = None
    #: False when no byte reached LL2 (the host did not resolve, the connection was refused or
    #: never made): such a request does not count against the hourly budget.
    sent: bool = True


def locations_url(base: str) -> str:
    """The Chinese launch locations LL2 knows (one page holds them: there are a handful)."""
    return f"{base.rstrip('/')}/2.3.0/locations/?{urlencode({'country_code': COUNTRY, 'limit': 100})}"


def chinese_locations(data: dict[str, Any]) -> list[int]:
    """Ids of the locations in a locations answer whose country is China (2.3.0 ``country``
    object, or 2.2.0 ``country_code``), whatever else the answer holds."""
    found = []
    for loc in data["results"]:
        if not isinstance(loc, dict):
            continue
        country = loc.get("country")
        code = (country.get("alpha_3_code") if isinstance(country, dict) else None) or loc.get("country_code")
        ident = loc.get("id")
        if code == COUNTRY and isinstance(ident, int) and not isinstance(ident, bool):
            found.append(ident)
    return found


def first_url(base: str, now: datetime, location_ids: list[int]) -> str:
    """The first page of Chinese launches from 30 days ago onwards."""
    query = {
        "location__ids": ",".join(map(str, sorted(location_ids))),
        "net__gte": (now - LOOKBACK).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "detailed",
        "limit": 100,
        "ordering": "net",
    }
    return f"{base.rstrip('/')}/2.3.0/launches/?{urlencode(query)}"


def same_server(url: str, base: str) -> bool:
    """``next`` links are followed only to the server asked first."""
    try:
        a, b = urlsplit(url), urlsplit(base)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


class Session:
    """The HTTP client of one refresh run, with the limits of one answer and the run's deadline
    (counted from the session's start, and no later than ``until``, a ``time.monotonic()``
    deadline of a larger run); a context manager that closes the client."""

    def __init__(self, timeout: httpx.Timeout = DEFAULT_TIMEOUT, limits: Limits | None = None,
                 run_limit: float | None = None, until: float | None = None) -> None:
        self.http = download.client(timeout=timeout, headers={"User-Agent": USER_AGENT}, trust_env=False)
        self.limits = limits or LIMITS
        self.until = min(time.monotonic() + (RUN_LIMIT if run_limit is None else run_limit),
                         until if until is not None else math.inf)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.http.close()


def client(timeout: httpx.Timeout = DEFAULT_TIMEOUT, limits: Limits | None = None, run_limit: float | None = None,
           until: float | None = None) -> Session:
    return Session(timeout, limits, run_limit, until)


def get(session: Session, url: str) -> Answer:
    """One GET; never raises for network or HTTP trouble, or for what the server sends (the caller
    stops on any answer with an ``error``)."""
    try:
        response = download.fetch(session.http, url, session.limits, until=session.until)
    except download.TooSlow as exc:
        return Answer(url, None, error=str(exc), sent=exc.sent)
    except download.DownloadError as exc:
        return Answer(url, None, error=str(exc))
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        return Answer(url, None, error=f"could not connect: {exc}", sent=False)
    except httpx.TimeoutException as exc:
        return Answer(url, None, error=f"timed out ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return Answer(url, None, error=f"request failed: {exc}")
    if response.status_code != 200:
        hint = " (rate limited)" if response.status_code == 429 else ""
        return Answer(url, response.status_code, error=f"HTTP {response.status_code}{hint}: {response.text[:200]}")
    try:
        data = response.json()
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return Answer(url, 200, error="answer is not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return Answer(url, 200, error="answer has no 'results' list")
    if not isinstance(data.get("next"), str | None):
        return Answer(url, 200, error=f"answer field 'next' is {_show(data['next'])}, expected a URL or null")
    return Answer(url, 200, data)


# -- mapping one result ----------------------------------------------------------------------------

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 2, 60, 60, 4, 4


def _show(value: Any) -> str:
    """A short, safe rendering of any JSON value for a message."""
    return _REPR.repr(value)


class _Fields:
    """Typed reads of one LL2 result; each wrong type is a ValueError naming the launch and the
    field (``rocket.configuration.name``). A missing field or a null reads as None (or ``{}``)."""

    def __init__(self, launch: str) -> None:
        self.launch = launch

    def _wrong(self, path: str, value: Any, expected: str) -> ValueError:
        return ValueError(f"LL2 launch {self.launch}: {path} is {_show(value)}, expected {expected}")

    def _read(self, parent: dict[str, Any], key: str, path: str, fits: Callable[[Any], bool], expected: str) -> Any:
        """``parent[key]`` when it is missing, null or ``fits``; else the ValueError naming it."""
        value = parent.get(key)
        if value is None or fits(value):
            return value
        raise self._wrong(path, value, expected)

    def obj(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        return self._read(parent, key, path, lambda v: isinstance(v, dict), "an object") or {}

    def text(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        return self._read(parent, key, path, lambda v: isinstance(v, str), "text")

    def integer(self, parent: dict[str, Any], key: str, path: str) -> int | None:
        return self._read(parent, key, path, lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer")

    def flag(self, parent: dict[str, Any], key: str, path: str) -> bool | None:
        return self._read(parent, key, path, lambda v: isinstance(v, bool), "true, false or null")

    def number(self, parent: dict[str, Any], key: str, path: str) -> float | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                if math.isfinite(number := float(value)):
                    return number
            except OverflowError:  # an integer beyond any float
                pass
        raise self._wrong(path, value, "a finite number")

    def distance(self, parent: dict[str, Any], key: str, path: str) -> float | None:
        """A finite number >= 0 (km), or None."""
        number = self.number(parent, key, path)
        if number is not None and number < 0:
            raise self._wrong(path, number, "a distance >= 0")
        return number

    def time(self, parent: dict[str, Any], key: str, path: str) -> datetime | None:
        text = self.text(parent, key, path)
        if not text:
            return None
        try:
            value = utc(datetime.fromisoformat(text.replace("Z", "+00:00")))  # no offset: UTC, as LL2 means
        except (ValueError, OverflowError):  # OverflowError: year 1 with an offset east of UTC
            raise self._wrong(path, text, "an ISO 8601 time") from None
        if not TIME_RANGE[0] <= value < TIME_RANGE[1]:
            raise _OutOfRange(str(self._wrong(path, text, "a time between 1957-01-01 and 2100-12-31")))
        return value

    def objects(self, parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]] | None:
        value = self._read(parent, key, path, lambda v: isinstance(v, list), "a list")
        for i, item in enumerate(value or []):
            if not isinstance(item, dict):
                raise self._wrong(f"{path}[{i}]", item, "an object")
        return value


def _landing(read: _Fields, stages: list[dict[str, Any]] | None, flown: bool) -> dict[str, Any]:
    """Booster recovery from ``rocket.launcher_stage[].landing`` (detailed mode only)."""
    if stages is None:
        return {}  # normal mode: LL2 did not say; keep what we have
    path = "rocket.launcher_stage"
    landings = [read.obj(s, "landing", f"{path}[{i}].landing") for i, s in enumerate(stages)]
    attempted = [(i, l) for i, l in enumerate(landings) if read.flag(l, "attempt", f"{path}[{i}].landing.attempt")]
    if not attempted:
        return {"booster_recovery": "not-attempted"}
    i, first = attempted[0]
    where = f"{path}[{i}].landing"
    success = read.flag(first, "success", f"{where}.success")
    if not flown or success is None:
        outcome = "unknown"
    else:
        outcome = "attempted-succeeded" if success else "attempted-failed"
    return {
        "booster_recovery": outcome,
        "landing_type": read.text(read.obj(first, "type", f"{where}.type"), "abbrev", f"{where}.type.abbrev"),
        "landing_location": read.text(read.obj(first, "location", f"{where}.location"), "name", f"{where}.location.name"),
        "landing_downrange_km": read.distance(first, "downrange_distance", f"{where}.downrange_distance"),
    }


class _OutOfRange(ValueError):
    """A time of the right form outside :data:`~tracker.launches.store.TIME_RANGE`."""


def _webcast(read: _Fields, result: dict[str, Any]) -> str | None:
    """The first usable ``vid_urls[].url`` (webcasts and videos, in LL2's priority order; only
    ``mode=detailed`` answers have them)."""
    videos = read.objects(result, "vid_urls", "vid_urls") or []
    ranked = sorted(videos, key=lambda v: v.get("priority") if isinstance(v.get("priority"), int) else 1_000_000)
    found = (web_url(read.text(video, "url", "vid_urls[].url")) for video in ranked)
    return next((url for url in found if url), None)


def to_record(result: Any) -> dict[str, Any]:
    """One LL2 launch as record fields (only what LL2 states; absent facts are left out).

    ValueError, naming the launch and the field, for a result that is not an object with a text
    ``id`` and a readable ``net``, or with any field used here of the wrong type (an object where
    text belongs, a time that is not ISO 8601...): the refresh sets that one aside and merges the
    rest. Nothing else is raised, whatever the result holds."""
    ident = result.get("id") if isinstance(result, dict) else None
    if not ident or not isinstance(ident, str):
        raise ValueError(f"an LL2 result without an id: {_show(result)}")
    read = _Fields(ident)
    net = None
    try:
        net = read.time(result, "net", "net")
    except _OutOfRange:
        raise  # it says what is wrong: a time, but outside the supported range
    except ValueError:
        pass
    if net is None:
        raise ValueError(f"LL2 launch {ident}: net {_show(result.get('net'))} is not an ISO 8601 time")
    rocket = read.obj(result, "rocket", "rocket")
    config = read.obj(rocket, "configuration", "rocket.configuration")
    title = read.text(result, "name", "name")
    name = (read.text(config, "full_name", "rocket.configuration.full_name") or read.text(config, "name", "rocket.configuration.name")
            or (title or "").split("|")[0].strip())
    if not name:
        raise ValueError(f"LL2 launch {ident}: no rocket name (rocket.configuration.full_name, .name or name)")
    try:
        name = vehicles.match(name)
    except vehicles.UnknownVehicle:
        pass  # a vehicle new to us: LL2's own spelling
    family, variant = vehicles.split(name)
    status_id = read.integer(read.obj(result, "status", "status"), "id", "status.id")
    status = STATUS.get(status_id, "scheduled") if status_id is not None else "scheduled"
    mission = read.obj(result, "mission", "mission")
    mission_name = read.text(mission, "name", "mission.name")
    pad = read.obj(result, "pad", "pad")
    location = (read.text(read.obj(pad, "location", "pad.location"), "name", "pad.location.name") or "").split(",")[0]
    precision = (read.text(read.obj(result, "net_precision", "net_precision"), "name", "net_precision.name") or "minute").lower()
    provider = read.obj(result, "launch_service_provider", "launch_service_provider")
    designator = read.text(result, "launch_designator", "launch_designator")
    url = read.text(result, "url", "url")
    text = " ".join(filter(None, [mission_name, title]))
    constellation = "guowang" if _SATNET.search(text) else "qianfan" if _QIANFAN.search(text) else None
    rec = {
        "ll2_id": ident,
        "vehicle": family,
        "variant": variant,
        "provider": (read.text(provider, "abbrev", "launch_service_provider.abbrev")
                     or read.text(provider, "name", "launch_service_provider.name")),
        "site": " pad ".join(filter(None, [location, read.text(pad, "name", "pad.name")])) or None,
        "mission": mission_name,
        "constellation": constellation,
        "net_utc": net,
        "net_precision": PRECISION.get(precision, "month"),
        "window_start": read.time(result, "window_start", "window_start"),
        "window_end": read.time(result, "window_end", "window_end"),
        "status": status,
        "orbit_outcome": ORBIT.get(status_id, "pending") if status_id is not None else "pending",
        "cospar_launch": designator if designator and re.fullmatch(r"\d{4}-\d{3}", designator) else None,
        "sources": [url] if url else [],
        "ll2_url": web_url(url),
        "webcast_url": _webcast(read, result),
    }
    rec.update(_landing(read, read.objects(rocket, "launcher_stage", "rocket.launcher_stage"), status in FLOWN))
    return rec
