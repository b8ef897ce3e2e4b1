"""manufacturing (vat): VAT rate and tax per line, document tax and invoice type

Revision ID: manufacturing_0002_vat
Revises: manufacturing_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "manufacturing_0002_vat"
down_revision = "manufacturing_0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=16, scale=2)


# Documents made before carry no VAT (rate and tax 0): their amounts stay what they were.
def upgrade() -> None:
    op.add_column(
        "manufacturing_line",
        sa.Column("tax_rate", sa.Numeric(5, 4), nullable=False, server_default="0"),
    )
    op.add_column("manufacturing_line", sa.Column("tax", MONEY, nullable=False, server_default="0"))
    op.add_column(
        "manufacturing_document", sa.Column("tax", MONEY, nullable=False, server_default="0")
    )
    op.add_column(
        "manufacturing_document",
        sa.Column("invoice_type", sa.String(length=16), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("manufacturing_document", "invoice_type")
    op.drop_column("manufacturing_document", "tax")
    op.drop_column("manufacturing_line", "tax")
    op.drop_column("manufacturing_line", "tax_rate")
