"""who makes a planned visit: activity.follow_up_rep_id

Revision ID: 0006_follow_up_owner
Revises: 0005_summary_keys

A reassignment or handover used to rewrite ``activity.rep_id`` of past visits to move
their planned next visit, so history changed hands. The plan now moves on its own column;
NULL means the rep who made the visit follows it up, so existing rows need no update.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_follow_up_owner"
down_revision = "0005_summary_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity") as batch_op:
        batch_op.add_column(sa.Column("follow_up_rep_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_activity_follow_up_rep_id", ["follow_up_rep_id"])
        batch_op.create_foreign_key(
            "fk_activity_follow_up_rep_id_sd_user", "sd_user", ["follow_up_rep_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("activity") as batch_op:
        batch_op.drop_constraint("fk_activity_follow_up_rep_id_sd_user", type_="foreignkey")
        batch_op.drop_index("ix_activity_follow_up_rep_id")
        batch_op.drop_column("follow_up_rep_id")
