"""The first release's schema (commit 471bb27): satellites, element sets, constellation rules and
fetch state. Satellites kept ``first_seen``/``last_seen`` and element sets ``imported_at``.

A database made before the schema was versioned is stamped with this revision and upgraded from
here (:mod:`tracker.migrations.versions.0002_launches_markets_derived_seen` accepts every schema
the unversioned releases made).

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: Only adds (nothing a running older version reads is changed or removed): safe to apply on
#: start on a shared database too.
additive = True


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "satellite",
        sa.Column("norad", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String()),
        sa.Column("cospar", sa.String()),
        sa.Column("launch", sa.String()),
        sa.Column("first_seen", when, nullable=False),
        sa.Column("last_seen", when, nullable=False),
    )
    op.create_index("ix_satellite_launch", "satellite", ["launch"])
    op.create_table(
        "element_set",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("norad", sa.BigInteger(), sa.ForeignKey("satellite.norad"), nullable=False),
        sa.Column("epoch", when, nullable=False),
        *[sa.Column(name, sa.Float(), nullable=False) for name in (
            "mean_motion", "eccentricity", "inclination_deg", "raan_deg", "arg_perigee_deg", "mean_anomaly_deg",
            "bstar", "mean_motion_dot", "mean_motion_ddot")],
        sa.Column("element_set_no", sa.Integer(), nullable=False),
        sa.Column("rev_at_epoch", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(), nullable=False),
        sa.Column("ephemeris_type", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("imported_at", when, nullable=False),
        sa.UniqueConstraint("norad", "epoch"),
    )
    op.create_table(
        "constellation_rule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("constellation", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.UniqueConstraint("constellation", "kind", "value"),
    )
    op.create_index("ix_constellation_rule_constellation", "constellation_rule", ["constellation"])
    op.create_table(
        "fetch_state",
        sa.Column("url", sa.String(), primary_key=True),
        sa.Column("last_success", when),
        sa.Column("last_attempt", when),
        sa.Column("last_status", sa.Integer()),
        sa.Column("etag", sa.String()),
        sa.Column("last_modified", sa.String()),
    )
