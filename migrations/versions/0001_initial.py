"""initial schema: events, registrations, private links, outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-27 03:52:47.791798
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("starts_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("venue_name", sa.String(length=200), nullable=False),
        sa.Column("venue_address", sa.String(length=300), nullable=False),
        sa.Column("host_town", sa.String(length=100), nullable=False),
        sa.Column("onsite_capacity", sa.Integer(), nullable=False),
        sa.Column("registration_opens_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("registration_closes_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("travel_reimbursed", sa.Boolean(), nullable=False),
        sa.Column("stream_details", sa.Text(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint("onsite_capacity >= 0", name="ck_events_capacity_not_negative"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("sent_at", regsvc.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next_attempt", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_normalised", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("departure_town", sa.String(length=100), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("consented_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("consents_to_publication", sa.Boolean(), nullable=False),
        sa.Column("attendance", sa.String(length=12), nullable=False),
        sa.Column("waitlisted_at", regsvc.db.UTCDateTime(), nullable=True),
        sa.Column("locale", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "attendance IN ('onsite', 'online', 'waitlisted', 'cancelled')",
            name="ck_registrations_attendance",
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "email_normalised", name="uq_registrations_event_email"),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registrations_event_attendance",
            ["event_id", "attendance", "waitlisted_at", "id"],
            unique=False,
        )

    op.create_table(
        "registration_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["registrations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("registration_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registration_links_registration_id"), ["registration_id"], unique=False
        )


def downgrade() -> None:
    refuse_to_drop_data(revision, tables=("registration_links", "registrations", "outbox", "events"))
    with op.batch_alter_table("registration_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_links_registration_id"))

    op.drop_table("registration_links")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_event_attendance")

    op.drop_table("registrations")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next_attempt")

    op.drop_table("outbox")
    op.drop_table("events")
