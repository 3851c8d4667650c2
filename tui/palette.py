"""Command-palette providers: find a satellite, a launch or a security by typing part of it.

The whole catalogue can hold 16,000 satellites, more than Textual's fuzzy matcher should score on
every keystroke, so :func:`candidates` first keeps the rows whose text contains the typed
characters in order (the same subsequence rule as the matcher, as one vectorised regex), and only
those few are scored and highlighted.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from functools import partial

import polars as pl
from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from tracker.text import visible_expr

#: Rows scored per search: the palette shows far fewer.
LIMIT = 60


#: Ranks of a candidate: an identifier typed in full, the start of one, anything else.
EXACT, PREFIX, OTHER = 0, 1, 2


def candidates(frame: pl.DataFrame, text: pl.Expr, query: str, keys: list[pl.Expr] | None = None) -> pl.DataFrame:
    """Rows of ``frame`` whose ``text`` holds the query's characters in order (any case), the
    best first: a row one of whose ``keys`` (identifiers: catalog number, COSPAR id, symbol)
    is the query (rank :data:`EXACT`), then those where a key or the text starts with it
    (:data:`PREFIX`), then the others in frame order; the rank is column ``_rank``."""
    pattern = "(?i)" + ".*".join(re.escape(c) for c in query if not c.isspace())
    wanted = query.strip().lower()
    starts = [pl.col("_text").str.to_lowercase().str.starts_with(wanted)]
    exact, prefix = pl.lit(False), pl.any_horizontal(starts)
    for key in keys or []:
        key = key.cast(pl.String).fill_null("").str.to_lowercase()
        exact, prefix = exact | (key == wanted), prefix | key.str.starts_with(wanted)
    rank = pl.when(exact).then(EXACT).when(prefix).then(PREFIX).otherwise(OTHER)
    return (
        frame.with_columns(visible_expr(text).alias("_text"))
        .filter(pl.col("_text").str.contains(pattern))
        .with_columns(rank.alias("_rank"))
        .sort("_rank", maintain_order=True)
        .head(LIMIT)
    )


def highlight(matcher: Matcher, candidate: str) -> Content:
    """``candidate`` with the matched characters styled, as :meth:`Matcher.highlight` does but
    read as plain text: that one parses the candidate as markup, and a name holding ``[/]`` would
    break the palette (or ``[bold red]`` style it)."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class _FrameProvider(Provider):
    """Scores :func:`candidates` of one frame the app holds; subclasses say which and what to do."""

    kind = ""

    @abstractmethod
    def frame(self) -> pl.DataFrame:
        """The rows to search."""

    @abstractmethod
    def text(self) -> pl.Expr:
        """What a row is found by and shown as."""

    @abstractmethod
    def chosen(self, row: dict) -> None:
        """Act on the row the user picked."""

    def keys(self) -> list[pl.Expr]:
        """Identifiers a row is found by exactly (ranked first when typed in full)."""
        return []

    async def search(self, query: str) -> Hits:
        # Textual's matcher scores a query with spaces as no match; the words are in order anyway
        matcher = self.matcher("".join(query.split()))
        for row in candidates(self.frame(), self.text(), query, self.keys()).iter_rows(named=True):
            score = matcher.match(row["_text"])
            if score > 0:
                # The matcher scores within 0..1; the rank comes first (the palette sorts by score)
                ranked = score + (OTHER - row["_rank"])
                yield Hit(ranked, highlight(matcher, row["_text"]), partial(self.chosen, row), row["_text"], self.kind)


class SatelliteCommands(_FrameProvider):
    """Satellites held, by name, catalog number or COSPAR id."""

    kind = "satellite: show on the map"

    def frame(self) -> pl.DataFrame:
        return self.app.catalogue

    def text(self) -> pl.Expr:
        return pl.concat_str(
            pl.col("name").fill_null("?"), pl.col("norad").cast(pl.String), pl.col("cospar").fill_null("-"), separator="  "
        )

    def keys(self) -> list[pl.Expr]:
        return [pl.col("norad"), pl.col("cospar"), pl.col("name")]

    def chosen(self, row: dict) -> None:
        self.app.goto_satellite(row["norad"], row["constellation"])


class LaunchCommands(_FrameProvider):
    """Launches, by vehicle, serial, mission, date or launch designator."""

    kind = "launch: select it"

    def frame(self) -> pl.DataFrame:
        return self.app.calendar

    def text(self) -> pl.Expr:
        return pl.concat_str(
            pl.col("vehicle"),
            pl.col("serial").fill_null(""),
            pl.col("mission").fill_null(""),
            pl.col("net_utc").dt.strftime("%Y-%m-%d"),
            pl.col("cospar_launch").fill_null(""),
            separator="  ",
        )

    def keys(self) -> list[pl.Expr]:
        return [pl.col("cospar_launch"), pl.col("serial"), pl.col("id")]

    def chosen(self, row: dict) -> None:
        self.app.goto_launch(row["id"])


class SecurityCommands(_FrameProvider):
    """Securities of the market registry (see :func:`tui.data.securities`), by symbol or name."""

    kind = "security: show its reactions"

    def frame(self) -> pl.DataFrame:
        return self.app.securities

    def text(self) -> pl.Expr:
        return pl.concat_str(pl.col("symbol"), pl.col("name").fill_null(""), separator="  ")

    def keys(self) -> list[pl.Expr]:
        return [pl.col("symbol"), pl.col("symbol").str.split(".").list.first()]

    def chosen(self, row: dict) -> None:
        self.app.goto_security(row["symbol"])
