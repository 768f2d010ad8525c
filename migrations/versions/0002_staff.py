"""staff users, audit log, check-in

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 04:10:23.977510
"""

import sqlalchemy as sa
from alembic import op

import regsvc.db
from regsvc.migrating import refuse_to_drop_data
from regsvc.registration.models import new_checkin_code
from regsvc.text import search_key as fold

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", regsvc.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_address_at", ["address", "at"], unique=False)
        batch_op.create_index("ix_login_failures_email_at", ["email", "at"], unique=False)

    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", regsvc.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", regsvc.db.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["staff_users.id"],
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_event_at", ["event_id", "at"], unique=False)

    op.create_table(
        "staff_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "role"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_code", sa.String(length=20), nullable=True))

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("checked_in_at", regsvc.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("checked_in_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.alter_column("email_normalised", existing_type=sa.VARCHAR(length=254), nullable=True)

    # Registrations made before check-in existed get their codes now.
    registrations = sa.table(
        "registrations",
        *(
            sa.column(name)
            for name in ("id", "checkin_code", "search_text", "full_name", "organisation", "email")
        ),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            registrations.c.id, registrations.c.full_name, registrations.c.organisation, registrations.c.email
        )
    ).all()
    for registration_id, full_name, organisation, email in rows:
        connection.execute(
            registrations.update()
            .where(registrations.c.id == registration_id)
            .values(
                checkin_code=new_checkin_code(), search_text=fold(" ".join((full_name, organisation, email)))
            )
        )

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.alter_column("checkin_code", existing_type=sa.String(length=20), nullable=False)
        batch_op.create_unique_constraint("uq_registrations_checkin_code", ["checkin_code"])
        batch_op.create_foreign_key(
            "fk_registrations_checked_in_by", "staff_users", ["checked_in_by_id"], ["id"]
        )


def downgrade() -> None:
    refuse_to_drop_data(
        revision,
        tables=("staff_roles", "audit_log", "staff_users", "login_failures"),
        columns={
            "registrations": ("search_text", "checked_in_by_id", "checked_in_at", "checkin_code"),
            "outbox": ("checkin_code",),
        },
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_registrations_checked_in_by", type_="foreignkey")
        batch_op.drop_constraint("uq_registrations_checkin_code", type_="unique")
        batch_op.alter_column("email_normalised", existing_type=sa.VARCHAR(length=254), nullable=False)
        batch_op.drop_column("search_text")
        batch_op.drop_column("checked_in_by_id")
        batch_op.drop_column("checked_in_at")
        batch_op.drop_column("checkin_code")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("checkin_code")

    op.drop_table("staff_roles")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_event_at")

    op.drop_table("audit_log")
    op.drop_table("staff_users")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_email_at")
        batch_op.drop_index("ix_login_failures_address_at")

    op.drop_table("login_failures")
