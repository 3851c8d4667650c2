"""Launch vehicles: the known Chinese families, their spellings, and matching what people type.

A vehicle is stored as *family* and *variant*, split the way Launch Library 2 splits
``rocket.configuration``: ``Long March 8A`` is family ``Long March 8``, variant ``A``;
``Zhuque-2E`` is ``Zhuque-2`` / ``E``; ``Zhuque-3`` has no variant. The rule is one regular
expression (trailing capital letters after the last digit are the variant), so names LL2 reports
that are not listed here split the same way.

People write the same rocket many ways (``CZ-8A``, ``LM-8A``, ``Long March 8A``, ``ZQ-3``,
``Zhuque 3``): :func:`match` reduces a spelling to a key (upper case, no spaces or dashes,
series prefix normalised) and compares keys; what matches nothing is rejected with the closest
known names as suggestions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

#: Known vehicles (full names as LL2 writes them) and their usual launch provider.
KNOWN: dict[str, str] = {
    **{f"Long March {v}": "CASC" for v in (
        "2C", "2D", "2F", "3B", "3C", "4B", "4C", "5", "5B", "6", "6A", "6C", "7", "7A", "8", "8A",
        "10", "10A", "10B", "11", "12", "12A", "12B",
    )},
    "Zhuque-2": "LandSpace", "Zhuque-2E": "LandSpace", "Zhuque-3": "LandSpace",
    "Tianlong-2": "Space Pioneer", "Tianlong-3": "Space Pioneer",
    "Ceres-1": "Galactic Energy", "Ceres-1S": "Galactic Energy", "Ceres-2": "Galactic Energy",
    "Gravity-1": "Orienspace", "Gravity-2": "Orienspace",
    "Jielong-3": "China Rocket Co.",
    "Kinetica-1": "CAS Space", "Kinetica-2": "CAS Space",
    "Hyperbola-1": "iSpace", "Hyperbola-3": "iSpace",
    "Nebula-1": "Deep Blue Aerospace",
    "Kuaizhou-1A": "ExPace", "Kuaizhou-11": "ExPace",
}

#: Series prefixes (after removing spaces and dashes) and the one key each is reduced to.
_SERIES = [
    ("LONGMARCH", "CZ"), ("CHANGZHENG", "CZ"), ("CZ", "CZ"), ("LM", "CZ"),
    ("ZHUQUE", "ZQ"), ("ZQ", "ZQ"),
    ("TIANLONG", "TL"), ("TL", "TL"),
    ("GRAVITY", "YL"), ("YINLI", "YL"), ("YL", "YL"),
    ("JIELONG", "SD"), ("SMARTDRAGON", "SD"), ("SD", "SD"),
    ("HYPERBOLA", "SQX"), ("SQX", "SQX"),
    ("KUAIZHOU", "KZ"), ("KZ", "KZ"),
    ("KINETICA", "LJ"), ("LIJIAN", "LJ"),
]
_SPLIT = re.compile(r"^(.*\d)([A-Z]*)$")


class UnknownVehicle(ValueError):
    """A vehicle name that matches no known vehicle; the message lists suggestions."""


def key(name: str) -> str:
    """``CZ-8A``, ``LM 8A`` and ``Long March 8A`` all become ``CZ8A``."""
    text = re.sub(r"[^A-Z0-9]", "", name.upper())
    for prefix, series in _SERIES:
        if text.startswith(prefix):
            return series + text[len(prefix):]
    return text


def split(full_name: str) -> tuple[str, str]:
    """Family and variant: ``Long March 12A`` -> (``Long March 12``, ``A``)."""
    m = _SPLIT.match(full_name.strip())
    return (m.group(1), m.group(2)) if m else (full_name.strip(), "")


def full(family: str, variant: str | None) -> str:
    """The name people read: family and variant joined (``Long March 8`` + ``A``)."""
    return family + (variant or "")


def short(name: str) -> str:
    """``Long March 8A Y11`` -> ``LM-8A Y11``: the family abbreviated as the press does (for a
    narrow column; :func:`key` still matches the short spelling)."""
    return name.replace("Long March ", "LM-")


def match(name: str, extra: Iterable[str] = ()) -> str:
    """The canonical full name for a spelling of a known vehicle (or of one in ``extra``)."""
    names = list(dict.fromkeys([*KNOWN, *extra]))
    by_key = {key(n): n for n in names}
    if (hit := by_key.get(key(name))) is not None:
        return hit
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    close += [by_key[k] for k in difflib.get_close_matches(key(name), list(by_key), n=3, cutoff=0.6)]
    hint = ", ".join(dict.fromkeys(close)) or "none close; known: " + ", ".join(names)
    raise UnknownVehicle(f"unknown vehicle {name!r}; did you mean: {hint}")
