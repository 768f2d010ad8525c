"""The language of a staff member's pages, chosen on their account

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 01:00:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty for every existing account: their pages follow the browser until they choose.
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=12), nullable=True))


def downgrade() -> None:
    refuse_to_drop_data(revision, columns={"staff_users": ("locale",)})
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("locale")
