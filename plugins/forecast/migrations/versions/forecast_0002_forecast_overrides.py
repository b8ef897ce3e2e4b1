"""forecast plugin: human overrides of forecasts, and the 95 % interval of each value

Revision ID: forecast_0002_forecast
Revises: forecast_0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "forecast_0002_forecast"
down_revision = "forecast_0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(16, 2)


def upgrade() -> None:
    with op.batch_alter_table("forecast_value") as batch:
        batch.add_column(sa.Column("lower95", MONEY, nullable=True))
        batch.add_column(sa.Column("upper95", MONEY, nullable=True))
    op.create_table(
        "forecast_override",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("forecast_series.id"), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("statistical", MONEY, nullable=False),
        sa.Column("final", MONEY, nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("series_id", "period"),
    )
    op.create_index("ix_forecast_override_series_id", "forecast_override", ["series_id"])


def downgrade() -> None:
    op.drop_table("forecast_override")
    with op.batch_alter_table("forecast_value") as batch:
        batch.drop_column("upper95")
        batch.drop_column("lower95")
