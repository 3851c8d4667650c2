"""The launch calendar's tables: launches, their change history, the LL2 request log and the
small state the calendar's sources keep between commands."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class Launch(SQLModel, table=True):
    """One launch. ``vehicle`` is the family (``Long March 8``), ``variant`` the letter (``A``).

    ``sources`` and ``user_fields`` hold JSON lists (text, so any SQL database stores them).
    ``net_precision`` says how much of ``net_utc`` is known: a day-precision launch is stored at
    00:00 UTC of that day and must never be shown as midnight.
    """

    id: str = Field(primary_key=True)
    vehicle: str = Field(index=True)
    variant: str = ""
    serial: str | None = None
    provider: str | None = None
    site: str | None = None
    mission: str | None = None
    mission_zh: str | None = None
    constellation: str | None = Field(default=None, index=True)  # guowang | qianfan | other
    cospar_launch: str | None = Field(default=None, index=True)  # 2024-240
    net_utc: datetime = Field(index=True)
    net_precision: str = "minute"
    window_start: datetime | None = None
    window_end: datetime | None = None
    status: str = "scheduled"
    orbit_outcome: str = "pending"
    booster_recovery: str = "unknown"
    landing_type: str | None = None
    landing_location: str | None = None
    landing_downrange_km: float | None = None
    announced_utc: datetime | None = None
    sources: str = "[]"
    notes: str | None = None
    ll2_id: str | None = Field(default=None, index=True)
    user_fields: str = "[]"
    origin: str = "user"  # bundled | user | ll2


class LaunchHistory(SQLModel, table=True):
    """One change of one field of one launch, and who made it (bundled, user or ll2)."""

    __tablename__ = "launch_history"

    id: int | None = Field(default=None, primary_key=True)
    launch_id: str = Field(index=True)
    time: datetime
    field: str
    old: str | None = None
    new: str | None = None
    origin: str


class Ll2Request(SQLModel, table=True):
    """One request sent to Launch Library 2: the persisted memory behind the hourly budget."""

    __tablename__ = "ll2_request"

    id: int | None = Field(default=None, primary_key=True)
    sent_utc: datetime = Field(index=True)
    url: str
    status: int | None = None  # HTTP status, or None when no answer came (timeout, refused)


class LaunchState(SQLModel, table=True):
    """One remembered fact about a source, by key: what must outlive a single command.

    Keys in use: ``bundled_calendar_sha256`` (the calendar.json last merged, so that connecting
    costs one lookup while it is unchanged) and ``ll2_china_locations`` (LL2 location ids found
    to be Chinese, with when LL2 was last asked). Values are text (JSON where structured).
    """

    __tablename__ = "launch_state"

    key: str = Field(primary_key=True)
    value: str
    updated_utc: datetime
