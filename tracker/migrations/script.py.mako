"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

import sqlalchemy as sa
from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}

#: True when the change only adds (tables, nullable columns, indexes): then it is applied on
#: start on a shared database too; otherwise only by `tracker db upgrade`.
additive = True


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}
