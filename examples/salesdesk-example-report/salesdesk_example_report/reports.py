"""Customers per industry: how many customers the reader can see in each industry, their
share, and their summed credit limits, computed in SQL under the reader's record rules."""

from __future__ import annotations

from typing import Any

import pydantic
import sqlalchemy as sa

from core.access import visible
from core.context import Context
from core.models import Customer, CustomerStatus, User
from core.report_kit import (
    KitParams,
    ReportBase,
    integer_column,
    money,
    money_column,
    percent,
    percent_column,
    text_column,
    totals_row,
)
from core.reports import ChartSpec, Column, ReportResult, Table

NO_INDUSTRY = "(none)"


class Params(KitParams):
    status: CustomerStatus | None = pydantic.Field(
        None, description="Only customers with this status (default: all)"
    )
    min_customers: int = pydantic.Field(
        0, ge=0, description="Hide industries with fewer customers than this"
    )


COLUMNS = [
    text_column("industry", "Industry", "行业"),
    integer_column("customers", "Customers", "客户数"),
    percent_column("share", "Share", "占比"),
    money_column("credit_limit", "Credit limits", "信用额度合计"),
]


class CustomersPerIndustry(ReportBase):
    id = "example_customers_per_industry"
    title_en = "Customers per industry (example plugin)"
    title_zh = "各行业客户数（示例插件）"
    category = "customers"
    Params = Params

    def run(self, ctx: Context, params: Params) -> ReportResult:
        industry = sa.func.coalesce(sa.func.nullif(Customer.industry, ""), NO_INDUSTRY)
        query = (
            sa.select(
                industry.label("industry"),
                sa.func.count().label("n"),
                sa.func.coalesce(sa.func.sum(Customer.credit_limit), 0),
            )
            .where(*self._filters(ctx, params))
            .group_by(industry)
            .having(sa.func.count() >= params.min_customers)
            .order_by(sa.func.count().desc(), industry)
        )
        with ctx.reading() as session:
            found = session.execute(query).all()
        total = sum(n for _, n, _ in found)
        rows = [(name, n, percent(n, total), money(c)) for name, n, c in found]
        # the kit's totals convention: counts and money summed, the share recomputed
        totals = totals_row(COLUMNS, rows, ratios={"share": ("customers", "customers")})
        table = Table(
            "industries",
            "Customers per industry",
            "各行业客户数",
            COLUMNS,
            rows,
            totals=totals,
            drill_columns=("customers",),
        )
        return self.result(params, [table])

    def charts(self, tables: list[Table]) -> list[ChartSpec]:
        return [
            ChartSpec(
                "bar",
                "Customers per industry",
                "各行业客户数",
                "industries",
                "industry",
                ("customers",),
            )
        ]

    def drill(
        self, ctx: Context, params: Params, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        """The customers behind one industry's count (``row=None``: all of them)."""
        if table_id != "industries":
            raise self.no_drill(table_id, column_id)
        filters = self._filters(ctx, params)
        if row is not None:
            name = row[0]
            filters.append(Customer.industry == ("" if name == NO_INDUSTRY else name))
        query = (
            sa.select(Customer.code, Customer.name, Customer.industry, User.login)
            .outerjoin(User, User.id == Customer.owner_id)
            .where(*filters)
            .order_by(Customer.code)
        )
        with ctx.reading() as session:
            rows = [tuple(r) for r in session.execute(query)]
        columns = [
            Column("code", "Code", "编号"),
            Column("name", "Customer", "客户"),
            Column("industry", "Industry", "行业"),
            Column("owner", "Owner", "负责人"),
        ]
        return Table("customers", "Customers", "客户", columns, rows)

    @staticmethod
    def _filters(ctx: Context, params: Params) -> list[Any]:
        filters: list[Any] = [visible(ctx, Customer)]
        if params.status is not None:
            filters.append(Customer.status == params.status.value)
        return filters
