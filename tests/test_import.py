"""Imports of customers, products and sales lines (core.services.importing and the CLI).

Every test runs on SQLite and, when SALESDESK_TEST_PG_URL is set, on PostgreSQL (the
``world`` fixture of conftest.py is parametrized over both). Refused files must leave
every table exactly as it was: ``snapshot`` counts the rows before and after.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import PermissionDenied, SalesdeskError, ValidationFailed
from core.hookspecs import hookimpl
from core.models import (
    AuditEntry,
    Channel,
    Customer,
    ImportBatch,
    Product,
    Region,
    SalesLine,
)
from core.services.import_rows import LINE_AMOUNT_EXPECTED
from core.services.importing import (
    AlreadyImported,
    ImportCancelled,
    ImportRefused,
    import_file,
)

SALES_HEADER = "date,customer_code,product_code,rep_login,region_code,channel_code,quantity,amount"
CJK_NAME = "上海华东精密机械有限公司"


@pytest.fixture
def shop(world: Any) -> Any:
    """Region R1, channel CH1, products P1/P2, customers C1 (owned by rep1) and C2 (pool),
    and contexts: ``op`` (business operator), ``rep`` (sales rep), ``fin`` (finance)."""
    world.region("R1")
    world.region("R2")
    world.insert(Channel(code="CH1", name="Direct"))
    world.product(code="P1", price="10.00")
    world.product(code="P2", price="3.50")
    world.rep = world.user("rep1", "sales_rep", region="R1")
    world.op = world.user("op", "business_operator")
    world.fin = world.user("fin", "finance")
    world.c1 = world.customer(owner=world.rep, region="R1", code="C1")
    world.c2 = world.customer(region="R2", code="C2")
    return world


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def sales_file(tmp_path: Path, *lines: str, name: str = "sales.csv") -> Path:
    return write(tmp_path, "\n".join([SALES_HEADER, *lines]) + "\n", name)


def snapshot(world: Any) -> dict[str, int]:
    with world.runtime.db.read_session() as session:
        return {
            m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (SalesLine, Customer, Product, ImportBatch, AuditEntry)
        }


def refused(ctx: Any, kind: str, path: Path, **kw: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        import_file(ctx, kind, path, **kw)
    return info.value


def where(err: ValidationFailed) -> set[tuple[int | None, str, object]]:
    return {(p.row, p.field, p.value) for p in err.problems}


# -- good files ------------------------------------------------------------------------


class Listener:
    """A plugin that records the import event it receives."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, Any]] = []

    @hookimpl
    def salesdesk_sales_lines_imported(self, ctx: Any, batch: Any) -> None:
        self.batches.append((ctx.actor.login, batch))


def test_sales_lines_import_with_defaults_batch_audit_and_event(shop: Any, tmp_path: Path) -> None:
    listener = Listener()
    shop.runtime.plugins.register(listener, "import_listener")
    path = sales_file(
        tmp_path,
        "2026-01-05,C1,P1,,,CH1,２,２１．００",  # full-width digits
        "2026/03/07, C2 ,P2,rep1,R1,,1.5, 5.25 ",
        "",
    )
    before = snapshot(shop)
    result = import_file(shop.op, "sales-lines", path)
    assert (result.rows, result.first_date, result.last_date) == (
        2,
        dt.date(2026, 1, 5),
        dt.date(2026, 3, 7),
    )
    with shop.runtime.db.read_session() as session:
        lines = session.scalars(sa.select(SalesLine).order_by(SalesLine.date)).all()
        batch = session.get(ImportBatch, result.batch_id)
        audit = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.entity == "import_batch")
        ).all()
    first, second = lines
    # No rep/region in the file: the customer's owner and region.
    assert (first.customer_id, first.rep_id, first.region_id) == (
        shop.c1.id,
        shop.rep.actor.id,
        shop.c1.region_id,
    )
    assert (first.quantity, first.amount) == (Decimal("2"), Decimal("21.00"))
    assert (second.rep_id, second.region_id, second.channel_id) == (
        shop.rep.actor.id,
        shop.c1.region_id,
        None,
    )
    assert second.amount == Decimal("5.25") and second.quantity == Decimal("1.5")
    assert {line.batch_id for line in lines} == {batch.id}
    assert (batch.kind, batch.row_count, batch.file_name) == ("sales_lines", 2, "sales.csv")
    assert len(audit) == 1 and audit[0].actor_login == "op"
    after = snapshot(shop)
    assert after["AuditEntry"] - before["AuditEntry"] == 1  # one entry per batch, not per line
    assert [(login, b.id, b.row_count) for login, b in listener.batches] == [
        ("op", batch.id, 2)
    ]  # fired once, after commit, with the committed batch


