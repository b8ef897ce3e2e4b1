"""Customer segments for target-customer mining: the segment list with counts and sales,
and the call list of one segment (or of a campaign's audience) with RFM scores and the
primary contact's phone, ready to export through any registered exporter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
import sqlalchemy as sa

from core.access import visible
from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.models import Contact, Customer, Region, User
from core.report_kit import CENT, ZERO, K, KitParams, ReportBase, money, ratio
from core.reports import TOTAL_EN, Column, ReportResult, Table
from core.vocabulary import industry_title
from plugins.marketing.models import Campaign, Segment
from plugins.marketing.services import queries
from plugins.marketing.services.lookup import no_campaign, no_segment


class SegmentListParams(KitParams):
    as_of: dt.date | None = pydantic.Field(
        None, description="RFM window ends on this day (default: today)"
    )


def definition(segment: Segment, regions: dict[int, str]) -> str:
    parts = [
        segment.industry,
        regions.get(segment.region_id or -1, ""),
        segment.size,
        segment.customer_class,
        f"source {segment.source}" if segment.source else "",
    ]
    scores = [
        f"{name}>={v}"
        for name, v in (
            ("R", segment.min_recency),
            ("F", segment.min_frequency),
            ("M", segment.min_monetary),
        )
        if v
    ]
    if scores:
        parts.append(" ".join(scores) + f" ({segment.rfm_months}m)")
    return ", ".join(p for p in parts if p) or "all customers"


class SegmentList(ReportBase):
    id = "marketing_segments"
    category = "marketing"
    title_en = "Customer segments"
    title_zh = "客户细分表"
    Params = SegmentListParams

    def run(self, ctx: Context, params: SegmentListParams) -> ReportResult:
        as_of = params.as_of or ctx.today()
        with ctx.reading() as session:
            regions = dict(session.execute(sa.select(Region.id, Region.code)).all())
            found = session.scalars(sa.select(Segment).order_by(Segment.code)).all()
            figures: dict[int, tuple[int, int, Any]] = {}
            for months in sorted({seg.rfm_months for seg in found}):
                group = [seg for seg in found if seg.rfm_months == months]
                figures.update(_window_figures(ctx, session, group, as_of, months))
        rows = []
        for seg in found:
            count, buyers, sales = figures[seg.id]
            rows.append(
                (
                    seg.code,
                    seg.name,
                    definition(seg, regions),
                    count,
                    buyers,
                    sales,
                    ratio(sales, buyers, unit=CENT),
                )
            )
        columns = [
            Column("code", "Segment", "细分编码"),
            Column("name", "Name", "名称"),
            Column("definition", "Definition", "条件"),
            Column("customers", "Customers", "客户数", K.INTEGER),
            Column("buyers", "Buying customers", "有交易客户", K.INTEGER),
            Column("sales", "Sales in window", "窗口期销售额", K.MONEY),
            Column("per_buyer", "Sales per buyer", "户均销售额", K.MONEY),
        ]
        # Segments overlap, so their counts are not added up.
        table = Table(
            "segments",
            "Segments",
            "客户细分",
            columns,
            rows,
            drill_columns=("customers", "buyers", "sales"),
        )
        return self.result(params, [table])

    def drill(
        self,
        ctx: Context,
        params: SegmentListParams,
        table_id: str,
        row: tuple | None,
        column_id: str,
    ) -> Table:
        if table_id != "segments" or row is None:
            return super().drill(ctx, params, table_id, row, column_id)
        params_cl = CallListParams(
            segment=row[0], as_of=params.as_of, buyers_only=column_id != "customers"
        )
        return CallList().run(ctx, params_cl).tables[0]


def _window_figures(
    ctx: Context, session: Any, group: list[Segment], as_of: dt.date, months: int
) -> dict[int, tuple[int, int, Any]]:
    """Customers, buyers and sales of every segment sharing one RFM window, in one
    statement (the RFM rows are computed once, as a materialized CTE, for all of them)."""
    rfm = queries.rfm_subquery(ctx, *queries.rfm_window(as_of, months))
    parts = []
    for seg in group:
        m = queries.segment_members(ctx, session, seg, as_of, rfm).subquery(f"m{seg.id}")
        parts.append(
            sa.select(
                sa.literal(seg.id),
                sa.func.count(),
                sa.func.count(m.c.last_date),
                sa.func.sum(m.c.monetary),
            )
        )
    found = session.execute(sa.union_all(*parts) if len(parts) > 1 else parts[0]).all()
    return {sid: (int(n or 0), int(b or 0), money(v)) for sid, n, b, v in found}


class CallListParams(KitParams):
    segment: str | None = pydantic.Field(None, description="Segment code")
    campaign: str | None = pydantic.Field(None, description="Campaign code: its audience")
    as_of: dt.date | None = pydantic.Field(
        None, description="RFM window ends on this day (default: today)"
    )
    buyers_only: bool = pydantic.Field(
        False, description="Only customers who bought in the RFM window"
    )


def _primary(column: Any) -> Any:
    return (
        sa.select(column)
        .where(Contact.customer_id == Customer.id)
        .order_by(Contact.is_primary.desc(), Contact.id)
        .limit(1)
        .scalar_subquery()
    )


class CallList(ReportBase):
    id = "marketing_call_list"
    category = "marketing"
    title_en = "Segment call list"
    title_zh = "目标客户电话清单"
    Params = CallListParams

    def _members(self, ctx: Context, session: Any, params: CallListParams, as_of: dt.date) -> Any:
        if bool(params.segment) == bool(params.campaign):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "segment", params.segment, "a segment code or a campaign code, not both"
                    )
                ],
                f"parameters of report '{self.id}'",
            )
        if params.segment:
            seg = session.scalars(sa.select(Segment).where(Segment.code == params.segment)).first()
            if seg is None:
                raise no_segment(params.segment)
            return queries.segment_members(ctx, session, seg, as_of).subquery("m")
        camp = session.scalars(sa.select(Campaign).where(Campaign.code == params.campaign)).first()
        if camp is None:
            raise no_campaign(params.campaign)
        audience = queries.audience_ids(ctx, session, camp, camp.start - dt.timedelta(days=1))
        rfm = queries.rfm_subquery(ctx, *queries.rfm_window(as_of, 12))
        return queries.members_select(
            [visible(ctx, Customer), Customer.id.in_(audience)], [], rfm
        ).subquery("m")

    def run(self, ctx: Context, params: CallListParams) -> ReportResult:
        as_of = params.as_of or ctx.today()
        with ctx.reading() as session:
            m = self._members(ctx, session, params, as_of)
            query = (
                sa.select(
                    m.c.code,
                    m.c.name,
                    m.c.industry,
                    Region.code,
                    User.display_name,
                    _primary(Contact.name),
                    _primary(Contact.phone),
                    m.c.last_date,
                    m.c.frequency,
                    m.c.monetary,
                    m.c.r,
                    m.c.f,
                    m.c.m,
                )
                .join(Customer, Customer.id == m.c.id)
                .outerjoin(Region, Region.id == m.c.region_id)
                .outerjoin(User, User.id == m.c.owner_id)
                .order_by(m.c.monetary.desc().nulls_last(), m.c.code)
            )
            if params.buyers_only:
                query = query.where(m.c.last_date.is_not(None))
            found = session.execute(query).all()
        rows = [
            (
                *r[:2],
                industry_title(r[2]),
                *r[3:7],
                _as_date(r[7]),
                int(r[8] or 0),
                money(r[9]),
                int(r[10] or 0),
                int(r[11] or 0),
                int(r[12] or 0),
                f"{r[10] or 0}{r[11] or 0}{r[12] or 0}",
            )
            for r in found
        ]
        columns = [
            Column("code", "Customer code", "客户编码"),
            Column("name", "Customer", "客户"),
            Column("industry", "Industry", "行业"),
            Column("region", "Region", "区域"),
            Column("owner", "Owner", "负责人"),
            Column("contact", "Contact", "联系人"),
            Column("phone", "Phone", "电话"),
            Column("last_purchase", "Last purchase", "最近购买", K.DATE),
            Column("frequency", "Purchase days", "购买天数", K.INTEGER),
            Column("monetary", "Amount", "金额", K.MONEY, total=True),
            Column("r", "R", "R", K.INTEGER),
            Column("f", "F", "F", K.INTEGER),
            Column("m", "M", "M", K.INTEGER),
            Column("rfm", "RFM", "RFM"),
        ]
        totals = (TOTAL_EN, *([None] * 8), sum((r[9] for r in rows), ZERO), None, None, None, None)
        table = Table("call_list", "Call list", "电话清单", columns, rows, totals=totals)
        return self.result(params, [table])


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
