"""daily: the daily report's header (region, reporter, date, weather), visit end times,
the contact met, order and collection amounts per visit, and visits planned for a later day

Revision ID: 0012_daily_visit_reports
Revises: 0011_receipt_method
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012_daily_visit_reports"
down_revision = "0011_receipt_method"
branch_labels = None
depends_on = None

# Free-text weather of older visits -> the header's typed choice (first match wins).
WEATHER_WORDS = (
    ("sunny", ("晴", "sunny")),
    ("cloudy", ("多云", "cloudy")),
    ("overcast", ("阴", "overcast")),
    ("rain", ("雨", "rain")),
    ("snow", ("雪", "snow")),
    ("fog", ("雾", "fog")),
    ("windy", ("风", "wind")),
)


def upgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("end_time", sa.Time(), nullable=True))
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_activity_contact_id_contact", "contact", ["contact_id"], ["id"]
        )
        # Existing visits recorded no amounts: zero, as the service writes for a new one.
        batch.add_column(
            sa.Column("order_amount", sa.Numeric(16, 2), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("collection_amount", sa.Numeric(16, 2), nullable=False, server_default="0")
        )
    op.create_table(
        "daily_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=False),
        sa.Column("region_id", sa.Integer(), sa.ForeignKey("region.id"), nullable=True),
        sa.Column("weather", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("rep_id", "date"),
    )
    op.create_index("ix_daily_report_date", "daily_report", ["date"])
    op.create_index("ix_daily_report_rep_id", "daily_report", ["rep_id"])
    op.create_table(
        "visit_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("rep_id", "date", "customer_id"),
    )
    op.create_index("ix_visit_plan_date", "visit_plan", ["date"])
    op.create_index("ix_visit_plan_rep_id", "visit_plan", ["rep_id"])
    op.create_index("ix_visit_plan_customer_id", "visit_plan", ["customer_id"])
    op.execute(backfill_headers())


def backfill_headers() -> str:
    """One header per rep and day already reported, in the rep's region, with the day's
    weather when the visits named a known one."""
    cases = " ".join(
        "WHEN " + " OR ".join(f"LOWER(w) LIKE '%{word}%'" for word in words) + f" THEN '{value}'"
        for value, words in WEATHER_WORDS
    )
    return (
        "INSERT INTO daily_report (date, rep_id, region_id, weather, notes, created_at, "
        "version) "
        f"SELECT d, r, region_id, CASE {cases} ELSE '' END, '', at, 1 FROM ("
        "SELECT a.date AS d, a.rep_id AS r, u.region_id AS region_id, MAX(a.weather) AS w, "
        "MIN(a.created_at) AS at FROM activity a JOIN sd_user u ON u.id = a.rep_id "
        "GROUP BY a.date, a.rep_id, u.region_id) days"
    )


def downgrade() -> None:
    op.drop_table("visit_plan")
    op.drop_table("daily_report")
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("collection_amount")
        batch.drop_column("order_amount")
        batch.drop_constraint("fk_activity_contact_id_contact", type_="foreignkey")
        batch.drop_column("contact_id")
        batch.drop_column("end_time")
