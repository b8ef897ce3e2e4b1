"""Master data and prices take effect only after a second person, a senior marketing
manager, signs them off; both people are recorded. Imports are all-or-nothing and name the
sheet, row and column of every bad cell."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from re_helpers import make_estate, unit_rows

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry
from plugins.real_estate.models import Change, PriceList, Unit
from plugins.real_estate.services import masterdata, prices
from plugins.real_estate.services.common import Refused

D = Decimal


def count_units(world: Any) -> int:
    with world.runtime.db.read_session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Unit))


def test_submitted_units_wait_for_the_second_person(salesdesk_world: Any) -> None:
    operator = salesdesk_world.user("op", "business_operator")
    senior = salesdesk_world.user("senior", "re_senior_marketing")
    change = masterdata.submit_units(operator, unit_rows(), "initial data")
    assert count_units(salesdesk_world) == 0  # nothing applied yet
    with pytest.raises(PermissionDenied):
        masterdata.approve_change(operator, change.id)  # no sign-off right
    approved = masterdata.approve_change(senior, change.id, change.version, note="checked")
    assert count_units(salesdesk_world) == 4
    assert approved.submitted_by == operator.actor.id
    assert approved.decided_by == senior.actor.id and approved.status == "approved"
    with salesdesk_world.runtime.db.read_session() as session:
        actors = set(
            session.scalars(
                sa.select(AuditEntry.actor_login).where(
                    AuditEntry.entity == "real_estate_change",
                    AuditEntry.entity_id == str(change.id),
                )
            )
        )
    assert actors == {"op", "senior"}
    with pytest.raises(Refused):
        masterdata.approve_change(senior, change.id)  # already decided


def test_the_submitter_cannot_sign_off_even_holding_both_roles(salesdesk_world: Any) -> None:
    both = salesdesk_world.user("both", ["business_operator", "re_senior_marketing"])
    change = masterdata.submit_units(both, unit_rows())
    with pytest.raises(PermissionDenied, match="second person"):
        masterdata.approve_change(both, change.id)
    assert count_units(salesdesk_world) == 0


def test_rejected_change_writes_no_unit(salesdesk_world: Any) -> None:
    change = masterdata.submit_units(salesdesk_world.user("op", "business_operator"), unit_rows())
    rejected = masterdata.reject_change(
        salesdesk_world.user("senior", "re_senior_marketing"), change.id, note="wrong areas"
    )
    assert rejected.status == "rejected" and count_units(salesdesk_world) == 0


def test_a_sales_rep_may_not_enter_master_data(salesdesk_world: Any) -> None:
    with pytest.raises(PermissionDenied):
        masterdata.submit_units(salesdesk_world.user("rep", "sales_rep"), unit_rows())


def test_bad_rows_are_all_named_and_nothing_is_submitted(salesdesk_world: Any) -> None:
    rows = unit_rows()
    rows[1]["building_area"] = "81.00"  # suite 65 + shared 15.5 = 80.5
    rows[2]["floor"] = "two"
    rows[3]["unit_no"] = "101"  # duplicate of row 1
    with pytest.raises(ValidationFailed) as err:
        masterdata.submit_units(salesdesk_world.user("op", "business_operator"), rows)
    text = str(err.value)
    assert "row 2" in text and "the suite area + shared area (80.50)" in text
    assert "row 3, column 'Floor'" in text
    assert "row 4, column 'Unit number'" in text and "row 1" in text
    assert "_area" not in text and "unit_no" not in text
    with salesdesk_world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Change)) == 0


def write_workbook(path: Path, rows: list[dict[str, Any]], headers_zh: bool = True) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "A1栋"
    zh = {v: k for k, v in masterdata.HEADERS.items()}
    fields = list(rows[0])
    sheet.append([zh.get(f, f) if headers_zh else f for f in fields])
    for row in rows:
        sheet.append([row[f] for f in fields])
    book.save(path)
    return path


def test_import_from_xlsx_is_one_change(salesdesk_world: Any, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "units.xlsx", unit_rows())
    change = masterdata.import_units(salesdesk_world.user("op", "business_operator"), path)
    assert change.kind == "import" and len(change.payload["units"]) == 4
    masterdata.approve_change(salesdesk_world.user("senior", "re_senior_marketing"), change.id)
    with salesdesk_world.runtime.db.read_session() as session:
        unit = session.scalars(sa.select(Unit).where(Unit.unit_no == "102")).one()
    assert (unit.building_area, unit.suite_area, unit.shared_area) == (
        D("80.50"),
        D("65.00"),
        D("15.50"),
    )
    assert unit.total_price == D("724500.00")  # 9000 x 80.50, computed when left empty


def test_import_errors_name_sheet_row_and_column(salesdesk_world: Any, tmp_path: Path) -> None:
    rows = unit_rows()
    rows[2]["building_area"] = "-1"
    path = write_workbook(tmp_path / "bad.xlsx", rows)
    with pytest.raises(ValidationFailed) as err:
        masterdata.import_units(salesdesk_world.user("op", "business_operator"), path)
    assert "row 4, column 'A1栋!建筑面积'" in str(err.value)  # header is row 1, as typed
    with salesdesk_world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Change)) == 0


def test_price_changes_take_effect_only_when_signed_off(salesdesk_world: Any) -> None:
    estate = make_estate(salesdesk_world)  # list 1 published with the hand-checked prices
    prices.set_base_price(estate.operator, estate.building_id, "11000")
    second = prices.submit_price_list(estate.operator, estate.building_id)
    with salesdesk_world.runtime.db.read_session() as session:
        unit = session.get(Unit, estate.unit("201"))
    assert unit.unit_price == D("10506.00")  # still list 1
    with pytest.raises(Refused, match="still waiting"):
        prices.submit_price_list(estate.operator, estate.building_id)
    prices.approve_price_list(estate.senior, second.id, second.version)
    with salesdesk_world.runtime.db.read_session() as session:
        unit = session.get(Unit, estate.unit("201"))
        lists = {p.number: p.status for p in session.scalars(sa.select(PriceList))}
    assert unit.unit_price == D("11536.00")  # (11000 + 200) x 1.03
    assert lists == {1: "superseded", 2: "published"}


def test_price_list_submitter_cannot_approve_it(salesdesk_world: Any) -> None:
    estate = make_estate(salesdesk_world, published=False)
    both = salesdesk_world.user("both", ["business_operator", "re_senior_marketing"])
    plist = prices.submit_price_list(both, estate.building_id)
    with pytest.raises(PermissionDenied, match="second person"):
        prices.approve_price_list(both, plist.id)
    prices.approve_price_list(estate.senior, plist.id)


def test_two_managers_signing_off_at_once_apply_the_change_once(
    salesdesk_world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each manager waits (up to 1 s) after finding the change pending for the other to
    find it too; the row lock makes the second see the first one's approval."""
    import contextlib
    import threading

    from core.errors import SalesdeskError

    both_read = threading.Barrier(2)
    check = masterdata.second_person

    def check_then_wait(*args: Any) -> None:
        check(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=1)

    monkeypatch.setattr(masterdata, "second_person", check_then_wait)
    change = masterdata.submit_units(salesdesk_world.user("op", "business_operator"), unit_rows())
    seniors = [salesdesk_world.user(f"senior{i}", "re_senior_marketing") for i in range(2)]
    start = threading.Barrier(2, timeout=30)
    results: list[Any] = []

    def approve(ctx: Any) -> None:
        start.wait()
        try:
            results.append(masterdata.approve_change(ctx, change.id))
        except SalesdeskError as exc:
            results.append(exc)

    threads = [threading.Thread(target=approve, args=(s,)) for s in seniors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(isinstance(r, Change) for r in results) == 1, results
    (loser,) = [r for r in results if not isinstance(r, Change)]
    assert isinstance(loser, Refused) and "already approved" in str(loser)
    assert count_units(salesdesk_world) == 4


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        (
            "en",
            [
                "row 3, column 'Floor': got 'two'",
                "row 1, column 'A1栋!D1': got 'Colour', expected one of the columns Project, ",
                "Building area, Suite area, Shared area, Unit price, Total price",
            ],
        ),
        (
            "zh_CN",
            [
                "第 3 行 楼层 列：填的是 'two'",
                "第 1 行 A1栋!D1 列：填的是 'Colour'，应为 以下列之一：项目, ",
                "建筑面积, 套内面积, 公摊面积, 单价, 总价",
            ],
        ),
    ],
)
def test_unit_rows_and_workbooks_are_refused_in_business_words(
    salesdesk_world: Any, tmp_path: Path, lang: str, wanted: list[str]
) -> None:
    """Rows typed or imported name their columns as the form labels them or as the file
    heads them, and an unknown header lists the headers that are known, never the code's
    attribute names (floor, unit_no, building_area)."""
    from core.i18n import set_lang

    rows = unit_rows()
    rows[2]["floor"] = "two"
    import openpyxl

    book = write_workbook(tmp_path / "odd.xlsx", unit_rows())
    sheets = openpyxl.load_workbook(book)
    sheets.active["D1"] = "Colour"  # was the building's name
    sheets.save(book)
    operator = salesdesk_world.user("op", "business_operator")
    set_lang(lang)
    try:
        with pytest.raises(ValidationFailed) as typed:
            masterdata.submit_units(operator, rows)
        with pytest.raises(ValidationFailed) as imported:
            masterdata.import_units(operator, book)
        text = str(typed.value) + "\n" + str(imported.value)
    finally:
        set_lang(None)
    for line in wanted:
        assert line in text, text
    for code in ("floor", "unit_no", "building_area", "suite_area", "total_price"):
        assert code not in text, text
