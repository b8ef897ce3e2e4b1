"""Target allocations (指标分摊): draft, adjust, revise, approve, publish.

A draft splits a period's total target over the keys of one dimension by their share of
sales MTD, QTD or YTD (or of a forecast of the period). Adjustments are percentages per
key; the others are rebalanced so the total holds to the cent (``allocate``). A manager
other than the one who drafted it approves it: it then becomes the official targets,
published month by month as core ``SalesTarget`` rows through
``core.services.masterdata.set_targets``, and the previously approved version of the
same period and dimension is kept as ``superseded`` history.

Integrity rules (issue #16.10, #16.21):

* An allocation is a company-wide plan: approving it publishes the company target and
  every key's. So a draft must cover every key with sales in its basis period; a drafter
  who cannot see some of them (a regional manager drafting "by region") is refused with
  the keys it would leave out, instead of silently giving their own keys 100 %.
* Approving a draft never replaces a newer approved revision of the same period and
  dimension: the approval is refused, naming that revision (revise it instead).
* Readers see the lines of the keys they may see, by the rule target-vs-actual uses for
  the same figures (``visible_keys``): all for a company-wide reader; else the reps within
  their record rules, or the regions, products and channels where they see sales.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from core.access import Scope, role_title, visible
from core.company import get_setting
from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.i18n import listed, translator
from core.models import SalesLine, User
from core.services.base import UnitOfWork, write
from core.services.masterdata import set_targets
from core.targets import published_targets
from plugins.forecast import allocate as al
from plugins.forecast.models import Allocation, AllocationLine
from plugins.forecast.services.forecasting import method_registry, require_any
from plugins.forecast.services.history import LABELS, LINE_COLUMNS, load_history

_ = translator(__file__)  # this plugin's words first
PLAN_PERMISSIONS = ("forecast.plan", "target.manage")
# Allocations name every key's target: planners, managers and readers of the audit trail
# (executives, finance) may read them; a rep sees their own official target elsewhere.
READ_PERMISSIONS = ("forecast.plan", "target.manage", "audit.read")
APPROVER_ROLES_KEY = "forecast.approver_roles"
PHASING_KEY = "forecast.phasing"  # seasonal (default), forecast or flat
DEFAULT_APPROVER_ROLES = ("sales_manager", "group_admin")


@dataclass
class AllocationView:
    allocation: Allocation
    lines: list[AllocationLine]


def basis_amounts(
    ctx: Context, dimension: str, start: dt.date, end: dt.date, everyone: bool = False
) -> dict[int, Decimal]:
    """Sales per key of ``dimension`` from ``start`` to ``end`` (the reader's rows, or
    the whole company's with ``everyone``: only to learn which keys a plan must cover)."""
    line = SalesLine.__table__  # type: ignore[attr-defined]
    col = line.c[LINE_COLUMNS[dimension]]
    rule = sa.true() if everyone else visible(ctx, SalesLine)
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(col, sa.func.sum(line.c.amount))
            .where(rule, line.c.date.between(start, end), col.is_not(None))
            .group_by(col)
        ).all()
    return {int(k): Decimal(str(v or 0)) for k, v in rows}


def basis_range(basis: str, as_of: dt.date, period_start: dt.date) -> tuple[dt.date, dt.date]:
    """The sales a basis reads: MTD/QTD/YTD to ``as_of``; a forecast's last year of history."""
    if basis == "forecast":
        return period_start.replace(year=period_start.year - 1), period_start - dt.timedelta(1)
    return al.to_date_range(basis, as_of)


def visible_keys(
    ctx: Context, dimension: str, keys: set[int], start: dt.date, end: dt.date
) -> set[int]:
    """The keys whose targets and basis the reader may see (as target-vs-actual decides):
    every key for a company-wide reader; else the reps within their record rules, or the
    keys where they see sales from ``start`` to ``end``."""
    if ctx.grant.scope is Scope.ALL:
        return set(keys)
    if dimension == "rep":
        with ctx.reading() as session:
            return keys & set(session.scalars(sa.select(User.id).where(visible(ctx, User))))
    return keys & set(basis_amounts(ctx, dimension, start, end))


def _refuse_partial(
    ctx: Context, dimension: str, seen: set[int], start: dt.date, end: dt.date
) -> None:
    """A plan covers every key with sales in its basis period, or it is refused."""
    left_out = sorted(set(basis_amounts(ctx, dimension, start, end, everyone=True)) - seen)
    if left_out:
        names = _labels(ctx, dimension)
        pick = 1 if dimension == "rep" else 0  # a rep by name (never a login), else a code
        raise _partial(ctx, dimension, [names.get(k, (str(k), str(k)))[pick] for k in left_out])


