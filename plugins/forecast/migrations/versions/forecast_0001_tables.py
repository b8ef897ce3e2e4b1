"""forecast plugin: forecast runs, series, values; target allocations and their lines

Revision ID: forecast_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "forecast_0001"
down_revision = None
branch_labels = ("forecast",)
depends_on = "core"

MONEY = sa.Numeric(16, 2)


def upgrade() -> None:
    op.create_table(
        "forecast_run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("cut", sa.String(100), nullable=False),
        sa.Column("freq", sa.String(8), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("reconcile", sa.String(16), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("series_count", sa.Integer(), nullable=False),
        sa.Column("history_start", sa.Date(), nullable=True),
        sa.Column("history_end", sa.Date(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    op.create_table(
        "forecast_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("forecast_run.id"), nullable=False),
        sa.Column("series_key", sa.String(200), nullable=False),
        sa.Column("label", sa.String(400), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("smape", sa.Float(), nullable=True),
        sa.Column("mase", sa.Float(), nullable=True),
        sa.Column("naive_smape", sa.Float(), nullable=True),
        sa.Column("naive_mase", sa.Float(), nullable=True),
        sa.Column("short", sa.Boolean(), nullable=False),
        sa.Column("explanation", sa.String(2000), nullable=False),
        sa.UniqueConstraint("run_id", "series_key"),
    )
    op.create_index("ix_forecast_series_run_id", "forecast_series", ["run_id"])
    op.create_table(
        "forecast_value",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("forecast_series.id"), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("lower", MONEY, nullable=True),
        sa.Column("upper", MONEY, nullable=True),
    )
    op.create_index("ix_forecast_value_series", "forecast_value", ["series_id", "period"])
    op.create_table(
        "forecast_allocation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_kind", sa.String(8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("basis_as_of", sa.Date(), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("period_start", "period_kind", "dimension", "revision"),
    )
    op.create_index("ix_forecast_allocation_period_start", "forecast_allocation", ["period_start"])
    op.create_index("ix_forecast_allocation_status", "forecast_allocation", ["status"])
    op.create_table(
        "forecast_allocation_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "allocation_id", sa.Integer(), sa.ForeignKey("forecast_allocation.id"), nullable=False
        ),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("basis_amount", MONEY, nullable=False),
        sa.Column("share", sa.Numeric(12, 10), nullable=False),
        sa.Column("adjustment_pct", sa.Numeric(9, 4), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("allocation_id", "key_id"),
    )
    op.create_index(
        "ix_forecast_allocation_line_allocation_id", "forecast_allocation_line", ["allocation_id"]
    )


def downgrade() -> None:
    op.drop_table("forecast_allocation_line")
    op.drop_table("forecast_allocation")
    op.drop_table("forecast_value")
    op.drop_table("forecast_series")
    op.drop_table("forecast_run")
