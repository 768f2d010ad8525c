"""Rate-limit counters shared by every worker and process

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 22:05:00
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("window_start", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    refuse_to_drop_data(revision, tables=("rate_counters",))
    op.drop_table("rate_counters")
