"""Outside text (satellite names, launch missions, security names, vendors' and LL2's messages,
constellation names a person chose) on screen: always a Rich :class:`~rich.text.Text`, never a
markup string, with control characters escaped by :func:`tracker.text.visible`. So ``[bold]`` or
``[/]`` in a name shows as typed and an ``ESC`` cannot reach the terminal."""

from __future__ import annotations

from rich.text import Text

from tracker.text import visible


def shown(value: object, style: str = "") -> Text:
    """``value`` as text to draw: escaped, styled as a whole by ``style``, no markup read."""
    return Text(visible(value), style=style)
