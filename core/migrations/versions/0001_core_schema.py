"""core schema

Revision ID: 0001_core
Revises:

"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:

    op.create_table(
        "company_setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("list_price", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("standard_cost", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_code"), ["code"], unique=True)

    op.create_table(
        "region",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["region.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_region_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "sales_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "dimension", "key_id"),
    )
    with op.batch_alter_table("sales_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_target_month"), ["month"], unique=False)

    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_code"), ["code"], unique=True)

    op.create_table(
        "sd_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sd_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sd_user_login"), ["login"], unique=True)
        batch_op.create_index(batch_op.f("ix_sd_user_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sd_user_region_id"), ["region_id"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("old_value", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("new_value", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)

    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("industry", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("size", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("customer_class", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("credit_rating", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("last_follow_up", sa.Date(), nullable=True),
        sa.Column("pool_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_code"), ["code"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_customer_customer_class"), ["customer_class"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_region_id"), ["region_id"], unique=False)

    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("checksum", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=True),
        sa.Column("last_date", sa.Date(), nullable=True),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_checksum"), ["checksum"], unique=False)

    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("visit_time", sa.Time(), nullable=True),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("customer_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("next_visit", sa.Date(), nullable=True),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("weather", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_next_visit"), ["next_visit"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_rep_id"), ["rep_id"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("funnel", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("probability_override", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("close_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("stage_entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunity_expected_close"), ["expected_close"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opportunity_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunity_status"), ["status"], unique=False)

    op.create_table(
        "sales_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["sd_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sales_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_line_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_sales_line_customer_date", ["customer_id", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_line_date"), ["date"], unique=False)
        batch_op.create_index("ix_sales_line_rep_date", ["rep_id", "date"], unique=False)

    op.create_table(
        "stage_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("to_stage", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["sd_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stage_change_opportunity_id"), ["opportunity_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("stage_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_change_opportunity_id"))

    op.drop_table("stage_change")
    with op.batch_alter_table("sales_line", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_line_rep_date")
        batch_op.drop_index(batch_op.f("ix_sales_line_date"))
        batch_op.drop_index("ix_sales_line_customer_date")
        batch_op.drop_index(batch_op.f("ix_sales_line_batch_id"))

    op.drop_table("sales_line")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_status"))
        batch_op.drop_index(batch_op.f("ix_opportunity_stage"))
        batch_op.drop_index(batch_op.f("ix_opportunity_owner_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_expected_close"))
        batch_op.drop_index(batch_op.f("ix_opportunity_customer_id"))

    op.drop_table("opportunity")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_customer_id"))

    op.drop_table("contact")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_rep_id"))
        batch_op.drop_index(batch_op.f("ix_activity_next_visit"))
        batch_op.drop_index(batch_op.f("ix_activity_date"))
        batch_op.drop_index(batch_op.f("ix_activity_customer_id"))

    op.drop_table("activity")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_checksum"))

    op.drop_table("import_batch")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_region_id"))
        batch_op.drop_index(batch_op.f("ix_customer_owner_id"))
        batch_op.drop_index(batch_op.f("ix_customer_name"))
        batch_op.drop_index(batch_op.f("ix_customer_customer_class"))
        batch_op.drop_index(batch_op.f("ix_customer_code"))

    op.drop_table("customer")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit_entry")
    with op.batch_alter_table("sd_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sd_user_region_id"))
        batch_op.drop_index(batch_op.f("ix_sd_user_manager_id"))
        batch_op.drop_index(batch_op.f("ix_sd_user_login"))

    op.drop_table("sd_user")
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_code"))

    op.drop_table("channel")
    with op.batch_alter_table("sales_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_target_month"))

    op.drop_table("sales_target")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_parent_id"))
        batch_op.drop_index(batch_op.f("ix_region_code"))

    op.drop_table("region")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_code"))

    op.drop_table("product")
    op.drop_table("company_setting")
