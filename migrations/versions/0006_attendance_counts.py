"""on-site and waiting-list counts kept on the event

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 08:00:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("onsite_taken", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("waitlisted_count", sa.Integer(), server_default="0", nullable=False))
        batch.create_check_constraint(
            "ck_events_attendance_counts_not_negative", "onsite_taken >= 0 AND waitlisted_count >= 0"
        )
    op.execute(
        "UPDATE events SET "
        "onsite_taken = (SELECT count(*) FROM registrations r "
        "WHERE r.event_id = events.id AND r.attendance = 'onsite'), "
        "waitlisted_count = (SELECT count(*) FROM registrations r "
        "WHERE r.event_id = events.id AND r.attendance = 'waitlisted')"
    )


def downgrade() -> None:
    refuse_to_drop_data(revision, columns={"events": ("waitlisted_count", "onsite_taken")})
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("ck_events_attendance_counts_not_negative", type_="check")
        batch.drop_column("waitlisted_count")
        batch.drop_column("onsite_taken")
