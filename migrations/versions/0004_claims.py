"""claims and receipts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:39:03.563053
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("travel_mode", sa.String(length=8), nullable=False),
        sa.Column("route", sa.Text(), nullable=False),
        sa.Column("payout_method", sa.String(length=8), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("account_holder", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=True),
        sa.Column("approved_amount", sa.Integer(), nullable=True),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", regsvc.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registration_id"),
    )
    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("preview_name", sa.String(length=80), nullable=True),
        sa.Column("thumbnail_name", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount >= 0", name="ck_receipts_amount_not_negative"),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index("ix_receipts_sha256", ["sha256"], unique=False)


def downgrade() -> None:
    refuse_to_drop_data(revision, tables=("receipts", "claims"))
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_receipts_sha256")
        batch_op.drop_index(batch_op.f("ix_receipts_claim_id"))

    op.drop_table("receipts")
    op.drop_table("claims")
