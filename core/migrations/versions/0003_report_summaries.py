"""report summary tables (rep x day/month, product x region x month, customer x month, YTD)

Revision ID: 0003_summaries
Revises: 0002_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_summaries"
down_revision = "0002_audit"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(precision=16, scale=2)
QUANTITY = sa.Numeric(precision=14, scale=3)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _measures() -> list[sa.Column]:
    return [
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
    ]


def _int(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sales_sum_rep_day",
        _id(),
        sa.Column("day", sa.Date(), nullable=False),
        _int("rep_id"),
        _int("region_id"),
        *_measures(),
    )
    op.create_index("ix_sales_sum_rep_day_day", "sales_sum_rep_day", ["day", "rep_id"])
    op.create_table(
        "sales_sum_rep_month",
        _id(),
        sa.Column("month", sa.Date(), nullable=False),
        _int("rep_id"),
        _int("region_id"),
        *_measures(),
    )
    op.create_index("ix_sales_sum_rep_month_month", "sales_sum_rep_month", ["month", "rep_id"])
    op.create_table(
        "sales_sum_product_region_month",
        _id(),
        sa.Column("month", sa.Date(), nullable=False),
        _int("product_id", False),
        _int("region_id"),
        *_measures(),
    )
    op.create_index(
        "ix_sales_sum_prm_month", "sales_sum_product_region_month", ["month", "product_id"]
    )
    op.create_table(
        "sales_sum_customer_month",
        _id(),
        sa.Column("month", sa.Date(), nullable=False),
        _int("customer_id", False),
        *_measures(),
    )
    op.create_index("ix_sales_sum_cm_month", "sales_sum_customer_month", ["month", "customer_id"])
    op.create_index(
        "ix_sales_sum_cm_customer", "sales_sum_customer_month", ["customer_id", "month"]
    )
    op.create_table(
        "sales_sum_customer_ytd",
        _id(),
        _int("year", False),
        _int("customer_id", False),
        *[sa.Column(f"ytd_{m:02d}", MONEY, nullable=False) for m in range(1, 13)],
    )
    op.create_index("ix_sales_sum_cytd_year", "sales_sum_customer_ytd", ["year", "customer_id"])


def downgrade() -> None:
    for table in (
        "sales_sum_customer_ytd",
        "sales_sum_customer_month",
        "sales_sum_product_region_month",
        "sales_sum_rep_month",
        "sales_sum_rep_day",
    ):
        op.drop_table(table)
