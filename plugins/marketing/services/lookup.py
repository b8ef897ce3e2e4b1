"""Turn the codes and logins users type into ids, naming the field when one is unknown."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.errors import FieldProblem, NotFound, ValidationFailed
from core.i18n import translator
from core.models import Channel, Customer, Product, Region, User
from plugins.marketing.models import Campaign, Segment

_ = translator(__file__)  # this plugin's words first


class Problems:
    """Collects every bad reference of one input, so the user sees them all at once."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.items: list[FieldProblem] = []

    def add(self, field: str, value: Any, expected: str) -> None:
        self.items.append(FieldProblem(field, value, expected))

    def raise_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items, self.subject)


def _id_by(
    session: Session,
    column: Any,
    key_col: Any,
    value: str,
    field: str,
    expected: str,
    problems: Problems,
) -> int | None:
    if not value:
        return None
    found = session.scalar(sa.select(column).where(key_col == value))
    if found is None:
        problems.add(field, value, expected)
    return found


def region_id(session: Session, code: str, problems: Problems, field: str = "region") -> Any:
    return _id_by(session, Region.id, Region.code, code, field, "an existing region code", problems)


def user_id(session: Session, login: str, problems: Problems, field: str = "owner") -> Any:
    found = _id_by(
        session, User.id, User.login, login, field, "a salesdesk user's user name", problems
    )
    if found is not None and not session.scalar(sa.select(User.active).where(User.id == found)):
        problems.add(field, login, "a user who is still active")
    return found


def segment_id(session: Session, code: str, problems: Problems) -> Any:
    return _id_by(
        session, Segment.id, Segment.code, code, "segment", "the code of a saved segment", problems
    )


def product_id(session: Session, code: str, problems: Problems) -> Any:
    return _id_by(
        session, Product.id, Product.code, code, "product", "an existing product code", problems
    )


def customer_row(session: Session, code: str, problems: Problems) -> Customer | None:
    if not code:
        return None
    row = session.scalars(sa.select(Customer).where(Customer.code == code)).first()
    if row is None:
        problems.add("customer", code, "an existing customer code")
    return row


# What an unknown code of each kind was expected to be, in business words (msgids)
EXPECTED_CODE: dict[Any, str] = {
    Product: "an existing product code",
    Channel: "an existing channel code",
}


def check_codes(
    session: Session, model: Any, codes: list[str], field: str, problems: Problems
) -> list[str]:
    """The codes in order without repeats; unknown ones are reported."""
    unique = list(dict.fromkeys(codes))
    if unique:
        known = set(session.scalars(sa.select(model.code).where(model.code.in_(unique))))
        for code in unique:
            if code not in known:
                problems.add(field, code, EXPECTED_CODE[model])
    return unique


def campaign_by_code(session: Session, code: str) -> Campaign:
    row = session.scalars(sa.select(Campaign).where(Campaign.code == code)).first()
    if row is None:
        raise no_campaign(code)
    return row


def no_campaign(code: str) -> NotFound:
    """The refusal for a campaign code nobody saved (typed in a form, a report or the CLI)."""
    return NotFound(_("There is no campaign with the code '{code}'.").format(code=code))


def no_segment(code: str) -> NotFound:
    """The refusal for a segment code nobody saved."""
    return NotFound(_("There is no saved segment with the code '{code}'.").format(code=code))


__all__ = [
    "Channel",
    "Problems",
    "Product",
    "campaign_by_code",
    "check_codes",
    "customer_row",
    "product_id",
    "region_id",
    "segment_id",
    "user_id",
]
