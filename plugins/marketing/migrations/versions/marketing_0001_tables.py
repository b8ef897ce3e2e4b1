"""marketing: campaigns, cost lines, segments, negative information

Revision ID: marketing_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "marketing_0001"
down_revision = None
branch_labels = ("marketing",)
depends_on = "core"

MONEY = sa.Numeric(precision=16, scale=2)


def _str(name: str, length: int, default: str = "") -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=False, server_default=default)


def _fk(name: str, target: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def _common_tail() -> list[sa.Column]:
    return [
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "marketing_segment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _str("industry", 100),
        _fk("region_id", "region.id"),
        _str("size", 16),
        _str("customer_class", 16),
        _str("source", 100),
        sa.Column("min_recency", sa.Integer(), nullable=False),
        sa.Column("min_frequency", sa.Integer(), nullable=False),
        sa.Column("min_monetary", sa.Integer(), nullable=False),
        sa.Column("rfm_months", sa.Integer(), nullable=False),
        _fk("owner_id", "sd_user.id"),
        _str("notes", 2000),
        *_common_tail(),
    )
    op.create_index("ix_marketing_segment_code", "marketing_segment", ["code"], unique=True)
    op.create_table(
        "marketing_campaign",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _str("kind", 16, "promotion"),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("budget", MONEY, nullable=False),
        _fk("segment_id", "marketing_segment.id"),
        _str("industry", 100),
        _fk("region_id", "region.id"),
        _str("size", 16),
        _str("customer_class", 16),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        _fk("owner_id", "sd_user.id"),
        _str("status", 16, "planned"),
        _str("budget_status", 16, "draft"),
        _fk("requested_by_id", "sd_user.id"),
        _fk("approved_by_id", "sd_user.id"),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        _str("approval_note", 500),
        _str("notes", 2000),
        *_common_tail(),
    )
    op.create_index("ix_marketing_campaign_code", "marketing_campaign", ["code"], unique=True)
    op.create_index("ix_marketing_campaign_owner_id", "marketing_campaign", ["owner_id"])
    op.create_index("ix_marketing_campaign_status", "marketing_campaign", ["status"])
    op.create_table(
        "marketing_cost",
        sa.Column("id", sa.Integer(), primary_key=True),
        _fk("campaign_id", "marketing_campaign.id", nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        _str("category", 16, "other"),
        _str("medium", 16),
        _str("description", 500),
        sa.Column("budget", MONEY, nullable=False),
        sa.Column("actual", MONEY, nullable=False),
        *_common_tail(),
    )
    op.create_index("ix_marketing_cost_campaign_id", "marketing_cost", ["campaign_id"])
    op.create_index("ix_marketing_cost_date", "marketing_cost", ["date"])
    op.create_table(
        "marketing_negative",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        _str("reason", 16, "other"),
        _fk("customer_id", "customer.id"),
        _fk("opportunity_id", "opportunity.id"),
        _fk("product_id", "product.id"),
        _fk("region_id", "region.id"),
        _str("competitor", 200),
        _str("description", 2000),
        _fk("reporter_id", "sd_user.id"),
        _str("action", 1000),
        _fk("action_owner_id", "sd_user.id"),
        sa.Column("action_due", sa.Date(), nullable=True),
        _str("action_status", 8),
        *_common_tail(),
    )
    op.create_index("ix_marketing_negative_date", "marketing_negative", ["date"])
    op.create_index("ix_marketing_negative_customer_id", "marketing_negative", ["customer_id"])
    op.create_index("ix_marketing_negative_reporter_id", "marketing_negative", ["reporter_id"])


def downgrade() -> None:
    for table in (
        "marketing_negative",
        "marketing_cost",
        "marketing_campaign",
        "marketing_segment",
    ):
        op.drop_table(table)
