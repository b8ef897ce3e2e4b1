"""funnel plugin: lead log and handovers

Revision ID: funnel_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "funnel_0001"
down_revision = None
branch_labels = ("funnel",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "funnel_handover",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("from_user_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("successors", sa.JSON(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("opportunities", sa.Integer(), nullable=False),
        sa.Column("follow_ups", sa.Integer(), nullable=False),
        sa.Column("targets", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
    )
    op.create_index("ix_funnel_handover_from_user_id", "funnel_handover", ["from_user_id"])
    op.create_table(
        "funnel_lead_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_owner_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("to_owner_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("handover_id", sa.Integer(), sa.ForeignKey("funnel_handover.id"), nullable=True),
    )
    op.create_index("ix_funnel_lead_event_customer", "funnel_lead_event", ["customer_id", "at"])
    op.create_index("ix_funnel_lead_event_handover_id", "funnel_lead_event", ["handover_id"])


def downgrade() -> None:
    op.drop_table("funnel_lead_event")
    op.drop_table("funnel_handover")