def test_repeated_rows_are_stored_like_their_first_sight(shop: Any, tmp_path: Path) -> None:
    """A row whose cells were all seen before takes the plain-lookup path; it must store
    exactly what the full checks store, and an empty or padded optional cell, a new
    quantity or a bad amount after it must still get the full checks."""
    row = "2026-01-05,C2,P2,rep1,R1,CH1,3,7.50"
    path = sales_file(
        tmp_path,
        row,
        row,
        "2026-01-05,C2,P2,,R1,CH1,3,7.50",
        "2026-01-05,C2,P2,rep1, R2 ,CH1,4,7.50",
        row,
    )
    assert import_file(shop.op, "sales_lines", path).rows == 5
    with shop.runtime.db.read_session() as session:
        stored = session.execute(
            sa.select(
                SalesLine.date,
                SalesLine.customer_id,
                SalesLine.product_id,
                SalesLine.rep_id,
                SalesLine.region_id,
                SalesLine.channel_id,
                SalesLine.quantity,
                SalesLine.amount,
            ).order_by(SalesLine.id)
        ).all()
        r1, r2 = (
            session.scalar(sa.select(Region.id).where(Region.code == code)) for code in ("R1", "R2")
        )
        ch1 = session.scalar(sa.select(Channel.id).where(Channel.code == "CH1"))
    first = (
        dt.date(2026, 1, 5),
        shop.c2.id,
        stored[0][2],
        shop.rep.actor.id,
        r1,
        ch1,
        Decimal("3"),
        Decimal("7.50"),
    )
    assert (
        [tuple(line) for line in stored]
        == [
            first,
            first,
            (*first[:3], None, *first[4:]),  # C2 is in the pool: no owner
            (*first[:4], r2, ch1, Decimal("4"), Decimal("7.50")),
            first,
        ]
    )
    bad = sales_file(
        tmp_path, row, row, "2026-01-05,C2,P2,rep1,R1,CH1,3,7.505", row, name="bad.csv"
    )
    assert where(refused(shop.op, "sales_lines", bad)) == {(4, "amount", "7.505")}


def test_sales_summaries_follow_the_import(shop: Any, tmp_path: Path) -> None:
    summaries = pytest.importorskip("core.models_summary")
    path = sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,21.00", "2026-01-20,C1,P2,,,,1,4.00")
    import_file(shop.op, "sales_lines", path)
    with shop.runtime.db.read_session() as session:
        total = session.scalar(
            sa.select(sa.func.sum(summaries.SalesSumRepMonth.amount)).where(
                summaries.SalesSumRepMonth.month == dt.date(2026, 1, 1)
            )
        )
    assert Decimal(total) == Decimal("25.00")


