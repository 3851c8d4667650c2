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

from sqlalchemy import Boolean, Column, Float, Integer, LargeBinary, Table, UniqueConstraint

from tracker.db import Varchar, metadata

#: One security or benchmark index, keyed by its canonical id ``MIC:code`` (``XSHG:600118``).
#:
#: ``limit_pct`` is the daily price limit in percent of the previous close (None: no limit, as
#: in Hong Kong and the US); ``themes`` a JSON list; ``benchmark`` the canonical id of the index
#: its abnormal returns are measured against. ``yahoo``/``eastmoney`` are the vendor symbols
#: (derived from the id unless a person set them).
security = Table(
    "security", metadata,
    Column("security", Varchar, primary_key=True),
    Column("yahoo", Varchar, nullable=False),
    Column("eastmoney", Varchar, nullable=False),
    Column("name_en", Varchar, nullable=False),
    Column("name_zh", Varchar),
    Column("currency", Varchar, nullable=False),
    Column("board", Varchar),
    Column("limit_pct", Float),
    Column("role", Varchar, nullable=False, default="security"),  # security | benchmark
    Column("benchmark", Varchar),
    Column("themes", Varchar, nullable=False, default="[]"),
    Column("notes", Varchar),
    Column("origin", Varchar, nullable=False, default="user"),  # bundled | user
)

#: A launch matching (``kind``, ``value``) links to every security carrying ``theme``.
#:
#: Kinds: ``vehicle`` (full name, ``Long March 12A``), ``constellation``, ``orbit-outcome``,
#: ``booster-recovery``, ``mission`` (a case-insensitive glob) and ``launch`` (a launch id).
theme_rule = Table(
    "theme_rule", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", Varchar, nullable=False),
    Column("value", Varchar, nullable=False),
    Column("theme", Varchar, nullable=False, index=True),
    Column("origin", Varchar, nullable=False, default="user"),  # bundled | user
    # A removed bundled rule is disabled, not deleted, so seeding skips it.
    Column("enabled", Boolean, nullable=False, default=True),
    UniqueConstraint("kind", "value", "theme"),
)

#: The daily bars of one security in one calendar year, packed (see the module docstring).
price_chunk = Table(
    "price_chunk", metadata,
    Column("security", Varchar, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    *(Column(name, LargeBinary, nullable=False) for name in ("date", "open", "high", "low", "close", "volume")),
    Column("sources", Varchar, nullable=False, default="[]"),  # JSON list of the files and URLs its bars came from
    # Each bar's adjustment factor (float64, NaN: none), NULL when no bar has one: returns are
    # close * adj / previous close - 1, so a dividend or split is not a move (tracker.markets.bars).
    Column("adj", LargeBinary, nullable=True),
)
