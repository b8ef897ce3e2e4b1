"""客户销售收款状况分析表 (customer sales and collection status) and receivables ageing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.models import Customer
from core.report_kit import ReportBase, money, period, ratio, totals_row
from core.reports import ChartSpec, Column, ReportResult, Table
from core.services.receipts import receipt_rows, sales_and_receipts
from plugins.manufacturing.models import COUNTED, DocKind, Document
from plugins.manufacturing.reports.common import (
    AsOfParams,
    K,
    PeriodParams,
    customer_filter,
    document_lines_table,
    documents_in_use,
    documents_table,
    invoice_balances,
    invoices_table,
)
from plugins.manufacturing.services import balances as ledger
from plugins.manufacturing.services.common import ZERO

FLOWS = (
    ("ordered", DocKind.ORDER),
    ("delivered", DocKind.DELIVERY),
    ("invoiced", DocKind.INVOICE),
    ("received", DocKind.RECEIPT),
)

COLLECTION_COLUMNS = [
    Column("customer_code", "Customer code", "客户编码"),
    Column("customer", "Customer", "客户"),
    Column("rating", "Credit rating", "信用等级"),
    Column("limit", "Credit limit", "信用额度", K.MONEY, total=True),
    Column("ordered", "Ordered", "订货金额", K.MONEY, total=True),
    Column("delivered", "Delivered", "发货金额", K.MONEY, total=True),
    Column("invoiced", "Invoiced", "开票金额", K.MONEY, total=True),
    Column("received", "Received", "收款金额", K.MONEY, total=True),
    Column("collection_rate", "Collection rate", "收款率", K.PERCENT),
    Column("receivable", "Receivable", "应收余额", K.MONEY, total=True),
    Column("overdue", "Overdue", "逾期金额", K.MONEY, total=True),
    Column("available", "Credit available", "可用额度", K.MONEY),
]


class CollectionStatus(ReportBase):
    id = "mfg_collection_status"
    category = "manufacturing"
    title_en = "Customer sales and collection status"
    title_zh = "客户销售收款状况分析表"
    Params = PeriodParams

    def run(self, ctx: Context, params: Any) -> ReportResult:
        start, end = period(ctx, params)
        with ctx.reading() as session:
            conds = customer_filter(ctx, session, params.region)
            documents = documents_in_use(session)
            flows = (_flows if documents else _imported_flows)(session, start, end, conds)
            balances = _balances(ctx, session, end, conds)
            unbilled = _unbilled_orders(session, {**flows[0], **balances[0]})
        rows = []
        for cid, (code, name, rating, limit) in sorted(
            {**flows[0], **balances[0]}.items(), key=lambda kv: kv[1][0]
        ):
            f = flows[1].get(cid, {})
            due, late = balances[1].get(cid, (ZERO, ZERO))
            invoiced, received = f.get("invoiced", ZERO), f.get("received", ZERO)
            rows.append(
                (
                    code,
                    name,
                    rating,
                    limit,
                    f.get("ordered", ZERO),
                    f.get("delivered", ZERO),
                    invoiced,
                    received,
                    ratio(received, invoiced),
                    due,
                    late,
                    limit - due - unbilled.get(cid, ZERO) if limit else None,
                )
            )
        totals = list(totals_row(COLLECTION_COLUMNS, rows))
        totals[8] = ratio(totals[7], totals[6])
        table = Table(
            "customers",
            self.title_en,
            self.title_zh,
            COLLECTION_COLUMNS,
            rows,
            len(rows),
            tuple(totals),
            drill_columns=("ordered", "delivered", "invoiced", "received", "receivable", "overdue")
            if documents
            else ("received", "receivable", "overdue"),
        )
        chart = ChartSpec(
            "bar",
            "Invoiced and received",
            "开票与收款",
            "customers",
            "customer",
            ("invoiced", "received"),
        )
        return self.result(params, [table], [chart], start=start, end=end)

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        start, end = period(ctx, params)
        with ctx.reading() as session:
            conds = customer_filter(ctx, session, params.region)
            documents = documents_in_use(session)
        if row is not None:
            conds.append(Customer.code == row[0])
        in_customers = Document.customer_id.in_(sa.select(Customer.id).where(*conds))
        if column_id in ("receivable", "overdue"):
            cust = [Customer.id.in_(sa.select(Customer.id).where(*conds))]
            table = invoices_table(ctx, end, *cust)
            if column_id == "overdue":  # due before the end, as the figure counts it
                keep = [r for r in table.materialize() if r[4] is not None and r[4] < end]
                table.rows, table.row_count = keep, len(keep)
                table.totals = totals_row(table.columns, keep)
            return table
        kind = dict(FLOWS).get(column_id)
        if kind == DocKind.RECEIPT and not documents:
            return _receipts_table(ctx, start, end, conds)
        if kind is None or not documents:
            raise self.no_drill(table_id, column_id)
        where = [Document.kind == kind, Document.doc_date.between(start, end), in_customers]
        if kind == DocKind.RECEIPT:
            return documents_table(ctx, *where, title_en="Receipts", title_zh="收款")
        return document_lines_table(ctx, *where)


def _flows(
    session: Any, start: dt.date, end: dt.date, conds: list[Any]
) -> tuple[dict[int, tuple], dict[int, dict[str, Decimal]]]:
    """Amounts ordered, delivered, invoiced and received in the period, per customer;
    gross (VAT included) like the receivables they become (a receipt has no VAT)."""
    gross = Document.amount + Document.tax
    sums = [
        sa.func.sum(sa.case((Document.kind == kind, gross), else_=0)).label(name)
        for name, kind in FLOWS
    ]
    query = (
        sa.select(
            Customer.id,
            Customer.code,
            Customer.name,
            Customer.credit_rating,
            Customer.credit_limit,
            *sums,
        )
        .join(Document, Document.customer_id == Customer.id)
        .where(Document.status.in_(COUNTED), Document.doc_date.between(start, end), *conds)
        .group_by(
            Customer.id, Customer.code, Customer.name, Customer.credit_rating, Customer.credit_limit
        )
    )
    heads, flows = {}, {}
    for r in session.execute(query):
        heads[r[0]] = (r[1], r[2], r[3], money(r[4]))
        flows[r[0]] = {name: money(r[5 + i]) for i, (name, _k) in enumerate(FLOWS)}
    return heads, flows


RECEIPT_COLUMNS = [
    Column("date", "Date", "日期", K.DATE),
    Column("customer_code", "Customer code", "客户编码"),
    Column("customer", "Customer", "客户"),
    Column("reference", "Reference", "单据号"),
    Column("note", "Note", "备注"),
    Column("amount", "Amount", "金额", K.MONEY, total=True),
]


def _receipts_table(ctx: Context, start: dt.date, end: dt.date, conds: list[Any]) -> Table:
    """The core's receipts behind "received" when the company keeps no documents."""
    with ctx.reading() as session:
        rows = receipt_rows(session, start, end, sa.select(Customer.id).where(*conds))
    return Table(
        "receipts",
        "Receipts",
        "收款",
        RECEIPT_COLUMNS,
        rows,
        len(rows),
        totals_row(RECEIPT_COLUMNS, rows),
    )


