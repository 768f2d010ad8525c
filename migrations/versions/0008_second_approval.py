"""A larger claim's first approval, waiting for a second finance officer

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:40:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("first_approved_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("first_approved_amount", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_claims_first_approved_by", "staff_users", ["first_approved_by_id"], ["id"]
        )


def downgrade() -> None:
    refuse_to_drop_data(revision, columns={"claims": ("first_approved_amount", "first_approved_by_id")})
    with op.batch_alter_table("claims") as batch:
        batch.drop_constraint("fk_claims_first_approved_by", type_="foreignkey")
        batch.drop_column("first_approved_amount")
        batch.drop_column("first_approved_by_id")
