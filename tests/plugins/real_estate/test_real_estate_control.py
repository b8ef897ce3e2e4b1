"""Sales control: allowed and refused status moves, cancellations and buyer changes
recorded, and no unit sold twice when two agents act at the same moment."""

from __future__ import annotations

import contextlib
import threading
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import Conflict, PermissionDenied, SalesdeskError, ValidationFailed
from plugins.real_estate.models import Deal, StatusChange, Unit
from plugins.real_estate.services import control, payments
from plugins.real_estate.services.common import Refused

D = Decimal


def status(estate: Any, no: str) -> str:
    with estate.world.runtime.db.read_session() as session:
        return session.get(Unit, estate.unit(no)).status


def test_the_whole_way_from_available_to_sold(estate: Any) -> None:
    unit = estate.unit("201")
    deal = control.reserve(estate.control, unit, "张伟", "13800000000")
    assert (deal.price, deal.unit_price, deal.contracted_area) == (
        D("1050600.00"),
        D("10506.00"),
        D("100.00"),
    )
    control.subscribe(estate.control, unit)
    signed = control.sign(estate.control, unit)
    assert signed.contract_no == "GF2600001" and status(estate, "201") == "signed"
    with pytest.raises(Refused, match="fully paid"):
        control.complete_sale(estate.control, unit)
    payments.record_payment(estate.finance, deal.id, "down_payment", "1050600.00")
    sold = control.complete_sale(estate.control, unit)
    assert sold.sold_on is not None and status(estate, "201") == "sold"
    with estate.world.runtime.db.read_session() as session:
        moves = [
            (c.from_status, c.to_status, c.deal_id)
            for c in session.scalars(
                sa.select(StatusChange)
                .where(StatusChange.unit_id == unit)
                .order_by(StatusChange.id)
            )
        ]
    assert moves == [
        ("available", "reserved", deal.id),
        ("reserved", "subscribed", deal.id),
        ("subscribed", "signed", deal.id),
        ("signed", "sold", deal.id),
    ]


REFUSED = [  # (unit, its status, the refused step, the message)
    ("101", "available", "subscribe", "no deal"),
    ("101", "available", "sign", "no deal"),
    ("102", "reserved", "reserve", "is reserved: it cannot become reserved"),
    ("102", "reserved", "sign", "is reserved: it cannot become signed"),
    ("201", "subscribed", "hold", "is subscribed: it cannot become held"),
    ("202", "held", "reserve", "is held: it cannot become reserved"),
    ("202", "held", "sign", "is held and has no deal"),
    ("102", "reserved", "release", "is reserved: it cannot become available"),
]


def test_refused_moves_change_nothing(estate: Any) -> None:
    c = estate.control
    control.reserve(c, estate.unit("102"), "Buyer")
    control.reserve(c, estate.unit("201"), "Buyer", subscribe=True)
    control.hold(c, estate.unit("202"), "for the boss")
    steps = {
        "reserve": lambda u: control.reserve(c, u, "Buyer"),
        "subscribe": lambda u: control.subscribe(c, u),
        "sign": lambda u: control.sign(c, u),
        "hold": lambda u: control.hold(c, u),
        "release": lambda u: control.release(c, u),
    }
    for no, before, step, message in REFUSED:
        assert status(estate, no) == before
        with pytest.raises(Refused, match=message):
            steps[step](estate.unit(no))
        assert status(estate, no) == before, (no, step)
    control.sign(c, estate.unit("201"))
    with pytest.raises(Refused, match="is signed: it cannot become subscribed"):
        control.subscribe(c, estate.unit("201"))
    with pytest.raises(Refused, match="fully paid"):
        control.complete_sale(c, estate.unit("201"))
    assert status(estate, "201") == "signed"


def test_hold_release_and_walk_in_subscription(estate: Any) -> None:
    unit = estate.unit("102")
    control.hold(estate.control, unit, "show flat")
    control.release(estate.control, unit)
    deal = control.reserve(estate.control, unit, "王芳", subscribe=True)
    assert deal.subscribed_on is not None and status(estate, "102") == "subscribed"