def _imported_flows(
    session: Any, start: dt.date, end: dt.date, conds: list[Any]
) -> tuple[dict[int, tuple], dict[int, dict[str, Decimal]]]:
    """Without documents: imported sales (gross, returns netted) as invoiced and the
    core's receipts as received; nothing is ordered or delivered."""
    found = sales_and_receipts(session, start, end, sa.select(Customer.id).where(*conds))
    heads = {
        r[0]: (r[1], r[2], r[3], money(r[4]))
        for r in session.execute(
            sa.select(
                Customer.id,
                Customer.code,
                Customer.name,
                Customer.credit_rating,
                Customer.credit_limit,
            ).where(Customer.id.in_(list(found)))
        )
    }
    flows = {cid: {"invoiced": f.gross, "received": f.received} for cid, f in found.items()}
    return heads, flows


def _unbilled_orders(session: Any, heads: dict[int, tuple]) -> dict[int, Decimal]:
    """Submitted orders not yet invoiced, per customer with a credit limit: the order
    check counts them against the limit, so "credit available" must too."""
    return {cid: ledger.unbilled_orders(session, cid) for cid, head in heads.items() if head[3]}


def _balances(
    ctx: Context, session: Any, as_of: dt.date, conds: list[Any]
) -> tuple[dict[int, tuple], dict[int, tuple[Decimal, Decimal]]]:
    heads: dict[int, tuple] = {}
    out: dict[int, tuple[Decimal, Decimal]] = {}
    customer_ids = sa.select(Customer.id).where(*conds)
    found = invoice_balances(ctx, session, as_of, Customer.id.in_(customer_ids))
    info = {
        r[0]: r[1:]
        for r in session.execute(
            sa.select(
                Customer.id,
                Customer.code,
                Customer.name,
                Customer.credit_rating,
                Customer.credit_limit,
            ).where(Customer.id.in_({f[2] for f in found}))
        )
    }
    for r in found:
        code, name, rating, limit = info[r[2]]
        heads[r[2]] = (code, name, rating, money(limit))
        due, late = out.get(r[2], (ZERO, ZERO))
        overdue = r[9] if r[6] is not None and r[6] < as_of else ZERO
        out[r[2]] = (due + r[9], late + overdue)
    return heads, out


