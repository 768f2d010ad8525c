"""Search keys fold the usual ASCII spellings dj, gj, kj (regsvc.text.search_key)

"Djordje" now finds Đorđe and Ђорђе, "Kjosevska" Ќосевска, "Gjorgji" Ѓорѓи. The stored keys
are refolded the way search_key now folds: its old result, with dj → d, gj → g, kj → k.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 23:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Each replacement in turn, in regsvc.text._DIGRAPHS's order, as str.replace does them.
KEYS = {"registrations": "search_text", "fares": "town_key"}


def _refolded(column: sa.ColumnClause) -> sa.ColumnElement:
    folded: sa.ColumnElement = column
    for digraph, letter in (("dj", "d"), ("gj", "g"), ("kj", "k")):
        folded = sa.func.replace(folded, digraph, letter)
    return folded


def upgrade() -> None:
    for table, column in KEYS.items():
        key = sa.column(column)
        op.execute(sa.table(table, key).update().values({column: _refolded(key)}))


def downgrade() -> None:
    # The refolded keys lose nothing a search needs; the older code finds fewer spellings.
    pass
