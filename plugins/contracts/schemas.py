"""Input models for contracts (validated before anything is written)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.schemas import Money, PositiveMoney, refusal_at


class Party(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(default="buyer", max_length=50)  # buyer, seller, guarantor, ...


class MilestoneIn(BaseModel):
    due_date: dt.date
    amount: Money
    condition: str = Field(default="", max_length=300)


class AttachmentIn(BaseModel):
    ref: str = Field(min_length=1, max_length=500, description="a file path or a reference")
    title: str = Field(default="", max_length=200)


class _Common(BaseModel):
    @field_validator("currency", check_fields=False)
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise ValueError("a three-letter currency code such as CNY")
        return value

    @field_validator("parties", mode="before", check_fields=False)
    @classmethod
    def _parties(cls, value: Any) -> Any:
        """Accept "Name; Name (role)" text from a one-line form field."""
        if not isinstance(value, str):
            return value
        parties = []
        for part in filter(None, (p.strip() for p in value.split(";"))):
            name, _sep, role = part.partition("(")
            parties.append({"name": name.strip(), "role": role.rstrip(")").strip() or "buyer"})
        return parties

    @field_validator("milestones", mode="before", check_fields=False)
    @classmethod
    def _milestones(cls, value: Any) -> Any:
        """Accept "2026-04-30 75000 on delivery; 2026-06-30 75000" from a form field."""
        if not isinstance(value, str):
            return value
        items = []
        for part in filter(None, (p.strip() for p in value.split(";"))):
            due, _sp, rest = part.partition(" ")
            amount, _sp, condition = rest.strip().partition(" ")
            items.append(
                {
                    "due_date": due,
                    "amount": amount.replace(",", "") or None,
                    "condition": condition.strip(),
                }
            )
        return items

    @model_validator(mode="after")
    def _dates_and_sum(self) -> Any:
        start, end = getattr(self, "start_date", None), getattr(self, "end_date", None)
        if start and end and end < start:
            raise refusal_at("end_date", "a date on or after the start ({start})", start=start)
        return self


class ContractCreate(_Common):
    title: str = Field(min_length=1, max_length=200)
    customer_id: int
    opportunity_id: int | None = None
    contract_type: str = Field(default="sales", min_length=1, max_length=32)
    parties: list[Party] = Field(default_factory=list)
    amount: Money = Decimal("0")
    currency: str = "CNY"
    terms: str = Field(default="", max_length=4000)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    owner_id: int | None = None
    office: str = Field(default="", max_length=16)
    milestones: list[MilestoneIn] = Field(default_factory=list)
    attachments: list[AttachmentIn] = Field(default_factory=list)


class ContractUpdate(_Common):
    """Only the fields given change; ``milestones``/``parties`` replace the whole list."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    opportunity_id: int | None = None
    contract_type: str | None = Field(default=None, min_length=1, max_length=32)
    parties: list[Party] | None = None
    amount: Money | None = None
    currency: str | None = None
    terms: str | None = Field(default=None, max_length=4000)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    owner_id: int | None = None
    office: str | None = Field(default=None, max_length=16)
    milestones: list[MilestoneIn] | None = None
    attachments: list[AttachmentIn] | None = None


# Changes to these send a submitted or approved contract back to approval.
APPROVAL_FIELDS = frozenset({"amount", "currency", "terms", "parties", "milestones"})


class ContractEntry(BaseModel):
    """The "New contract" entry form of the Forms screen: one line per field."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, title="Contract title")
    customer_code: str = Field(min_length=1, max_length=32, title="Customer code")
    amount: PositiveMoney = Field(title="Amount")
    currency: str = Field("CNY", title="Currency")
    parties: str = Field(
        "", max_length=1000, title="Parties", description="Name (role); Name (role)"
    )
    terms: str = Field("", max_length=4000, title="Terms")
    start_date: dt.date | None = Field(None, title="Start date")
    end_date: dt.date | None = Field(None, title="End date")
    milestones: str = Field(
        "", max_length=2000, title="Milestones", description="YYYY-MM-DD amount condition; ..."
    )