def test_cancel_needs_a_reason_and_frees_the_unit(estate: Any) -> None:
    unit = estate.unit("202")
    first = control.reserve(estate.control, unit, "李娜")
    with pytest.raises(ValidationFailed):
        control.cancel(estate.control, unit, "  ")
    cancelled = control.cancel(estate.control, unit, "buyer changed their mind")
    assert cancelled.status == "cancelled" and status(estate, "202") == "available"
    second = control.reserve(estate.control2, unit, "刘洋")
    assert second.id != first.id
    with pytest.raises(Refused):
        control.cancel(estate.control, estate.unit("101"), "no deal there")


def test_buyer_change_is_recorded(estate: Any) -> None:
    deal = control.reserve(estate.control, estate.unit("101"), "Old Name")
    changed = control.change_buyer(estate.control, deal.id, "New Name", "transfer to spouse")
    assert changed.buyer_name == "New Name"
    history = control.history(estate.control, estate.unit("101"))
    assert history[-1].reason.startswith("buyer -> New Name")


def test_only_sales_control_moves_units(estate: Any) -> None:
    for who in (estate.finance, estate.operator, estate.world.user("rep", "sales_rep")):
        with pytest.raises(PermissionDenied):
            control.reserve(who, estate.unit("101"), "Buyer")


def test_a_stale_screen_cannot_move_a_unit(estate: Any) -> None:
    unit = estate.unit("101")
    with estate.world.runtime.db.read_session() as session:
        seen = session.get(Unit, unit).version
    control.hold(estate.control2, unit)
    control.release(estate.control2, unit)  # available again, but changed meanwhile
    with pytest.raises(Conflict, match=r"(?i)This unit was changed by ctl2"):
        control.reserve(estate.control, unit, "Buyer", version=seen)


def test_no_double_sale_when_two_agents_reserve_at_once(
    estate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both agents read the unit as available (each waits up to 1 s for the other to have
    read it too), then both try to take it: exactly one UPDATE matches."""
    unit = estate.unit("201")
    start = threading.Barrier(2, timeout=30)
    both_read = threading.Barrier(2)
    label = control.unit_label

    def label_then_wait(session: Any, row: Any) -> str:
        with contextlib.suppress(threading.BrokenBarrierError):  # SQLite: writers queue
            both_read.wait(timeout=1)
        return label(session, row)

    monkeypatch.setattr(control, "unit_label", label_then_wait)
    outcomes: dict[str, Any] = {}

    def agent(name: str, ctx: Any) -> None:
        start.wait()
        try:
            outcomes[name] = control.reserve(ctx, unit, f"buyer of {name}")
        except SalesdeskError as exc:
            outcomes[name] = exc

    threads = [
        threading.Thread(target=agent, args=(n, c))
        for n, c in (("ctl", estate.control), ("ctl2", estate.control2))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    deals = [o for o in outcomes.values() if isinstance(o, Deal)]
    losers = [o for o in outcomes.values() if not isinstance(o, Deal)]
    assert len(deals) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], Conflict | Refused)
    with estate.world.runtime.db.read_session() as session:
        active = session.scalar(
            sa.select(sa.func.count())
            .select_from(Deal)
            .where(Deal.unit_id == unit, Deal.status == "active")
        )
    assert active == 1 and status(estate, "201") == "reserved"


def test_no_double_sale_across_many_attempts(estate: Any) -> None:
    """Four agents race for the same two units, again and again; never two deals."""
    agents = [
        estate.control,
        estate.control2,
        estate.world.user("ctl3", "re_sales_control"),
        estate.world.user("ctl4", "re_sales_control"),
    ]
    targets = [estate.unit("101"), estate.unit("102")]
    start = threading.Barrier(len(agents), timeout=30)
    wins: list[tuple[int, int]] = []

    def agent(ctx: Any) -> None:
        start.wait()
        for unit in targets:
            with contextlib.suppress(Conflict, Refused):
                wins.append((unit, control.reserve(ctx, unit, ctx.actor.login).id))

    threads = [threading.Thread(target=agent, args=(c,)) for c in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(u for u, _d in wins) == sorted(targets)
