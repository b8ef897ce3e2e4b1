"""summary tables keyed uniquely, so an import adds its own totals with an upsert

Revision ID: 0005_summary_keys
Revises: 0004_numbering

A NULL rep or region is folded to 0 in the key (ids start at 1), so all lines without a
rep share one row, as ``GROUP BY`` puts them. The customer x month and YTD tables had a
plain index on exactly their key: it becomes the unique one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_summary_keys"
down_revision = "0004_numbering"
branch_labels = None
depends_on = None


def _null_as_zero(column: str) -> sa.TextClause:
    return sa.text(f"COALESCE({column}, 0)")


def upgrade() -> None:
    op.drop_index("ix_sales_sum_rep_day_day", "sales_sum_rep_day")
    op.create_index(
        "ux_sales_sum_rep_day",
        "sales_sum_rep_day",
        ["day", _null_as_zero("rep_id"), _null_as_zero("region_id")],
        unique=True,
    )
    op.create_index(
        "ux_sales_sum_rep_month",
        "sales_sum_rep_month",
        ["month", _null_as_zero("rep_id"), _null_as_zero("region_id")],
        unique=True,
    )
    op.drop_index("ix_sales_sum_prm_month", "sales_sum_product_region_month")
    op.create_index(
        "ux_sales_sum_prm",
        "sales_sum_product_region_month",
        ["month", "product_id", _null_as_zero("region_id")],
        unique=True,
    )
    op.drop_index("ix_sales_sum_cm_month", "sales_sum_customer_month")
    op.create_index(
        "ux_sales_sum_cm", "sales_sum_customer_month", ["month", "customer_id"], unique=True
    )
    op.drop_index("ix_sales_sum_cytd_year", "sales_sum_customer_ytd")
    op.create_index(
        "ux_sales_sum_cytd", "sales_sum_customer_ytd", ["year", "customer_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_sales_sum_cytd", "sales_sum_customer_ytd")
    op.create_index("ix_sales_sum_cytd_year", "sales_sum_customer_ytd", ["year", "customer_id"])
    op.drop_index("ux_sales_sum_cm", "sales_sum_customer_month")
    op.create_index("ix_sales_sum_cm_month", "sales_sum_customer_month", ["month", "customer_id"])
    op.drop_index("ux_sales_sum_prm", "sales_sum_product_region_month")
    op.create_index(
        "ix_sales_sum_prm_month", "sales_sum_product_region_month", ["month", "product_id"]
    )
    op.drop_index("ux_sales_sum_rep_month", "sales_sum_rep_month")
    op.drop_index("ux_sales_sum_rep_day", "sales_sum_rep_day")
    op.create_index("ix_sales_sum_rep_day_day", "sales_sum_rep_day", ["day", "rep_id"])
