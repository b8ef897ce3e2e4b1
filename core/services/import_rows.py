"""Validating import rows: the columns of each kind, cell parsers and the problem list.

Sales lines are the big file (a million rows and more), so they get a hand-written loop:
dict lookups for every code, a cache for dates and quantities (few distinct values), a
precompiled pattern before ``Decimal``. Customers and products are small and use a
table of column parsers. Text limits come from ``core.models`` so they cannot drift.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.errors import FieldProblem
from core.i18n import _
from core.models import Customer, CustomerClass, CustomerSize, CustomerStatus, Product
from core.schemas import CREDIT_RATINGS

MAX_LISTED_PROBLEMS = 10_000  # all are counted; this many are kept to show
ROW = "(row)"  # the "column" of a problem about a whole row

SALES_COLUMNS = (
    "date",
    "customer_code",
    "product_code",
    "rep_login",
    "region_code",
    "channel_code",
    "quantity",
    "amount",
    "tax_rate",
    "return_reason",
)
SALES_REQUIRED = ("date", "customer_code", "product_code", "quantity", "amount")
ALIASES = {  # Chinese headers as exported by the usual ERP/Excel sheets
    "日期": "date",
    "客户编码": "customer_code",
    "客户代码": "customer_code",
    "产品编码": "product_code",
    "产品代码": "product_code",
    "业务员": "rep_login",
    "区域": "region_code",
    "渠道": "channel_code",
    "数量": "quantity",
    "金额": "amount",
    "税率": "tax_rate",
    "退货原因": "return_reason",
    "编码": "code",
    "名称": "name",
    "class": "customer_class",
    "统一社会信用代码": "credit_code",
    "开票抬头": "invoice_title",
    "开户行": "bank_name",
    "银行账号": "bank_account",
    "开票地址": "billing_address",
    "开票电话": "billing_phone",
    "收款日期": "date",
    "发票号": "reference",
    "单据号": "reference",
    "备注": "note",
}

_DATE = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?\s*").fullmatch
# ASCII digits only: the text goes to SQLite as it is. Blanks and full-width digits
# (１２３．５, common from Chinese input methods) are normalised on the slow path.
_MONEY = re.compile(r"[0-9]{1,14}(?:\.[0-9]{1,2})?").fullmatch
# A sales line's amount: below ten billion, a business-sane maximum for one line that
# keeps every report total of any import far from what a total holds (core.summaries
# AMOUNT_MAX, checked after each import) and the importer's int64 cent sums exact.
_LINE_AMOUNT = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,2})?").fullmatch
LINE_AMOUNT_MAX = "9999999999.99"
_QUANTITY = re.compile(r"[0-9]{1,11}(?:\.[0-9]{1,3})?").fullmatch
_CODE = re.compile(r"[A-Za-z0-9_.\-/]{1,32}").fullmatch
MONEY_EXPECTED = "an amount of 0 or more with at most 2 decimals, e.g. 1234.50"
LINE_AMOUNT_EXPECTED = (
    f"an amount from 0 to {LINE_AMOUNT_MAX} (down to -{LINE_AMOUNT_MAX} "
    "on a return) with at most 2 decimals, e.g. 1234.50"
)
QUANTITY_EXPECTED = "a quantity with at most 3 decimals, 0 or more (below 0 only on a return)"
RETURN_BOTH_NEGATIVE = (
    "a negative quantity and a negative amount together: a return has both below 0"
)
RETURN_REASON_NEEDED = "a return reason on a return (a line with a negative quantity)"
RETURN_REASON_UNUSED = "no return reason on a sale (only returns, below 0, have one)"
RETURN_REASON_MAX = 200
DATE_EXPECTED = "a date written YYYY-MM-DD"


class Bad(Exception):
    """A cell parser's refusal; the message is what was expected (English, translated
    when shown; ``args`` fill its {placeholders})."""

    def __init__(self, expected: str, **args: object) -> None:
        super().__init__(expected)
        self.expected, self.values = expected, args or None


@dataclass
class Problems:
    """Every problem is counted; the first MAX_LISTED_PROBLEMS are kept to show."""

    items: list[FieldProblem] = field(default_factory=list)
    count: int = 0
    bad_rows: int = 0
    _last_row: int | None = None

    def add(
        self,
        row: int | None,
        column: str,
        value: object,
        expected: str,
        args: dict[str, object] | None = None,
    ) -> None:
        self.count += 1
        if row != self._last_row:
            self.bad_rows += 1
            self._last_row = row
        if len(self.items) < MAX_LISTED_PROBLEMS:
            self.items.append(FieldProblem(column, value, expected, row, args))

    def refused(self, row: int | None, column: str, value: object, bad: Bad) -> None:
        self.add(row, column, value, bad.expected, bad.values)

    def __bool__(self) -> bool:
        return self.count > 0


# -- header ------------------------------------------------------------------------------


def normalise(name: str) -> str:
    key = name.replace("\ufeff", "").strip().lower().replace(" ", "_")
    return ALIASES.get(key, key)


def check_header(
    header: list[str], known: Iterable[str], required: Iterable[str], problems: Problems
) -> dict[str, int]:
    """Map column name -> position; name every unknown, repeated or missing column."""
    known = tuple(known)
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = normalise(raw)
        if not name:
            problems.add(1, _("column {n}").format(n=index + 1), raw, "a column name")
        elif name not in known:
            problems.add(1, raw, raw, "one of the columns {names}", {"names": ", ".join(known)})
        elif name in positions:
            problems.add(1, raw, raw, "each column once")
        else:
            positions[name] = index
    for name in required:
        if name not in positions:
            problems.add(1, name, None, "a column named '{name}' in the header", {"name": name})
    return positions


# -- cell parsers ------------------------------------------------------------------------


def parse_date(text: str) -> dt.date | None:
    match = _DATE(text)
    if match is None:
        return None
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2100 else None


def text_parser(limit: int, required: bool = False) -> Callable[[str], str]:
    def parse(text: str) -> str:
        text = text.strip()
        if required and not text:
            raise Bad("a value (this column may not be empty)")
        if len(text) > limit:
            raise Bad("at most {limit} characters (got {n})", limit=limit, n=len(text))
        return text

    return parse


def code_parser(text: str) -> str:
    text = text.strip()
    if not _CODE(text):
        raise Bad("a code of 1-32 letters, digits or _ . - /")
    return text


def choice_parser(values: Iterable[str], default: str) -> Callable[[str], str]:
    allowed = tuple(values)

    def parse(text: str) -> str:
        text = text.strip().lower()
        if not text:
            return default
        if text not in allowed:
            raise Bad("one of {values}", values=", ".join(allowed))
        return text

    return parse


def money_parser(optional: bool = False) -> Callable[[str], Decimal | None]:
    def parse(text: str) -> Decimal | None:
        if not text.strip():
            return None if optional else Decimal("0")
        text = _checked(text, _MONEY)  # type: ignore[assignment]
        if text is None:
            raise Bad(MONEY_EXPECTED)
        return Decimal(text)

    return parse


def date_parser(text: str) -> dt.date | None:
    if not text.strip():
        return None
    day = parse_date(text)
    if day is None:
        raise Bad(DATE_EXPECTED)
    return day


def bool_parser(text: str) -> bool:
    value = text.strip().lower()
    if value in ("", "1", "true", "yes", "y", "是"):
        return True
    if value in ("0", "false", "no", "n", "否"):
        return False
    raise Bad("true or false")


def vat_rate_parser(text: str) -> Decimal | None:
    from core.services.organisation import vat_rate

    text = text.strip()
    if not text:
        return None
    try:
        return vat_rate(Decimal(text[:-1].strip()) / 100 if text.endswith("%") else text)
    except (ValueError, ArithmeticError):
        raise Bad("a VAT rate such as 0.13 or 13%") from None


def credit_code_parser(text: str) -> str:
    from core.invoicing import CREDIT_CODE_EXPECTED, clean_credit_code

    try:
        return clean_credit_code(text)
    except ValueError:
        raise Bad(CREDIT_CODE_EXPECTED) from None


def rating_parser(text: str) -> str:
    value = text.strip().upper()
    if value not in CREDIT_RATINGS:
        raise Bad("one of {values} or empty", values=", ".join(r for r in CREDIT_RATINGS if r))
    return value


def ref_parser(lookup: dict[str, int], expected: str) -> Callable[[str], int | None]:
    def parse(text: str) -> int | None:
        key = text.strip()
        if not key:
            return None
        found = lookup.get(key)
        if found is None:
            raise Bad(expected)
        return found

    return parse


def _limit(model: type, column: str) -> int:
    return int(model.__table__.c[column].type.length)  # type: ignore[attr-defined]


# -- customers and products --------------------------------------------------------------

# column name in the file -> (attribute, parser factory taking the lookups, required)
Spec = dict[str, tuple[str, Callable[[dict[str, dict[str, int]]], Callable[[str], Any]], bool]]


def customer_spec() -> Spec:
    c = Customer
    return {
        "code": ("code", lambda _: code_parser, True),
        "name": ("name", lambda _: text_parser(_limit(c, "name"), required=True), True),
        "industry": ("industry", lambda _: text_parser(_limit(c, "industry")), False),
        "region_code": (
            "region_id",
            lambda lk: ref_parser(lk["regions"], "the code of an existing region"),
            False,
        ),
        "size": ("size", lambda _: choice_parser(CustomerSize, CustomerSize.SMALL), False),
        "source": ("source", lambda _: text_parser(_limit(c, "source")), False),
        "customer_class": (
            "customer_class",
            lambda _: choice_parser(CustomerClass, CustomerClass.POTENTIAL),
            False,
        ),
        "owner_login": (
            "owner_id",
            lambda lk: ref_parser(lk["users"], "the login of an active salesdesk user"),
            False,
        ),
        "credit_rating": ("credit_rating", lambda _: rating_parser, False),
        "credit_limit": ("credit_limit", lambda _: money_parser(), False),
        "status": ("status", lambda _: choice_parser(CustomerStatus, CustomerStatus.ACTIVE), False),
        "last_follow_up": ("last_follow_up", lambda _: date_parser, False),
        "notes": ("notes", lambda _: text_parser(_limit(c, "notes")), False),
        "credit_code": ("credit_code", lambda _: credit_code_parser, False),
        "invoice_title": (
            "invoice_title",
            lambda _: text_parser(_limit(c, "invoice_title")),
            False,
        ),
        "bank_name": ("bank_name", lambda _: text_parser(_limit(c, "bank_name")), False),
        "bank_account": ("bank_account", lambda _: text_parser(_limit(c, "bank_account")), False),
        "billing_address": (
            "billing_address",
            lambda _: text_parser(_limit(c, "billing_address")),
            False,
        ),
        "billing_phone": (
            "billing_phone",
            lambda _: text_parser(_limit(c, "billing_phone")),
            False,
        ),
    }


def product_spec() -> Spec:
    p = Product
    return {
        "code": ("code", lambda _: code_parser, True),
        "name": ("name", lambda _: text_parser(_limit(p, "name"), required=True), True),
        "category": ("category", lambda _: text_parser(_limit(p, "category")), False),
        "unit": ("unit", lambda _: text_parser(_limit(p, "unit")), False),
        "list_price": ("list_price", lambda _: money_parser(), False),
        "standard_cost": ("standard_cost", lambda _: money_parser(optional=True), False),
        "vat_rate": ("vat_rate", lambda _: vat_rate_parser, False),
        "active": ("active", lambda _: bool_parser, False),
    }


def receipt_spec() -> Spec:
    """A receipt (收款) row: the customer by code, a positive amount, and optionally the
    invoice or sales document it pays."""
    from core.models import Receipt

    return {
        "date": ("date", lambda _: required_date_parser, True),
        "customer_code": (
            "customer_id",
            lambda lk: ref_parser(lk["customers"], "the code of an existing customer"),
            True,
        ),
        "amount": ("amount", lambda _: positive_money_parser, True),
        "reference": ("reference", lambda _: text_parser(_limit(Receipt, "reference")), False),
        "note": ("note", lambda _: text_parser(_limit(Receipt, "note")), False),
        "method": ("method", lambda _: receipt_method_parser, False),
    }


def receipt_method_parser(text: str) -> str:
    """bank transfer, acceptance bill, cash, ... by key, English or Chinese name."""
    from core.services.receipts import method_of

    try:
        return method_of(text)
    except ValueError as exc:
        raise Bad(str(exc)) from None


def required_date_parser(text: str) -> dt.date:
    day = date_parser(text)
    if day is None:
        raise Bad(DATE_EXPECTED)
    return day


def positive_money_parser(text: str) -> Decimal:
    value = money_parser()(text)
    if not value:
        raise Bad("an amount above 0 with at most 2 decimals, e.g. 1234.50")
    return value


def master_rows(
    rows: Iterable[tuple[int, list[str]]],
    spec: Spec,
    positions: dict[str, int],
    lookups: dict[str, dict[str, int]],
    existing_codes: set[str],
    problems: Problems,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Validate customer or product rows; yield (row number, values) for good rows."""
    parsers = [
        (name, spec[name][0], spec[name][1](lookups), index) for name, index in positions.items()
    ]
    width = len(positions)
    first_seen: dict[str, int] = {}
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        values: dict[str, Any] = {}
        ok = _right_width(number, cells, width, problems)
        for name, attr, parse, index in parsers if ok else ():
            text = cells[index] if index < len(cells) else ""
            try:
                value = parse(text)
            except Bad as exc:
                problems.refused(number, name, text, exc)
                ok = False
                continue
            if value is not None and value != "":
                values[attr] = value
        code = values.get("code")
        if code is not None:
            ok = _unique_code(number, code, first_seen, existing_codes, problems) and ok
        if ok:
            yield number, values


