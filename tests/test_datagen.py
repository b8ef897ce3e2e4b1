"""The demo/benchmark data generator and ``salesdesk demo``."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core.datagen import CSV_HEADER, generate, seed_demo, write_sales_csv
from core.funnels import BASIC_FUNNEL
from core.models import (
    Activity,
    AuditEntry,
    Contact,
    Customer,
    Opportunity,
    SalesLine,
    SalesTarget,
    StageChange,
    User,
)

REFERENCE = dt.date(2026, 3, 16)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _fresh(db_factory: Any, backend: str) -> Any:
    from core.runtime import open_runtime

    return open_runtime(db_factory.new(backend))


def _fingerprint(db: Any) -> dict[str, Any]:
    """Row counts per table and the money sums that must repeat for a seed."""
    with db.engine.connect() as conn:
        counts = {
            m.__tablename__: conn.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (
                User,
                Customer,
                Contact,
                Opportunity,
                StageChange,
                Activity,
                SalesLine,
                SalesTarget,
            )
        }
        sums = {
            "sales": conn.scalar(sa.select(sa.func.sum(SalesLine.amount))),
            "quantity": conn.scalar(sa.select(sa.func.sum(SalesLine.quantity))),
            "pipeline": conn.scalar(sa.select(sa.func.sum(Opportunity.amount))),
            "targets": conn.scalar(sa.select(sa.func.sum(SalesTarget.amount))),
        }
    return {"counts": counts, "sums": {k: Decimal(str(v)) for k, v in sums.items()}}


@pytest.fixture(scope="module")
def small(module_backend: str, db_factory: Any) -> Iterator[tuple[Any, Any]]:
    """One generated small company per backend, shared by the read-only tests."""
    runtime = _fresh(db_factory, module_backend)
    result = generate(runtime.db, "small", 5, reference=REFERENCE)
    yield runtime, result
    runtime.db.dispose()


# -- determinism ------------------------------------------------------------------------


def test_same_seed_same_data_and_other_seed_differs(db_factory: Any) -> None:
    prints = []
    for seed in (5, 5, 6):
        runtime = _fresh(db_factory, "sqlite")
        result = generate(runtime.db, "small", seed, reference=REFERENCE)
        prints.append((_fingerprint(runtime.db), result.sales_cents, result.counts))
        runtime.db.dispose()
    assert prints[0] == prints[1]
    assert prints[0][0]["sums"]["sales"] != prints[2][0]["sums"]["sales"]
    assert prints[0][1] != prints[2][1]


def test_result_matches_database(small: tuple[Any, Any]) -> None:
    runtime, result = small
    found = _fingerprint(runtime.db)
    assert found["counts"]["sales_line"] == result.counts["sales_line"] == 20_000
    assert found["sums"]["sales"] == Decimal(result.sales_cents) / 100


# -- small scale content ------------------------------------------------------------------


def test_small_scale_is_readable_and_complete(small: tuple[Any, Any]) -> None:
    runtime, _result = small
    with runtime.db.read_session() as s:
        stages = set(s.scalars(sa.select(Opportunity.stage).distinct()))
        users = s.scalars(sa.select(User)).all()
        customers = s.scalars(sa.select(Customer)).all()
        contacts = s.scalar(sa.select(sa.func.count()).select_from(Contact))
        closed = s.scalars(sa.select(Opportunity).where(Opportunity.status != "open")).all()
    assert stages == {stage.id for stage in BASIC_FUNNEL.stages}
    reps = [u for u in users if "sales_rep" in u.roles]
    managers = [u for u in users if "sales_manager" in u.roles]
    assert len(reps) == 8 and 2 <= len(managers) <= 3
    assert all(re.fullmatch(r"rep\d{3}", u.login) for u in reps)
    assert all(u.manager_id and u.region_id for u in reps)
    assert len(customers) == 150 and contacts >= 150
    names = [c.name for c in customers]
    assert any(CJK.search(n) for n in names) and any(n.isascii() for n in names)
    assert any(n.endswith("有限公司") for n in names)
    assert any(CJK.search(u.display_name) for u in users)
    assert any(u.display_name.isascii() for u in users)
    assert {c.customer_class for c in customers} >= {"customer", "potential", "promising"}
    assert any(c.owner_id is None for c in customers)  # some leads wait in the pool
    assert all(o.close_reason and o.closed_at for o in closed)


def test_funnel_shape_narrows(small: tuple[Any, Any]) -> None:
    runtime, _ = small
    with runtime.db.read_session() as s:
        per_stage = dict(
            s.execute(
                sa.select(Opportunity.stage, sa.func.count()).group_by(Opportunity.stage)
            ).all()
        )
    assert per_stage["lead"] > per_stage["negotiation"]


def test_stage_history_walks_to_the_current_stage(small: tuple[Any, Any]) -> None:
    runtime, _ = small
    with runtime.db.read_session() as s:
        opps = {o.id: o for o in s.scalars(sa.select(Opportunity))}
        changes = s.scalars(
            sa.select(StageChange).order_by(StageChange.opportunity_id, StageChange.changed_at)
        ).all()
    by_opp: dict[int, list[StageChange]] = {}
    for change in changes:
        by_opp.setdefault(change.opportunity_id, []).append(change)
    assert set(by_opp) == set(opps)
    for opp_id, history in by_opp.items():
        assert history[0].from_stage is None and history[0].to_stage == "lead"
        assert history[-1].to_stage == opps[opp_id].stage
        assert all(a.to_stage == b.from_stage for a, b in itertools.pairwise(history))


def test_visits_today_and_planned_for_tomorrow(small: tuple[Any, Any]) -> None:
    runtime, _ = small
    with runtime.db.read_session() as s:
        days = set(s.scalars(sa.select(Activity.date).distinct()))
        tomorrow = s.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .where(Activity.next_visit == REFERENCE + dt.timedelta(days=1))
        )
    assert REFERENCE in days and len(days) >= 10
    assert max(days) == REFERENCE
    assert tomorrow > 0


def test_daily_reports_have_headers_times_amounts_and_plans(small: tuple[Any, Any]) -> None:
    """The demo shows the daily report's new parts: one header per rep and reported day
    with a typed weather, end times after start, order and collection amounts, plans for
    the next day out that are mostly (not all) kept (issue #22)."""
    from core.context import Context
    from core.models import DailyReport, VisitPlan, Weather
    from core.services.daily import plan_vs_done

    runtime, _ = small
    with runtime.db.read_session() as s:
        visits = s.scalars(sa.select(Activity)).all()
        headers = s.scalars(sa.select(DailyReport)).all()
        plans = s.scalars(sa.select(VisitPlan)).all()
        admin = s.scalar(sa.select(User).where(User.login == "ceo"))
        strangers = s.scalar(
            sa.select(sa.func.count())
            .select_from(Activity)
            .join(Contact, Contact.id == Activity.contact_id)
            .where(Contact.customer_id != Activity.customer_id)
        )
    assert strangers == 0  # the person met works for the visited customer
    assert {(h.rep_id, h.date) for h in headers} == {(v.rep_id, v.date) for v in visits}
    assert len(headers) == len({(h.rep_id, h.date) for h in headers})
    assert {h.weather for h in headers} <= {w.value for w in Weather}
    assert all(v.end_time > v.visit_time for v in visits)
    assert sum(v.order_amount > 0 for v in visits if v.purpose == "order") > 0
    assert sum(v.collection_amount > 0 for v in visits if v.purpose == "collection") > 0
    assert all(v.order_amount == 0 for v in visits if v.purpose != "order")
    assert sum(v.contact_id is not None for v in visits) > len(visits) // 2
    assert any(p.date == REFERENCE + dt.timedelta(days=1) for p in plans)
    reader = Context(runtime.db, admin, runtime.plugins, lambda: dt.datetime(2026, 3, 16, 12))
    checks = [
        c
        for day in {p.date for p in plans if p.date <= REFERENCE}
        for c in plan_vs_done(reader, day)
    ]
    kept = sum(c.done for c in checks)
    assert 0 < kept < len(checks)


def test_targets_per_rep_and_company_every_month(small: tuple[Any, Any]) -> None:
    runtime, result = small
    with runtime.db.read_session() as s:
        rows = s.execute(
            sa.select(
                SalesTarget.month,
                SalesTarget.dimension,
                sa.func.count(),
                sa.func.sum(SalesTarget.amount),
            ).group_by(SalesTarget.month, SalesTarget.dimension)
        ).all()
    months = {r[0] for r in rows}
    assert result.first_month in months and dt.date(REFERENCE.year, 12, 1) in months
    assert len(months) == 36 + 12 - REFERENCE.month
    per = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    for month in months:
        assert per[(month, "rep")][0] == 8
        assert per[(month, "company")] == (1, per[(month, "rep")][1])


def test_sales_have_season_and_trend(small: tuple[Any, Any]) -> None:
    runtime, _ = small
    month = sa.func.extract("month", SalesLine.date)
    year = sa.func.extract("year", SalesLine.date)
    with runtime.db.read_session() as s:
        by_month: dict[Any, Any] = dict(
            s.execute(
                sa.select(month, sa.func.sum(SalesLine.amount)).where(year == 2024).group_by(month)
            ).all()
        )
        by_year = dict(
            s.execute(
                sa.select(year, sa.func.sum(SalesLine.amount))
                .where(year.in_((2024, 2025)))
                .group_by(year)
            ).all()
        )
    by_month = {int(k): float(v) for k, v in by_month.items()}
    by_year = {int(k): float(v) for k, v in by_year.items()}
    assert by_month[2] < 0.8 * by_month[3]  # Chinese New Year
    assert by_month[12] == max(by_month.values())  # year-end push
    assert 1.03 < by_year[2025] / by_year[2024] < 1.2


def test_few_customers_buy_most(small: tuple[Any, Any]) -> None:
    runtime, _ = small
    with runtime.db.read_session() as s:
        totals = sorted(
            s.scalars(sa.select(sa.func.sum(SalesLine.amount)).group_by(SalesLine.customer_id)),
            reverse=True,
        )
    top = totals[: max(1, len(totals) // 5)]
    assert float(sum(top)) > 0.5 * float(sum(totals))


def test_every_product_sells_in_every_region(small: tuple[Any, Any]) -> None:
    """Key accounts are booked at the areas and the country, so every product x region
    cut has a history to forecast (bench_forecast.py --part large forecasts them all)."""
    from core.models import Product, Region

    runtime, _ = small
    with runtime.db.read_session() as s:
        cuts = s.execute(
            sa.select(sa.func.count()).select_from(
                sa.select(SalesLine.product_id, SalesLine.region_id).distinct().subquery()
            )
        ).scalar_one()
        products = s.scalar(sa.select(sa.func.count()).select_from(Product))
        regions = s.scalar(sa.select(sa.func.count()).select_from(Region))
        upper = s.scalar(
            sa.select(sa.func.count(sa.distinct(Customer.id))).where(
                Customer.region_id.in_(
                    sa.select(Region.id).where(
                        Region.id.in_(
                            sa.select(Region.parent_id).where(Region.parent_id.is_not(None))
                        )
                    )
                )
            )
        )
    assert regions > 1 and cuts == products * regions
    assert upper > 0  # customers booked at a region that has regions under it


# -- integrity and audit ---------------------------------------------------------------


def test_references_hold(small: tuple[Any, Any]) -> None:
    runtime, _ = small
    with runtime.db.engine.connect() as conn:
        if runtime.db.is_sqlite:  # lines load with FK checks off: prove nothing broke
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        owner = sa.select(Customer.owner_id).where(Customer.id == SalesLine.customer_id)
        region = sa.select(Customer.region_id).where(Customer.id == SalesLine.customer_id)
        wrong = conn.scalar(
            sa.select(sa.func.count())
            .select_from(SalesLine)
            .where(
                sa.or_(
                    SalesLine.rep_id != owner.scalar_subquery(),
                    SalesLine.region_id != region.scalar_subquery(),
                )
            )
        )
        orphans = conn.scalar(
            sa.select(sa.func.count())
            .select_from(SalesLine)
            .outerjoin(Customer, Customer.id == SalesLine.customer_id)
            .where(Customer.id.is_(None))
        )
        bad_owner = conn.scalar(
            sa.select(sa.func.count())
            .select_from(Customer)
            .join(User, User.id == Customer.owner_id)
            .where(sa.not_(sa.cast(User.roles, sa.String).contains("sales_rep")))
        )
    assert (wrong, orphans, bad_owner) == (0, 0, 0)


def test_one_audit_entry_per_table(small: tuple[Any, Any]) -> None:
    runtime, result = small
    with runtime.db.read_session() as s:
        entries = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "seed")).all()
    assert {e.entity for e in entries} == set(result.counts)
    assert len(entries) == len(result.counts)
    lines = next(e for e in entries if e.entity == "sales_line")
    assert "seeded 20000 rows" in (lines.new_value or "")


def test_ids_continue_after_generation(small: tuple[Any, Any]) -> None:
    """PostgreSQL sequences are moved past generated ids, so later inserts work."""
    runtime, _ = small
    from core.models import Region

    with runtime.db.engine.begin() as conn:
        conn.execute(sa.insert(Region.__table__).values(code="ZZTEST", name="Test"))
        conn.execute(sa.delete(Region.__table__).where(Region.code == "ZZTEST"))


# -- CSV for import benchmarks -----------------------------------------------------------


def test_sales_csv_matches_generated_lines(small: tuple[Any, Any], tmp_path: Path) -> None:
    runtime, result = small
    path = tmp_path / "lines.csv"
    rows, cents = write_sales_csv(path, "small", 5, reference=REFERENCE)
    assert (rows, cents) == (result.counts["sales_line"], result.sales_cents)
    from core.services.import_rows import SALES_COLUMNS

    with open(path, encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        body = list(reader)
    # the generated sales are all sales at no stated VAT rate: the optional tax_rate and
    # return_reason columns of the importer are left out
    assert tuple(header) == CSV_HEADER == SALES_COLUMNS[: len(CSV_HEADER)]
    assert SALES_COLUMNS[len(CSV_HEADER) :] == ("tax_rate", "return_reason")
    assert len(body) == rows
    assert sum(int(Decimal(r[-1]) * 100) for r in body) == cents
    with runtime.db.read_session() as s:
        codes = set(s.scalars(sa.select(Customer.code)))
        logins = set(s.scalars(sa.select(User.login)))
    assert {r[1] for r in body} <= codes and {r[3] for r in body} <= logins


# -- plugins and the demo command ----------------------------------------------------------


def test_seed_demo_calls_the_plugin_hook(runtime: Any) -> None:
    from core.hookspecs import hookimpl
    from core.services.bootstrap import create_first_admin

    seen: list[tuple[str, int, str]] = []

    class Probe:
        @hookimpl
        def salesdesk_demo_data(self, ctx: Any, scale: str, seed: int) -> None:
            seen.append((scale, seed, ctx.actor.login))

    runtime.plugins.register(Probe(), "probe")
    create_first_admin(runtime, "boss", "Boss")
    seed_demo(runtime.context_for("boss"), "small", 9, reference=REFERENCE)
    assert seen == [("small", 9, "boss")]


def test_demo_command_builds_a_fresh_demo_database(tmp_path: Path) -> None:
    from core.company import DEMO_KEY
    from core.runtime import open_runtime, os_login
    from tui.cli import cli

    path = tmp_path / "sub" / "demo.db"
    for _ in range(2):  # the second run replaces the first, it does not add to it
        outcome = CliRunner().invoke(cli, ["demo", "--no-open", "--path", str(path), "--seed", "4"])
        assert outcome.exit_code == 0, outcome.output
    runtime = open_runtime(f"sqlite:///{path}")
    try:
        assert runtime.is_demo()
        with runtime.db.read_session() as s:
            me = s.scalars(sa.select(User).where(User.login == os_login())).one()
            settings = dict(s.execute(sa.text("SELECT key, value FROM company_setting")).all())
            lines = s.scalar(sa.select(sa.func.count()).select_from(SalesLine))
        assert me.roles == ["group_admin"]
        assert DEMO_KEY in settings and "company.name" in settings
        assert lines == 20_000
    finally:
        runtime.db.dispose()


def _demo_at(path: Path) -> Any:
    from tui.cli import cli

    return CliRunner().invoke(cli, ["demo", "--no-open", "--path", str(path)])


def test_demo_never_replaces_a_real_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not even when its admin runs it; a rep there may not destroy it either."""
    from tui.cli import cli

    path = tmp_path / "sales.db"
    monkeypatch.setattr("core.runtime.os_login", lambda: "alice")
    made = CliRunner().invoke(cli, ["--database", f"sqlite:///{path}", "init"])
    assert made.exit_code == 0, made.output
    before = path.read_bytes()
    for login in ("alice", "rep9"):
        monkeypatch.setattr("core.runtime.os_login", lambda login=login: login)
        refused = _demo_at(path)
        assert refused.exit_code == 1, refused.output
        assert "is not a demo database" in refused.output and str(path) in refused.output
        assert "Traceback" not in refused.output
    assert path.read_bytes() == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT login FROM sd_user").fetchall() == [("alice",)]


@pytest.mark.parametrize("content", [b"", b"quarterly notes\n", b"SQLite format 3\0junk"])
def test_demo_never_replaces_a_file_that_is_no_salesdesk_database(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    refused = _demo_at(path)
    assert refused.exit_code == 1 and "is not a demo database" in refused.output
    assert path.read_bytes() == content


def test_demo_replaces_an_other_apps_sqlite_file_never(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE company_setting (key TEXT, value TEXT)")
    conn.close()
    assert _demo_at(path).exit_code == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM company_setting").fetchone() == (0,)
    conn.close()


def test_only_the_demo_builder_marks_a_demo_and_never_on_real_work(world: Any) -> None:
    from core.company import DEMO_KEY
    from core.errors import PermissionDenied
    from core.services.company import mark_demo, set_setting

    with pytest.raises(PermissionDenied):
        set_setting(world.admin, DEMO_KEY, True)
    world.customer()
    with pytest.raises(PermissionDenied):
        mark_demo(world.admin)
    assert not world.runtime.is_demo()


def test_demo_default_path_is_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tui.cli_demo import default_demo_path

    monkeypatch.setenv("SALESDESK_HOME", str(tmp_path))
    assert default_demo_path() == tmp_path / "demo.db"


def test_sales_line_indexes_are_rebuilt(small: tuple[Any, Any]) -> None:
    """The loader builds sales_line's indexes after the lines; they must all be back."""
    runtime, _ = small
    found = {ix["name"] for ix in sa.inspect(runtime.db.engine).get_indexes("sales_line")}
    expected = {ix.name for ix in SalesLine.__table__.indexes}
    assert expected and expected <= found


def test_progress_prints_each_table_once_and_lines_by_tenths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tui.cli_demo import _progress_printer

    report = _progress_printer()
    for done in (5_000, 10_000):
        report("customer", done, 10_000)
    for done in range(100_000, 1_000_001, 50_000):
        report("sales_line", done, 1_000_000)
    err = capsys.readouterr().err.splitlines()
    assert sum("customer" in line for line in err) == 1
    assert sum("sales_line" in line for line in err) == 10
    assert err[-1].split()[1] == "1,000,000"