def _require_every_line(ctx: Context, allocation_id: int) -> AllocationView:
    """The whole allocation, for one who sees every line of it: revising or adjusting
    changes (rebalances) every key, so it is refused to a reader who sees only some."""
    whole = _load(ctx, allocation_id)
    seen = {ln.key_id for ln in get_allocation(ctx, allocation_id).lines}
    hidden = [
        ln.label or ln.code if whole.allocation.dimension == "rep" else ln.code
        for ln in whole.lines
        if ln.key_id not in seen
    ]
    if hidden:
        raise _partial(ctx, whole.allocation.dimension, hidden)
    return whole


def _partial(ctx: Context, dimension: str, left_out: list[str]) -> PermissionDenied:
    more = f" (+{len(left_out) - 20})" if len(left_out) > 20 else ""
    return PermissionDenied(
        _(
            "An allocation by {dimension} sets the targets of the whole company, but you "
            "cannot see the sales of {keys}; ask a planner who sees every {dimension} to "
            "draft it."
        ).format(dimension=_(dimension), keys=listed(left_out[:20]) + more)
    )


def forecast_basis(
    ctx: Context, dimension: str, start: dt.date, end: dt.date, method: str = "auto"
) -> dict[int, Decimal]:
    """Each key's forecast sales over the target period, from its monthly history up to
    the month before ``start`` (generated targets)."""
    return {
        key: Decimal(str(round(float(values.sum()), 2)))
        for key, values in _forecast_months(ctx, dimension, start, end, method).items()
    }


def forecast_profile(
    ctx: Context, dimension: str, start: dt.date, end: dt.date, method: str = "auto"
) -> list[Decimal]:
    """The forecast's seasonal profile: the keys' forecasts summed month by month."""
    found = list(_forecast_months(ctx, dimension, start, end, method).values())
    if not found:
        return []
    return [Decimal(str(round(float(v), 2))) for v in np.sum(found, axis=0)]


def _forecast_months(
    ctx: Context, dimension: str, start: dt.date, end: dt.date, method: str
) -> dict[int, np.ndarray]:
    from plugins.forecast.engine import Job, forecast_many
    from plugins.forecast.services.history import last_complete

    history = load_history(ctx, (dimension,), "month", end=last_complete("month", start))
    months = al.months_of(start, end)
    if not history.periods:
        return {}
    last = history.periods[-1]
    horizon = (months[-1].year - last.year) * 12 + months[-1].month - last.month
    skip = horizon - len(months)
    methods = method_registry(ctx)
    results = forecast_many(
        history.series, Job(method, horizon, 12), list(methods.values()), processes=1
    )
    return {
        int(key[0]): np.clip(result.choice.forecast.mean[skip:], 0, None)
        for key, result in results.items()
        if key[0] is not None
    }


def _labels(ctx: Context, dimension: str) -> dict[int, tuple[str, str]]:
    id_col, code_col, name_col = LABELS[dimension]
    with ctx.reading() as session:
        return {i: (c, n) for i, c, n in session.execute(sa.select(id_col, code_col, name_col))}


