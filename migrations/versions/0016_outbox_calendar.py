"""The registration whose calendar entry (.ics) an outbox message carries

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 23:50:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign key: the entry is made when the message is sent, and a registration gone by
    # then (an event deleted) leaves a message that simply carries none.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("calendar_registration_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    refuse_to_drop_data(revision, columns={"outbox": ("calendar_registration_id",)})
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("calendar_registration_id")
