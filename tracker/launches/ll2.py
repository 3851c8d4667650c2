"""Launch Library 2 (The Space Devs): the query for Chinese launches and mapping its answers.

Pure code: it builds URLs, performs one GET at a time and maps results to launch records; the
request budget, the database and the cache of location ids are :mod:`tracker.launches.refresh`'s.

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

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from tle.celestrak import USER_AGENT
from tle.elements import utc
from tracker.launches import vehicles
from tracker.launches.vocab import FLOWN

DEFAULT_BASE = "https://ll.thespacedevs.com"
#: The Chinese launch locations whose LL2 ids were verified (module docstring): always asked.
VERIFIED_LOCATIONS = {8: "Wenchang", 16: "Xichang", 17: "Jiuquan", 19: "Taiyuan"}
COUNTRY = "CHN"
LOOKBACK = timedelta(days=30)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

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
        code = (loc.get("country") or {}).get("alpha_3_code") or loc.get("country_code")
        if code == COUNTRY and isinstance(loc.get("id"), int):
            found.append(loc["id"])
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
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def get(client: httpx.Client, url: str) -> Answer:
    """One GET; never raises for network or HTTP trouble (the caller stops on any non-200)."""
    try:
        response = client.get(url)
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
    except ValueError:
        return Answer(url, 200, error="answer is not JSON")
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        return Answer(url, 200, error="answer has no 'results' list")
    return Answer(url, 200, data)


def client(timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> httpx.Client:
    return httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}, trust_env=False)


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))  # no offset: UTC, as LL2 means


def _landing(stages: list[dict[str, Any]] | None, flown: bool) -> dict[str, Any]:
    """Booster recovery from ``rocket.launcher_stage[].landing`` (detailed mode only)."""
    if stages is None:
        return {}  # normal mode: LL2 did not say; keep what we have
    landings = [s["landing"] for s in stages if s.get("landing")]
    attempted = [l for l in landings if l.get("attempt")]
    if not attempted:
        return {"booster_recovery": "not-attempted"}
    first = attempted[0]
    if not flown or first.get("success") is None:
        outcome = "unknown"
    else:
        outcome = "attempted-succeeded" if first["success"] else "attempted-failed"
    distance = first.get("downrange_distance")
    return {
        "booster_recovery": outcome,
        "landing_type": (first.get("type") or {}).get("abbrev"),
        "landing_location": (first.get("location") or {}).get("name"),
        "landing_downrange_km": float(distance) if distance is not None else None,
    }


def to_record(result: dict[str, Any]) -> dict[str, Any]:
    """One LL2 launch as record fields (only what LL2 states; absent facts are left out).

    ValueError, naming the launch and the field, for a result without an ``id`` or a readable
    ``net``: the refresh sets that one aside and merges the rest."""
    if not isinstance(result, dict) or not result.get("id"):
        raise ValueError(f"an LL2 result without an id: {str(result)[:80]!r}")
    try:
        net = _time(result.get("net"))
    except (TypeError, ValueError):
        net = None
    if net is None:
        raise ValueError(f"LL2 launch {result['id']}: net {result.get('net')!r} is not an ISO 8601 time")
    config = (result.get("rocket") or {}).get("configuration") or {}
    name = config.get("full_name") or config.get("name") or result.get("name", "").split("|")[0].strip()
    try:
        name = vehicles.match(name)
    except vehicles.UnknownVehicle:
        pass  # a vehicle new to us: LL2's own spelling
    family, variant = vehicles.split(name)
    status_id = (result.get("status") or {}).get("id")
    status = STATUS.get(status_id, "scheduled")
    mission = result.get("mission") or {}
    pad = result.get("pad") or {}
    location = ((pad.get("location") or {}).get("name") or "").split(",")[0]
    precision = ((result.get("net_precision") or {}).get("name") or "minute").lower()
    provider = result.get("launch_service_provider") or {}
    designator = result.get("launch_designator")
    text = " ".join(filter(None, [mission.get("name"), result.get("name")]))
    constellation = "guowang" if _SATNET.search(text) else "qianfan" if _QIANFAN.search(text) else None
    rec = {
        "ll2_id": result["id"],
        "vehicle": family,
        "variant": variant,
        "provider": provider.get("abbrev") or provider.get("name"),
        "site": " pad ".join(filter(None, [location, pad.get("name")])) or None,
        "mission": mission.get("name"),
        "constellation": constellation,
        "net_utc": net,
        "net_precision": PRECISION.get(precision, "month"),
        "window_start": _time(result.get("window_start")),
        "window_end": _time(result.get("window_end")),
        "status": status,
        "orbit_outcome": ORBIT.get(status_id, "pending"),
        "cospar_launch": designator if designator and re.fullmatch(r"\d{4}-\d{3}", designator) else None,
        "sources": [result["url"]] if result.get("url") else [],
    }
    rec.update(_landing((result.get("rocket") or {}).get("launcher_stage"), status in FLOWN))
    return rec
