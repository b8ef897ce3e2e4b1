"""Payment plans, receipts, area settlement after the survey, move-in."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.errors import PermissionDenied, ValidationFailed
from plugins.real_estate.services import control, payments
from plugins.real_estate.services.common import Refused

D = Decimal


def signed_deal(estate: Any, no: str = "201") -> Any:
    unit = estate.unit(no)
    deal = control.reserve(estate.control, unit, "陈静", subscribe=True)
    control.sign(estate.control, unit, "HT-TEST-1")
    return deal


def test_plan_must_add_up_to_the_price(estate: Any) -> None:
    deal = signed_deal(estate)  # 1,050,600.00
    with pytest.raises(ValidationFailed, match=r"adding up to the price 1,050,600\.00"):
        payments.set_plan(
            estate.finance,
            deal.id,
            [{"kind": "deposit", "due_on": "2026-03-16", "amount": "50000"}],
        )
    with pytest.raises(ValidationFailed, match="row 2, column 'Payment kind'"):
        payments.set_plan(
            estate.finance,
            deal.id,
            [
                {"kind": "deposit", "due_on": "2026-03-16", "amount": "50000"},
                {"kind": "gift", "due_on": "2026-03-16", "amount": "1"},
            ],
        )
    plan = payments.set_plan(
        estate.finance,
        deal.id,
        [
            {"kind": "mortgage", "due_on": "2026-05-01", "amount": "735420.00"},
            {"kind": "deposit", "due_on": "2026-03-16", "amount": "50000"},
            {"kind": "down_payment", "due_on": "2026-04-01", "amount": "265180.00"},
        ],
    )
    assert [(i.seq, i.kind) for i in plan] == [(1, "deposit"), (2, "down_payment"), (3, "mortgage")]


def test_payments_never_exceed_what_is_owed(estate: Any) -> None:
    deal = signed_deal(estate)
    payments.record_payment(estate.finance, deal.id, "deposit", "50000", "2026-03-16")
    payments.record_payment(estate.finance, deal.id, "down_payment", "1000000.00")
    owed = payments.deal_balance(estate.finance, deal.id)
    assert (owed.paid, owed.outstanding) == (D("1050000.00"), D("600.00"))
    with pytest.raises(Refused, match=r"600\.00 still owed"):
        payments.record_payment(estate.finance, deal.id, "mortgage", "600.01")
    with pytest.raises(Refused, match="refund"):
        payments.record_payment(estate.finance, deal.id, "refund", "1")
    with pytest.raises(PermissionDenied):
        payments.record_payment(estate.control, deal.id, "deposit", "1")
    with pytest.raises(ValidationFailed):
        payments.record_payment(estate.finance, deal.id, "deposit", "-5")


def test_extra_area_is_owed_then_paid_then_move_in(estate: Any) -> None:
    deal = signed_deal(estate)  # 100.00 m2 at 10,506.00
    payments.record_payment(estate.finance, deal.id, "mortgage", "1050600.00")
    control.complete_sale(estate.control, estate.unit("201"))
    with pytest.raises(PermissionDenied):
        payments.settle(estate.finance, deal.id, "101.50")
    settled = payments.settle(estate.service, deal.id, "101.50", dt.date(2026, 9, 1))
    assert settled.amount == D("15759.00")  # 1.50 x 10506.00
    with pytest.raises(Refused, match="already settled"):
        payments.settle(estate.service, deal.id, "101.00")
    with pytest.raises(Refused, match=r"outstanding 15,759\.00"):
        payments.move_in(estate.service, deal.id)
    payments.record_payment(estate.finance, deal.id, "area", "15759.00")
    moved = payments.move_in(estate.service, deal.id, dt.date(2026, 10, 1))
    assert moved.moved_in_on == dt.date(2026, 10, 1)


def test_smaller_area_is_refunded_double_beyond_three_percent(estate: Any) -> None:
    deal = signed_deal(estate)
    payments.record_payment(estate.finance, deal.id, "mortgage", "1050600.00")
    preview = payments.preview_settlement(estate.service, deal.id, "95.00")
    settled = payments.settle(estate.service, deal.id, "95.00")
    assert preview.amount == settled.amount == D("-73542.00")
    owed = payments.deal_balance(estate.finance, deal.id)
    assert owed.outstanding == D("-73542.00")
    with pytest.raises(Refused):
        payments.record_payment(estate.finance, deal.id, "refund", "73542.01")
    payments.record_payment(estate.finance, deal.id, "refund", "73542.00")
    assert payments.deal_balance(estate.finance, deal.id).outstanding == 0


def test_area_is_settled_only_after_signing(estate: Any) -> None:
    deal = control.reserve(estate.control, estate.unit("101"), "Buyer")
    with pytest.raises(Refused, match="only after the contract is signed"):
        payments.settle(estate.service, deal.id, "100.00")


def test_standard_plan_leaves_the_rest_to_the_mortgage(estate: Any) -> None:
    deal = signed_deal(estate)  # 1,050,600.00
    plan = payments.standard_plan(estate.finance, deal.id, "50000", "265180", "2026-03-16")
    assert [(i.kind, i.due_on, i.amount) for i in plan] == [
        ("deposit", dt.date(2026, 3, 16), D("50000.00")),
        ("down_payment", dt.date(2026, 4, 15), D("265180.00")),
        ("mortgage", dt.date(2026, 6, 14), D("735420.00")),
    ]
    with pytest.raises(ValidationFailed, match="at most the price"):
        payments.standard_plan(estate.finance, deal.id, "50000", "1000601")


def test_money_of_a_cancelled_deal_is_refunded(estate: Any) -> None:
    deal = signed_deal(estate)
    payments.record_payment(estate.finance, deal.id, "deposit", "50000")
    control.cancel(estate.control, estate.unit("201"), "buyer's loan refused")
    with pytest.raises(Refused, match="takes no more payments"):
        payments.record_payment(estate.finance, deal.id, "down_payment", "1")
    with pytest.raises(Refused, match=r"50,000\.00 to pay back"):
        payments.record_payment(estate.finance, deal.id, "refund", "50000.01")
    payments.record_payment(estate.finance, deal.id, "refund", "50000")
    assert payments.deal_balance(estate.finance, deal.id).paid == 0


def test_two_cashiers_cannot_both_take_the_last_amount(
    estate: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each cashier's transaction waits (up to 1 s) after reading the balance for the other
    to read it too: without the row lock both would see 50,000.00 owed and both take it."""
    import threading

    from core.errors import SalesdeskError

    read_balance = payments.balance
    both_read = threading.Barrier(2)

    def balance_then_wait(session: Any, deal_id: int) -> Any:
        found = read_balance(session, deal_id)
        if threading.current_thread() is not threading.main_thread():
            # a broken barrier: the other cashier is held by the lock, as it should be
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=1)
        return found

    monkeypatch.setattr(payments, "balance", balance_then_wait)
    deal = signed_deal(estate)
    payments.record_payment(estate.finance, deal.id, "down_payment", "1000600.00")
    cashiers = [estate.finance, estate.world.user("fin2", "re_finance")]
    start = threading.Barrier(2, timeout=30)
    results: list[Any] = []

    def pay(ctx: Any) -> None:
        start.wait()
        try:
            results.append(payments.record_payment(ctx, deal.id, "mortgage", "50000"))
        except SalesdeskError as exc:
            results.append(exc)

    threads = [threading.Thread(target=pay, args=(c,)) for c in cashiers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(isinstance(r, Refused) for r in results) == 1, results
    assert payments.deal_balance(estate.finance, deal.id).outstanding == 0


def test_refusals_name_the_unit_in_the_readers_language(estate: Any) -> None:
    """The office knows units (A1-201), not deal ids; a Chinese screen reads Chinese."""
    from core.i18n import set_lang

    deal = signed_deal(estate)
    with pytest.raises(Refused) as over:
        payments.record_payment(estate.finance, deal.id, "deposit", "2000000")
    assert str(over.value) == "unit A1-201: 2,000,000.00 is more than the 1,050,600.00 still owed"
    set_lang("zh_CN")
    try:
        with pytest.raises(Refused) as over:
            payments.record_payment(estate.finance, deal.id, "deposit", "2000000")
        with pytest.raises(Refused) as early:
            control.complete_sale(estate.control, estate.unit("201"))
        control.reserve(estate.control, estate.unit("102"), "王芳")
        with pytest.raises(Refused) as skipped:
            control.sign(estate.control, estate.unit("102"))
    finally:
        set_lang(None)
    assert str(over.value) == "房间 A1-201：收款 2,000,000.00 超过尚欠金额 1,050,600.00"
    assert (
        str(early.value) == "房间 A1-201 应收 1,050,600.00，尚欠 1,050,600.00：房款收齐后才能售出"
    )
    assert str(skipped.value) == (
        "房间 A1-102 当前为「预留」，不能改为「签约」（只能从「认购」改为此状态）"
    )


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        (
            "en",
            [
                "row 1, column 'Due date': got 'soon', expected a date YYYY-MM-DD",
                "row 2, column 'Amount': got 'lots', expected a number",
                "row 3, column 'Payment kind': got 'gift', "
                "expected one of Deposit, Down payment, Instalment, Mortgage",
            ],
        ),
        (
            "zh_CN",
            [
                "第 1 行 到期日 列：填的是 'soon'，应为 YYYY-MM-DD 格式的日期",
                "第 2 行 金额 列：填的是 'lots'，应为 数字",
                "第 3 行 款项类别 列：填的是 'gift'，应为 以下之一：定金, 首付款, 分期款, 按揭款",
            ],
        ),
    ],
)
def test_instalment_refusals_name_columns_in_business_words(
    estate: Any, lang: str, wanted: list[str]
) -> None:
    """A refused instalment names its column as the office does (due date, 到期日), never
    the code's due_on, and its kinds as the payment form lists them."""
    from core.i18n import set_lang

    deal = signed_deal(estate)
    set_lang(lang)
    try:
        with pytest.raises(ValidationFailed) as err:
            payments.set_plan(
                estate.finance,
                deal.id,
                [
                    {"kind": "deposit", "due_on": "soon", "amount": "50000"},
                    {"kind": "mortgage", "due_on": "2026-05-01", "amount": "lots"},
                    {"kind": "gift", "due_on": "2026-05-01", "amount": "1"},
                ],
            )
        with pytest.raises(ValidationFailed) as none:
            payments.set_plan(estate.finance, deal.id, [])
        with pytest.raises(ValidationFailed) as short:
            payments.set_plan(
                estate.finance,
                deal.id,
                [{"kind": "deposit", "due_on": "2026-03-16", "amount": "50000"}],
            )
        with pytest.raises(ValidationFailed) as over:
            payments.standard_plan(estate.finance, deal.id, "50000", "1000601")
        with pytest.raises(ValidationFailed) as start:
            payments.standard_plan(estate.finance, deal.id, "50000", "1000", "March")
        text, everything = (
            str(err.value),
            "\n".join(str(e.value) for e in (err, none, short, over, start)),
        )  # read in the reader's language: a ValidationFailed words itself when shown
        none_text, short_text, over_text, start_text = (
            str(e.value) for e in (none, short, over, start)
        )
    finally:
        set_lang(None)
    for line in wanted:
        assert line in text
    for code in ("due_on", "down_payment", "Instalments", "'start'", "Start", "'kind'"):
        assert code not in everything
    if lang == "zh_CN":
        assert "付款计划" in none_text and "至少一期" in none_text
        assert "各期合计等于房价 1,050,600.00" in short_text
        assert "定金与首付款合计不超过房价 1,050,600.00" in over_text
        assert start_text.startswith("请更正：定金到期日：")
    else:
        assert "expected at least one instalment" in none_text
        assert "instalments adding up to the price 1,050,600.00" in short_text
        assert "deposit + down payment of at most the price 1,050,600.00" in over_text
        assert start_text.startswith("Please correct: Deposit due: ")


