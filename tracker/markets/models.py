"""The market tables: the securities registry, event-to-theme rules and daily bars.

Daily bars are stored in chunks, one row per (security, calendar year), each column a packed
little-endian array (dates as int32 days since 1970-01-01, prices and volume as float64, a
missing volume as NaN). Linking events reads every bar of every linked security: for 5,000
securities × 10 years (12.5 M bars) one row per bar took 18.7 s to read through ``sqlite3`` and
4.6 s through connectorx, the chunks 0.65 s, on the 2-core machine of ``bench/link.py``. Chunks are
plain BLOB columns, so any SQLAlchemy database holds them; ``tracker.markets.bars`` is the only
code that packs and unpacks them.
"""

from __future__ import annotations

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class Security(SQLModel, table=True):
    """One security or benchmark index, keyed by its canonical id ``MIC:code`` (``XSHG:600118``).

    ``limit_pct`` is the daily price limit in percent of the previous close (None: no limit, as
    in Hong Kong and the US); ``themes`` a JSON list; ``benchmark`` the canonical id of the index
    its abnormal returns are measured against. ``yahoo``/``eastmoney`` are the vendor symbols
    (derived from the id unless a person set them).
    """

    security: str = Field(primary_key=True)
    yahoo: str
    eastmoney: str
    name_en: str
    name_zh: str | None = None
    currency: str
    board: str | None = None
    limit_pct: float | None = None
    role: str = "security"  # security | benchmark
    benchmark: str | None = None
    themes: str = "[]"
    notes: str | None = None
    origin: str = "user"  # bundled | user


class ThemeRule(SQLModel, table=True):
    """A launch matching (``kind``, ``value``) links to every security carrying ``theme``.

    Kinds: ``vehicle`` (full name, ``Long March 12A``), ``constellation``, ``orbit-outcome``,
    ``booster-recovery``, ``mission`` (a case-insensitive glob) and ``launch`` (a launch id).
    """

    __tablename__ = "theme_rule"
    __table_args__ = (UniqueConstraint("kind", "value", "theme"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    value: str
    theme: str = Field(index=True)
    origin: str = "user"  # bundled | user
    enabled: bool = True  # a removed bundled rule is disabled, not deleted, so seeding skips it


class PriceChunk(SQLModel, table=True):
    """The daily bars of one security in one calendar year, packed (see the module docstring)."""

    __tablename__ = "price_chunk"

    security: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    n: int
    date: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    open: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    high: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    low: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    close: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    volume: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sources: str = "[]"  # JSON list of the files and URLs its bars came from
