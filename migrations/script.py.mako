"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from alembic import op
import sqlalchemy as sa
import regsvc.db
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    # Drops a table or column? Name them all first, so that data is never dropped unasked:
    # regsvc.migrating.refuse_to_drop_data(revision, tables=(...), columns={"table": (...)})
    ${downgrades if downgrades else "pass"}