def test_customers_and_products_with_cjk_text(shop: Any, tmp_path: Path) -> None:
    products = write(
        tmp_path,
        "\ufeffcode,name,category,unit,list_price,active\n"
        "P9,高速切削刀具,刀具,件,1280.50,是\nP10,Drill,,,,false\n",
        "products.csv",
    )
    customers = write(
        tmp_path,
        "code,name,industry,region_code,size,class,owner_login,notes\n"
        f"C9,{CJK_NAME},机械,R1,large,promising,rep1,展会客户\n"
        "C10,Acme,,,,,,\n",
        "customers.csv",
    )
    assert import_file(shop.op, "products", products).rows == 2
    assert import_file(shop.op, "customers", customers).rows == 2
    with shop.runtime.db.read_session() as session:
        p9 = session.scalars(sa.select(Product).where(Product.code == "P9")).one()
        p10 = session.scalars(sa.select(Product).where(Product.code == "P10")).one()
        c9 = session.scalars(sa.select(Customer).where(Customer.code == "C9")).one()
        c10 = session.scalars(sa.select(Customer).where(Customer.code == "C10")).one()
    assert (p9.name, p9.unit, p9.list_price, p9.active) == (
        "高速切削刀具",
        "件",
        Decimal("1280.50"),
        True,
    )
    assert (p10.unit, p10.active, p10.version) == ("pcs", False, 1)
    assert (c9.name, c9.notes, c9.owner_id, c9.customer_class) == (
        CJK_NAME,
        "展会客户",
        shop.rep.actor.id,
        "promising",
    )
    assert c9.pool_since is None and c10.owner_id is None and c10.pool_since is not None


def test_gbk_csv_is_read(shop: Any, tmp_path: Path) -> None:
    path = write(tmp_path, f"编码,名称\nC20,{CJK_NAME}\n", encoding="gbk")
    import_file(shop.op, "customers", path)
    with shop.runtime.db.read_session() as session:
        assert session.scalar(sa.select(Customer.name).where(Customer.code == "C20")) == CJK_NAME


def test_xlsx_sales_lines_and_row_numbers(shop: Any, tmp_path: Path) -> None:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "sales.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, SALES_HEADER.split(","))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_datetime(1, 0, dt.datetime(2026, 2, 1), date_format)
    sheet.write_row(1, 1, ["C1", "P1", "", "", "CH1", 3, 31.5])
    sheet.write_row(2, 0, ["2026-02-02", "C2", "P2", "", "", "", 1, 2])
    book.close()
    result = import_file(shop.op, "sales_lines", path)
    assert result.rows == 2
    with shop.runtime.db.read_session() as session:
        amounts = sorted(session.scalars(sa.select(SalesLine.amount)))
        days = sorted(session.scalars(sa.select(SalesLine.date)))
    assert amounts == [Decimal("2.00"), Decimal("31.50")]
    assert days == [dt.date(2026, 2, 1), dt.date(2026, 2, 2)]

    bad = tmp_path / "bad.xlsx"
    book = xlsxwriter.Workbook(str(bad))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, SALES_HEADER.split(","))
    sheet.write_row(1, 0, ["2026-02-03", "C1", "P1", "", "", "", 1, 5])
    sheet.write_row(2, 0, ["2026-02-03", "C1", "P1", "", "", "", 1, -5])
    book.close()
    before = snapshot(shop)
    assert where(refused(shop.op, "sales_lines", bad)) == {(3, "amount", "-5")}
    assert snapshot(shop) == before


# -- bad files: every problem reported, nothing written -------------------------------


