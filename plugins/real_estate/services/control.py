"""Sales control (销控): unit status moves, deals and sales changes (销售变动).

    available -> reserved -> subscribed -> signed -> sold
    available -> subscribed (a walk-in buyer subscribes at once)
    available <-> held (withheld by sales control)
    reserved / subscribed / signed -> available (cancelled, with a reason)

Every move is one conditional UPDATE (``WHERE id = :unit AND status IN (:allowed)``): of
two agents acting on the same unit at the same moment exactly one matches a row, on SQLite
(writers queue on BEGIN IMMEDIATE) and on PostgreSQL (the second UPDATE waits for the
first's row lock, then re-checks the condition and matches nothing). The loser gets a
Conflict naming who took the unit. A partial unique index (one active deal per unit)
backs the rule in the schema.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.services.base import UnitOfWork, conflict_for, detached, write
from plugins.real_estate.models import Call, Deal, DealStatus, StatusChange, Unit, UnitStatus
from plugins.real_estate.services.common import CONTROL, Refused, _, status_word, unit_label

S = UnitStatus
ALLOWED: dict[str, frozenset[str]] = {
    S.AVAILABLE: frozenset({S.RESERVED, S.SUBSCRIBED, S.HELD}),
    S.HELD: frozenset({S.AVAILABLE}),
    S.RESERVED: frozenset({S.SUBSCRIBED, S.AVAILABLE}),
    S.SUBSCRIBED: frozenset({S.SIGNED, S.AVAILABLE}),
    S.SIGNED: frozenset({S.SOLD, S.AVAILABLE}),
    S.SOLD: frozenset(),
}
UNDER_DEAL = frozenset({S.RESERVED, S.SUBSCRIBED, S.SIGNED, S.SOLD})


def allowed_from(target: str) -> frozenset[str]:
    return frozenset(s for s, targets in ALLOWED.items() if target in targets)


def move_unit(
    uow: UnitOfWork,
    unit_id: int,
    target: str,
    *,
    deal_id: int | None = None,
    reason: str = "",
    version: int | None = None,
    only_from: frozenset[str] | None = None,
) -> Unit:
    """Move a unit to ``target`` if its status allows it (and is in ``only_from`` when
    given: a release frees a held unit, never one under a deal); exactly one racer wins."""
    session = uow.session
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("This unit no longer exists: refresh the sales control board."))
    if version is not None and unit.version != version:
        raise conflict_for(session, unit)  # the screen showed an older state: say who
    label = unit_label(session, unit)
    sources = allowed_from(target) & (only_from or frozenset(ALLOWED))
    if unit.status not in sources:
        raise Refused(
            _("unit {unit} is {status}: it cannot become {target} (only from {sources})").format(
                unit=label,
                status=status_word(unit.status),
                target=status_word(target),
                sources=", ".join(status_word(s) for s in sorted(sources)) or _("nowhere"),
            )
        )
    condition = [Unit.id == unit_id, Unit.status == unit.status]
    if version is not None:
        condition.append(Unit.version == version)
    done = session.execute(
        sa.update(Unit)
        .where(*condition)
        .values(status=target, version=Unit.version + 1)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        session.expire(unit)
        raise conflict_for(session, session.get(Unit, unit_id) or unit)
    old = unit.status
    session.expire(unit)
    uow.audit("update", "real_estate_unit", unit_id, "status", old, target)
    session.add(
        StatusChange(
            unit_id=unit_id,
            deal_id=deal_id,
            from_status=old,
            to_status=target,
            at=uow.ctx.now(),
            actor_id=uow.ctx.actor.id,
            reason=reason[:200],
        )
    )
    return unit


def _buyer(values: dict[str, Any]) -> tuple[str, str]:
    name = str(values.get("buyer_name") or "").strip()
    if not name:
        raise ValidationFailed(
            [FieldProblem("buyer_name", name, "the buyer's name", title="Buyer")], "deal"
        )
    return name[:200], str(values.get("buyer_phone") or "").strip()[:32]


def reserve(
    ctx: Context,
    unit_id: int,
    buyer_name: str,
    buyer_phone: str = "",
    *,
    customer_id: int | None = None,
    call_id: int | None = None,
    version: int | None = None,
    subscribe: bool = False,
) -> Deal:
    """Reserve (预留) a unit for a buyer, or subscribe (认购) it at once; opens the deal at
    the unit's published price."""
    name, phone = _buyer({"buyer_name": buyer_name, "buyer_phone": buyer_phone})
    target = S.SUBSCRIBED if subscribe else S.RESERVED

    def work(uow: UnitOfWork) -> Deal:
        uow.require(CONTROL)
        unit = move_unit(uow, unit_id, target, version=version, reason=name)
        uow.session.refresh(unit)
        today = ctx.today()
        deal = Deal(
            unit_id=unit_id,
            buyer_name=name,
            buyer_phone=phone,
            customer_id=customer_id,
            agent_id=ctx.actor.id,
            unit_price=unit.unit_price,
            price=unit.total_price,
            contracted_area=unit.building_area,
            reserved_on=today,
            subscribed_on=today if subscribe else None,
        )
        uow.session.add(deal)
        uow.audit_created(deal)
        _link_status_change(uow, unit_id, deal.id)
        if call_id is not None:
            call = uow.get(Call, call_id)
            uow.apply_changes(call, {"deal_id": deal.id})
        return detached(deal)

    return write(ctx, work)


