"""organisation: region kind and active flag, product VAT rate, customer invoicing fields

Revision ID: 0009_organisation
Revises: 0008_keys_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_organisation"
down_revision = "0008_keys_sessions"
branch_labels = None
depends_on = None

CUSTOMER_TEXT = (
    ("credit_code", 18),
    ("invoice_title", 200),
    ("bank_name", 200),
    ("bank_account", 50),
    ("billing_address", 500),
    ("billing_phone", 50),
)


# Plain ADD/DROP COLUMN (SQLite 3.35+ has both): a batch copy of ``customer`` would have
# to drop a table other tables point at.


def upgrade() -> None:
    op.add_column(
        "region", sa.Column("kind", sa.String(length=16), nullable=False, server_default="region")
    )
    op.add_column(
        "region", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column(
        "product", sa.Column("vat_rate", sa.Numeric(5, 4), nullable=False, server_default="0.13")
    )
    for name, length in CUSTOMER_TEXT:
        op.add_column(
            "customer", sa.Column(name, sa.String(length=length), nullable=False, server_default="")
        )


def downgrade() -> None:
    for name, _ in reversed(CUSTOMER_TEXT):
        op.drop_column("customer", name)
    op.drop_column("product", "vat_rate")
    op.drop_column("region", "active")
    op.drop_column("region", "kind")
