"""Weighted pipeline: amount x probability by expected close month and by rep, team,
region, product or funnel, beside the targets and last year's actual sales.

Everything is aggregated in the database under the reader's record rules; the stage
probabilities come from the funnel registry (company overrides included) as one CASE
expression, and a deal's own probability override wins over its stage's.
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from core.access import visible
from core.context import Context
from core.models import Customer, Opportunity, OpportunityStatus, Product, Region, SalesLine, User
from core.models_summary import SalesSumProductRegionMonth, SalesSumRepMonth
from core.report_kit import money
from core.summaries import summary_visible
from plugins.funnel.services.common import add_months, month_label, month_labels

DIMENSIONS = ("rep", "team", "region", "product", "funnel")
TARGET_CUT = {"rep": "rep", "team": "rep", "region": "region", "product": "product"}
NONE_KEY = "-"


@dataclass
class PipelineRow:
    key: str  # login, manager login, region code, product code or funnel id ("-": none)
    name: str
    weighted: dict[str, Decimal] = field(default_factory=dict)  # "YYYY-MM" -> weighted
    amount: Decimal = Decimal("0.00")
    deals: int = 0
    target: Decimal | None = None
    last_year: Decimal | None = None

    @property
    def weighted_total(self) -> Decimal:
        return sum(self.weighted.values(), Decimal("0.00"))


@dataclass
class Pipeline:
    by: str
    months: list[str]
    rows: list[PipelineRow]
    has_targets: bool


def probability_sql(ctx: Context) -> Any:
    """Each deal's probability: its own override, else its stage's (registry, overrides)."""
    stage_p = ctx.plugins.funnels.probability_sql(Opportunity.funnel, Opportunity.stage)
    return sa.func.coalesce(Opportunity.probability_override, stage_p)


def open_deals(ctx: Context) -> list[Any]:
    return [Opportunity.status == OpportunityStatus.OPEN, visible(ctx, Opportunity)]


def weighted_pipeline(
    ctx: Context, start: dt.date, months: int = 6, by: str = "rep", funnel: str | None = None
) -> Pipeline:
    """The visible open deals closing in ``months`` months from ``start``'s month."""
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}; expected one of {', '.join(DIMENSIONS)}")
    first = start.replace(day=1)
    end = add_months(first, months)
    labels = month_labels(first, months)
    with ctx.reading() as session:
        rows = _pipeline_rows(ctx, session, by, first, end, funnel)
        names = _names(session, by)
        targets = _targets(ctx, session, by, first, add_months(end, -1)) if not funnel else {}
        last_year = _last_year(ctx, session, by, first, end) if by != "funnel" else {}
    found: dict[str, PipelineRow] = {}
    for key, label, amount, weighted, count in rows:
        row = found.setdefault(names.key(key), PipelineRow(names.key(key), names.name(key)))
        row.weighted[label] = row.weighted.get(label, Decimal("0.00")) + money(weighted)
        row.amount += money(amount)
        row.deals += count
    for key_id in list(targets) + list(last_year):
        found.setdefault(names.key(key_id), PipelineRow(names.key(key_id), names.name(key_id)))
    for key_id, value in targets.items():
        row = found[names.key(key_id)]
        row.target = (row.target or Decimal("0.00")) + money(value)
    for key_id, value in last_year.items():
        row = found[names.key(key_id)]
        row.last_year = (row.last_year or Decimal("0.00")) + money(value)
    ordered = sorted(found.values(), key=lambda r: (r.key == NONE_KEY, r.key))
    return Pipeline(by, labels, ordered, bool(targets))


def _key_column(by: str, owner: Any) -> Any:
    return {
        "rep": Opportunity.owner_id,
        "team": sa.func.coalesce(owner.manager_id, owner.id),
        "region": Customer.region_id,
        "product": Opportunity.product_id,
        "funnel": Opportunity.funnel,
    }[by]


def _pipeline_rows(
    ctx: Context, session: Session, by: str, first: dt.date, end: dt.date, funnel: str | None
) -> list[tuple]:
    owner = aliased(User)
    key = _key_column(by, owner)
    label = month_label(session, Opportunity.expected_close)
    query = (
        sa.select(
            key,
            label,
            sa.func.sum(Opportunity.amount),
            sa.func.sum(Opportunity.amount * probability_sql(ctx)),
            sa.func.count(),
        )
        .select_from(Opportunity)
        .where(
            *open_deals(ctx), Opportunity.expected_close >= first, Opportunity.expected_close < end
        )
        .group_by(key, label)
    )
    if by == "team":
        query = query.outerjoin(owner, owner.id == Opportunity.owner_id)
    if by == "region":
        query = query.join(Customer, Customer.id == Opportunity.customer_id)
    if funnel:
        query = query.where(Opportunity.funnel == funnel)
    return [tuple(r) for r in session.execute(query)]


class _Names:
    """Key id -> (code, name) for the dimension's small table."""

    def __init__(self, pairs: dict[Any, tuple[str, str]]) -> None:
        self.pairs = pairs

    def key(self, key_id: Any) -> str:
        if key_id is None:
            return NONE_KEY
        return self.pairs.get(key_id, (str(key_id), ""))[0]

    def name(self, key_id: Any) -> str:
        return "" if key_id is None else self.pairs.get(key_id, ("", str(key_id)))[1]


def _names(session: Session, by: str) -> _Names:
    if by in ("rep", "team"):
        query = sa.select(User.id, User.login, User.display_name)
    elif by == "region":
        query = sa.select(Region.id, Region.code, Region.name)
    elif by == "product":
        query = sa.select(Product.id, Product.code, Product.name)
    else:
        return _Names({})
    return _Names({r[0]: (r[1], r[2]) for r in session.execute(query)})


