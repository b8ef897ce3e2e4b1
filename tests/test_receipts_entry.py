"""Receipts (收款) entered by hand or imported carry how the money came (bank transfer,
acceptance bill, cash, ...); a typed receipt is checked field by field before anything
is written (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import ValidationFailed
from core.models import Receipt
from core.services.importing import import_file
from core.services.receipts import prepare_receipt, record_draft, record_receipt

DAY = dt.date(2026, 3, 10)


def saved(ctx: Any) -> list[tuple[Decimal, str]]:
    with ctx.reading() as session:
        return [
            (r.amount, r.method) for r in session.scalars(sa.select(Receipt).order_by(Receipt.id))
        ]


def test_method_is_kept_and_an_unknown_one_refused(world: Any) -> None:
    finance = world.user("qian", "finance")
    customer = world.customer(code="C00001")
    record_receipt(finance, customer.id, DAY, "100.00", method="bill")
    with pytest.raises(ValidationFailed) as info:
        record_receipt(finance, customer.id, DAY, "100.00", method="paypal")
    assert [p.field for p in info.value.problems] == ["method"]
    assert saved(finance) == [(Decimal("100.00"), "bill")]


def test_a_typed_receipt_lists_every_problem_and_writes_nothing(world: Any) -> None:
    finance = world.user("qian", "finance")
    world.customer(code="C00001")
    with pytest.raises(ValidationFailed) as info:
        prepare_receipt(
            finance,
            {"customer_code": "NOPE", "date": "2026-02-30", "amount": "-5", "method": "transfer"},
        )
    assert {p.field for p in info.value.problems} == {"customer_code", "date", "amount"}
    draft = prepare_receipt(
        finance,
        {
            "customer_code": "C00001",
            "date": "2026-03-10",
            "amount": "88.80",
            "method": "cash",
            "reference": "XS-7",
        },
    )
    assert saved(finance) == []
    record_draft(finance, draft)
    assert saved(finance) == [(Decimal("88.80"), "cash")]


def test_a_rep_may_not_see_or_pay_another_reps_customer(world: Any) -> None:
    rep = world.user("li", "sales_rep")
    other = world.user("zhao", "sales_rep")
    world.customer(code="C00002", owner=other)
    with pytest.raises(ValidationFailed) as info:
        prepare_receipt(rep, {"customer_code": "C00002", "amount": "1"})
    assert [p.field for p in info.value.problems] == ["customer_code"]


def test_imported_receipts_take_the_method_by_name(world: Any, tmp_path: Path) -> None:
    finance = world.user("qian", "finance")
    world.customer(code="C00001")
    path = tmp_path / "receipts.csv"
    rows = [
        "2026-03-10,C00001,500.00,承兑汇票",
        "2026-03-11,C00001,70.25,Bank transfer",
        "2026-03-12,C00001,1.00,",
    ]
    path.write_text("date,customer_code,amount,method\n" + "\n".join(rows) + "\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "date,customer_code,amount,method\n" + rows[0] + "\n2026-03-11,C00001,9.00,paypal\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as info:
        import_file(finance, "receipts", bad)
    assert [(p.row, p.field) for p in info.value.problems] == [(3, "method")]
    assert saved(finance) == []
    import_file(finance, "receipts", path)
    assert saved(finance) == [
        (Decimal("500.00"), "bill"),
        (Decimal("70.25"), "transfer"),
        (Decimal("1.00"), ""),
    ]


def test_cli_receipts_add_and_list(
    world: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    world.user("qian", "finance")
    world.user("li", "sales_rep")
    world.customer(code="C00001")
    runner = CliRunner()

    def run(login: str, *args: str, code: int = 0) -> str:
        monkeypatch.setattr("core.runtime.os_login", lambda: login)
        result = runner.invoke(cli, ["--database", db_url, "receipts", *args])
        assert result.exit_code == code, result.output
        return result.output

    assert "may not" in run("li", "add", "C00001", "10.00", code=1)
    run(
        "qian",
        "add",
        "C00001",
        "1234.50",
        "--date",
        "2026-03-10",
        "--method",
        "承兑汇票",
        "--reference",
        "INV-9",
    )
    assert "2026-03-10" in run("qian", "list", "--customer", "C00001")
    run("qian", "add", "C00001", "5", "--method", "paypal", code=2)
    assert saved(world.admin) == [(Decimal("1234.50"), "bill")]