@pytest.mark.parametrize(
    ("lang", "kinds", "sources"),
    [
        (
            "en",
            "Payment kind: got 'gift', expected one of Deposit, Down payment, Instalment, "
            "Mortgage, Area, Refund",
            "Source: got 'radio', expected one of Newspaper, Web, Billboard, Referral, "
            "Passing, TV, Other",
        ),
        (
            "zh_CN",
            "款项类别：填的是 'gift'，应为 以下之一：定金, 首付款, 分期款, 按揭款, 面积, 退款",
            "来源：填的是 'radio'，应为 以下之一：报纸, 网络, 户外广告, 介绍, 路过, 电视, 其他",
        ),
    ],
)
def test_choices_are_listed_as_the_forms_offer_them(
    estate: Any, lang: str, kinds: str, sources: str
) -> None:
    """A refused payment kind or call source listed the codes (down_payment, tv); the
    refusal lists what the form's choices read, in the reader's language."""
    from core.i18n import set_lang
    from plugins.real_estate.services import calls

    deal = signed_deal(estate)
    set_lang(lang)
    try:
        with pytest.raises(ValidationFailed) as kind:
            payments.record_payment(estate.finance, deal.id, "gift", "1")
        with pytest.raises(ValidationFailed) as source:
            calls.log_call(
                estate.control, estate.project_id, {"source": "radio", "grade": "A", "phone": "139"}
            )
        kind_text, source_text = str(kind.value), str(source.value)
    finally:
        set_lang(None)
    assert kinds in kind_text, kind_text
    assert sources in source_text, source_text


