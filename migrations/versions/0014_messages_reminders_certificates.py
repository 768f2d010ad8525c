"""Organisers' messages to participants, the reminder before an event, certificates of attendance

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 23:30:00
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("sent_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["staff_users.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_key"),
    )
    op.create_index("ix_messages_event_sent_at", "messages", ["event_id", "sent_at"])
    # Events that exist already remind 24 hours ahead (an event starting within a day reminds
    # its participants at once) and give certificates to the checked-in only.
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("organiser_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("reminder_hours_before", sa.Integer(), server_default="24", nullable=False)
        )
        batch.add_column(
            sa.Column("online_certificates", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_check_constraint("ck_events_reminder_not_negative", "reminder_hours_before >= 0")
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("reminder_sent_at", regsvc.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    refuse_to_drop_data(
        revision,
        tables=("messages",),
        columns={
            "registrations": ("reminder_sent_at",),
            "events": ("online_certificates", "reminder_hours_before", "organiser_name"),
        },
    )
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("reminder_sent_at")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("ck_events_reminder_not_negative", type_="check")
        batch.drop_column("online_certificates")
        batch.drop_column("reminder_hours_before")
        batch.drop_column("organiser_name")
    op.drop_index("ix_messages_event_sent_at", table_name="messages")
    op.drop_table("messages")