def create_allocation(
    ctx: Context,
    *,
    period_kind: str,
    period_start: dt.date,
    dimension: str,
    total: Decimal | str,
    basis: str = "ytd",
    as_of: dt.date | None = None,
    note: str = "",
    method: str = "auto",
) -> AllocationView:
    """Draft a new allocation (a new revision when the period already has one)."""
    require_any(ctx, PLAN_PERMISSIONS)
    total = _check_new(period_kind, dimension, basis, total)
    start, end = al.period_bounds(period_kind, period_start)
    as_of = as_of or ctx.today()
    if basis == "forecast":
        amounts = forecast_basis(ctx, dimension, start, end, method)
    else:
        amounts = basis_amounts(ctx, dimension, *al.to_date_range(basis, as_of))
    _refuse_partial(ctx, dimension, set(amounts), *basis_range(basis, as_of, start))
    if not amounts:
        raise ValidationFailed(
            [FieldProblem("basis", basis, "a period with sales to share the target by")],
            "allocation",
        )
    keys = sorted(amounts)
    base = [amounts[k] for k in keys]
    parts = al.split_exact(total, base)
    share = al.shares(base)
    names = _labels(ctx, dimension)

    def work(uow: UnitOfWork) -> AllocationView:
        require_any(ctx, PLAN_PERMISSIONS)
        revision = 1 + (
            uow.session.scalar(
                sa.select(sa.func.max(Allocation.revision)).where(
                    Allocation.period_start == start,
                    Allocation.period_kind == period_kind,
                    Allocation.dimension == dimension,
                )
            )
            or 0
        )
        alloc = Allocation(
            period_kind=period_kind,
            period_start=start,
            period_end=end,
            dimension=dimension,
            basis=basis,
            basis_as_of=as_of,
            total=total,
            revision=revision,
            status="draft",
            note=note,
            requested_by_id=ctx.actor.id,
            created_at=ctx.now(),
        )
        uow.session.add(alloc)
        uow.audit_created(alloc)
        lines = []
        for k, b, s, amount in zip(keys, base, share, parts, strict=True):
            code, label = names.get(k, (str(k), ""))
            line = AllocationLine(
                allocation_id=alloc.id,
                key_id=k,
                code=code,
                label=label,
                basis_amount=al.cents(b),
                share=s,
                amount=amount,
            )
            uow.session.add(line)
            lines.append(line)
        uow.session.flush()
        return AllocationView(alloc, lines)

    return write(ctx, work)


def _check_new(period_kind: str, dimension: str, basis: str, total: Any) -> Decimal:
    problems = []
    if period_kind not in al.PERIOD_KINDS:
        problems.append(FieldProblem("period", period_kind, "year, quarter or month"))
    if dimension not in al.DIMENSIONS:
        problems.append(
            FieldProblem("by", dimension, "one of {values}", args={"values": listed(al.DIMENSIONS)})
        )
    if basis not in al.BASES:
        problems.append(
            FieldProblem("basis", basis, "one of {values}", args={"values": listed(al.BASES)})
        )
    try:
        amount = al.cents(Decimal(str(total)))
        if amount <= 0:
            raise ValueError
    except (ArithmeticError, ValueError):
        problems.append(FieldProblem("total", total, "a positive amount"))
        amount = Decimal(0)
    if problems:
        raise ValidationFailed(problems, "allocation")
    return amount


def allocation_words(a: Allocation) -> str:
    """An allocation as the screens name it: "the quarter targets from 2026-04-01 by
    region (revision 2)", never its database id."""
    return _("the {kind} targets from {start} by {dimension} (revision {revision})").format(
        kind=_(a.period_kind), start=a.period_start, dimension=_(a.dimension), revision=a.revision
    )


def require_read(ctx: Context) -> None:
    if not any(p in ctx.grant.permissions for p in READ_PERMISSIONS):
        raise PermissionDenied(
            _("You may not read target allocations; ask a planner or your sales manager.")
        )


def get_allocation(ctx: Context, allocation_id: int) -> AllocationView:
    """An allocation with the lines of the keys the reader may see (``visible_keys``)."""
    view = _load(ctx, allocation_id)
    a = view.allocation
    seen = visible_keys(
        ctx,
        a.dimension,
        {ln.key_id for ln in view.lines},
        *basis_range(a.basis, a.basis_as_of, a.period_start),
    )
    return AllocationView(a, [ln for ln in view.lines if ln.key_id in seen])


def _load(ctx: Context, allocation_id: int) -> AllocationView:
    """An allocation with every line (for the services that copy or publish it)."""
    require_read(ctx)
    with ctx.reading() as session:
        alloc = session.get(Allocation, allocation_id)
        if alloc is None:
            raise NotFound(_("There is no target allocation No. {id}.").format(id=allocation_id))
        lines = list(
            session.scalars(
                sa.select(AllocationLine)
                .where(AllocationLine.allocation_id == allocation_id)
                .order_by(AllocationLine.key_id)
            )
        )
        session.expunge_all()
    return AllocationView(alloc, lines)


def list_allocations(ctx: Context) -> list[Allocation]:
    require_read(ctx)
    with ctx.reading() as session:
        rows = list(
            session.scalars(
                sa.select(Allocation).order_by(
                    Allocation.period_start.desc(), Allocation.dimension, Allocation.revision.desc()
                )
            )
        )
        session.expunge_all()
    return rows


# what an adjustment may be (the catalogue's msgid; {key} is the region, product, ...)
ADJUSTMENT_RULE = "a percentage above -100 for {key}, such as 10 or -5"


