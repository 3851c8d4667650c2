"""The launch calendar's tables: launches, their change history, the LL2 request log and the
small state the calendar's sources keep between commands."""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, Table

from tracker.db import UTCDateTime, Varchar, metadata

#: One launch. ``vehicle`` is the family (``Long March 8``), ``variant`` the letter (``A``).
#:
#: ``sources`` and ``user_fields`` hold JSON lists (text, so any SQL database stores them).
#: ``net_precision`` says how much of ``net_utc`` is known: a day-precision launch is stored at
#: 00:00 UTC of that day and must never be shown as midnight.
launch = Table(
    "launch", metadata,
    Column("id", Varchar, primary_key=True),
    Column("vehicle", Varchar, nullable=False, index=True),
    Column("variant", Varchar, nullable=False, default=""),
    Column("serial", Varchar),
    Column("provider", Varchar),
    Column("site", Varchar),
    Column("mission", Varchar),
    Column("mission_zh", Varchar),
    Column("constellation", Varchar, index=True),  # guowang | qianfan | other
    Column("cospar_launch", Varchar, index=True),  # 2024-240
    Column("net_utc", UTCDateTime, nullable=False, index=True),
    Column("net_precision", Varchar, nullable=False, default="minute"),
    Column("window_start", UTCDateTime),
    Column("window_end", UTCDateTime),
    Column("status", Varchar, nullable=False, default="scheduled"),
    Column("orbit_outcome", Varchar, nullable=False, default="pending"),
    Column("booster_recovery", Varchar, nullable=False, default="unknown"),
    Column("landing_type", Varchar),
    Column("landing_location", Varchar),
    Column("landing_downrange_km", Float),
    Column("announced_utc", UTCDateTime),
    Column("sources", Varchar, nullable=False, default="[]"),
    Column("notes", Varchar),
    Column("ll2_id", Varchar, index=True),
    Column("ll2_url", Varchar),  # LL2's own record of the launch (its ``url``)
    Column("webcast_url", Varchar),  # LL2's first ``vid_urls`` entry: a webcast or video page
    Column("user_fields", Varchar, nullable=False, default="[]"),
    Column("origin", Varchar, nullable=False, default="user"),  # bundled | user | ll2
)

#: One change of one field of one launch, and who made it (bundled, user or ll2).
launch_history = Table(
    "launch_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("launch_id", Varchar, nullable=False, index=True),
    Column("time", UTCDateTime, nullable=False),
    Column("field", Varchar, nullable=False),
    Column("old", Varchar),
    Column("new", Varchar),
    Column("origin", Varchar, nullable=False),
)

#: One request sent to Launch Library 2: the persisted memory behind the hourly budget.
ll2_request = Table(
    "ll2_request", metadata,
    Column("id", Integer, primary_key=True),
    Column("sent_utc", UTCDateTime, nullable=False, index=True),
    Column("url", Varchar, nullable=False),
    Column("status", Integer),  # HTTP status, or None when no answer came (timeout, refused)
)

#: One remembered fact about a source, by key: what must outlive a single command.
#:
#: Keys in use: ``bundled_calendar_sha256`` (the calendar.json last merged, so that connecting
#: costs one lookup while it is unchanged) and ``ll2_china_locations`` (LL2 location ids found
#: to be Chinese, with when LL2 was last asked). Values are text (JSON where structured).
launch_state = Table(
    "launch_state", metadata,
    Column("key", Varchar, primary_key=True),
    Column("value", Varchar, nullable=False),
    Column("updated_utc", UTCDateTime, nullable=False),
)
