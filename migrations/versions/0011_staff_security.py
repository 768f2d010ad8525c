"""Two-step sign-in for staff, sessions that can be ended, failed codes counted apart

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", regsvc.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=8), server_default="password", nullable=False))


def downgrade() -> None:
    refuse_to_drop_data(
        revision,
        columns={
            "login_failures": ("kind",),
            "staff_users": ("session_version", "totp_last_step", "totp_enabled_at", "totp_secret"),
        },
    )
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("session_version")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
