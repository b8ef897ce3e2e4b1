"""The contracts plugin's tables (all prefixed ``contracts_``).

A contract version is one row of ``contracts_contract``: an amendment is a new row with the
same number, the next ``revision``, ``root_id`` pointing at the first version and
``amends_id`` at the version it changes. Rows users edit carry ``version`` (optimistic
locking); the timeline, approval decisions and sign-offs are appended, never edited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from core.models import MONEY, money_field, utcnow, versioned


class Contract(SQLModel, table=True):
    """One version of a sales contract (销售合同)."""

    __noun__: ClassVar[tuple[str, str]] = ("contract", "合同")

    __tablename__: ClassVar[str] = "contracts_contract"
    __table_args__ = (
        sa.UniqueConstraint("number", "revision", name="uq_contracts_contract_number_revision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, index=True)
    revision: int = Field(default=1)
    # the first version (None on the first version itself)
    root_id: int | None = Field(default=None, foreign_key="contracts_contract.id", index=True)
    amends_id: int | None = Field(default=None, foreign_key="contracts_contract.id")
    superseded_by_id: int | None = Field(default=None, foreign_key="contracts_contract.id")
    copied_from_id: int | None = Field(default=None, foreign_key="contracts_contract.id")
    title: str = Field(max_length=200)
    contract_type: str = Field(default="sales", max_length=32)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    opportunity_id: int | None = Field(default=None, foreign_key="opportunity.id", index=True)
    parties: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    amount: Decimal = money_field()
    currency: str = Field(default="CNY", max_length=3)
    terms: str = Field(default="", max_length=4000)
    start_date: dt.date | None = Field(default=None)
    end_date: dt.date | None = Field(default=None)
    owner_id: int | None = Field(default=None, foreign_key="sd_user.id", index=True)
    office: str = Field(default="", max_length=16)
    stage: str = Field(max_length=32, index=True)
    status: str = Field(max_length=32, index=True)
    approval_round: int = Field(default=0)
    requested_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    submitted_at: dt.datetime | None = Field(default=None)
    signed_at: dt.datetime | None = Field(default=None, index=True)
    cancel_reason: str = Field(default="", max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    version: int = Field(default=1)


class Milestone(SQLModel, table=True):
    """A payment milestone: due date, amount and the condition that triggers it."""

    __noun__: ClassVar[tuple[str, str]] = ("milestone", "付款节点")

    __tablename__: ClassVar[str] = "contracts_milestone"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts_contract.id", index=True)
    seq: int = Field(default=1)
    due_date: dt.date = Field(index=True)
    amount: Decimal = money_field()
    condition: str = Field(default="", max_length=300)
    paid_on: dt.date | None = Field(default=None)
    version: int = Field(default=1)


class Attachment(SQLModel, table=True):
    """A document kept elsewhere, named by path or reference (scan, DMS id, URL)."""

    __tablename__: ClassVar[str] = "contracts_attachment"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts_contract.id", index=True)
    ref: str = Field(max_length=500)
    title: str = Field(default="", max_length=200)
    added_at: dt.datetime = Field(default_factory=utcnow)
    added_by_id: int | None = Field(default=None, foreign_key="sd_user.id")


class ApprovalStep(SQLModel, table=True):
    """One step of an approval round: the role that must decide, and its decision."""

    __noun__: ClassVar[tuple[str, str]] = ("approval step", "审批步骤")

    __tablename__: ClassVar[str] = "contracts_approval_step"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "round", "seq", name="uq_contracts_approval_step"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts_contract.id", index=True)
    round: int = Field(default=1)
    seq: int = Field(default=1)
    role: str = Field(max_length=64, index=True)
    status: str = Field(default="pending", max_length=16, index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="sd_user.id")
    decided_by_login: str = Field(default="", max_length=64)
    decided_at: dt.datetime | None = Field(default=None)
    comment: str = Field(default="", max_length=1000)
    version: int = Field(default=1)


class TimelineEntry(SQLModel, table=True):
    """What happened to a contract, in order: stage moves, decisions, edits, sign-offs."""

    __tablename__: ClassVar[str] = "contracts_timeline"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts_contract.id", index=True)
    at: dt.datetime
    actor_id: int | None = Field(default=None, foreign_key="sd_user.id")
    actor_login: str = Field(default="", max_length=64)
    action: str = Field(max_length=32)
    from_stage: str = Field(default="", max_length=32)
    to_stage: str = Field(default="", max_length=32)
    comment: str = Field(default="", max_length=1000)


class Signoff(SQLModel, table=True):
    """A control node (控制节点) passed: who signed it off, holding which role."""

    __noun__: ClassVar[tuple[str, str]] = ("sign-off", "签核")

    __tablename__: ClassVar[str] = "contracts_signoff"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contracts_contract.id", index=True)
    node: str = Field(max_length=64)
    role: str = Field(max_length=64)
    user_id: int | None = Field(default=None, foreign_key="sd_user.id")
    login: str = Field(default="", max_length=64)
    at: dt.datetime
    comment: str = Field(default="", max_length=1000)


for _table in (Contract, Milestone, ApprovalStep):
    versioned(_table)

__all__ = [
    "MONEY",
    "ApprovalStep",
    "Attachment",
    "Contract",
    "Milestone",
    "Signoff",
    "TimelineEntry",
]