BAD_SALES = {
    "wrong columns": (
        "date,customer_code,product_code,quantity,amout\n2026-01-05,C1,P1,1,2\n",
        {(1, "amout", "amout"), (1, "amount", None)},
    ),
    "bad dates": (
        f"{SALES_HEADER}\n2026-02-30,C1,P1,,,,1,2\nyesterday,C1,P1,,,,1,2\n"
        "2026-01-05,C1,P1,,,,1,2\n",
        {(2, "date", "2026-02-30"), (3, "date", "yesterday")},
    ),
    "negative amounts": (
        f"{SALES_HEADER}\n2026-01-05,C1,P1,,,,1,-2.00\n2026-01-05,C1,P1,,,,-1,2\n",
        {(2, "amount", "-2.00"), (3, "quantity", "-1")},
    ),
    "non-numeric": (
        f'{SALES_HEADER}\n2026-01-05,C1,P1,,,,one,2\n2026-01-05,C1,P1,,,,1,"1,200.00"\n'
        "2026-01-05,C1,P1,,,,1,1.005\n2026-01-05,C1,P1,,,,1,NaN\n",
        {
            (2, "quantity", "one"),
            (3, "amount", "1,200.00"),
            (4, "amount", "1.005"),
            (5, "amount", "NaN"),
        },
    ),
    "unknown codes": (
        f"{SALES_HEADER}\n2026-01-05,NOPE,P1,,,,1,2\n2026-01-05,C1,P404,ghost,R9,CH9,1,2\n",
        {
            (2, "customer_code", "NOPE"),
            (3, "product_code", "P404"),
            (3, "rep_login", "ghost"),
            (3, "region_code", "R9"),
            (3, "channel_code", "CH9"),
        },
    ),
    "extra cells": (
        f"{SALES_HEADER}\n2026-01-05,C1,P1,,,,1,2,surprise\n",
        {(2, "(row)", "9 cells")},
    ),
}


@pytest.mark.parametrize("case", list(BAD_SALES))
def test_bad_sales_files_report_every_row_and_write_nothing(
    shop: Any, tmp_path: Path, case: str
) -> None:
    text, expected = BAD_SALES[case]
    path = write(tmp_path, text)
    before = snapshot(shop)
    err = refused(shop.op, "sales_lines", path)
    assert where(err) == expected
    assert all(p.expected for p in err.problems)
    assert snapshot(shop) == before


def test_late_problem_rolls_back_lines_already_inserted(shop: Any, tmp_path: Path) -> None:
    good = [f"2026-01-{d:02d},C1,P1,,,,1,10.00" for d in range(1, 29)]
    path = sales_file(tmp_path, *good, "2026-01-29,C1,P1,,,,1,1.005")
    before = snapshot(shop)
    err = refused(shop.op, "sales_lines", path, chunk_rows=5)  # 5 chunks went in first
    assert where(err) == {(30, "amount", "1.005")}
    assert err.problems[0].expected == LINE_AMOUNT_EXPECTED
    assert snapshot(shop) == before
    assert "30" in str(err) and "nothing was imported" in str(err)


def test_duplicates_inside_file_and_against_database(shop: Any, tmp_path: Path) -> None:
    customers = write(tmp_path, "code,name\nC1,Again\nC30,New\nC30,Twice\n")
    products = write(tmp_path, "code,name\nP1,Again\nP30,New\nP30,Twice\n", "p.csv")
    before = snapshot(shop)
    err = refused(shop.op, "customers", customers)
    assert where(err) == {(2, "code", "C1"), (4, "code", "C30")}
    assert "row 3" in str(err)  # the duplicate names the first occurrence
    assert where(refused(shop.op, "products", products)) == {(2, "code", "P1"), (4, "code", "P30")}
    assert snapshot(shop) == before


def test_too_long_text_and_bad_choices_refused(shop: Any, tmp_path: Path) -> None:
    long_name = "长" * 201
    path = write(
        tmp_path,
        f"code,name,size,credit_limit,last_follow_up\n"
        f"C40,{long_name},huge,abc,2026-13-01\nC 41,,,,\n",
    )
    before = snapshot(shop)
    err = refused(shop.op, "customers", path)
    assert where(err) == {
        (2, "name", long_name),
        (2, "size", "huge"),
        (2, "credit_limit", "abc"),
        (2, "last_follow_up", "2026-13-01"),
        (3, "code", "C 41"),
        (3, "name", ""),
    }
    name_problem = next(p for p in err.problems if p.field == "name" and p.row == 2)
    assert name_problem.expected_text() == "at most 200 characters (got 201)"
    assert snapshot(shop) == before


