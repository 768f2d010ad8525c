"""SHA-256 of each receipt's stored file

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Receipts stored before keep NULL: the claim PDF computes their hash from the stored file
    # (migrations know the database only, not where the upload storage is).
    with op.batch_alter_table("receipts") as batch:
        batch.add_column(sa.Column("stored_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    refuse_to_drop_data(revision, columns={"receipts": ("stored_sha256",)})
    with op.batch_alter_table("receipts") as batch:
        batch.drop_column("stored_sha256")
