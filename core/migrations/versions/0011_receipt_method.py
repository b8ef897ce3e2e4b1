"""receipts: how the money came (bank transfer, acceptance bill, cash, ...)

Revision ID: 0011_receipt_method
Revises: 0010_vat_sales_receipts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_receipt_method"
down_revision = "0010_vat_sales_receipts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A server default fills the receipts entered before: their method is not known.
    op.add_column(
        "sales_receipt",
        sa.Column("method", sa.String(length=16), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("sales_receipt") as batch:
        batch.drop_column("method")
