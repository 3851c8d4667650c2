"""Outside text (satellite names, launch missions, security names, vendors' and LL2's messages,
constellation names a person chose) on screen: always a Rich :class:`~rich.text.Text`, never a
markup string, with control characters escaped by :func:`tracker.text.visible`. So ``[bold]`` or
``[/]`` in a name shows as typed and an ``ESC`` cannot reach the terminal."""

from __future__ import annotations

import re

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text

from tracker.text import visible


def shown(value: object, style: str = "") -> Text:
    """``value`` as text to draw: escaped, styled as a whole by ``style``, no markup read."""
    return Text(visible(value), style=style)


_ALIAS = re.compile(r"\s*\([^)]*\)\s*$")


def head(text: str, width: int) -> str:
    """The longest start of ``text`` that fits ``width`` cells (a wide character is two)."""
    used = 0
    for i, char in enumerate(text):
        used += get_character_cell_size(char)
        if used > width:
            return text[:i]
    return text


def tail(text: str, width: int) -> str:
    """The longest end of ``text`` that fits ``width`` cells (a wide character is two)."""
    return head(text[::-1], width)[::-1]


def abbreviate(name: str, width: int, *, keep_last: bool = True) -> str:
    """``name`` in at most ``width`` cells (a CJK character is two) without cutting a word: a
    trailing ``(alias)`` goes first (``NUSAT-49 (KLARA DAN VON NEUMANN)`` -> ``NUSAT-49``), then
    words from the end but the last, which tells rows apart (``CENTISPACE-1 GROUP 05 OBJECT A``
    -> ``CENTISPACE-1 GROUP 05… A``; with ``keep_last`` false the last goes too: ``Guotai CSI
    Military…``), down to the first word; only a single word longer than ``width`` is cut."""
    if cell_len(name) <= width:
        return name
    base = _ALIAS.sub("", name) or name
    if cell_len(base) <= width:
        return base
    words = base.split(" ")
    last = words.pop() if keep_last and len(words) > 1 else ""
    tail_text = f" {last}" if last else ""
    while len(words) > 1 and cell_len(" ".join(words)) + 1 + cell_len(tail_text) > width:
        words.pop()
    short = " ".join(words) + "…" + tail_text
    if cell_len(short) <= width:
        return short
    return head(words[0], width - 1) + "…"
