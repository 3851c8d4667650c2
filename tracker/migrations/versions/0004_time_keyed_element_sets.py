"""Element sets keyed by time, and each satellite's epoch span kept with it.

``element_set``'s unique key becomes (epoch, norad), its one index: a refresh's sets all go to
the end of it, instead of into every leaf of an index ordered by satellite (see
``tracker.db.element_set``). ``satellite`` gains ``first_epoch`` and ``last_epoch``, filled here
from the element sets held, and kept by every import from now on: the newest set of each
satellite is found through them.

On SQLite the element-set table is rebuilt (its unique key is part of the table): every set is
copied once.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Older versions would store element sets without keeping the satellites' epoch span, which
#: this version reads as the newest set held: every host must run this version first.
additive = False

_when = sa.DateTime(timezone=True)


def _element_set() -> sa.Table:
    """The table as this revision leaves it (its columns as the first release made them)."""
    m = sa.MetaData()
    sa.Table("satellite", m, sa.Column("norad", sa.BigInteger(), primary_key=True))
    return sa.Table(
        "element_set", m,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("norad", sa.BigInteger(), sa.ForeignKey("satellite.norad"), nullable=False),
        sa.Column("epoch", _when, nullable=False),
        *[sa.Column(name, sa.Float(), nullable=False) for name in (
            "mean_motion", "eccentricity", "inclination_deg", "raan_deg", "arg_perigee_deg", "mean_anomaly_deg",
            "bstar", "mean_motion_dot", "mean_motion_ddot")],
        sa.Column("element_set_no", sa.Integer(), nullable=False),
        sa.Column("rev_at_epoch", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(), nullable=False),
        sa.Column("ephemeris_type", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.UniqueConstraint("epoch", "norad"),
    )


def _spelled(column: str) -> str:
    """SQLite: the time text in ``column`` as ``YYYY-MM-DD HH:MM:SS.ffffff`` (a "T" separator, a
    short or missing fraction and a UTC offset, as Python's own adapter writes them, respelled)."""
    fraction = f"CASE WHEN substr({column}, 20, 1) = '.' THEN substr({column}, 21, 6) ELSE '' END"
    return (f"substr({column}, 1, 10) || ' ' || substr({column}, 12, 8) || '.' || "
            f"substr({fraction} || '000000', 1, 6)")


def upgrade() -> None:
    op.add_column("satellite", sa.Column("first_epoch", _when))
    op.add_column("satellite", sa.Column("last_epoch", _when))
    # While the old key still orders the sets by satellite: two index lookups per satellite.
    op.execute("UPDATE satellite SET first_epoch = (SELECT min(e.epoch) FROM element_set e WHERE e.norad = satellite.norad), "
               "last_epoch = (SELECT max(e.epoch) FROM element_set e WHERE e.norad = satellite.norad)")
    if op.get_bind().dialect.name == "sqlite":
        # Newest sets are now found by comparing satellite.last_epoch with element_set.epoch, on
        # SQLite as text: every time in one spelling, SQLAlchemy's (six fraction digits, no
        # offset), whatever wrote it (a first-release file may hold "2026-08-01 00:00:00").
        op.execute(f"UPDATE satellite SET first_epoch = {_spelled('first_epoch')}, last_epoch = {_spelled('last_epoch')} "
                   "WHERE first_epoch IS NOT NULL")
        # Made anew under its own name (a renamed table's DDL would read "element_set" quoted),
        # the old one renamed out of its way first. A set held twice under two spellings of one
        # epoch is kept once.
        op.rename_table("element_set", "element_set_0003")
        table = _element_set()
        table.create(op.get_bind())
        names = [c.name for c in table.columns]
        values = ", ".join(_spelled(name) if name == "epoch" else name for name in names)
        op.execute(f"INSERT INTO element_set ({', '.join(names)}) SELECT {values} FROM element_set_0003 ORDER BY id "
                   "ON CONFLICT DO NOTHING")
        op.drop_table("element_set_0003")
        return
    held = sa.inspect(op.get_bind()).get_unique_constraints("element_set")
    for constraint in held:
        if constraint["column_names"] == ["norad", "epoch"]:
            op.drop_constraint(constraint["name"], "element_set", type_="unique")
    op.create_unique_constraint(None, "element_set", ["epoch", "norad"])  # type: ignore[arg-type]
