"""Seat holds until the address is confirmed; the kind of each outbox message

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 22:00:00
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("confirmed_at", regsvc.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("hold_expires_at", regsvc.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("hold_reminded_at", regsvc.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("hold_released_at", regsvc.db.UTCDateTime(), nullable=True))
        batch.create_index("ix_registrations_hold_expires_at", ["hold_expires_at"])
    # Registrations made before holds existed count as confirmed: nobody loses a seat.
    op.execute("UPDATE registrations SET confirmed_at = created_at")
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=40), server_default="", nullable=False))


def downgrade() -> None:
    refuse_to_drop_data(
        revision,
        columns={
            "outbox": ("kind",),
            "registrations": ("hold_released_at", "hold_reminded_at", "hold_expires_at", "confirmed_at"),
        },
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_index("ix_registrations_hold_expires_at")
        batch.drop_column("hold_released_at")
        batch.drop_column("hold_reminded_at")
        batch.drop_column("hold_expires_at")
        batch.drop_column("confirmed_at")
