"""real estate: projects, buildings, units, sign-offs, price lists, deals, payments,
area settlement, sales plans, call register

Revision ID: real_estate_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import plugins.real_estate.models  # noqa: F401  (tables on the metadata for autogenerate)

revision = "real_estate_0001"
down_revision = None
branch_labels = ("real_estate",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "real_estate_project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "real_estate_building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("base_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["real_estate_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "code"),
    )
    op.create_index(
        op.f("ix_real_estate_building_project_id"),
        "real_estate_building",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "real_estate_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_real_estate_change_status"), "real_estate_change", ["status"], unique=False
    )
    op.create_table(
        "real_estate_price_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("percent", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["real_estate_building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "kind", "key"),
    )
    op.create_index(
        op.f("ix_real_estate_price_factor_building_id"),
        "real_estate_price_factor",
        ["building_id"],
        unique=False,
    )
    op.create_table(
        "real_estate_price_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("base_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("total_area", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total_value", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("average_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["real_estate_building.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "number"),
    )
    op.create_index(
        op.f("ix_real_estate_price_list_building_id"),
        "real_estate_price_list",
        ["building_id"],
        unique=False,
    )
    op.create_table(
        "real_estate_sales_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["real_estate_building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "month"),
    )
    op.create_index(
        op.f("ix_real_estate_sales_plan_building_id"),
        "real_estate_sales_plan",
        ["building_id"],
        unique=False,
    )
    op.create_table(
        "real_estate_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("unit_no", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("floor", sa.Integer(), nullable=False),
        sa.Column("layout", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("orientation", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("view", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("building_area", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("suite_area", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("shared_area", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("total_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["real_estate_building.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "unit_no"),
    )
    op.create_index(
        op.f("ix_real_estate_unit_building_id"), "real_estate_unit", ["building_id"], unique=False
    )
    op.create_index(
        op.f("ix_real_estate_unit_status"), "real_estate_unit", ["status"], unique=False
    )
    op.create_table(
        "real_estate_deal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("buyer_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("buyer_phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("contracted_area", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("reserved_on", sa.Date(), nullable=True),
        sa.Column("subscribed_on", sa.Date(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("sold_on", sa.Date(), nullable=True),
        sa.Column("contract_no", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("moved_in_on", sa.Date(), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["real_estate_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_real_estate_deal_unit_id"), "real_estate_deal", ["unit_id"], unique=False
    )
    op.create_index(
        "ux_real_estate_deal_active_unit",
        "real_estate_deal",
        ["unit_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "real_estate_price_list_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("total_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["real_estate_price_list.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["real_estate_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_real_estate_price_list_line_price_list_id"),
        "real_estate_price_list_line",
        ["price_list_id"],
        unique=False,
    )
    op.create_table(
        "real_estate_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("called_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("caller_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("grade", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("followed_up_on", sa.Date(), nullable=True),
        sa.Column("visited_on", sa.Date(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["real_estate_deal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["real_estate_project.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_real_estate_call_agent_id"), "real_estate_call", ["agent_id"], unique=False
    )
    op.create_index(
        op.f("ix_real_estate_call_project_id"), "real_estate_call", ["project_id"], unique=False
    )
    op.create_table(
        "real_estate_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["real_estate_deal.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_real_estate_instalment_deal_id"),
        "real_estate_instalment",
        ["deal_id"],
        unique=False,
    )
    op.create_table(
        "real_estate_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["real_estate_deal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_real_estate_payment_deal_id"), "real_estate_payment", ["deal_id"], unique=False
    )
    op.create_table(
        "real_estate_settlement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("contracted_area", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("measured_area", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("settled_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["real_estate_deal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["settled_by"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id"),
    )
    op.create_table(
        "real_estate_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["real_estate_deal.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["real_estate_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_real_estate_status_change_unit_id"),
        "real_estate_status_change",
        ["unit_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_real_estate_status_change_unit_id"), table_name="real_estate_status_change"
    )
    op.drop_table("real_estate_status_change")
    op.drop_table("real_estate_settlement")
    op.drop_index(op.f("ix_real_estate_payment_deal_id"), table_name="real_estate_payment")
    op.drop_table("real_estate_payment")
    op.drop_index(op.f("ix_real_estate_instalment_deal_id"), table_name="real_estate_instalment")
    op.drop_table("real_estate_instalment")
    op.drop_index(op.f("ix_real_estate_call_project_id"), table_name="real_estate_call")
    op.drop_index(op.f("ix_real_estate_call_agent_id"), table_name="real_estate_call")
    op.drop_table("real_estate_call")
    op.drop_index(
        op.f("ix_real_estate_price_list_line_price_list_id"),
        table_name="real_estate_price_list_line",
    )
    op.drop_table("real_estate_price_list_line")
    op.drop_index(
        "ux_real_estate_deal_active_unit",
        table_name="real_estate_deal",
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.drop_index(op.f("ix_real_estate_deal_unit_id"), table_name="real_estate_deal")
    op.drop_table("real_estate_deal")
    op.drop_index(op.f("ix_real_estate_unit_status"), table_name="real_estate_unit")
    op.drop_index(op.f("ix_real_estate_unit_building_id"), table_name="real_estate_unit")
    op.drop_table("real_estate_unit")
    op.drop_index(
        op.f("ix_real_estate_sales_plan_building_id"), table_name="real_estate_sales_plan"
    )
    op.drop_table("real_estate_sales_plan")
    op.drop_index(
        op.f("ix_real_estate_price_list_building_id"), table_name="real_estate_price_list"
    )
    op.drop_table("real_estate_price_list")
    op.drop_index(
        op.f("ix_real_estate_price_factor_building_id"), table_name="real_estate_price_factor"
    )
    op.drop_table("real_estate_price_factor")
    op.drop_index(op.f("ix_real_estate_change_status"), table_name="real_estate_change")
    op.drop_table("real_estate_change")
    op.drop_index(op.f("ix_real_estate_building_project_id"), table_name="real_estate_building")
    op.drop_table("real_estate_building")
    op.drop_table("real_estate_project")
