"""An event's main language and its texts in other languages; fare table towns' other names

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 01:30:00
"""

import sqlalchemy as sa
from alembic import op

from regsvc.migrating import refuse_to_drop_data

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Events that exist already were written in English, the only language until now.
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("main_language", sa.String(length=12), server_default="en", nullable=False)
        )
        batch.add_column(sa.Column("translations", sa.JSON(), server_default="{}", nullable=False))
    op.create_table(
        "fare_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fare_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["fare_id"], ["fares.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fare_id", "locale", name="uq_fare_names_fare_locale"),
    )
    op.create_index("ix_fare_names_name_key", "fare_names", ["name_key"])


def downgrade() -> None:
    refuse_to_drop_data(
        revision, tables=("fare_names",), columns={"events": ("translations", "main_language")}
    )
    op.drop_index("ix_fare_names_name_key", table_name="fare_names")
    op.drop_table("fare_names")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("translations")
        batch.drop_column("main_language")
