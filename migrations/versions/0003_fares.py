"""fare tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:54:23.822469
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("town", sa.String(length=100), nullable=False),
        sa.Column("town_key", sa.String(length=100), nullable=False),
        sa.Column("return_fare", sa.Integer(), nullable=False),
        sa.CheckConstraint("return_fare >= 0", name="ck_fares_not_negative"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "town_key", name="uq_fares_event_town"),
    )
    with op.batch_alter_table("fares", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fares_event_id"), ["event_id"], unique=False)


def downgrade() -> None:
    refuse_to_drop_data(revision, tables=("fares",))
    with op.batch_alter_table("fares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fares_event_id"))

    op.drop_table("fares")
