"""vat: sales-line VAT rate and return reason; receipts (收款) entered or imported

Revision ID: 0010_vat_sales_receipts
Revises: 0009_organisation
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010_vat_sales_receipts"
down_revision = "0009_organisation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns without a default: adding them rewrites nothing, even on a
    # sales_line of millions of rows.
    op.add_column("sales_line", sa.Column("tax_rate", sa.Numeric(5, 4), nullable=True))
    op.add_column("sales_line", sa.Column("return_reason", sa.String(length=200), nullable=True))
    op.create_table(
        "sales_receipt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batch.id"), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sales_receipt_date", "sales_receipt", ["date"])
    op.create_index("ix_sales_receipt_batch_id", "sales_receipt", ["batch_id"])
    op.create_index("ix_sales_receipt_customer_date", "sales_receipt", ["customer_id", "date"])


def downgrade() -> None:
    op.drop_table("sales_receipt")
    op.drop_column("sales_line", "return_reason")
    op.drop_column("sales_line", "tax_rate")