def _targets(
    ctx: Context, session: Session, by: str, first: dt.date, last: dt.date
) -> dict[Any, Decimal]:
    """Targets of the window by key id ({} when there are none or the cut has none)."""
    cut = TARGET_CUT.get(by)
    if cut is None:
        return {}
    try:
        from core.targets import target_amounts
    except ImportError:  # a core without targets: the pipeline stands alone
        return {}
    found = _call_targets(target_amounts, ctx, session, first, last, cut)
    if by == "team":
        teams = dict(
            session.execute(sa.select(User.id, sa.func.coalesce(User.manager_id, User.id))).all()
        )
        merged: dict[Any, Decimal] = {}
        for rep_id, amount in found.items():
            team = teams.get(rep_id, rep_id)
            merged[team] = merged.get(team, Decimal(0)) + amount
        found = merged
    return _visible_keys(ctx, session, by, found)


def _call_targets(
    func: Any, ctx: Context, session: Session, first: dt.date, last: dt.date, cut: str
) -> dict[Any, Decimal]:
    """``core.targets.target_amounts`` takes a session (keys are ids) in this core; the
    brief's variant takes a context (keys are codes); accept both."""
    params = list(inspect.signature(func).parameters)
    if params and params[0] == "ctx":
        by_code = func(ctx, first, last, cut)
        lookup = _code_ids(session, cut)
        return {lookup.get(code, code): Decimal(v) for code, v in by_code.items()}
    return {key: Decimal(v) for key, v in func(session, first, last, cut).items()}


def _code_ids(session: Session, cut: str) -> dict[str, Any]:
    model, column = {
        "rep": (User, User.login),
        "region": (Region, Region.code),
        "product": (Product, Product.code),
    }[cut]
    return {code: key for key, code in session.execute(sa.select(model.id, column))}


def _visible_keys(
    ctx: Context, session: Session, by: str, found: dict[Any, Decimal]
) -> dict[Any, Decimal]:
    """Targets of reps the reader may not see are left out (their rows would leak)."""
    if by not in ("rep", "team") or not found:
        return found
    seen = set(session.scalars(sa.select(User.id).where(visible(ctx, User))))
    return {k: v for k, v in found.items() if k in seen}


def _last_year(
    ctx: Context, session: Session, by: str, first: dt.date, end: dt.date
) -> dict[Any, Decimal]:
    """Actual sales of the same months a year earlier, by the dimension's key."""
    ly_first, ly_end = add_months(first, -12), add_months(end, -12)
    table = SalesSumProductRegionMonth if by == "product" else SalesSumRepMonth
    cond = summary_visible(ctx, table)
    if cond is not None:
        src: Any = table
        date_col = table.month
    else:  # record rules the summary cannot express: read the lines themselves
        src, date_col, cond = SalesLine, SalesLine.date, visible(ctx, SalesLine)
    key = (
        {"rep": src.rep_id, "team": src.rep_id, "region": src.region_id, "product": src.product_id}[
            by
        ]
        if src is SalesLine
        else {
            "rep": getattr(table, "rep_id", None),
            "team": getattr(table, "rep_id", None),
            "region": table.region_id,
            "product": getattr(table, "product_id", None),
        }[by]
    )
    if by == "team":
        rep = aliased(User)
        key = sa.func.coalesce(rep.manager_id, rep.id)
        query = (
            sa.select(key, sa.func.sum(src.amount))
            .select_from(src)
            .outerjoin(rep, rep.id == src.rep_id)
        )
    else:
        query = sa.select(key, sa.func.sum(src.amount)).select_from(src)
    query = query.where(cond, date_col >= ly_first, date_col < ly_end).group_by(key)
    return {k: money(v) for k, v in session.execute(query)}


def pipeline_conditions(
    ctx: Context, by: str, key: str | None, month: str | None, funnel: str | None = None
) -> list[Any]:
    """SQL selecting the deals behind one figure of the weighted pipeline (drill-down)."""
    conds = list(open_deals(ctx))
    if month:
        first = dt.date(int(month[:4]), int(month[5:7]), 1)
        conds += [
            Opportunity.expected_close >= first,
            Opportunity.expected_close < add_months(first, 1),
        ]
    if funnel:
        conds.append(Opportunity.funnel == funnel)
    if key is None:
        return conds
    if by == "funnel":
        return [*conds, Opportunity.funnel == key]
    if by in ("rep", "team"):
        owners = sa.select(User.id).where(User.login == key)
        if key == NONE_KEY:
            return [*conds, Opportunity.owner_id.is_(None)]
        if by == "rep":
            return [*conds, Opportunity.owner_id.in_(owners)]
        team = sa.select(User.id).where(
            sa.or_(
                User.manager_id.in_(owners), sa.and_(User.id.in_(owners), User.manager_id.is_(None))
            )
        )
        return [*conds, Opportunity.owner_id.in_(team)]
    if by == "region":
        regions = sa.select(Region.id).where(Region.code == key)
        cust = sa.select(Customer.id).where(
            Customer.region_id.is_(None) if key == NONE_KEY else Customer.region_id.in_(regions)
        )
        return [*conds, Opportunity.customer_id.in_(cust)]
    products = sa.select(Product.id).where(Product.code == key)
    return [
        *conds,
        Opportunity.product_id.is_(None)
        if key == NONE_KEY
        else Opportunity.product_id.in_(products),
    ]