def test_empty_and_headerless_files(shop: Any, tmp_path: Path) -> None:
    from core.errors import SalesdeskError

    with pytest.raises(SalesdeskError, match="empty"):
        import_file(shop.op, "sales_lines", write(tmp_path, ""))
    err = refused(shop.op, "products", write(tmp_path, "P1,Widget\n", "p.csv"))
    assert {(p.row, p.field) for p in err.problems} >= {(1, "code"), (1, "name")}


# -- modes, guards and rights ------------------------------------------------------------


def test_dry_run_validates_and_writes_nothing(shop: Any, tmp_path: Path) -> None:
    listener = Listener()
    shop.runtime.plugins.register(listener, "import_listener")
    path = sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,21.00")
    before = snapshot(shop)
    result = import_file(shop.op, "sales_lines", path, dry_run=True)
    assert (result.rows, result.dry_run, result.batch_id) == (1, True, None)
    assert snapshot(shop) == before
    bad = sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,x", name="bad.csv")
    assert where(refused(shop.op, "sales_lines", bad, dry_run=True)) == {(2, "amount", "x")}
    refused(shop.op, "sales_lines", bad)
    assert listener.batches == []  # no event without a committed batch
    assert import_file(shop.op, "sales_lines", path).rows == 1  # a dry run is no import


def test_same_file_twice_is_refused(shop: Any, tmp_path: Path) -> None:
    path = sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,21.00")
    import_file(shop.op, "sales_lines", path)
    before = snapshot(shop)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    for again in (path, copy):
        with pytest.raises(AlreadyImported, match="count it twice"):
            import_file(shop.op, "sales_lines", again)
    assert snapshot(shop) == before


@pytest.mark.parametrize(
    ("who", "kind"),
    [("rep", "sales_lines"), ("rep", "customers"), ("fin", "customers"), ("fin", "products")],
)
def test_permission_refused(shop: Any, tmp_path: Path, who: str, kind: str) -> None:
    path = write(
        tmp_path,
        "code,name\nX1,Thing\n"
        if kind != "sales_lines"
        else f"{SALES_HEADER}\n2026-01-05,C1,P1,,,,1,1\n",
    )
    before = snapshot(shop)
    with pytest.raises(PermissionDenied):
        import_file(getattr(shop, who), kind, path)
    assert snapshot(shop) == before


def test_finance_imports_sales_lines(shop: Any, tmp_path: Path) -> None:
    path = sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,21.00")
    assert import_file(shop.fin, "sales_lines", path).rows == 1


