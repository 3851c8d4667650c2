"""``tracker --version``: the package's version and the versions of the data it ships.

The bundled files carry no version field, so each is named by its content: a short SHA-256
digest, its record count and (for the calendar) its newest launch date. Only the standard library
is imported, when the option is given.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata, resources

from tracker.text import plural

DISTRIBUTION = "china-space-tracker"


def version_text() -> str:
    """The lines ``tracker --version`` prints."""
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # a source checkout that was never installed
        version = "unknown (not installed)"
    calendar, calendar_digest = _bundled("tracker.launches", "calendar.json")
    launches = calendar.get("launches", [])
    newest = max((str(r.get("net_utc") or "")[:10] for r in launches), default="none")
    watchlist, watchlist_digest = _bundled("tracker.markets", "watchlist.json")
    securities = watchlist.get("securities", [])
    rules = watchlist.get("theme_rules", [])
    return "\n".join([
        f"tracker ({DISTRIBUTION}) {version}",
        f"bundled launch calendar: {plural(len(launches), 'launch', 'launches')}, newest {newest}, sha256 {calendar_digest}",
        f"bundled watchlist: {plural(len(securities), 'security', 'securities')}, "
        f"{plural(len(rules), 'theme rule')}, sha256 {watchlist_digest}",
    ])


def _bundled(package: str, name: str) -> tuple[dict, str]:
    data = resources.files(package).joinpath(name).read_bytes()
    return json.loads(data), hashlib.sha256(data).hexdigest()[:12]
