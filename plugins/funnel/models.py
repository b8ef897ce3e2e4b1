"""The funnel plugin's tables: the lead log and handovers.

``funnel_lead_event`` is append-only like the audit trail: every claim, assignment,
return, reclaim, reminder, escalation and handover of a customer, so the pool's history
and the escalation ladder (which steps were taken since the current owner got the lead)
can be read back.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel


class LeadEventKind(StrEnum):
    IMPORT = "import"  # arrived in the pool from a file
    CLAIM = "claim"  # a rep took it from the pool
    ASSIGN = "assign"  # given to a rep (rules or a manager)
    RETURN = "return"  # handed back to the pool by a person
    RECLAIM = "reclaim"  # taken back automatically (not followed up)
    REMIND = "remind"  # ladder step 1: the owner was reminded
    ESCALATE = "escalate"  # ladder step 2: the manager was told
    HANDOVER = "handover"  # moved from a leaving rep to a successor


OWNER_CHANGES = (LeadEventKind.CLAIM, LeadEventKind.ASSIGN, LeadEventKind.HANDOVER)


class LeadEvent(SQLModel, table=True):
    __tablename__: ClassVar[str] = "funnel_lead_event"
    __table_args__ = (sa.Index("ix_funnel_lead_event_customer", "customer_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    customer_id: int = Field(foreign_key="customer.id")
    kind: str = Field(max_length=16)
    from_owner_id: int | None = Field(default=None, foreign_key="sd_user.id")
    to_owner_id: int | None = Field(default=None, foreign_key="sd_user.id")
    actor_id: int | None = Field(default=None, foreign_key="sd_user.id")
    reason: str = Field(default="", max_length=500)
    handover_id: int | None = Field(default=None, foreign_key="funnel_handover.id", index=True)


class Handover(SQLModel, table=True):
    """One leaving rep's book moved to successors, with the counts that moved."""

    __tablename__: ClassVar[str] = "funnel_handover"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime
    from_user_id: int = Field(foreign_key="sd_user.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="sd_user.id")
    successors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    customers: int = 0
    opportunities: int = 0
    follow_ups: int = 0
    targets: int = 0
    note: str = Field(default="", max_length=500)
