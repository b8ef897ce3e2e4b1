"""manufacturing: tenders, project registrations, order-to-cash documents, stock

Revision ID: manufacturing_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "manufacturing_0001"
down_revision = None
branch_labels = ("manufacturing",)
depends_on = "core"

UTC = sqlmodel.sql.sqltypes.UTCDateTime
MONEY = sa.Numeric(precision=16, scale=2)
QUANTITY = sa.Numeric(precision=14, scale=3)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _version() -> sa.Column:
    return sa.Column("version", sa.Integer(), nullable=False)


def _fk(name: str, target: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "manufacturing_tender",
        _id(),
        _text("number", 32),
        _text("title", 200),
        _fk("customer_id", "customer.id", False),
        _fk("opportunity_id", "opportunity.id"),
        _fk("owner_id", "sd_user.id"),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("bid_bond", MONEY, nullable=False),
        _text("competitors", 500),
        sa.Column("bid_price", MONEY, nullable=False),
        _text("result", 16),
        _text("reason", 500),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        _version(),
    )
    op.create_index(
        "ix_manufacturing_tender_number", "manufacturing_tender", ["number"], unique=True
    )
    op.create_index("ix_manufacturing_tender_customer_id", "manufacturing_tender", ["customer_id"])
    op.create_index("ix_manufacturing_tender_owner_id", "manufacturing_tender", ["owner_id"])
    op.create_index("ix_manufacturing_tender_result", "manufacturing_tender", ["result"])

    op.create_table(
        "manufacturing_project",
        _id(),
        _text("number", 32),
        _text("office", 16),
        _fk("customer_id", "customer.id", False),
        _text("contact", 200),
        _text("phone", 50),
        sa.Column("registered_on", sa.Date(), nullable=False),
        _text("specs", 1000),
        sa.Column("quantity", QUANTITY, nullable=False),
        _fk("tender_id", "manufacturing_tender.id"),
        _fk("owner_id", "sd_user.id"),
        _text("notes", 2000),
        sa.Column("created_at", UTC(), nullable=False),
        _version(),
    )
    op.create_index(
        "ix_manufacturing_project_number", "manufacturing_project", ["number"], unique=True
    )
    op.create_index(
        "ix_manufacturing_project_customer_id", "manufacturing_project", ["customer_id"]
    )
    op.create_index("ix_manufacturing_project_owner_id", "manufacturing_project", ["owner_id"])

    op.create_table(
        "manufacturing_document",
        _id(),
        _text("kind", 16),
        _text("number", 32),
        _text("office", 16),
        _fk("customer_id", "customer.id", False),
        _fk("owner_id", "sd_user.id"),
        sa.Column("doc_date", sa.Date(), nullable=False),
        _text("status", 16),
        _fk("project_id", "manufacturing_project.id"),
        _fk("tender_id", "manufacturing_tender.id"),
        _fk("source_id", "manufacturing_document.id"),
        _fk("reverses_id", "manufacturing_document.id"),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        _fk("credit_approved_by_id", "sd_user.id"),
        sa.Column("credit_approved_at", UTC(), nullable=True),
        _text("notes", 2000),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("submitted_at", UTC(), nullable=True),
        _version(),
    )
    op.create_index(
        "ix_manufacturing_document_number", "manufacturing_document", ["number"], unique=True
    )
    op.create_index(
        "ix_manufacturing_document_customer_id", "manufacturing_document", ["customer_id"]
    )
    op.create_index("ix_manufacturing_document_doc_date", "manufacturing_document", ["doc_date"])
    op.create_index("ix_manufacturing_document_due_date", "manufacturing_document", ["due_date"])
    op.create_index(
        "ix_manufacturing_document_kind_customer",
        "manufacturing_document",
        ["kind", "customer_id", "status"],
    )

    op.create_table(
        "manufacturing_line",
        _id(),
        _fk("document_id", "manufacturing_document.id", False),
        _fk("product_id", "product.id", False),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("unit_cost", MONEY, nullable=True),
        _fk("source_line_id", "manufacturing_line.id"),
        sa.Column("promised_date", sa.Date(), nullable=True),
        _version(),
    )
    for column in ("document_id", "product_id", "source_line_id", "promised_date"):
        op.create_index(f"ix_manufacturing_line_{column}", "manufacturing_line", [column])

    op.create_table(
        "manufacturing_allocation",
        _id(),
        _fk("receipt_id", "manufacturing_document.id", False),
        _fk("invoice_id", "manufacturing_document.id", False),
        sa.Column("amount", MONEY, nullable=False),
    )
    op.create_index(
        "ix_manufacturing_allocation_receipt_id", "manufacturing_allocation", ["receipt_id"]
    )
    op.create_index(
        "ix_manufacturing_allocation_invoice_id", "manufacturing_allocation", ["invoice_id"]
    )

    op.create_table(
        "manufacturing_stock",
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), primary_key=True),
        sa.Column("on_hand", QUANTITY, nullable=False),
        _version(),
    )


def downgrade() -> None:
    for table in (
        "manufacturing_stock",
        "manufacturing_allocation",
        "manufacturing_line",
        "manufacturing_document",
        "manufacturing_project",
        "manufacturing_tender",
    ):
        op.drop_table(table)