def test_the_other_refusals_read_chinese_on_a_chinese_screen(estate: Any) -> None:
    """What a refusal expects was English under Chinese words ("应为 at most 2 decimals"),
    and fields without a form label read as code (buyer_name, key, percent)."""
    from core.i18n import set_lang
    from plugins.real_estate.services import calls, prices

    deal = signed_deal(estate)
    tries = [
        (
            lambda: payments.record_payment(estate.finance, deal.id, "deposit", "1.234"),
            "金额：填的是 '1.234'，应为 最多 2 位小数",
        ),
        (
            lambda: payments.settle(estate.service, deal.id, "100.123"),
            "实测面积：填的是 '100.123'，应为 最多 2 位小数的面积",
        ),
        (
            lambda: calls.log_call(
                estate.control, estate.project_id, {"source": "web", "grade": "Z"}
            ),
            "等级：填的是 'Z'，应为 A（热）、B（温）或 C（冷）",
        ),
        (
            lambda: calls.log_call(
                estate.control, estate.project_id, {"source": "web", "grade": "A"}
            ),
            "电话：填的是 空，应为 电话号码或来电人姓名",
        ),
        (
            lambda: control.reserve(estate.control, estate.unit("102"), " "),
            "客户：填的是 空，应为 客户姓名",
        ),
        (lambda: control.cancel(estate.control, estate.unit("201"), " "), "应为 取消成交的原因"),
        (
            lambda: prices.set_factor(estate.operator, estate.building_id, "height", "3", "100"),
            "系数：填的是 'height'，应为 以下之一：楼层, 朝向, 景观, 户型, 房间",
        ),
        (
            lambda: prices.set_factor(estate.operator, estate.building_id, "floor", " ", "100"),
            "适用于：填的是 ' '，应为 系数适用的楼层、朝向、景观、户型或房号",
        ),
        (
            lambda: prices.set_factor(
                estate.operator, estate.building_id, "floor", "3", "0", "0.9"
            ),
            "调整%：填的是 '0.9'，应为 -0.5 至 0.5 之间的小数（0.03 即 3%）",
        ),
    ]
    set_lang("zh_CN")
    try:
        said = []
        for attempt, _wanted in tries:
            with pytest.raises(ValidationFailed) as err:
                attempt()
            said.append(str(err.value))
    finally:
        set_lang(None)
    for text, (_attempt, wanted) in zip(said, tries, strict=True):
        assert wanted in text, text