AGEING_BUCKETS = (
    ("current", "Not yet due", "未到期"),
    ("d30", "1-30 days", "1-30天"),
    ("d60", "31-60 days", "31-60天"),
    ("d90", "61-90 days", "61-90天"),
    ("older", "Over 90 days", "90天以上"),
)
AGEING_COLUMNS = [
    Column("customer_code", "Customer code", "客户编码"),
    Column("customer", "Customer", "客户"),
    *[Column(cid, en, zh, K.MONEY, total=True) for cid, en, zh in AGEING_BUCKETS],
    Column("open", "Open", "应收合计", K.MONEY, total=True),
]


def bucket(due: dt.date | None, as_of: dt.date) -> str:
    days = (as_of - due).days if due else 0
    if days <= 0:
        return "current"
    return "d30" if days <= 30 else "d60" if days <= 60 else "d90" if days <= 90 else "older"


class ReceivablesAgeing(ReportBase):
    id = "mfg_receivables_ageing"
    category = "manufacturing"
    title_en = "Receivables ageing"
    title_zh = "应收账款账龄分析表"
    Params = AsOfParams

    def run(self, ctx: Context, params: Any) -> ReportResult:
        as_of = params.as_of or ctx.today()
        with ctx.reading() as session:
            conds = customer_filter(ctx, session, params.region)
            found = invoice_balances(
                ctx, session, as_of, Customer.id.in_(sa.select(Customer.id).where(*conds))
            )
        ids = [b[0] for b in AGEING_BUCKETS]
        per: dict[tuple[str, str], dict[str, Decimal]] = {}
        for r in found:
            cells = per.setdefault((r[3], r[4]), dict.fromkeys(ids, ZERO))
            cells[bucket(r[6], as_of)] += r[9]
        rows = [
            (code, name, *[c[i] for i in ids], sum(c.values(), ZERO))
            for (code, name), c in sorted(per.items())
        ]
        table = Table(
            "ageing",
            self.title_en,
            self.title_zh,
            AGEING_COLUMNS,
            rows,
            len(rows),
            totals_row(AGEING_COLUMNS, rows),
            drill_columns=(*ids, "open"),
        )
        chart = ChartSpec(
            "column", "Receivables by age", "应收账龄", "ageing", "customer", tuple(ids)
        )
        return self.result(params, [table], [chart], as_of=as_of)

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        as_of = params.as_of or ctx.today()
        with ctx.reading() as session:
            conds = customer_filter(ctx, session, params.region)
        if row is not None:
            conds.append(Customer.code == row[0])
        table = invoices_table(ctx, as_of, Customer.id.in_(sa.select(Customer.id).where(*conds)))
        if column_id != "open":
            keep = [r for r in table.materialize() if bucket(r[4], as_of) == column_id]
            table.rows, table.row_count = keep, len(keep)
            table.totals = totals_row(table.columns, keep)
        return table
