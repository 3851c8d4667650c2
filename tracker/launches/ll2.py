"""Launch Library 2 (The Space Devs): the query for Chinese launches and mapping its answers.

Pure code: it builds URLs, performs one GET at a time and maps results to launch records; the
request budget and the database are :mod:`tracker.launches.refresh`'s business.

Query: ``/2.3.0/launches/`` filtered by ``location__ids`` for China's four inland launch centres
(8 Wenchang, which in LL2 also holds the Hainan commercial pads; 16 Xichang; 17 Jiuquan; 19
Taiyuan), launches from 30 days ago onwards, ``mode=detailed`` (``rocket.launcher_stage[].landing``
exists only there), ``limit=100`` (LL2's maximum), ``ordering=net``. One location filter asks for
every provider (CASC and the commercial companies) in one request, where ``lsp__name`` would
cost one request per provider out of 15 an hour. Sea launches (Haiyang / Yellow Sea) are not
covered by these ids; they stay in the bundled calendar or are added by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from tle.celestrak import USER_AGENT
from tracker.launches import vehicles

DEFAULT_BASE = "https://ll.thespacedevs.com"
LOCATION_IDS = (8, 16, 17, 19)
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


def first_url(base: str, now: datetime) -> str:
    query = {
        "location__ids": ",".join(map(str, LOCATION_IDS)),
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
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


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
    """One LL2 launch as record fields (only what LL2 states; absent facts are left out)."""
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
        "net_utc": _time(result["net"]),
        "net_precision": PRECISION.get(precision, "month"),
        "window_start": _time(result.get("window_start")),
        "window_end": _time(result.get("window_end")),
        "status": status,
        "orbit_outcome": ORBIT.get(status_id, "pending"),
        "cospar_launch": designator if designator and re.fullmatch(r"\d{4}-\d{3}", designator) else None,
        "sources": [result["url"]] if result.get("url") else [],
    }
    rec.update(_landing((result.get("rocket") or {}).get("launcher_stage"), status in ("success", "partial", "failure")))
    return rec
