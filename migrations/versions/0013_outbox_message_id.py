"""The Message-ID of each outbox message, the same for every attempt to send it

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 23:30:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Left empty for the messages already queued: the sender gives a message its Message-ID
    # when it first takes it, before any attempt.
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=320), nullable=True))


def downgrade() -> None:
    refuse_to_drop_data(revision, columns={"outbox": ("message_id",)})
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("message_id")
