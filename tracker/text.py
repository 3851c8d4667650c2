"""Text from outside (CelesTrak names, LL2 missions, vendors' messages, files, users) is data.

This is the one escaping path between such text and a screen or a spreadsheet:

* :func:`visible` and :func:`visible_expr` make control characters visible as ``\\xNN`` (or
  ``\\uNNNN``) escapes, so that a name holding ``ESC ]0;...`` cannot retitle the terminal, ``ESC
  [2J`` cannot blank it and a bidirectional override cannot reorder what follows. Output made
  here never goes through a markup parser (no Rich or Textual markup), so ``[bold]`` or ``[/]``
  in a name is shown as typed.
* :func:`csv_safe_expr` neutralises spreadsheet formulas in CSV cells (``=``, ``+``, ``-``,
  ``@``, tab, carriage return at the start get a leading apostrophe, as OWASP recommends).
* :func:`plural` words a count for a message (``1 new rule``, ``2 new rules``).
* :func:`web_url` keeps a URL only when it can safely be a link (absolute http or https, no
  spaces or control characters).
* :func:`natural_key` orders names as people read them (``QIANFAN-2`` before ``QIANFAN-10``);
  :func:`in_natural_order` puts a frame's rows in that order (then by catalog number).
* :func:`display_width_expr` measures text as a terminal shows it (East Asian wide characters
  take two cells), so that tables of Chinese names stay aligned.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import polars as pl

__all__ = ["csv_safe_expr", "display_width_expr", "in_natural_order", "natural_key", "plural", "visible", "visible_expr", "web_url"]

#: C0 controls, DEL, C1 controls, and the Unicode format characters that reorder or hide text.
_CONTROLS = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))] + [
    "\u061c", "\u200b", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), "\ufeff",
]
_ESCAPES = {c: (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in _CONTROLS}
_TABLE = str.maketrans(_ESCAPES)
#: East Asian wide and fullwidth ranges (CJK, Hangul, fullwidth forms) that take two cells.
_WIDE = (
    r"[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF"
    r"\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]"
)
#: What starts a spreadsheet formula (a regular expression).
FORMULA_START = r"^[=+\-@\t\r]"


_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str | None) -> str:
    """Sort key of ``text`` reading runs of digits as numbers: ``QIANFAN-2`` < ``QIANFAN-10`` <
    ``QIANFAN-100``, case-insensitively; ``None`` sorts last. (Each run of digits is prefixed by
    its length, so that text comparison orders numbers by value: one string compare per pair.)"""
    if text is None:
        return "\U0010ffff"
    return _NUMBER.sub(_numbered, text.casefold())


def in_natural_order(frame: pl.DataFrame, name: str = "name", norad: str = "norad") -> pl.DataFrame:
    """``frame``'s rows in :func:`natural_key` order of the ``name`` column (``QIANFAN-2``
    before ``QIANFAN-10``), then by the ``norad`` column (catalog number) among equal names."""
    names, norads = frame[name].to_list(), frame[norad].to_list()
    order = sorted(range(frame.height), key=lambda i: (natural_key(names[i]), norads[i]))
    return frame[order] if order else frame


def _numbered(match: re.Match[str]) -> str:
    digits = match.group().lstrip("0") or "0"
    return f"{len(digits):03d}{digits}"


def web_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL without spaces or control characters (what
    may be offered as a link), else None: a source cannot make a ``javascript:`` or ``file:``
    link, nor smuggle a terminal escape into a hyperlink."""
    if not value or len(value) > 2000 or any(c.isspace() or c in _ESCAPES for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # an invalid IPv6 host, say
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 new rule``, ``2 new rules``: the count and the noun in the number it takes
    (``nouns``: an irregular plural, e.g. ``launches``)."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def visible(text: object) -> str:
    """``text`` as a string with every control character shown as an escape."""
    return str(text).translate(_TABLE)


def visible_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`visible` for a polars string expression (one vectorised pass)."""
    return expr.str.replace_many(list(_ESCAPES), list(_ESCAPES.values()))


def csv_safe_expr(expr: pl.Expr) -> pl.Expr:
    """A string column whose cells cannot start a spreadsheet formula."""
    import polars as pl

    return pl.when(expr.str.contains(FORMULA_START)).then(pl.lit("'") + expr).otherwise(expr).name.keep()


def display_width_expr(expr: pl.Expr) -> pl.Expr:
    """Terminal cells taken by each string (wide characters count two)."""
    return expr.str.len_chars() + expr.str.count_matches(_WIDE)
