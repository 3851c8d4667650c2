"""The world map: land in braille dots, night shaded, satellites, one ground track, a selection.

The widget only draws what it is given (a :class:`~tui.sky.Snapshot` and which satellites are
highlighted or selected); the app decides and propagates. Drawing is whole-array numpy work per
layer, then one pass per screen row to cut it into styled runs, so a frame costs the same few
milliseconds for 400 satellites or 16,000.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tracker.text import visible
from tui import braille, land
from tui.sky import Snapshot, night

#: Foreground classes, in rising precedence when layers meet in one cell.
OCEAN, LAND, TRACK, STALE, SHADOW, SUNLIT, HIGHLIGHT, SELECTED, OBSERVER = range(9)
_FOREGROUND = {
    OCEAN: "#17324d",
    LAND: "#7fb069",
    TRACK: "#5fd7ff",
    STALE: "#6c6c6c",
    SHADOW: "#8787ff",
    SUNLIT: "#ffd75f",
    HIGHLIGHT: "#ff5fd7",
    SELECTED: "#ffffff",
    OBSERVER: "#ff8700",
}
_DAY, _NIGHT = "#17324d", "#060c18"
#: Style of each (class, is-night) pair, indexed ``class * 2 + night``.
STYLES = [
    Style(color=_FOREGROUND[c], bgcolor=("#d70000" if c == SELECTED else bg), bold=c >= SUNLIT)
    for c in range(len(_FOREGROUND))
    for bg in (_DAY, _NIGHT)
]
SELECTED_GLYPH = "◉"
#: The observer passes are computed for (``tracker observers default``).
OBSERVER_GLYPH = "⌂"
#: A satellite is a 2 x 2 block of dots: one dot alone is too faint to find on a map.
SATELLITE_DOTS = 2


class WorldMap(Widget, can_focus=True):
    """Equirectangular world (180 W at the left, north up) filling the widget."""

    class Picked(Message):
        """The user clicked the map: ``index`` is the nearest satellite in fleet order."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._raster: np.ndarray | None = None
        self._land: np.ndarray | None = None  # braille codes of the land at the current size
        self._snapshot: Snapshot | None = None
        self._stale: np.ndarray | None = None
        self._highlighted: np.ndarray | None = None
        self._selected: int | None = None
        self._track: tuple[np.ndarray, np.ndarray] | None = None
        self._observer: tuple[float, float] | None = None
        self._strips: list[Strip] = []

    def set_land(self, raster: np.ndarray) -> None:
        """Give the map its land raster (see :mod:`tui.land`); until then it draws no coasts."""
        self._raster = raster
        self._land = None
        self._redraw()

    def show(
        self,
        snapshot: Snapshot,
        *,
        highlighted: np.ndarray | None = None,
        selected: int | None = None,
        track: tuple[np.ndarray, np.ndarray] | None = None,
        stale: np.ndarray | None = None,
    ) -> None:
        """Draw ``snapshot``; ``highlighted`` and ``stale`` (elements too old to trust: drawn
        dimmed) are boolean masks in fleet order, ``selected`` an index, ``track`` the selected
        satellite's future (lat, lon)."""
        self._snapshot, self._highlighted, self._selected, self._track = snapshot, highlighted, selected, track
        self._stale = stale
        self._redraw()

    def set_observer(self, lat_lon: tuple[float, float] | None) -> None:
        """Mark the observer's place (latitude, longitude in degrees), or no place."""
        self._observer = lat_lon
        self._redraw()

    def on_resize(self, event: events.Resize) -> None:
        self._land = None
        self._redraw()

    def _redraw(self) -> None:
        rows, cols = self.size.height, self.size.width
        if rows <= 0 or cols <= 0 or self._snapshot is None:
            return
        if self._land is None:
            blank = np.full((rows, cols), braille.BLANK, np.int32)
            self._land = blank if self._raster is None else braille.pack(land.dots(self._raster, rows * 4, cols * 2))
        codes, classes = self._layers(rows, cols)
        shade = night(rows, cols, self._snapshot.subsolar)
        styles = classes * 2 + shade
        self._strips = [self._strip(codes[y], styles[y]) for y in range(rows)]
        self.refresh()

    def _layers(self, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """Code point and foreground class of every cell, land at the bottom, selection on top."""
        snap = self._snapshot
        codes = self._land.copy()
        classes = np.where(codes != braille.BLANK, LAND, OCEAN)
        if self._track is not None:
            track = braille.plot(*self._track, rows, cols)
            drawn = track != braille.BLANK
            codes[drawn], classes[drawn] = track[drawn], TRACK
        sats = braille.plot(snap.lat_deg, snap.lon_deg, rows, cols, SATELLITE_DOTS)
        occupied = sats != braille.BLANK
        codes[occupied] = sats[occupied]
        none = np.zeros(len(snap.lat_deg), bool)
        highlighted = none if self._highlighted is None else self._highlighted
        stale = none if self._stale is None else self._stale
        fresh = ~stale
        layers = ((SHADOW, ~snap.sunlit & fresh), (SUNLIT, snap.sunlit & fresh), (STALE, stale), (HIGHLIGHT, highlighted))
        for cls, mask in layers:
            cells = braille.plot(snap.lat_deg[mask], snap.lon_deg[mask], rows, cols, SATELLITE_DOTS) != braille.BLANK
            classes[cells] = cls
        if self._selected is not None and np.isfinite(snap.lat_deg[self._selected]):
            iy, ix = braille.dot_index(snap.lat_deg[[self._selected]], snap.lon_deg[[self._selected]], rows, cols)
            codes[iy, ix], classes[iy, ix] = ord(SELECTED_GLYPH), SELECTED
        if self._observer is not None:
            iy, ix = braille.dot_index(np.array([self._observer[0]]), np.array([self._observer[1]]), rows, cols)
            codes[iy, ix], classes[iy, ix] = ord(OBSERVER_GLYPH), OBSERVER
        return codes, classes

    @staticmethod
    def _strip(codes: np.ndarray, styles: np.ndarray) -> Strip:
        text = braille.text(codes)
        cuts = [0, *(np.flatnonzero(np.diff(styles)) + 1).tolist(), len(text)]
        return Strip([Segment(text[a:b], STYLES[styles[a]]) for a, b in zip(cuts, cuts[1:], strict=False)], len(text))

    def render_line(self, y: int) -> Strip:
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, Style(bgcolor=_DAY))

    def on_click(self, event: events.Click) -> None:
        """Pick the satellite nearest (on the sphere) to the clicked cell's centre."""
        snap = self._snapshot
        if snap is None or not np.isfinite(snap.lat_deg).any():
            return
        lat = np.radians(90.0 - (event.y + 0.5) * 180.0 / self.size.height)
        lon = np.radians(-180.0 + (event.x + 0.5) * 360.0 / self.size.width)
        sat_lat, sat_lon = np.radians(snap.lat_deg), np.radians(snap.lon_deg)
        cos_angle = np.sin(lat) * np.sin(sat_lat) + np.cos(lat) * np.cos(sat_lat) * np.cos(sat_lon - lon)
        self.post_message(self.Picked(int(np.nanargmax(cos_angle))))