def _link_status_change(uow: UnitOfWork, unit_id: int, deal_id: int | None) -> None:
    """The status change was written before the deal had an id; point it at the deal."""
    uow.session.flush()
    last = uow.session.scalars(
        sa.select(StatusChange)
        .where(StatusChange.unit_id == unit_id)
        .order_by(StatusChange.id.desc())
    ).first()
    if last is not None and last.deal_id is None:
        last.deal_id = deal_id


def active_deal(session: Any, unit_id: int) -> Deal | None:
    return session.scalars(
        sa.select(Deal).where(Deal.unit_id == unit_id, Deal.status == DealStatus.ACTIVE)
    ).first()


def _deal_step(
    ctx: Context,
    unit_id: int,
    target: str,
    stamp: dict[str, Any],
    version: int | None,
    check: Any = None,
    reason: str = "",
) -> Deal:
    def work(uow: UnitOfWork) -> Deal:
        uow.require(CONTROL)
        deal = active_deal(uow.session, unit_id)
        if deal is None:
            unit = uow.get(Unit, unit_id)
            raise Refused(
                _("unit {unit} is {status} and has no deal: it cannot become {target}").format(
                    unit=unit_label(uow.session, unit),
                    status=status_word(unit.status),
                    target=status_word(target),
                )
            )
        if check is not None:
            check(uow, deal)
        move_unit(
            uow,
            unit_id,
            target,
            deal_id=deal.id,
            version=version,
            reason=reason,
            only_from=UNDER_DEAL,
        )
        values = {k: (v(uow, deal) if callable(v) else v) for k, v in stamp.items()}
        uow.apply_changes(deal, values)
        return detached(deal)

    return write(ctx, work)


def subscribe(ctx: Context, unit_id: int, *, version: int | None = None) -> Deal:
    """A reserved unit is subscribed (认购): the buyer signs the subscription form."""
    return _deal_step(ctx, unit_id, S.SUBSCRIBED, {"subscribed_on": ctx.today()}, version)


def contract_numbering() -> Any:
    """How purchase contracts are numbered until the company sets a rule: GF (购房合同)."""
    from core.services.numbering import NumberingRule

    return NumberingRule(prefix="GF", width=5)


def sign(ctx: Context, unit_id: int, contract_no: str = "", *, version: int | None = None) -> Deal:
    """The purchase contract is signed (签约); its number comes from the company's
    numbering series ``real_estate.contract`` unless one is typed."""

    def number(uow: UnitOfWork, deal: Deal) -> str:
        if contract_no.strip():
            return contract_no.strip()[:32]
        from core.services.numbering import next_number

        return next_number(
            uow, "real_estate.contract", on=ctx.today(), default=contract_numbering()
        )

    return _deal_step(
        ctx, unit_id, S.SIGNED, {"signed_on": ctx.today(), "contract_no": number}, version
    )


