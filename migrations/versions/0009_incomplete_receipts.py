"""Incomplete receipts: a receipt's file is kept before its date and amount are entered

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import DowngradeRefused

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("receipts") as batch:
        batch.alter_column("amount", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("issued_on", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    # No date or amount can be made up for a participant's receipt: they must enter them (or
    # remove the receipt) before the schema can require them again.
    incomplete = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM receipts WHERE amount IS NULL OR issued_on IS NULL")
    )
    if incomplete:
        raise DowngradeRefused(
            f"Cannot downgrade below 0009: {incomplete} receipt(s) have no date or no amount yet. "
            "Have the participants complete them (or remove them), then downgrade again."
        )
    with op.batch_alter_table("receipts") as batch:
        batch.alter_column("amount", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("issued_on", existing_type=sa.Date(), nullable=False)
