"""Input models: what a form, an import row or a CLI call may hand to a service.

Stored rows live in ``core.models``; these validate before anything is written. Update
models have every field optional: only the fields a caller sets are changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from core.invoicing import clean_credit_code
from core.models import (
    CustomerClass,
    CustomerSize,
    CustomerStatus,
    RegionKind,
    VisitCustomerType,
    VisitPurpose,
    Weather,
)

# the checks of a text's characters and length that a FormatRule words for the reader
_STRING_CHECKS = ("string_pattern_mismatch", "string_too_short", "string_too_long")


@dataclass(frozen=True)
class FormatRule:
    """What a person may type into a text field with a format, in business words: the
    refusal of a value that breaks the field's pattern or length says ``rule`` instead of
    "a value in the right format" (or the regular expression).

    ``rule`` is English, the catalogue's msgid: its Chinese goes in ``core/locale`` (a
    plugin's in its own ``locale/zh_CN.json``). It states the whole format, length and
    characters, with an example; it never names the pattern. Put it last in ``Annotated``,
    after the ``StringConstraints`` it words::

        Phone = Annotated[str, StringConstraints(max_length=50, pattern=...), FormatRule(
            "up to 50 characters, only digits 0-9, spaces and + - ( ), e.g. +86 21 5555 0101")]

    The rule travels in the error's ``ctx`` ("rule"), where ``pydantic_expected`` reads it.
    """

    rule: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        rule = self.rule

        def check(value: Any, inner: core_schema.ValidatorFunctionWrapHandler) -> Any:
            try:
                return inner(value)
            except ValidationError as exc:
                errors = exc.errors()
                if len(errors) != 1 or errors[0]["type"] not in _STRING_CHECKS:
                    raise
                ctx = {**(errors[0].get("ctx") or {}), "rule": rule}
                raise PydanticCustomError(errors[0]["type"], "{rule}", ctx) from None

        return core_schema.no_info_wrap_validator_function(check, handler(source))


def refusal_at(field: str, expected: str, **args: object) -> PydanticCustomError:
    """The refusal of a check across fields (an end before its start), raised from a
    model validator: shown at ``field``, the one a person corrects, with its value, and
    ``expected`` in words the catalogue translates (English, the msgid, with
    ``{placeholders}`` filled from ``args``), never the fields' code names::

        if self.end < self.start:
            raise refusal_at("end", "a date on or after the start ({start})", start=self.start)
    """
    return PydanticCustomError(
        "across_fields", expected, {**args, "field": field, "expected": expected}
    )


def refusal_here(expected: str, **args: object) -> PydanticCustomError:
    """``refusal_at`` for a field's own validator: the refusal is shown at that field, with
    the value typed, in words the catalogue translates (a ``ValueError`` there reaches the
    reader in English)::

        if value not in CREDIT_RATINGS:
            raise refusal_here("one of {values}", values=", ".join(CREDIT_RATINGS))
    """
    return refusal_at("", expected, **args)


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-/]+$"
    ),
    FormatRule(
        "1 to 32 characters, only letters A-Z or a-z, digits 0-9 and _ . - / "
        "(no spaces), e.g. SH-01"
    ),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
# Amounts and quantities as the database stores them (core.models MONEY, QUANTITY):
# finite (no NaN or Infinity), no more places than stored, no more digits than fit.
# Every schema that takes money or a quantity, core's and the plugins', uses these.
Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2, allow_inf_nan=False)]
PositiveMoney = Annotated[
    Decimal, Field(gt=0, max_digits=16, decimal_places=2, allow_inf_nan=False)
]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=3, allow_inf_nan=False)]
PositiveQuantity = Annotated[
    Decimal, Field(gt=0, max_digits=14, decimal_places=3, allow_inf_nan=False)
]
QUANTITY_MAX = Decimal("99999999999.999")  # the most a quantity column holds
Probability = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]
VatRate = Annotated[Decimal, Field(ge=0, lt=1, decimal_places=4)]  # 0.13 is 13 %
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[0-9+()\- ]*$"),
    FormatRule("up to 50 characters, only digits 0-9, spaces and + - ( ), e.g. +86 21 5555 0101"),
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Account = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=50, pattern=r"^[0-9A-Za-z \-]*$"),
    FormatRule(
        "up to 50 characters, only digits 0-9, letters A-Z or a-z, spaces and hyphens (-), "
        "e.g. 6222 0210 0101 2345"
    ),
]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=200, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
    FormatRule(
        "an e-mail address of up to 200 characters: one @ with a dot after it, no spaces, "
        "e.g. li.wei@example.com"
    ),
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
CREDIT_RATINGS = ("", "AAA", "AA", "A", "BBB", "BB", "B", "C")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerCreate(Input):
    name: Name
    code: Code | None = None  # generated when missing
    industry: Short = ""
    region_id: int | None = None
    size: CustomerSize = CustomerSize.SMALL
    source: Short = ""
    customer_class: CustomerClass = CustomerClass.POTENTIAL
    owner_id: int | None = None
    credit_rating: str = ""
    credit_limit: Money = Decimal("0")
    status: CustomerStatus = CustomerStatus.ACTIVE
    notes: Text = ""
    credit_code: str = ""  # 统一社会信用代码, checksum validated
    invoice_title: Title = ""
    bank_name: Title = ""
    bank_account: Account = ""
    billing_address: Address = ""
    billing_phone: Phone = ""

    _credit_code = field_validator("credit_code")(lambda cls, v: clean_credit_code(v))

    @field_validator("credit_rating")
    @classmethod
    def _rating(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in CREDIT_RATINGS:
            values = ", ".join(r for r in CREDIT_RATINGS if r)
            raise refusal_here("one of {values}", values=values)
        return value


class CustomerUpdate(Input):
    name: Name | None = None
    industry: Short | None = None
    region_id: int | None = None
    size: CustomerSize | None = None
    source: Short | None = None
    customer_class: CustomerClass | None = None
    credit_rating: str | None = None
    credit_limit: Money | None = None
    status: CustomerStatus | None = None
    notes: Text | None = None
    credit_code: str | None = None
    invoice_title: Title | None = None
    bank_name: Title | None = None
    bank_account: Account | None = None
    billing_address: Address | None = None
    billing_phone: Phone | None = None

    _rating = field_validator("credit_rating")(
        lambda cls, v: None if v is None else CustomerCreate._rating(v)
    )
    _credit_code = field_validator("credit_code")(
        lambda cls, v: None if v is None else clean_credit_code(v)
    )


class ContactInput(Input):
    name: Name
    title: Short = ""
    phone: Phone = ""
    email: Email = ""
    is_primary: bool = False


class OpportunityCreate(Input):
    customer_id: int
    title: Name
    funnel: str | None = None  # the default funnel when missing
    stage: str | None = None  # the funnel's first stage when missing
    amount: Money = Decimal("0")
    expected_close: dt.date | None = None
    probability_override: Probability | None = None
    owner_id: int | None = None
    product_id: int | None = None
    source: Short = ""


class OpportunityUpdate(Input):
    title: Name | None = None
    amount: Money | None = None
    expected_close: dt.date | None = None
    probability_override: Probability | None = None
    product_id: int | None = None
    source: Short | None = None


class ActivityInput(Input):
    """One visit on the daily report (docs/domain.md section 7)."""

    date: dt.date
    customer_id: int | None = None
    contact_id: int | None = None  # one of the customer's contacts
    visit_time: dt.time | None = None  # start
    end_time: dt.time | None = None  # checked against the start by the service
    purpose: VisitPurpose = VisitPurpose.DEVELOPMENT
    result: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    customer_type: VisitCustomerType = VisitCustomerType.EXISTING
    next_visit: dt.date | None = None
    notes: Text = ""
    weather: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    order_amount: Money = Decimal("0")
    collection_amount: Money = Decimal("0")
    rep_id: int | None = None  # a manager may log for a rep of the team

    @field_validator("next_visit")
    @classmethod
    def _after_visit(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        visit = info.data.get("date")
        if value is not None and visit is not None and value < visit:
            raise refusal_here("a date on or after the visit date ({date})", date=visit)
        return value


class DailyReportInput(Input):
    """The header of a daily visit report; the region defaults to the rep's."""

    date: dt.date
    rep_id: int | None = None  # the reporter; default the actor
    region_id: int | None = None
    weather: Weather | None = None
    notes: Text = ""


