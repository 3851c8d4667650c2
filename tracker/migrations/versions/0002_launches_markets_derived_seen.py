"""The schema of the last unversioned release: launch calendar and market tables added; first
and last seen derived from element sets (``satellite.first_seen``/``last_seen`` and
``element_set.imported_at`` dropped: they were NOT NULL, so newer inserts that leave them out
failed until they were gone; nothing is lost).

Unversioned releases created missing tables on every start, so a database stamped ``0001`` may
hold any of these tables or lack some of the first release's, and may lack the obsolete
columns: each step here checks first.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Drops columns the first release reads: a first-release process on the same database would fail.
additive = False

_text = sa.String
_when = sa.DateTime(timezone=True)


def _tables() -> dict[str, sa.Table]:
    m = sa.MetaData()
    return {t.name: t for t in (
        # The first release's too: its earliest builds made only satellites and element sets.
        sa.Table(
            "constellation_rule", m,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("constellation", _text(), nullable=False, index=True),
            *[sa.Column(c, _text(), nullable=False) for c in ("kind", "value", "origin")],
            sa.UniqueConstraint("constellation", "kind", "value"),
        ),
        sa.Table(
            "fetch_state", m,
            sa.Column("url", _text(), primary_key=True),
            sa.Column("last_success", _when),
            sa.Column("last_attempt", _when),
            sa.Column("last_status", sa.Integer()),
            sa.Column("etag", _text()),
            sa.Column("last_modified", _text()),
        ),
        sa.Table(
            "launch", m,
            sa.Column("id", _text(), primary_key=True),
            sa.Column("vehicle", _text(), nullable=False, index=True),
            sa.Column("variant", _text(), nullable=False),
            *[sa.Column(c, _text()) for c in ("serial", "provider", "site", "mission", "mission_zh")],
            sa.Column("constellation", _text(), index=True),
            sa.Column("cospar_launch", _text(), index=True),
            sa.Column("net_utc", _when, nullable=False, index=True),
            sa.Column("net_precision", _text(), nullable=False),
            sa.Column("window_start", _when),
            sa.Column("window_end", _when),
            *[sa.Column(c, _text(), nullable=False) for c in ("status", "orbit_outcome", "booster_recovery")],
            sa.Column("landing_type", _text()),
            sa.Column("landing_location", _text()),
            sa.Column("landing_downrange_km", sa.Float()),
            sa.Column("announced_utc", _when),
            sa.Column("sources", _text(), nullable=False),
            sa.Column("notes", _text()),
            sa.Column("ll2_id", _text(), index=True),
            sa.Column("user_fields", _text(), nullable=False),
            sa.Column("origin", _text(), nullable=False),
        ),
        sa.Table(
            "launch_history", m,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("launch_id", _text(), nullable=False, index=True),
            sa.Column("time", _when, nullable=False),
            sa.Column("field", _text(), nullable=False),
            sa.Column("old", _text()),
            sa.Column("new", _text()),
            sa.Column("origin", _text(), nullable=False),
        ),
        sa.Table(
            "launch_state", m,
            sa.Column("key", _text(), primary_key=True),
            sa.Column("value", _text(), nullable=False),
            sa.Column("updated_utc", _when, nullable=False),
        ),
        sa.Table(
            "ll2_request", m,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("sent_utc", _when, nullable=False, index=True),
            sa.Column("url", _text(), nullable=False),
            sa.Column("status", sa.Integer()),
        ),
        sa.Table(
            "meta", m,
            sa.Column("key", _text(), primary_key=True),
            sa.Column("value", _text(), nullable=False),
        ),
        sa.Table(
            "price_chunk", m,
            sa.Column("security", _text(), primary_key=True),
            sa.Column("year", sa.Integer(), primary_key=True),
            sa.Column("n", sa.Integer(), nullable=False),
            *[sa.Column(c, sa.LargeBinary(), nullable=False) for c in ("date", "open", "high", "low", "close", "volume")],
            sa.Column("sources", _text(), nullable=False),
        ),
        sa.Table(
            "security", m,
            sa.Column("security", _text(), primary_key=True),
            *[sa.Column(c, _text(), nullable=False) for c in ("yahoo", "eastmoney", "name_en")],
            sa.Column("name_zh", _text()),
            sa.Column("currency", _text(), nullable=False),
            sa.Column("board", _text()),
            sa.Column("limit_pct", sa.Float()),
            sa.Column("role", _text(), nullable=False),
            sa.Column("benchmark", _text()),
            sa.Column("themes", _text(), nullable=False),
            sa.Column("notes", _text()),
            sa.Column("origin", _text(), nullable=False),
        ),
        sa.Table(
            "theme_rule", m,
            sa.Column("id", sa.Integer(), primary_key=True),
            *[sa.Column(c, _text(), nullable=False) for c in ("kind", "value")],
            sa.Column("theme", _text(), nullable=False, index=True),
            sa.Column("origin", _text(), nullable=False),
            sa.Column("enabled", sa.Boolean(), nullable=False),
            sa.UniqueConstraint("kind", "value", "theme"),
        ),
    )}


def upgrade() -> None:
    bind = op.get_bind()
    held = sa.inspect(bind)
    existing = set(held.get_table_names())
    for name, table in _tables().items():
        if name not in existing:
            table.create(bind)
    for table, column in (("satellite", "first_seen"), ("satellite", "last_seen"), ("element_set", "imported_at")):
        if column in {c["name"] for c in held.get_columns(table)}:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