def test_cancel_and_progress(shop: Any, tmp_path: Path) -> None:
    path = sales_file(tmp_path, *[f"2026-01-{d:02d},C1,P1,,,,1,1" for d in range(1, 21)])
    seen: list[tuple[int, int | None]] = []
    import_file(
        shop.op,
        "sales_lines",
        path,
        dry_run=True,
        chunk_rows=5,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert [done for done, _ in seen] == [5, 10, 15, 20, 20] and seen[0][1] == 20
    cancel = threading.Event()

    def stop_after_first(done: int, total: int | None) -> None:
        cancel.set()

    before = snapshot(shop)
    with pytest.raises(ImportCancelled):
        import_file(
            shop.op, "sales_lines", path, chunk_rows=5, cancel=cancel, progress=stop_after_first
        )
    assert snapshot(shop) == before


def test_refused_error_counts_beyond_the_listed_problems(
    shop: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr("core.services.import_rows.MAX_LISTED_PROBLEMS", 3)
    path = sales_file(tmp_path, *["2026-01-05,C1,P1,,,,1,bad"] * 5)
    err = refused(shop.op, "sales_lines", path)
    assert isinstance(err, ImportRefused)
    assert (err.total, err.bad_rows, len(err.problems)) == (5, 5, 3)


# -- the command line ----------------------------------------------------------------------


def test_cli_import(shop: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    monkeypatch.setattr("core.runtime.os_login", lambda: "op")
    url = str(shop.runtime.db.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    good = sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,21.00")
    result = runner.invoke(
        cli, ["--database", url, "import", "sales-lines", str(good), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "checked 1 row of sales lines" in result.output
    assert "nothing was written" in result.output
    result = runner.invoke(cli, ["--database", url, "import", "sales-lines", str(good)])
    assert result.exit_code == 0 and "imported 1 row of sales lines" in result.output
    again = runner.invoke(cli, ["--database", url, "import", "sales-lines", str(good)])
    assert again.exit_code == 1 and "already imported" in again.stderr
    bad = sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,-1", "x,C1,P1,,,,1,1", name="bad.csv")
    result = runner.invoke(cli, ["--database", url, "import", "sales-lines", str(bad)])
    assert result.exit_code == 1
    assert "row 2, Amount (column 'amount' in the file): got '-1'" in result.stderr
    assert "row 3, Date (column 'date' in the file): got 'x'" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_customer_references_and_credit_rights(shop: Any, tmp_path: Path) -> None:
    shop.user("gone", "sales_rep", active=False)
    path = write(tmp_path, "code,name,region_code,owner_login\nC50,A,R404,rep1\nC51,B,R1,gone\n")
    before = snapshot(shop)
    err = refused(shop.op, "customers", path)
    assert where(err) == {(2, "region_code", "R404"), (3, "owner_login", "gone")}
    assert {p.expected for p in err.problems} == {
        "the code of an existing region",
        "the login of an active salesdesk user",
    }
    credit = write(tmp_path, "code,name,credit_limit\nC52,C,5000\n", "credit.csv")
    with pytest.raises(PermissionDenied, match="credit"):
        import_file(shop.op, "customers", credit)  # business operators may not set credit
    assert snapshot(shop) == before


def test_big_load_keeps_every_sales_line_index(shop: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """On SQLite a load bigger than the table drops and rebuilds the indexes; a refused
    load must leave them all in place too (DDL rolled back with the rows)."""
    monkeypatch.setattr("core.services.import_writes.REBUILD_MIN_ROWS", 2)

    def index_names() -> set[str]:
        return {ix["name"] for ix in sa.inspect(shop.runtime.db.engine).get_indexes("sales_line")}

    indexes = index_names()
    assert len(indexes) >= 4
    bad = sales_file(tmp_path, "2026-01-05,C1,P1,,,,1,1", "2026-01-06,C1,P1,,,,1,x", name="bad.csv")
    refused(shop.op, "sales_lines", bad)
    assert index_names() == indexes
    good = sales_file(tmp_path, *[f"2026-01-{d:02d},C1,P1,,,,1,1" for d in range(1, 11)])
    assert import_file(shop.op, "sales_lines", good).rows == 10
    assert index_names() == indexes


def test_import_skips_fk_checks_only_inside_its_transaction(
    shop: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Validated ids need no per-row FK lookups (a SQLite pragma inside the import's own
    transaction); any later transaction still refuses a dangling id, on both backends."""
    from core.services import importing

    sqlite = shop.runtime.db.is_sqlite
    inside: list[int] = []
    lookups = importing._sales_lookups

    def fk_pragma(session: Any) -> int:
        return session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar()

    def spy(session: Any) -> Any:
        inside.append(fk_pragma(session) if sqlite else 1)
        return lookups(session)

    monkeypatch.setattr(importing, "_sales_lookups", spy)
    import_file(shop.op, "sales_lines", sales_file(tmp_path, "2026-01-05,C1,P1,,,,1,1"))
    assert inside == ([0] if sqlite else [1])
    for session_of in (shop.runtime.db.write_session, shop.runtime.db.read_session):
        with session_of() as session, session.begin():
            assert not sqlite or fk_pragma(session) == 1
    dangling = {
        "date": dt.date(2026, 1, 5),
        "customer_id": 10**6,
        "product_id": 1,
        "quantity": Decimal(1),
        "amount": Decimal(1),
    }
    with (
        pytest.raises(sa.exc.IntegrityError),
        shop.runtime.db.write_session() as session,
        session.begin(),
    ):
        session.execute(sa.insert(SalesLine), [dangling])


def test_index_rebuild_sorts_in_a_small_cache_and_gives_it_back() -> None:
    """The rebuild's small sorting cache is set only around the index builds; the
    import's own (bigger) cache is back afterwards, also when a build fails."""
    from core.services.import_writes import SORT_CACHE_KIB, page_cache

    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA cache_size = -131072")
    with page_cache(conn, SORT_CACHE_KIB):
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -SORT_CACHE_KIB
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -131072
    with pytest.raises(sqlite3.OperationalError), page_cache(conn, SORT_CACHE_KIB):
        conn.execute("CREATE INDEX broken ON missing_table (x)")
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -131072


class ForeignKeyProbe:
    """A plugin whose import handler writes: it records whether its own write transaction
    checks foreign keys, and tries to add a contact to a customer that does not exist."""

    def __init__(self) -> None:
        self.checks: list[Any] = []
        self.orphan_refused: list[bool] = []

    @hookimpl
    def salesdesk_sales_lines_imported(self, ctx: Any, batch: Any) -> None:
        from core.models import Contact
        from core.services.base import write as write_unit

        def probe(uow: Any) -> Any:
            if uow.session.get_bind().dialect.name == "sqlite":
                return uow.session.execute(sa.text("PRAGMA foreign_keys")).scalar()
            return 1

        self.checks.append(write_unit(ctx, probe))
        try:
            write_unit(ctx, lambda uow: uow.session.add(Contact(customer_id=987654, name="ghost")))
            self.orphan_refused.append(False)
        except ValidationFailed:
            self.orphan_refused.append(True)


def test_import_event_handlers_write_with_foreign_keys_checked(shop: Any, tmp_path: Path) -> None:
    """#16.6: the import skips SQLite's foreign-key checks for its own transaction only;
    a handler of its event writes with them on again."""
    probe = ForeignKeyProbe()
    shop.runtime.plugins.register(probe, "fk_probe")
    import_file(shop.op, "sales_lines", sales_file(tmp_path, "2026-01-05,C1,P1,,,,2,21.00"))
    assert probe.checks == [1]
    assert probe.orphan_refused == [True]
    with shop.runtime.db.read_session() as session:
        from core.models import Contact

        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(Contact).where(Contact.customer_id == 987654)
            )
            == 0
        )


# -- #16.4: report summaries never overflow into a wrong total ---------------------------


def _month_total(world: Any, column: str = "amount") -> Decimal:
    from core.models_summary import SalesSumCustomerMonth

    with world.runtime.db.read_session() as session:
        value = session.scalar(
            sa.select(getattr(SalesSumCustomerMonth, column)).where(
                SalesSumCustomerMonth.month == dt.date(2026, 1, 1),
                SalesSumCustomerMonth.customer_id == world.c1.id,
            )
        )
    return Decimal(value).quantize(Decimal("0.01"))


def test_a_line_amount_past_the_business_maximum_is_refused(shop: Any, tmp_path: Path) -> None:
    """1,000 lines of 99999999999999.99 wrapped the SQLite summaries' int64 cents
    (monthly_sales -84,467,440,704,726,370.14) and raised a raw numeric overflow on
    PostgreSQL; now every such row is named, and nothing is imported."""
    path = sales_file(tmp_path, *["2026-01-05,C1,P1,,,,1,99999999999999.99"] * 1000)
    before = snapshot(shop)
    err = refused(shop.op, "sales_lines", path)
    assert err.total == 1000
    assert (err.problems[0].row, err.problems[0].field) == (2, "amount")
    assert "9999999999.99" in err.problems[0].expected
    assert snapshot(shop) == before


def test_summary_totals_are_exact_up_to_the_line_maximum(shop: Any, tmp_path: Path) -> None:
    path = sales_file(tmp_path, *["2026-01-05,C1,P1,,,,1,9999999999.99"] * 5)
    import_file(shop.op, "sales_lines", path)
    assert _month_total(shop) == Decimal("49999999999.95")


@pytest.mark.parametrize(
    "column, cell", [("amount", "1,9999999999.99"), ("quantity", "99999999999,1.00")]
)
def test_a_summary_total_past_what_it_holds_is_refused(
    shop: Any, tmp_path: Path, column: str, cell: str
) -> None:
    """Lines each within bounds whose total for one customer and month passes what a
    report total holds: a clear refusal naming the total, nothing imported, never a
    wrapped or rounded figure (PostgreSQL: no numeric overflow traceback)."""
    lines = 10_001 if column == "amount" else 2
    first = sales_file(tmp_path, *["2026-01-05,C1,P1,,,," + cell] * (lines - 1), name="first.csv")
    import_file(shop.op, "sales_lines", first)
    before = snapshot(shop)
    with pytest.raises(SalesdeskError) as info:
        import_file(
            shop.op,
            "sales_lines",
            sales_file(tmp_path, "2026-01-20,C1,P1,,,," + cell, name="second.csv"),
        )
    text = str(info.value)
    assert column in text and "C1" in text and "2026-01" in text
    assert "Traceback" not in text and "numeric" not in text
    assert snapshot(shop) == before


def test_batch_totals_do_not_wrap_int64() -> None:
    """The SQLite importer sums cents and thousandths in numpy int64: 100,000 lines of
    the largest quantity (10**14 thousandths each) would wrap; the sum must stay exact."""
    from core.services.import_totals import BatchTotals

    totals = BatchTotals()
    line = ("2026-01-05", 1, 1, None, None, None, "99999999999.999", "9999999999.99", 1)
    totals.add([line] * 100_000)
    upserts = totals.prepare()
    head, _width, _tail, values = upserts[3]  # customer x month
    assert "sales_sum_customer_month" in head
    assert values[2:5] == [999999999999000.0, 9999999999999900.0, 100_000]


def test_cli_imports_receipts(shop: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """#17.6: ``salesdesk import receipts FILE``, by finance; a rep is refused."""
    from click.testing import CliRunner

    from core.models import Receipt
    from tui.cli import cli

    url = str(shop.runtime.db.engine.url.render_as_string(hide_password=False))
    path = write(
        tmp_path,
        "日期,客户编码,金额,单据号,备注\n2026-01-06,C1,１２０.５０,SO-1,首付\n2026-01-07,C2,80,,\n",
        name="receipts.csv",
    )
    monkeypatch.setattr("core.runtime.os_login", lambda: "rep1")
    refused_run = CliRunner().invoke(cli, ["--database", url, "import", "receipts", str(path)])
    assert refused_run.exit_code == 1 and "Traceback" not in refused_run.output
    monkeypatch.setattr("core.runtime.os_login", lambda: "fin")
    result = CliRunner().invoke(cli, ["--database", url, "import", "receipts", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 2 rows of receipts" in result.output
    with shop.runtime.db.read_session() as session:
        got = session.execute(
            sa.select(
                Receipt.customer_id, Receipt.amount, Receipt.reference, Receipt.note
            ).order_by(Receipt.date)
        ).all()
    assert [tuple(r) for r in got] == [
        (shop.c1.id, Decimal("120.50"), "SO-1", "首付"),
        (shop.c2.id, Decimal("80.00"), "", ""),
    ]


def test_the_refusal_of_a_file_reads_in_the_readers_language() -> None:
    """The command line prints an import's refusal whole: its count line was English
    on a Chinese terminal."""
    from core.errors import FieldProblem
    from core.i18n import set_lang
    from core.services.importing import ImportRefused

    refused = ImportRefused([FieldProblem("date", "x", "a date")], "bad.csv", total=60, bad_rows=2)
    set_lang("zh_CN")
    try:
        text = str(refused)
    finally:
        set_lang(None)
    assert text.startswith("bad.csv：2 行中有 60 处错误；未导入任何数据。")
    assert "另有 59 处" in text
