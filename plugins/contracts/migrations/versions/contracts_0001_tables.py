"""contracts: contracts, milestones, attachments, approval steps, timeline, sign-offs

Revision ID: contracts_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

import plugins.contracts.models  # noqa: F401  (tables known to the metadata)

revision = "contracts_0001"
down_revision = None
branch_labels = ("contracts",)
depends_on = "core"

MONEY = sa.Numeric(precision=16, scale=2)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _fk(name: str, target: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def _str(name: str, length: int, default: str = "") -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=False, server_default=default)


def upgrade() -> None:
    op.create_table(
        "contracts_contract",
        _id(),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _fk("root_id", "contracts_contract.id"),
        _fk("amends_id", "contracts_contract.id"),
        _fk("superseded_by_id", "contracts_contract.id"),
        _fk("copied_from_id", "contracts_contract.id"),
        sa.Column("title", sa.String(200), nullable=False),
        _str("contract_type", 32, "sales"),
        _fk("customer_id", "customer.id", nullable=False),
        _fk("opportunity_id", "opportunity.id"),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        _str("currency", 3, "CNY"),
        _str("terms", 4000),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        _fk("owner_id", "sd_user.id"),
        _str("office", 16),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("approval_round", sa.Integer(), nullable=False),
        _fk("requested_by_id", "sd_user.id"),
        sa.Column("submitted_at", UTCDateTime()),
        sa.Column("signed_at", UTCDateTime()),
        _str("cancel_reason", 500),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("created_by_id", "sd_user.id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("number", "revision", name="uq_contracts_contract_number_revision"),
    )
    for column in (
        "number",
        "root_id",
        "customer_id",
        "opportunity_id",
        "owner_id",
        "stage",
        "status",
        "signed_at",
    ):
        op.create_index(f"ix_contracts_contract_{column}", "contracts_contract", [column])
    op.create_table(
        "contracts_milestone",
        _id(),
        _fk("contract_id", "contracts_contract.id", False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        _str("condition", 300),
        sa.Column("paid_on", sa.Date()),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_contracts_milestone_contract_id", "contracts_milestone", ["contract_id"])
    op.create_index("ix_contracts_milestone_due_date", "contracts_milestone", ["due_date"])
    op.create_table(
        "contracts_attachment",
        _id(),
        _fk("contract_id", "contracts_contract.id", False),
        sa.Column("ref", sa.String(500), nullable=False),
        _str("title", 200),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        _fk("added_by_id", "sd_user.id"),
    )
    op.create_index("ix_contracts_attachment_contract_id", "contracts_attachment", ["contract_id"])
    op.create_table(
        "contracts_approval_step",
        _id(),
        _fk("contract_id", "contracts_contract.id", False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _fk("decided_by_id", "sd_user.id"),
        _str("decided_by_login", 64),
        sa.Column("decided_at", UTCDateTime()),
        _str("comment", 1000),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("contract_id", "round", "seq", name="uq_contracts_approval_step"),
    )
    for column in ("contract_id", "role", "status"):
        op.create_index(f"ix_contracts_approval_step_{column}", "contracts_approval_step", [column])
    op.create_table(
        "contracts_timeline",
        _id(),
        _fk("contract_id", "contracts_contract.id", False),
        sa.Column("at", UTCDateTime(), nullable=False),
        _fk("actor_id", "sd_user.id"),
        _str("actor_login", 64),
        sa.Column("action", sa.String(32), nullable=False),
        _str("from_stage", 32),
        _str("to_stage", 32),
        _str("comment", 1000),
    )
    op.create_index("ix_contracts_timeline_contract_id", "contracts_timeline", ["contract_id"])
    op.create_table(
        "contracts_signoff",
        _id(),
        _fk("contract_id", "contracts_contract.id", False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        _fk("user_id", "sd_user.id"),
        _str("login", 64),
        sa.Column("at", UTCDateTime(), nullable=False),
        _str("comment", 1000),
    )
    op.create_index("ix_contracts_signoff_contract_id", "contracts_signoff", ["contract_id"])


def downgrade() -> None:
    for table in (
        "contracts_signoff",
        "contracts_timeline",
        "contracts_approval_step",
        "contracts_attachment",
        "contracts_milestone",
        "contracts_contract",
    ):
        op.drop_table(table)