def _percentage(value: Any) -> Decimal | None:
    """An adjustment typed or stored as a percentage, or None for one that is none: not
    a number, NaN, Infinity, or -100 % and below (nothing left of the key's share)."""
    try:
        pct = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return pct if pct.is_finite() and pct > -100 else None


def set_adjustments(
    ctx: Context, allocation_id: int, pcts: dict[int, Decimal | str], expected_version: int | None
) -> AllocationView:
    """Set adjustment percentages by key id (0 removes one); rebalance the others."""
    require_any(ctx, PLAN_PERMISSIONS)
    _require_every_line(ctx, allocation_id)

    def work(uow: UnitOfWork) -> AllocationView:
        require_any(ctx, PLAN_PERMISSIONS)
        alloc = uow.get(Allocation, allocation_id)
        uow.check_version(alloc, expected_version)
        if alloc.status != "draft":
            raise ValidationFailed(
                [
                    FieldProblem(
                        "status",
                        _(alloc.status),
                        _("a draft (approved allocations are revised, not edited)"),
                    )
                ],
                f"allocation {allocation_id}",
            )
        lines = list(
            uow.session.scalars(
                sa.select(AllocationLine)
                .where(AllocationLine.allocation_id == allocation_id)
                .order_by(AllocationLine.key_id)
            )
        )
        by_key = {ln.key_id: ln for ln in lines}
        unknown = [k for k in pcts if k not in by_key]
        if unknown:
            raise ValidationFailed(
                [FieldProblem("key", k, "a key of this allocation") for k in unknown],
                f"allocation {allocation_id}",
            )
        new_pct = [_percentage(pcts.get(ln.key_id, ln.adjustment_pct)) for ln in lines]
        problems = [
            FieldProblem(
                "adjustment",
                str(pcts.get(ln.key_id, ln.adjustment_pct)),
                ADJUSTMENT_RULE,
                args={"key": ln.code},
            )
            for ln, pct in zip(lines, new_pct, strict=True)
            if pct is None
        ]
        if problems:
            raise ValidationFailed(problems, f"allocation {allocation_id}")
        base = al.split_exact(alloc.total, [ln.basis_amount for ln in lines])
        checked = [pct for pct in new_pct if pct is not None]
        amounts = al.apply_adjustments(alloc.total, base, checked, [ln.code for ln in lines])
        for ln, pct, amount in zip(lines, checked, amounts, strict=True):
            uow.apply_changes(ln, {"adjustment_pct": pct, "amount": amount})
        flag_modified(alloc, "note")  # bump the header's version: its lines changed
        uow.session.flush()
        return AllocationView(alloc, lines)

    return write(ctx, work)


def adjust_by(
    ctx: Context,
    allocation_id: int,
    key_id: int,
    step_pct: Decimal | str,
    expected_version: int | None,
) -> AllocationView:
    """Add ``step_pct`` (e.g. +5) to one key's adjustment (the TUI's +/- keys)."""
    view = get_allocation(ctx, allocation_id)
    current = {ln.key_id: ln.adjustment_pct for ln in view.lines}
    if key_id not in current:
        raise ValidationFailed(
            [FieldProblem("key", key_id, "a key of this allocation")], f"allocation {allocation_id}"
        )
    return set_adjustments(
        ctx, allocation_id, {key_id: current[key_id] + Decimal(str(step_pct))}, expected_version
    )


