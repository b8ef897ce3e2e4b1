"""summary totals sized for the sums they hold (PostgreSQL)

Revision ID: 0007_summary_totals
Revises: 0006_follow_up_owner

A summary row adds up many lines, each up to what a line holds (numeric(16,2) amounts,
numeric(14,3) quantities), so two big lines overflowed the column with a raw "numeric
field overflow". The importer refuses totals past ``core.summaries.AMOUNT_MAX`` /
``QUANTITY_MAX`` after adding them, naming the total; the wider columns let it get
there. SQLite stores numbers by value whatever the declared type: nothing to do there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_summary_totals"
down_revision = "0006_follow_up_owner"
branch_labels = None
depends_on = None

GRAINS = (
    "sales_sum_rep_day",
    "sales_sum_rep_month",
    "sales_sum_product_region_month",
    "sales_sum_customer_month",
)
YTD = tuple(f"ytd_{m:02d}" for m in range(1, 13))


def _columns() -> list[tuple[str, str, bool]]:
    """(table, column, is_money) of every summary measure."""
    out = [(t, c, c == "amount") for t in GRAINS for c in ("amount", "quantity")]
    return out + [("sales_sum_customer_ytd", c, True) for c in YTD]


def _retype(money: sa.Numeric, quantity: sa.Numeric) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, is_money in _columns():
        op.alter_column(table, column, type_=money if is_money else quantity)


def upgrade() -> None:
    _retype(sa.Numeric(24, 2), sa.Numeric(24, 3))


def downgrade() -> None:
    _retype(sa.Numeric(16, 2), sa.Numeric(14, 3))