def _unique_code(
    number: int, code: str, first_seen: dict[str, int], existing: set[str], problems: Problems
) -> bool:
    if code in existing:
        problems.add(number, "code", code, "a code not in the database already")
        return False
    if code in first_seen:
        problems.add(
            number, "code", code, "a code used once (also on row {row})", {"row": first_seen[code]}
        )
        return False
    first_seen[code] = number
    return True


def _right_width(number: int, cells: list[str], width: int, problems: Problems) -> bool:
    if len(cells) <= width or not any(c.strip() for c in cells[width:]):
        return True
    problems.add(
        number,
        ROW,
        _("{n} cells").format(n=len(cells)),
        "at most {n} cells, like the header",
        {"n": width},
    )
    return False


# -- sales lines: the hot loop -----------------------------------------------------------


@dataclass
class SalesLookups:
    """Code -> id maps, loaded once per import. Customers carry (id, region, owner)."""

    customers: dict[str, tuple[int, int | None, int | None]]
    products: dict[str, int]
    users: dict[str, int]
    regions: dict[str, int]
    channels: dict[str, int]
    dates: dict[str, str] = field(default_factory=dict)  # cell -> ISO date; gives first/last


# One validated line: ISO date, customer, product, rep, region, channel ids, then quantity
# and amount as their checked decimal text (the writer turns them into what the driver
# wants), the batch id, the VAT rate as decimal text (or None) and a return's reason.
LineTuple = tuple[
    str, int, int, int | None, int | None, int | None, str, str, int | None, str | None, str | None
]


