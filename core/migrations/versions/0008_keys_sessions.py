"""SSH keys of users and the sessions of ``salesdesk serve``

Revision ID: 0008_keys_sessions
Revises: 0007_summary_totals
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008_keys_sessions"
down_revision = "0007_summary_totals"
branch_labels = None
depends_on = None

WHEN = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "user_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=False),
        sa.Column("fingerprint", sa.String(length=100), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("comment", sa.String(length=200), nullable=False),
        sa.Column("added_at", WHEN(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("last_used_at", WHEN(), nullable=True),
    )
    op.create_index("ix_user_key_user_id", "user_key", ["user_id"])
    op.create_index("ix_user_key_fingerprint", "user_key", ["fingerprint"], unique=True)
    op.create_table(
        "served_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("sd_user.id"), nullable=True),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("node", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("command", sa.String(length=500), nullable=False),
        sa.Column("started_at", WHEN(), nullable=False),
        sa.Column("seen_at", WHEN(), nullable=True),
        sa.Column("ended_at", WHEN(), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=False),
        sa.Column("end_requested_at", WHEN(), nullable=True),
        sa.Column("end_requested_by", sa.String(length=64), nullable=False),
        sa.Column("ticket_hash", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", WHEN(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
    )
    op.create_index("ix_served_session_user_id", "served_session", ["user_id"])
    op.create_index("ix_served_session_started_at", "served_session", ["started_at"])
    op.create_index("ix_served_session_ended_at", "served_session", ["ended_at"])


def downgrade() -> None:
    op.drop_table("served_session")
    op.drop_table("user_key")
