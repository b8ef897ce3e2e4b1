"""document number sequences (per series, office and year)

Revision ID: 0004_numbering
Revises: 0003_summaries
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_numbering"
down_revision = "0003_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_sequence",
        sa.Column("series", sa.String(length=40), primary_key=True),
        sa.Column("office", sa.String(length=20), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_value", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("number_sequence")