def revise_allocation(
    ctx: Context, allocation_id: int, total: Decimal | str | None = None, note: str = ""
) -> AllocationView:
    """A new draft revision copying an allocation's lines (its history stays); like a
    draft, only by someone who sees every key it covers."""
    source = _require_every_line(ctx, allocation_id)
    a = source.allocation
    new_total = _check_new(a.period_kind, a.dimension, a.basis, a.total if total is None else total)

    def work(uow: UnitOfWork) -> AllocationView:
        require_any(ctx, PLAN_PERMISSIONS)
        revision = 1 + (
            uow.session.scalar(
                sa.select(sa.func.max(Allocation.revision)).where(
                    Allocation.period_start == a.period_start,
                    Allocation.period_kind == a.period_kind,
                    Allocation.dimension == a.dimension,
                )
            )
            or 0
        )
        alloc = Allocation(
            period_kind=a.period_kind,
            period_start=a.period_start,
            period_end=a.period_end,
            dimension=a.dimension,
            basis=a.basis,
            basis_as_of=a.basis_as_of,
            total=new_total,
            revision=revision,
            status="draft",
            note=note or a.note,
            requested_by_id=ctx.actor.id,
            created_at=ctx.now(),
        )
        uow.session.add(alloc)
        uow.audit_created(alloc)
        base = al.split_exact(new_total, [ln.basis_amount for ln in source.lines])
        amounts = al.apply_adjustments(
            new_total,
            base,
            [ln.adjustment_pct for ln in source.lines],
            [ln.code for ln in source.lines],
        )
        lines = []
        for ln, amount in zip(source.lines, amounts, strict=True):
            copy = AllocationLine(
                allocation_id=alloc.id,
                key_id=ln.key_id,
                code=ln.code,
                label=ln.label,
                basis_amount=ln.basis_amount,
                share=ln.share,
                adjustment_pct=ln.adjustment_pct,
                amount=amount,
            )
            uow.session.add(copy)
            lines.append(copy)
        uow.session.flush()
        return AllocationView(alloc, lines)

    return write(ctx, work)


def approver_roles(ctx: Context) -> tuple[str, ...]:
    with ctx.reading() as session:
        return tuple(get_setting(session, APPROVER_ROLES_KEY, DEFAULT_APPROVER_ROLES))


def approve_allocation(
    ctx: Context, allocation_id: int, expected_version: int | None, phasing: str | None = None
) -> AllocationView:
    """Approve a draft: a manager who did not draft it; then publish it as the targets,
    month by month by ``phasing`` (default: the company setting, else ``seasonal``)."""
    roles = approver_roles(ctx)
    phasing = phasing or _setting(ctx, PHASING_KEY, "seasonal")
    if phasing not in al.PHASINGS:
        raise ValidationFailed(
            [
                FieldProblem(
                    _("phasing"),
                    phasing,
                    "one of {values}",
                    args={"values": listed(_(p) for p in al.PHASINGS)},
                )
            ],
            _("allocation {id}").format(id=allocation_id),
        )

    def work(uow: UnitOfWork) -> tuple[Allocation, list[AllocationLine], Allocation | None]:
        uow.require("target.manage")
        if not set(ctx.actor.roles) & set(roles):
            raise PermissionDenied(
                _("You may not approve targets: it takes one of these roles: {roles}.").format(
                    roles=listed(role_title(ctx.roles, name) for name in roles)
                )
            )
        alloc = uow.get(Allocation, allocation_id)
        uow.check_version(alloc, expected_version)
        if alloc.status != "draft":
            raise ValidationFailed(
                [FieldProblem("status", _(alloc.status), "a draft")], f"allocation {allocation_id}"
            )
        if alloc.requested_by_id == ctx.actor.id:
            raise PermissionDenied(
                _(
                    "You drafted {allocation}, so you may not approve it: another manager must."
                ).format(allocation=allocation_words(alloc))
            )
        previous = uow.session.scalars(
            sa.select(Allocation).where(
                Allocation.period_start == alloc.period_start,
                Allocation.period_kind == alloc.period_kind,
                Allocation.dimension == alloc.dimension,
                Allocation.status == "approved",
            )
        ).first()
        if previous is not None and previous.revision > alloc.revision:
            raise ValidationFailed(
                [
                    FieldProblem(
                        "revision",
                        alloc.revision,
                        _(
                            "a draft newer than the approved revision {revision}; revise revision "
                            "{revision} instead"
                        ).format(revision=previous.revision),
                    )
                ],
                _("allocation {id}").format(id=allocation_id),
            )
        if previous is not None:
            uow.apply_changes(previous, {"status": "superseded"})
        uow.apply_changes(
            alloc, {"status": "approved", "approved_by_id": ctx.actor.id, "approved_at": ctx.now()}
        )
        lines = list(
            uow.session.scalars(
                sa.select(AllocationLine).where(AllocationLine.allocation_id == allocation_id)
            )
        )
        uow.session.flush()
        return alloc, lines, previous

    alloc, lines, previous = write(ctx, work)
    try:
        months = al.months_of(alloc.period_start, alloc.period_end)
        first_open = ctx.today().replace(day=1) if previous else None  # a revision
        closed = closed_targets(ctx, alloc, first_open) if first_open else {}
        set_targets(
            ctx,
            publish_items(
                alloc,
                lines,
                _load(ctx, previous.id).lines if previous else [],
                phase_weights(ctx, alloc, phasing, months),
                closed,
                first_open,
            ),
        )
    except Exception:
        _undo_approval(ctx, allocation_id, previous.id if previous else None)
        raise
    return get_allocation(ctx, allocation_id)


