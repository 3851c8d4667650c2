"""Launch Library 2's links of a launch (its record and first webcast), the observers passes are
computed for, and each daily bar's adjustment factor (dividends and splits).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: New nullable columns and a new table: older versions never notice them.
additive = True


def upgrade() -> None:
    op.add_column("launch", sa.Column("ll2_url", sa.String()))
    op.add_column("launch", sa.Column("webcast_url", sa.String()))
    op.add_column("price_chunk", sa.Column("adj", sa.LargeBinary()))
    op.create_table(
        "observer",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("lat_deg", sa.Float(), nullable=False),
        sa.Column("lon_deg", sa.Float(), nullable=False),
        sa.Column("alt_m", sa.Float(), nullable=False),
    )