class VisitPlanInput(Input):
    """A visit planned on ``planned_on``'s report for a later ``date`` (default the next
    day)."""

    planned_on: dt.date
    date: dt.date | None = None
    customer_id: int
    purpose: VisitPurpose = VisitPurpose.DEVELOPMENT
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    rep_id: int | None = None


class ProductInput(Input):
    code: Code
    name: Name
    category: Short = ""
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = (
        "pcs"
    )
    list_price: Money = Decimal("0")
    standard_cost: Money | None = None
    vat_rate: VatRate = Decimal("0.13")
    active: bool = True


class RegionInput(Input):
    code: Code
    name: Name
    parent_id: int | None = None
    kind: RegionKind = RegionKind.REGION


class ChannelInput(Input):
    code: Code
    name: Name
    kind: Short = "direct"
    region_id: int | None = None
    active: bool = True


class UserCreate(Input):
    login: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$"
        ),
        FormatRule(
            "1 to 64 characters, only letters A-Z or a-z, digits 0-9 and _ . - @ "
            "(no spaces), e.g. li.wei"
        ),
    ]
    display_name: Name
    roles: list[str] = Field(min_length=1)
    region_id: int | None = None
    manager_id: int | None = None
    email: Email | None = None  # the rule a contact's and an imported user's follow


class UserUpdate(Input):
    """What ``users.update_user`` may change; only the fields given are changed."""

    display_name: Name | None = None
    region_id: int | None = None
    manager_id: int | None = None
    email: Email | None = None


class TargetInput(Input):
    month: dt.date
    dimension: Annotated[
        str,
        StringConstraints(pattern=r"^(company|rep|product|region|channel)$"),
        FormatRule("one of company, rep, product, region or channel"),
    ]
    key_id: int = 0
    amount: Money

    @field_validator("month")
    @classmethod
    def _first_of_month(cls, value: dt.date) -> dt.date:
        return value.replace(day=1)