def _setting(ctx: Context, key: str, default: Any) -> Any:
    with ctx.reading() as session:
        return get_setting(session, key, default)


def phase_weights(
    ctx: Context, alloc: Allocation, phasing: str, months: list[dt.date]
) -> list[Decimal]:
    """How the period's months share each target: last year's monthly sales of the whole
    company (Spring Festival's move between January and February handled), the forecast's
    seasonal profile, or flat."""
    if phasing == "flat" or len(months) == 1:
        return [Decimal(1)] * len(months)
    if phasing == "forecast":
        profile = forecast_profile(ctx, alloc.dimension, alloc.period_start, alloc.period_end)
        return (
            profile
            if len(profile) == len(months) and sum(profile) > 0
            else [Decimal(1)] * len(months)
        )
    line = SalesLine.__table__  # type: ignore[attr-defined]
    first, last = al.last_year(months[0]), al.last_year(alloc.period_end)
    with ctx.reading() as session:  # company-wide: the plan is the whole company's
        rows = session.execute(
            sa.select(line.c.date, sa.func.sum(line.c.amount))
            .where(line.c.date.between(first, last))
            .group_by(line.c.date)
        ).all()
    by_month: dict[dt.date, Decimal] = {}
    for day, amount in rows:
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
        month = day.replace(day=1)
        by_month[month] = by_month.get(month, Decimal(0)) + Decimal(str(amount or 0))
    return al.seasonal_weights(months, by_month)


def closed_targets(
    ctx: Context, alloc: Allocation, first_open: dt.date
) -> dict[tuple[int, dt.date], Decimal]:
    """The published targets of the period's closed months (before ``first_open``): a
    revision leaves them as they are."""
    with ctx.reading() as session:
        return published_targets(
            session,
            alloc.dimension,
            alloc.period_start,
            min(alloc.period_end, first_open - dt.timedelta(days=1)),
        )


def publish_items(
    alloc: Allocation,
    lines: list[AllocationLine],
    old_lines: list[AllocationLine],
    weights: list[Decimal] | None = None,
    closed: dict[tuple[int, dt.date], Decimal] | None = None,
    first_open: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Monthly ``SalesTarget`` rows for an approved allocation: each key's amount phased
    over the period's months by ``weights`` to the cent; a revision's closed months
    (before ``first_open``; their targets in ``closed``) keep them and are not
    republished; keys dropped since the last version get 0 in the open months. The
    company's month is the sum of the keys' months, so the company target and the
    allocations reconcile."""
    months = al.months_of(alloc.period_start, alloc.period_end)
    weights = weights or [Decimal(1)] * len(months)
    closed = closed or {}
    shut = {m for m in months if first_open is not None and m < first_open}
    items: list[dict[str, Any]] = []
    amounts = {ln.key_id: ln.amount for ln in lines}
    dropped = {ln.key_id for ln in old_lines} - set(amounts)
    company = dict.fromkeys(months, Decimal(0))
    labels = {ln.key_id: ln.code for ln in lines}
    for key in sorted(set(amounts) | dropped):
        kept = [closed.get((key, m), Decimal(0)) if m in shut else None for m in months]
        if key in dropped:
            parts = [k if k is not None else Decimal(0) for k in kept]
        else:
            parts = al.phase(amounts[key], weights, kept, labels.get(key, str(key)))
        for month, part in zip(months, parts, strict=True):
            company[month] += part
            if month not in shut:
                items.append(
                    {"month": month, "dimension": alloc.dimension, "key_id": key, "amount": part}
                )
    items += [
        {"month": m, "dimension": "company", "key_id": 0, "amount": company[m]}
        for m in months
        if m not in shut
    ]
    return items


def _undo_approval(ctx: Context, allocation_id: int, previous_id: int | None) -> None:
    """Publishing failed: put the allocation back to draft (and the previous one back)."""

    def work(uow: UnitOfWork) -> None:
        uow.apply_changes(
            uow.get(Allocation, allocation_id),
            {"status": "draft", "approved_by_id": None, "approved_at": None},
            action="revert",
        )
        if previous_id is not None:
            uow.apply_changes(
                uow.get(Allocation, previous_id), {"status": "approved"}, action="revert"
            )

    write(ctx, work)