def complete_sale(ctx: Context, unit_id: int, *, version: int | None = None) -> Deal:
    """A signed unit becomes sold when everything due on it has been received."""

    def paid_up(uow: UnitOfWork, deal: Deal) -> None:
        from plugins.real_estate.services.payments import balance

        owed = balance(uow.session, deal.id, ctx.today())
        if owed.outstanding > 0:
            raise Refused(
                _(
                    "unit {unit} still owes {owed} of {due}: a unit is sold only when fully paid"
                ).format(
                    unit=unit_label(uow.session, uow.get(Unit, deal.unit_id)),
                    owed=f"{owed.outstanding:,.2f}",
                    due=f"{owed.due:,.2f}",
                )
            )

    return _deal_step(ctx, unit_id, S.SOLD, {"sold_on": ctx.today()}, version, paid_up)


def cancel(ctx: Context, unit_id: int, reason: str, *, version: int | None = None) -> Deal:
    """Cancel the unit's deal (退订/退房); the unit is available again. Money already
    received stays on the deal for finance to refund."""
    if not reason.strip():
        raise ValidationFailed(
            [FieldProblem("reason", reason, "why the deal is cancelled")], "cancellation"
        )
    return _deal_step(
        ctx,
        unit_id,
        S.AVAILABLE,
        {"status": DealStatus.CANCELLED.value, "cancelled_on": ctx.today()},
        version,
        reason=reason.strip(),
    )


def hold(ctx: Context, unit_id: int, reason: str = "", *, version: int | None = None) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.require(CONTROL)
        move_unit(uow, unit_id, S.HELD, reason=reason, version=version)

    write(ctx, work)


def release(ctx: Context, unit_id: int, *, version: int | None = None) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.require(CONTROL)
        move_unit(
            uow,
            unit_id,
            S.AVAILABLE,
            reason="released",
            version=version,
            only_from=frozenset({S.HELD}),
        )

    write(ctx, work)


def change_buyer(
    ctx: Context, deal_id: int, buyer_name: str, reason: str, version: int | None = None
) -> Deal:
    """A sales change (更名): the deal passes to another buyer, recorded with a reason."""
    name, _phone = _buyer({"buyer_name": buyer_name})
    if not reason.strip():
        raise ValidationFailed(
            [FieldProblem("reason", reason, "why the buyer changes")], "sales change"
        )

    def work(uow: UnitOfWork) -> Deal:
        uow.require(CONTROL)
        deal = uow.get(Deal, deal_id)
        uow.check_version(deal, version)
        unit = uow.get(Unit, deal.unit_id)
        if deal.status != DealStatus.ACTIVE:
            raise Refused(
                _(
                    "The deal on unit {unit} is {status}: only an active deal passes to "
                    "another buyer."
                ).format(unit=unit_label(uow.session, unit), status=status_word(deal.status))
            )
        uow.apply_changes(deal, {"buyer_name": name})
        uow.session.add(
            StatusChange(
                unit_id=unit.id,
                deal_id=deal.id,
                from_status=unit.status,
                to_status=unit.status,
                at=ctx.now(),
                actor_id=ctx.actor.id,
                reason=f"buyer -> {name}: {reason.strip()}"[:200],
            )
        )
        return detached(deal)

    return write(ctx, work)


# -- reads --------------------------------------------------------------------------------


def history(ctx: Context, unit_id: int) -> list[StatusChange]:
    with ctx.reading() as session:
        return list(
            session.scalars(
                sa.select(StatusChange)
                .where(StatusChange.unit_id == unit_id)
                .order_by(StatusChange.id)
            )
        )


def counts(ctx: Context, building_id: int) -> dict[str, int]:
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(Unit.status, sa.func.count())
            .where(Unit.building_id == building_id)
            .group_by(Unit.status)
        ).all()
    return {str(s): int(n) for s, n in rows}
