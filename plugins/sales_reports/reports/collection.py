"""The collection form (回款情况表) and the receivables ageing (应收账款账龄分析) for a
company that imports its sales: imported sales lines (returns netted) against the
core's receipts, settled oldest sale first by ``core.services.receipts``.

Amounts are gross (价税合计): a customer owes the VAT too, and a receipt is what reached
the bank. A line without a VAT rate counts without VAT, as the receipts service counts
it. Imported sales carry no payment terms, so a sale's age runs from its date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import visible
from core.context import Context
from core.models import Customer, Product, SalesLine, User
from core.report_kit import (
    ZERO,
    KitParams,
    ReportBase,
    as_of,
    as_of_field,
    date_column,
    end_field,
    integer_column,
    money,
    money_column,
    percent,
    percent_column,
    period,
    quantity,
    quantity_column,
    region_condition,
    region_field,
    rep_field,
    rep_id,
    start_field,
    text_column,
    totals_row,
)
from core.reports import ChartSpec, ReportResult, Table
from core.services.organisation import company_vat_rate
from core.services.receipts import line_tax, open_sales, receipt_rows, sales_and_receipts

GROSS_CAPTION = (
    "Amounts include VAT (价税合计), as receivables are owed; lines without a VAT rate "
    "at the company rate; returns are netted; receipts settle each customer's oldest "
    "sales first.",
    "金额为价税合计（应收含税），未注明税率的明细按公司税率计；退货已冲减；"
    "收款按先发生先核销冲抵客户最早的销售。",
)
AGE_CAPTION = (
    "Age is counted from the sale date (imported sales carry no payment terms).",
    "账龄自销售日期起算（导入的销售无付款期限）。",
)


class CollectionParams(KitParams):
    start: dt.date | None = start_field()
    end: dt.date | None = end_field()
    region: str | None = region_field()
    rep: str | None = rep_field()


class AgeingParams(KitParams):
    as_of: dt.date | None = as_of_field()
    region: str | None = region_field()
    rep: str | None = rep_field()


def customer_ids(ctx: Context, session: Session, params: Any) -> Any:
    """The customers the reader may see, in the region (and below) and of the rep
    (the customer's owner) asked for, as a select of ids."""
    where = [visible(ctx, Customer), region_condition(session, Customer.region_id, params.region)]
    owner = rep_id(session, params.rep)
    if owner is not None:
        where.append(Customer.owner_id == owner)
    return sa.select(Customer.id).where(*where)


def heads(session: Session, ids: set[int]) -> dict[int, tuple[str, str, str | None]]:
    """Customer id -> (code, name, owner login)."""
    if not ids:
        return {}
    query = (
        sa.select(Customer.id, Customer.code, Customer.name, User.login)
        .outerjoin(User, User.id == Customer.owner_id)
        .where(Customer.id.in_(sorted(ids)))
    )
    return {r[0]: (r[1], r[2], r[3]) for r in session.execute(query)}


def _one_customer(ids: Any, row: tuple | None) -> Any:
    """``ids`` narrowed to the customer of a drilled row (its code is the first cell)."""
    if row is None:
        return ids
    return ids.where(Customer.code == row[0])


# -- drill tables -------------------------------------------------------------------------

LINE_COLUMNS = [
    date_column("date", "Date", "日期"),
    text_column("customer_code", "Customer code", "客户编码"),
    text_column("customer", "Customer", "客户"),
    text_column("product", "Product", "产品"),
    text_column("return_reason", "Return reason", "退货原因"),
    quantity_column("quantity", "Quantity", "数量"),
    money_column("net", "Net", "不含税金额"),
    money_column("tax", "VAT", "税额"),
    money_column("amount", "Gross", "价税合计"),
]


def sales_table(ctx: Context, ids: Any, start: dt.date, end: dt.date) -> Table:
    """The sales lines (returns included) behind a customer's gross sales."""
    with ctx.reading() as session:
        query = (
            sa.select(
                SalesLine.date,
                Customer.code,
                Customer.name,
                Product.code,
                SalesLine.return_reason,
                SalesLine.quantity,
                SalesLine.amount,
                line_tax(company_vat_rate(session)),
            )
            .join(Customer, Customer.id == SalesLine.customer_id)
            .join(Product, Product.id == SalesLine.product_id)
            .where(SalesLine.date.between(start, end), SalesLine.customer_id.in_(ids))
            .order_by(SalesLine.date, SalesLine.id)
        )
        rows = []
        for day, code, name, product, reason, qty, net, tax in session.execute(query):
            vat = Decimal(int(tax or 0)).scaleb(-2)
            rows.append(
                (
                    _date(day),
                    code,
                    name,
                    product,
                    reason or "",
                    quantity(qty),
                    money(net),
                    vat,
                    money(net) + vat,
                )
            )
    return Table(
        "sales_lines",
        "Sales lines",
        "销售明细",
        LINE_COLUMNS,
        rows,
        len(rows),
        totals_row(LINE_COLUMNS, rows),
    )


RECEIPT_COLUMNS = [
    date_column("date", "Date", "日期"),
    text_column("customer_code", "Customer code", "客户编码"),
    text_column("customer", "Customer", "客户"),
    text_column("reference", "Reference", "单据号"),
    text_column("note", "Note", "备注"),
    money_column("amount", "Amount", "金额"),
]


def receipts_table(ctx: Context, ids: Any, start: dt.date, end: dt.date) -> Table:
    with ctx.reading() as session:
        rows = receipt_rows(session, start, end, ids)
    return Table(
        "receipts",
        "Receipts",
        "收款",
        RECEIPT_COLUMNS,
        rows,
        len(rows),
        totals_row(RECEIPT_COLUMNS, rows),
    )


OPEN_COLUMNS = [
    date_column("date", "Sale date", "销售日期"),
    text_column("customer_code", "Customer code", "客户编码"),
    text_column("customer", "Customer", "客户"),
    integer_column("age", "Age (days)", "账龄（天）", total=False),
    money_column("gross", "Sales", "价税合计"),
    money_column("settled", "Received", "已收"),
    money_column("amount", "Outstanding", "未收余额"),
]


def open_rows(session: Session, day: dt.date, ids: Any) -> list[tuple]:
    """Each customer's sales days still unpaid on ``day``: (date, code, name, age, gross,
    settled, open), from the receipts service's oldest-first settlement."""
    return [
        (sale, code, name, (day - sale).days, gross, settled, left)
        for _n, _d, _c, code, name, sale, _due, gross, settled, left in open_sales(
            session, day, ids, 0
        )
    ]


def open_table(rows: list[tuple]) -> Table:
    return Table(
        "open_sales",
        "Outstanding sales",
        "未收销售",
        OPEN_COLUMNS,
        rows,
        len(rows),
        totals_row(OPEN_COLUMNS, rows),
    )


# -- the collection form ------------------------------------------------------------------

COLLECTION_COLUMNS = [
    text_column("customer_code", "Customer code", "客户编码"),
    text_column("customer", "Customer", "客户"),
    text_column("rep", "Rep", "业务员"),
    money_column("net", "Sales (net)", "不含税销售额"),
    money_column("sales", "Sales (incl. VAT)", "价税合计"),
    money_column("received", "Received", "回款金额"),
    percent_column("collection_rate", "Collection rate", "回款率"),
    money_column("outstanding", "Outstanding at end", "期末应收余额"),
]


class CollectionStatus(ReportBase):
    id = "collection_status"
    title_en = "Collection status"
    title_zh = "回款情况表"
    description_en = (
        "Per customer: sales including VAT and receipts in a period, the "
        "collection rate and what is still owed at the period's end."
    )
    description_zh = "按客户：期间价税合计销售额、回款、回款率及期末应收余额。"
    Params = CollectionParams

    def run(self, ctx: Context, params: Any) -> ReportResult:
        start, end = period(ctx, params)
        with ctx.reading() as session:
            ids = customer_ids(ctx, session, params)
            flows = sales_and_receipts(session, start, end, ids)
            owed: dict[int, Decimal] = {}
            for r in open_sales(session, end, ids, 0):
                owed[r[2]] = owed.get(r[2], ZERO) + r[9]
            names = heads(session, set(flows) | set(owed))
        rows = []
        for cid in sorted(names, key=lambda c: names[c][0]):
            f = flows.get(cid)
            net, gross, paid = (f.net, f.gross, f.received) if f else (ZERO, ZERO, ZERO)
            rows.append((*names[cid], net, gross, paid, percent(paid, gross), owed.get(cid, ZERO)))
        totals = totals_row(
            COLLECTION_COLUMNS, rows, ratios={"collection_rate": ("received", "sales")}
        )
        table = Table(
            "customers",
            self.title_en,
            self.title_zh,
            COLLECTION_COLUMNS,
            rows,
            len(rows),
            totals,
            drill_columns=("sales", "received", "outstanding"),
        )
        chart = ChartSpec(
            "bar",
            "Sales and receipts",
            "销售与回款",
            "customers",
            "customer",
            ("sales", "received"),
        )
        return self.result(params, [table], [chart], captions=[GROSS_CAPTION], start=start, end=end)

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        start, end = period(ctx, params)
        with ctx.reading() as session:
            ids = _one_customer(customer_ids(ctx, session, params), row)
            if column_id == "outstanding":
                return open_table(open_rows(session, end, ids))
        if column_id == "sales":
            return sales_table(ctx, ids, start, end)
        if column_id == "received":
            return receipts_table(ctx, ids, start, end)
        raise self.no_drill(table_id, column_id)


# -- receivables ageing -------------------------------------------------------------------

# (column id, English, Chinese, oldest age in days the bucket holds; None: no limit)
BUCKETS: tuple[tuple[str, str, str, int | None], ...] = (
    ("d0_30", "0-30 days", "0-30天", 30),
    ("d31_60", "31-60 days", "31-60天", 60),
    ("d61_90", "61-90 days", "61-90天", 90),
    ("d91_180", "91-180 days", "91-180天", 180),
    ("d181_365", "181-365 days", "181-365天", 365),
    ("over_365", "Over 365 days", "365天以上", None),
)


def bucket_of(age: int) -> str:
    """The bucket of a sale ``age`` days old (day 30 is in 0-30, day 31 in 31-60)."""
    return next(b[0] for b in BUCKETS if b[3] is None or age <= b[3])


AGEING_COLUMNS = [
    text_column("customer_code", "Customer code", "客户编码"),
    text_column("customer", "Customer", "客户"),
    text_column("rep", "Rep", "业务员"),
    *[money_column(cid, en, zh) for cid, en, zh, _days in BUCKETS],
    money_column("outstanding", "Outstanding", "应收合计"),
]


class ReceivablesAgeing(ReportBase):
    id = "receivables_ageing"
    title_en = "Receivables ageing"
    title_zh = "应收账款账龄分析"
    description_en = (
        "What each customer still owes (incl. VAT) on a date, by how long "
        "ago the unpaid sales were made."
    )
    description_zh = "截至某日各客户尚欠金额（价税合计），按未收销售发生至今的天数分段。"
    Params = AgeingParams

    def run(self, ctx: Context, params: Any) -> ReportResult:
        day = as_of(ctx, params)
        with ctx.reading() as session:
            ids = customer_ids(ctx, session, params)
            found = list(open_sales(session, day, ids, 0))
            names = heads(session, {r[2] for r in found})
        keys = [b[0] for b in BUCKETS]
        per: dict[int, dict[str, Decimal]] = {}
        for r in found:
            cells = per.setdefault(r[2], dict.fromkeys(keys, ZERO))
            cells[bucket_of((day - r[5]).days)] += r[9]
        rows = [
            (*names[cid], *[per[cid][k] for k in keys], sum(per[cid].values(), ZERO))
            for cid in sorted(per, key=lambda c: names[c][0])
        ]
        table = Table(
            "ageing",
            self.title_en,
            self.title_zh,
            AGEING_COLUMNS,
            rows,
            len(rows),
            totals_row(AGEING_COLUMNS, rows),
            drill_columns=(*keys, "outstanding"),
        )
        chart = ChartSpec(
            "column", "Receivables by age", "应收账龄", "ageing", "customer", tuple(keys)
        )
        return self.result(
            params, [table], [chart], captions=[GROSS_CAPTION, AGE_CAPTION], as_of=day
        )

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if column_id not in (*[b[0] for b in BUCKETS], "outstanding"):
            raise self.no_drill(table_id, column_id)
        day = as_of(ctx, params)
        with ctx.reading() as session:
            ids = _one_customer(customer_ids(ctx, session, params), row)
            rows = open_rows(session, day, ids)
        if column_id != "outstanding":
            rows = [r for r in rows if bucket_of(r[3]) == column_id]
        return open_table(rows)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