def legend() -> Text:
    """What the map's colours and marks mean, each with its word."""
    text = Text()
    for label, cls, glyph in (
        ("sunlit", SUNLIT, "⣿"), ("shadow", SHADOW, "⣿"), ("launch", HIGHLIGHT, "⣿"),
        ("track", TRACK, "⣿"), ("stale", STALE, "⣿"), ("selected", SELECTED, SELECTED_GLYPH),
    ):
        text.append(glyph, style=STYLES[cls * 2])
        text.append(f" {label}  ")
    text.append("  ", style=STYLES[1])
    text.append(" night")
    return text


def caption(row: dict, snap: Snapshot, index: int, width: int, seen: Text | None = None) -> Text:
    """The selected satellite in one line of ``width`` cells: its name always, then as much as
    fits, in this order of need: position, geodetic height, sunlit or shadow, stale elements,
    speed, catalog number, and last ``seen`` (where it is in the observer's sky), shown in their
    reading order, never cut in the middle."""
    from tracker.positions import is_stale

    lat, lon = snap.lat_deg[index], snap.lon_deg[index]
    age = (snap.at - row["epoch"]).total_seconds() / 86400.0 if row.get("epoch") else None
    parts: list[tuple[int, Text]] = [(0, Text(f"{SELECTED_GLYPH} {visible(row['name'] or row['cospar'] or '?')}", style="bold"))]
    if np.isfinite(lat):
        parts += [
            (1, Text(f"{abs(lat):.2f}°{'N' if lat >= 0 else 'S'} {abs(lon):.2f}°{'E' if lon >= 0 else 'W'}")),
            (2, Text(f"height {snap.alt_km[index]:,.0f} km")),
            (3, Text("sunlit", "bold #ffd75f") if snap.sunlit[index] else Text("shadow", "#8787ff")),
            (5, Text(f"{snap.speed_km_s[index]:.2f} km/s")),
        ]
    else:
        parts.append((1, Text("no position (SGP4 failed: decayed or bad elements)", style="red")))
    if age is not None and is_stale(age):
        parts.append((4, Text(f"stale {abs(age):.0f} d{'' if age > 0 else ' ahead'}", style="bold red")))
    parts.append((6, Text(str(row["norad"]), style="dim")))
    if seen is not None:
        parts.append((7, seen))
    kept: set[int] = set()
    used = -2
    for rank, part in sorted(parts, key=lambda p: p[0]):
        if used + 2 + part.cell_len <= width or rank == 0:
            kept.add(rank)
            used += 2 + part.cell_len
    out = Text()
    for rank, part in parts:
        if rank in kept:
            if out:
                out.append("  ")
            out.append_text(part)
    return out
