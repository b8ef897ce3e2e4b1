"""Reads for the screens: buildings, the unit grid of a building with each unit's deal."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from core.context import Context
from plugins.real_estate.models import Building, Deal, DealStatus, Project, Unit
from plugins.real_estate.services.common import require_finance_reader
from plugins.real_estate.services.payments import Balance, balance


@dataclass(frozen=True)
class BoardUnit:
    id: int
    unit_no: str
    floor: int
    status: str
    version: int
    layout: str
    orientation: str
    building_area: Decimal
    unit_price: Decimal
    total_price: Decimal
    deal_id: int | None
    buyer: str


def buildings(ctx: Context) -> list[tuple[int, str]]:
    """(id, "PROJECT/BUILDING name") of every building."""
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(Building.id, Project.code, Building.code, Building.name)
            .join(Project, Project.id == Building.project_id)
            .order_by(Project.code, Building.code)
        ).all()
    return [(bid, f"{p}/{b} {name}".strip()) for bid, p, b, name in rows]


def board(ctx: Context, building_id: int) -> list[BoardUnit]:
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(Unit, Deal.id, Deal.buyer_name)
            .outerjoin(Deal, sa.and_(Deal.unit_id == Unit.id, Deal.status == DealStatus.ACTIVE))
            .where(Unit.building_id == building_id)
            .order_by(Unit.floor.desc(), Unit.unit_no)
        ).all()
    return [
        BoardUnit(
            u.id,
            u.unit_no,
            u.floor,
            u.status,
            u.version,
            u.layout,
            u.orientation,
            u.building_area,
            u.unit_price,
            u.total_price,
            deal_id,
            buyer or "",
        )
        for u, deal_id, buyer in rows
    ]


def deal_balance(ctx: Context, deal_id: int) -> Balance:
    """Due, received and outstanding on a deal: finance data (``may_read_finance``)."""
    require_finance_reader(ctx)
    with ctx.reading() as session:
        return balance(session, deal_id)


def projects(ctx: Context) -> list[tuple[int, str]]:
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(Project.id, Project.code, Project.name).order_by(Project.code)
        ).all()
    return [(pid, f"{code} {name}") for pid, code, name in rows]