def sales_line_chunks(
    rows: Iterable[tuple[int, list[str]]],
    positions: dict[str, int],
    lk: SalesLookups,
    problems: Problems,
    batch_id: int | None,
    chunk_size: int,
) -> Iterator[tuple[int, list[LineTuple]]]:
    """Validate sales-line rows; yield (rows read so far, good rows) every chunk_size rows.

    Good rows stop being collected at the first problem (nothing will be written), but
    validation goes on to the end so every problem is reported.

    Most rows repeat codes, dates and quantities already seen, so a row whose every cell
    is found as it stands in the maps (filled by the full checks on first sight) is taken
    with plain lookups; any miss, an empty optional cell, a bad or negative amount or a
    return reason sends the row through ``_SalesLineCheck``, which reports problems.
    Negative quantities are never in the map, so a return always takes the full checks.
    """
    width = len(positions)
    check = _SalesLineCheck(positions, lk, problems, batch_id)
    i_date, i_cust, i_prod, i_qty, i_amount = (
        check.i_date,
        check.i_cust,
        check.i_prod,
        check.i_qty,
        check.i_amount,
    )
    i_rep, i_region, i_channel = check.optional
    i_rate, i_reason = check.i_rate, check.i_reason
    rates = check.rates
    fast = min(i_rep, i_region, i_channel) >= 0
    customers, products, users = lk.customers, lk.products, lk.users
    regions, channels, dates = lk.regions, lk.channels, lk.dates
    quantities, money = check.quantities, _LINE_AMOUNT
    chunk: list[LineTuple] = []
    seen = 0
    for number, cells in rows:
        seen += 1
        if len(cells) != width and not _padded(number, cells, width, problems):
            seen -= not any(cells)  # a blank line is not a row
            continue
        line: LineTuple | None = None
        if fast and not problems.count:
            try:
                if money(amount := cells[i_amount]) and (i_reason < 0 or not cells[i_reason]):
                    line = (
                        dates[cells[i_date]],
                        customers[cells[i_cust]][0],
                        products[cells[i_prod]],
                        users[cells[i_rep]],
                        regions[cells[i_region]],
                        channels[cells[i_channel]],
                        quantities[cells[i_qty]],
                        amount,
                        batch_id,
                        rates[cells[i_rate]] if i_rate >= 0 else None,
                        None,
                    )
            except KeyError:
                pass
        if line is None:
            line = check(number, cells)
        if line is not None and not problems.count:
            chunk.append(line)
        if seen % chunk_size == 0:
            yield seen, chunk
            chunk = []
    yield seen, chunk


