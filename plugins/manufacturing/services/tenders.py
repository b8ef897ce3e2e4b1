"""Engineering tenders (工程投标), project registrations (项目立项单) and stock receipts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from core.context import Context
from core.models import Customer, Opportunity, OpportunityStatus, Product
from core.schemas import QUANTITY_MAX
from core.services.base import UnitOfWork, validate, write
from plugins.manufacturing.models import Project, Stock, Tender, TenderResult
from plugins.manufacturing.schemas import (
    ProjectIn,
    StockReceiptIn,
    TenderIn,
    TenderResultIn,
)
from plugins.manufacturing.services.common import (
    P_SHIP,
    P_TENDER,
    allocate_number,
    office_for,
    problem,
)

ENGINEERING = "engineering"
NEGOTIATION = "negotiation"


def create_tender(ctx: Context, data: TenderIn | dict[str, Any]) -> Tender:
    values = validate(TenderIn, data, "tender")

    def work(uow: UnitOfWork) -> Tender:
        uow.require(P_TENDER)
        uow.get(Customer, values.customer_id)
        uow.require_record(Customer, values.customer_id)
        if values.opportunity_id is not None:
            opp = uow.get(Opportunity, values.opportunity_id)
            if opp.customer_id != values.customer_id:
                raise problem(
                    "opportunity_id", values.opportunity_id, "a deal of the same customer", "tender"
                )
        office = office_for(uow.session, values.office)
        number = allocate_number(uow, "tender", office, ctx.today())
        tender = Tender(
            number=number,
            **values.model_dump(exclude={"office"}),
            owner_id=ctx.actor.id,
            created_at=ctx.now(),
        )
        uow.session.add(tender)
        uow.audit_created(tender)
        return tender

    return write(ctx, work)


def decide_tender(
    ctx: Context,
    tender_id: int,
    data: TenderResultIn | dict[str, Any],
    expected_version: int | None = None,
) -> Tender:
    """Record the outcome. A lost or withdrawn tender needs a reason. Afterwards the
    linked engineering deal follows: won -> business negotiation, lost -> lost."""
    values = validate(TenderResultIn, data, "tender result")
    if values.result != TenderResult.WON and not values.reason:
        raise problem("reason", "", "why the tender was lost or withdrawn", "tender result")

    def work(uow: UnitOfWork) -> Tender:
        uow.require(P_TENDER)
        tender = uow.get(Tender, tender_id)
        uow.require_record(Customer, tender.customer_id)
        uow.check_version(tender, expected_version)
        if tender.result != TenderResult.OPEN:
            raise problem(
                "result",
                tender.result,
                "an open tender (decided tenders stay as they were decided)",
                f"tender {tender.number}",
            )
        uow.apply_changes(
            tender,
            {"result": values.result, "reason": values.reason, "decided_on": ctx.today()},
            action="decide",
        )
        return tender

    tender = write(ctx, work)
    _follow_deal(ctx, tender)
    return tender


def _follow_deal(ctx: Context, tender: Tender) -> None:
    """Move the linked deal of the engineering funnel (its own audited write)."""
    from core.services import opportunities

    if tender.opportunity_id is None:
        return
    with ctx.reading() as session:
        opp = session.get(Opportunity, tender.opportunity_id)
    if opp is None or opp.status != OpportunityStatus.OPEN or opp.funnel != ENGINEERING:
        return
    if tender.result == TenderResult.WON and opp.stage != NEGOTIATION:
        opportunities.move_stage(ctx, opp.id, NEGOTIATION)
    elif tender.result == TenderResult.LOST:
        opportunities.lose(ctx, opp.id, f"tender {tender.number} lost: {tender.reason}")


def register_project(ctx: Context, data: ProjectIn | dict[str, Any]) -> Project:
    """项目立项单: takes the next quote number, which the project's first quote carries."""
    values = validate(ProjectIn, data, "project")

    def work(uow: UnitOfWork) -> Project:
        uow.require(P_TENDER)
        uow.get(Customer, values.customer_id)
        uow.require_record(Customer, values.customer_id)
        if (
            values.tender_id is not None
            and uow.get(Tender, values.tender_id).customer_id != values.customer_id
        ):
            raise problem("tender_id", values.tender_id, "a tender of the same customer", "project")
        on = values.registered_on or ctx.today()
        office = office_for(uow.session, values.office)
        project = Project(
            number=allocate_number(uow, "quote", office, on),
            office=office,
            registered_on=on,
            owner_id=ctx.actor.id,
            created_at=ctx.now(),
            **values.model_dump(exclude={"registered_on", "office"}),
        )
        uow.session.add(project)
        uow.audit_created(project)
        return project

    return write(ctx, work)


def receive_stock(ctx: Context, product_id: int, quantity: Decimal | str) -> Stock:
    """Production finished ``quantity`` of a product: stock on hand goes up."""
    values = validate(StockReceiptIn, {"product_id": product_id, "quantity": quantity}, "stock")

    def work(uow: UnitOfWork) -> Stock:
        uow.require(P_SHIP)
        uow.get(Product, product_id)
        stock = uow.session.get(Stock, product_id, with_for_update=True)
        if stock is None:
            # The first receipt of a product: two at once must both add to one row,
            # so insert-if-absent, then lock the row whoever inserted it.
            insert = (
                postgresql.insert
                if uow.session.get_bind().dialect.name == "postgresql"
                else sqlite.insert
            )
            uow.session.execute(
                insert(Stock.__table__)
                .values(  # type: ignore[attr-defined]
                    product_id=product_id, on_hand=Decimal("0"), version=1
                )
                .on_conflict_do_nothing()
            )
            stock = uow.session.get(Stock, product_id, with_for_update=True, populate_existing=True)
        on_hand = stock.on_hand + values.quantity
        if on_hand > QUANTITY_MAX:
            raise problem(
                "quantity",
                format(values.quantity, "f"),
                "at most {more} more (the most stock a product can hold)",
                "stock",
                more=format(QUANTITY_MAX - stock.on_hand, "f"),
            )
        uow.apply_changes(stock, {"on_hand": on_hand}, action="stock")
        return stock

    return write(ctx, work)
