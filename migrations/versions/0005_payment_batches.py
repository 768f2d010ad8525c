"""payment batches

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 08:10:00
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("paid_at", regsvc.db.UTCDateTime(), nullable=True),
        sa.Column("paid_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_users.id"]),
        sa.ForeignKeyConstraint(["paid_by_id"], ["staff_users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch.create_index("ix_claims_batch_id", ["batch_id"])
        batch.create_foreign_key(
            "fk_claims_batch_id_payment_batches", "payment_batches", ["batch_id"], ["id"]
        )


def downgrade() -> None:
    refuse_to_drop_data(revision, tables=("payment_batches",), columns={"claims": ("batch_id",)})
    with op.batch_alter_table("claims") as batch:
        batch.drop_constraint("fk_claims_batch_id_payment_batches", type_="foreignkey")
        batch.drop_index("ix_claims_batch_id")
        batch.drop_column("batch_id")
    op.drop_table("payment_batches")