_OPTIONAL = (
    ("rep_login", "the login of an active salesdesk user"),
    ("region_code", "the code of an existing region"),
    ("channel_code", "the code of an existing channel"),
)


class _SalesLineCheck:
    """Every check of one sales-line row, reporting each problem; the first sight of a
    date or quantity is remembered in the maps the fast path reads."""

    def __init__(
        self, positions: dict[str, int], lk: SalesLookups, problems: Problems, batch_id: int | None
    ) -> None:
        self.i_date, self.i_cust, self.i_prod, self.i_qty, self.i_amount = (
            positions[c] for c in SALES_REQUIRED
        )
        self.optional = [positions.get(c, -1) for c, _ in _OPTIONAL]  # rep, region, channel
        self.i_rate = positions.get("tax_rate", -1)
        self.i_reason = positions.get("return_reason", -1)
        self.lk, self.add, self.batch_id = lk, problems.add, batch_id
        self.quantities: dict[str, str] = {}  # never a negative one: see sales_line_chunks
        self.rates: dict[str, str | None] = {}

    def __call__(self, number: int, cells: list[str]) -> LineTuple | None:
        """The validated line, or None after reporting what is wrong with the row."""
        lk, add = self.lk, self.add
        ok = True
        day = self._day(number, cells[self.i_date])
        text = cells[self.i_cust]
        customer = lk.customers.get(text) or lk.customers.get(text.strip())
        if customer is None:
            ok = False
            add(number, "customer_code", text, "the code of an existing customer")
            customer = (0, None, None)
        text = cells[self.i_prod]
        product = lk.products.get(text) or lk.products.get(text.strip())
        if product is None:
            ok = False
            add(number, "product_code", text, "the code of an existing product")
        # rep, region, channel: the customer's owner and region unless the row names them
        ids: list[int | None] = [customer[2], customer[1], None]
        for k, (index, mapping, (column, expected)) in enumerate(
            zip(self.optional, (lk.users, lk.regions, lk.channels), _OPTIONAL, strict=True)
        ):
            if index < 0 or not (text := cells[index]).strip():
                continue
            found = mapping.get(text) or mapping.get(text.strip())
            if found is None:
                ok = False
                add(number, column, text, expected)
            ids[k] = found
        qty = self._quantity(number, cells[self.i_qty])
        amount = _signed(cells[self.i_amount], _LINE_AMOUNT)
        if amount is None:
            ok = False
            add(number, "amount", cells[self.i_amount], LINE_AMOUNT_EXPECTED)
        rate, rate_ok = self._rate(number, cells)
        reason = cells[self.i_reason].strip() if self.i_reason >= 0 else ""
        if qty is not None and amount is not None:
            ok = self._return_checks(number, qty, amount, reason, cells) and ok
        if not ok or not rate_ok or day is None or product is None or qty is None:
            return None
        return (
            day,
            customer[0],
            product,
            *ids,
            qty,
            amount,
            self.batch_id,  # type: ignore[return-value]
            rate,
            reason or None,
        )

    def _rate(self, number: int, cells: list[str]) -> tuple[str | None, bool]:
        """The VAT rate's decimal text (None when not given) and whether it was good."""
        if self.i_rate < 0:
            return None, True
        text = cells[self.i_rate]
        if text in self.rates:
            return self.rates[text], True
        try:
            rate = vat_rate_parser(text)
        except Bad as exc:
            self.add(number, "tax_rate", text, exc.expected, exc.values)
            return None, False
        found = self.rates[text] = None if rate is None else str(rate)
        return found, True

    def _return_checks(
        self, number: int, qty: str, amount: str, reason: str, cells: list[str]
    ) -> bool:
        """A return has a negative quantity, a negative amount and a reason; a sale has
        neither sign below 0 nor a reason."""
        back_qty, back_amount = Decimal(qty) < 0, Decimal(amount) < 0
        if back_qty != back_amount:
            column = "quantity" if back_qty else "amount"  # the cell below 0 is named
            bad = cells[self.i_qty if back_qty else self.i_amount]
            self.add(number, column, bad, RETURN_BOTH_NEGATIVE)
            return False
        if back_qty and not reason:
            self.add(number, "return_reason", "", RETURN_REASON_NEEDED)
            return False
        if not back_qty and reason:
            self.add(number, "return_reason", reason, RETURN_REASON_UNUSED)
            return False
        if len(reason) > RETURN_REASON_MAX:
            self.add(
                number,
                "return_reason",
                reason,
                "at most {limit} characters (got {n})",
                {"limit": RETURN_REASON_MAX, "n": len(reason)},
            )
            return False
        return True

    def _day(self, number: int, text: str) -> str | None:
        day = self.lk.dates.get(text)
        if day is None:
            parsed = parse_date(text)
            if parsed is None:
                self.add(number, "date", text, DATE_EXPECTED)
                return None
            day = self.lk.dates[text] = parsed.isoformat()
        return day

    def _quantity(self, number: int, text: str) -> str | None:
        qty = self.quantities.get(text)
        if qty is None:
            qty = _signed(text, _QUANTITY)
            if qty is None:
                self.add(number, "quantity", text, QUANTITY_EXPECTED)
                return None
            if not qty.startswith("-"):  # the fast path takes only sales' quantities
                self.quantities[text] = qty
        return qty


def _signed(text: str, pattern: Callable[[str], Any]) -> str | None:
    """Like ``_checked``, also taking a leading minus sign (returns): '-0' is refused."""
    if pattern(text):
        return text
    text = unicodedata.normalize("NFKC", text).strip()
    if text.startswith("-"):
        body = _checked(text[1:], pattern)
        return None if body is None or not Decimal(body) else f"-{body}"
    return text if pattern(text) else None


def _checked(text: str, pattern: Callable[[str], Any]) -> str | None:
    """The text, stripped and NFKC-normalised, if it then matches ``pattern``; else None."""
    text = unicodedata.normalize("NFKC", text).strip()
    return text if pattern(text) else None


def _padded(number: int, cells: list[str], width: int, problems: Problems) -> bool:
    """Short rows get empty cells; long rows are fine only if the extra cells are empty.
    Blank rows are skipped without a problem."""
    if not any(cells):
        return False
    if len(cells) < width:
        cells.extend([""] * (width - len(cells)))
        return True
    if not any(c.strip() for c in cells[width:]):
        return True
    problems.add(
        number, ROW, _("{n} cells").format(n=len(cells)), "{n} cells, like the header", {"n": width}
    )
    return False
