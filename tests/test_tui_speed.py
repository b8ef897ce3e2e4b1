"""The UI thread stays free while screens read the database (docs/performance.md, "Keep
the UI thread free"): each test holds a screen's query back in its worker and shows that
keys are handled meanwhile, and that what is typed is kept. Not timed tests: a read that
ran on the UI thread would hold the keys back until it finished, so the order tells."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from tui_helpers import aio, settle


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


class Held:
    """Wraps a service function: the call waits until ``release`` (at most 30 s, so an old
    UI-thread read ends the test instead of hanging it; 5 s ran out on a loaded machine
    before the test had typed), then runs; ``returned`` tells whether it has finished."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.gate = threading.Event()
        self.returned = threading.Event()
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.gate.wait(30)
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.returned.set()

    def release(self) -> None:
        self.gate.set()


def _hold(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Held:
    held = Held(getattr(module, name))
    monkeypatch.setattr(module, name, held)
    return held


@aio
async def test_keys_work_while_home_reads_its_figures(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.services import dashboard
    from tui.screens.customers import CustomersScreen
    from tui.screens.home import HomeScreen

    held = _hold(monkeypatch, dashboard, "compute")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        assert held.calls == 1 and not held.returned.is_set()
        figures = app.screen.query_one("#figures")
        assert str(figures.get_cell("ytd", "value")) == "…"
        await pilot.press("2")  # the figures are still being read
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen)
        assert not held.returned.is_set()
        held.release()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert str(app.screen.query_one("#figures").get_cell("ytd", "value")) != "…"


@aio
async def test_keys_work_while_the_opportunities_load(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.services import lists
    from tui.screens.dialogs import KeysDialog
    from tui.screens.opportunities import OpportunitiesScreen

    held = _hold(monkeypatch, lists, "opportunity_rows")
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, OpportunitiesScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysDialog)
        assert not held.returned.is_set()  # the keys did not wait for the query
        held.release()
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OpportunitiesScreen)
        assert screen.query_one("#list").row_count == len(tui_world["deals"])


@aio
async def test_typing_is_kept_while_the_day_loads(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys typed into the visit form while the day's visits are read all arrive."""
    from textual.widgets import Input

    from core.services import activities

    held = _hold(monkeypatch, activities, "visits_on")
    app = app_for(tui_world["rep"], load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        for _ in range(50):  # the screen mounts first; its reads are held back
            await pilot.pause(0.05)
            if app.screen.query("#e-customer"):
                break
        await pilot.press(*"C00001")
        await pilot.pause()
        typed = app.screen.query_one("#e-customer", Input).value
        done_before = held.returned.is_set()
        held.release()
        await settle(pilot)
        assert typed == "C00001" and not done_before
        assert app.screen.query_one("#e-customer", Input).value == "C00001"


@aio
async def test_keys_work_while_the_due_list_loads(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plugin view (funnel's due list) reads in a worker too."""
    from plugins.funnel.services import due
    from plugins.funnel.views import DueListScreen
    from tui.screens.home import HomeScreen

    held = _hold(monkeypatch, due, "due_page")
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, DueListScreen)
        await pilot.press("escape")  # changed their mind before the list came
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert not held.returned.is_set()
        held.release()
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)  # the late result went nowhere


@aio
async def test_plugin_views_are_read_off_the_ui_thread(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening the database: the plugins' views (their modules imported) are collected in
    the opening thread, after Home's figures; they then join the navigation."""
    import tui.views
    from tui.app import SalesdeskApp

    threads: list[str] = []
    collect = tui.views.collect_views

    def collect_views(ctx: Any) -> Any:
        threads.append(threading.current_thread().name)
        return collect(ctx)

    monkeypatch.setattr(tui.views, "collect_views", collect_views)
    app = SalesdeskApp(opener=lambda: tui_world["admin"], database_label="test.db")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, rounds=4)
        assert app.figures_shown.is_set()
        nav = app.screen.query_one("#nav")
        ids = [nav.get_option_at_index(i).id for i in range(nav.option_count)]
        assert "view:funnel:funnel.due" in ids
        assert threads and threading.main_thread().name not in threads


@aio
async def test_long_tables_are_filled_a_batch_at_a_time() -> None:
    """A screenful at once, the rest in later turns of the event loop; a newer fill of
    the same table drops what is left of the older one."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from tui.base import add_rows_in_steps

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    app = One()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        table.add_column("n")
        add_rows_in_steps(table, [(n,) for n in range(500)], [str(n) for n in range(500)])
        assert table.row_count == 60
        await pilot.pause()
        await pilot.pause()
        assert table.row_count == 500
        table.clear()
        add_rows_in_steps(table, [(n,) for n in range(400)])
        table.clear()
        add_rows_in_steps(table, [(n,) for n in range(70)])
        for _ in range(5):
            await pilot.pause()
        assert table.row_count == 70


class UiThreadSql:
    """Records each SQL statement run on the UI thread (the app's event loop runs on the
    main thread; thread workers run elsewhere), with the section being opened."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.section = ""
        self.found: dict[str, list[str]] = {}
        self.watching = False

    def __enter__(self) -> UiThreadSql:
        import sqlalchemy as sa

        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.watching and threading.current_thread() is threading.main_thread():
            self.found.setdefault(self.section, []).append(" ".join(statement.split())[:80])


@pytest.mark.parametrize("who", ["admin", "mfg_sales_manager"])
@aio
async def test_every_section_reads_off_the_ui_thread(tui_world: dict[str, Any], who: str) -> None:
    """Each section of the navigation (the plugins' views too) opened from Home: no SQL
    statement runs on the UI thread while it opens and shows its data, and a key typed
    as it opens (F1, the keys) is answered before its data comes. Fails for a screen that
    reads in its mount or key handler instead of a worker."""
    from tui.screens.dialogs import KeysDialog
    from tui.screens.home import HomeScreen

    # the admin sees every section but manufacturing's tenders, which its sales roles do
    ctx = (
        tui_world["admin"] if who == "admin" else tui_world["world"].user("mei", who, region="EAST")
    )
    app = app_for(ctx, load_dashboard=False)
    opened: list[str] = []
    with UiThreadSql(ctx.db.engine) as sql:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for sid, _key, _title in app.sections():
                if sid == "home" or sid.startswith("admin"):
                    continue
                sql.section, sql.watching = sid, True
                app.action_section(sid)
                await pilot.pause()
                if not isinstance(app.screen, HomeScreen):
                    opened.append(sid)
                    await pilot.press("f1")  # ? would be typed into a field
                    await pilot.pause()
                    assert isinstance(app.screen, KeysDialog), sid
                    await pilot.press("escape")
                await settle(pilot)
                sql.watching = False
                for _ in range(4):
                    if isinstance(app.screen, HomeScreen):
                        break
                    await pilot.press("escape")
                    await settle(pilot)
                if not isinstance(app.screen, HomeScreen):
                    app.action_section("home")
                    await settle(pilot)
    if who == "admin":
        assert any(sid.startswith("view:manufacturing") for sid in opened), opened
        assert any(sid.startswith("view:real_estate") for sid in opened), opened
    else:
        assert "view:manufacturing:mfg_tenders" in opened, opened
    assert sql.found == {}, "\n".join(f"{s}: {q[:3]}" for s, q in sql.found.items())


@aio
async def test_a_dialog_saves_in_a_worker_once_and_keeps_the_typing() -> None:
    """A FormDialog's save runs in a thread worker: keys are handled meanwhile, Ctrl+S
    pressed again (or Escape) while it runs does nothing, and a refused save leaves the
    dialog open with what was typed and the problem under its field."""
    from textual.app import App
    from textual.widgets import Input, Static

    from core.errors import FieldProblem, ValidationFailed
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FieldSpec

    gate = threading.Event()
    calls: list[tuple[bool, str]] = []

    def submit(values: dict[str, Any]) -> str:
        calls.append((threading.current_thread() is threading.main_thread(), values["name"]))
        gate.wait(5)
        if values["name"] == "bad":
            raise ValidationFailed([FieldProblem("name", "bad", "a real name")], "thing")
        return f"saved {values['name']}"

    results: list[Any] = []

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(
                FormDialog("T", [FieldSpec("name", "Name")], {}, submit), results.append
            )

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.screen
        await pilot.press(*"bad", "ctrl+s")
        await pilot.press("ctrl+s", "escape")
        await pilot.pause()
        held = (list(calls), app.screen is dialog, gate.is_set())
        gate.set()
        await settle(pilot)
        assert held == ([(False, "bad")], True, False)
        assert calls == [(False, "bad")]  # saved once, off the UI thread
        assert app.screen is dialog and not results
        assert dialog.query_one(Input).value == "bad"
        assert "a real name" in str(dialog.query_one("#err-name", Static).render())
        dialog.query_one(Input).value = "good"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert results == ["saved good"] and app.screen is not dialog


@aio
async def test_a_plugin_list_says_loading_until_its_rows_come(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Manufacturing's order-to-cash list is read in a worker: "Loading…" meanwhile, keys
    answered (F1), then the rows; switching the kind (i) says so again."""
    from textual.widgets import Static

    from plugins.manufacturing.services import queries
    from plugins.manufacturing.views import DocumentsScreen
    from tui.screens.dialogs import KeysDialog

    held = _hold(monkeypatch, queries, "list_documents")
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_section("view:manufacturing:mfg_documents")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DocumentsScreen)
        status = str(screen.query_one("#status", Static).render())
        await pilot.press("f1")
        await pilot.pause()
        answered = isinstance(app.screen, KeysDialog)
        await pilot.press("escape")
        assert "Loading…" in status and answered and not held.returned.is_set()
        held.release()
        await settle(pilot)
        assert "Loading…" not in str(screen.query_one("#status", Static).render())
        held.gate.clear()
        held.returned.clear()
        await pilot.press("i")  # invoices (the admin opens on sales orders)
        await pilot.pause()
        switching = str(screen.query_one("#status", Static).render())
        held.release()
        await settle(pilot)
        assert "Loading…" in switching and "Loading…" not in str(
            screen.query_one("#status", Static).render()
        )


@aio
async def test_a_record_a_form_or_a_list_opened_by_a_key_reads_off_the_ui_thread(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past each section's first screen: a contract's page opened with Enter, a new
    contract's dialog (its customer and deal choices), a key acting on the contract
    under the list's cursor, the customer
    form (new and edit), the Reports and Forms lists and a campaign's ``n`` (the forms
    this user may fill in): no SQL statement on the UI thread, and no reading of the
    plugins' report or form registries there either (their first reading imports the
    plugins' report modules: seconds on a cold start). Each shows "Loading…" or its
    fields once read; a key typed meanwhile (F1) is answered."""
    import core.forms
    import core.reports
    from plugins.contracts import services as contracts
    from plugins.contracts.views import ContractDetailScreen
    from tui.screens.customer_form import CustomerForm
    from tui.screens.dialogs import FormDialog, KeysDialog
    from tui.screens.forms import FormsScreen
    from tui.screens.reports import ReportsScreen

    admin = tui_world["admin"]
    customer = tui_world["customers"][1]
    made = contracts.create_contract(
        admin,
        {
            "title": "Forged flanges 2026",
            "customer_id": customer.id,
            "parties": [{"name": customer.name}],
            "amount": "1200.00",
        },
    )
    from tui.app import SalesdeskApp

    # opened as the app is (the navigation's plugin views and forms read in its thread)
    app = SalesdeskApp(opener=lambda: admin, database_label="test.db", load_dashboard=False)
    with UiThreadSql(admin.db.engine) as sql:

        def watched(fn: Any, name: str) -> Any:
            def registry(*args: Any) -> Any:
                if sql.watching and threading.current_thread() is threading.main_thread():
                    sql.found.setdefault(sql.section, []).append(name)
                return fn(*args)

            return registry

        for module, name in ((core.reports, "report_registry"), (core.forms, "form_registry")):
            monkeypatch.setattr(module, name, watched(getattr(module, name), name))

        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot, rounds=4)

            async def opening(section: str, *keys: str) -> None:
                sql.section, sql.watching = section, True
                await pilot.press(*keys)
                await pilot.pause()
                await pilot.press("f1")
                await pilot.pause()
                assert isinstance(app.screen, KeysDialog), section
                await pilot.press("escape")
                await settle(pilot)
                sql.watching = False

            app.action_section("view:contracts:contracts")
            await settle(pilot)
            await opening("contract page", "enter")
            page = app.screen
            assert isinstance(page, ContractDetailScreen)
            assert made.number in str(page.query_one("#head").render())
            assert page.query_one("#milestones").row_count == 0
            assert page.query_one("#timeline").row_count >= 1
            await pilot.press("escape")  # back to the list
            await settle(pilot)
            sql.section, sql.watching = "new contract", True
            await pilot.press("n")  # its customer and deal choices
            await settle(pilot)
            sql.watching = False
            assert isinstance(app.screen, FormDialog)
            assert app.screen.query_one("#f-customer_id")
            await pilot.press("escape")
            await settle(pilot)
            sql.section, sql.watching = "approve from the list", True
            await pilot.press("a")  # the contract under the cursor is read first
            await settle(pilot)
            sql.watching = False
            assert any("not waiting for approval" in n.message for n in app._notifications)

            app.action_section("customers")
            await settle(pilot)
            await opening("new customer", "n")
            assert isinstance(app.screen, CustomerForm)
            assert app.screen.query_one("#f-region_id")  # its choices were read
            await pilot.press("escape")
            await settle(pilot)
            await opening("edit customer", "e")
            form = app.screen
            assert isinstance(form, CustomerForm)
            assert form.query_one("#f-name").value  # type: ignore[attr-defined]
            await pilot.press("escape")
            await settle(pilot)

            sql.section, sql.watching = "reports", True
            app.action_section("reports")
            await settle(pilot)
            sql.watching = False
            assert isinstance(app.screen, ReportsScreen)
            assert app.screen.query_one("#report-list").option_count > 10

            sql.section, sql.watching = "forms", True
            app.action_section("forms")
            await settle(pilot)
            sql.watching = False
            assert isinstance(app.screen, FormsScreen)
            assert app.screen.query_one("#form-list").option_count >= 1

        planner = tui_world["world"].user("fang", "marketing_staff")
        app = app_for(planner, load_dashboard=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.action_section("view:marketing:campaigns")
            await settle(pilot)
            sql.section, sql.watching = "new campaign", True
            await pilot.press("n")
            await settle(pilot)
            sql.watching = False
            assert isinstance(app.screen, FormsScreen)
            listing = app.screen.query_one("#form-list")
            assert listing.get_option_at_index(listing.highlighted).id == "marketing.campaign"
    assert sql.found == {}, "\n".join(f"{s}: {q[:3]}" for s, q in sql.found.items())


@aio
async def test_escape_during_a_save_closes_the_dialog_once_saved() -> None:
    """Escape pressed while a FormDialog's save runs in its worker: the save is not cut
    short (it is all or nothing, and a thread cannot be stopped half-way) and what was
    typed is not dropped: the dialog says it closes once saved, and does, with what was
    saved. A save refused meanwhile leaves it open with the typing and the problem, and
    says it was not saved (the Escape is not carried out over a refusal)."""
    from textual.app import App
    from textual.widgets import Input, Static

    from core.errors import FieldProblem, ValidationFailed
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FieldSpec

    gate = threading.Event()
    saved: list[str] = []

    def submit(values: dict[str, Any]) -> str:
        gate.wait(5)
        if values["name"] == "bad":
            raise ValidationFailed([FieldProblem("name", "bad", "a real name")], "thing")
        saved.append(values["name"])
        return f"saved {values['name']}"

    results: list[Any] = []

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(
                FormDialog("T", [FieldSpec("name", "Name")], {}, submit), results.append
            )

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.screen
        note = dialog.query_one(".keys", Static)
        await pilot.press(*"bad", "ctrl+s", "escape")
        await pilot.pause()
        said = str(note.render())
        gate.set()
        await settle(pilot)
        assert "closes once it is saved" in said
        assert app.screen is dialog and not results and not saved
        assert dialog.query_one(Input).value == "bad"
        assert "a real name" in str(dialog.query_one("#err-name", Static).render())
        assert "Not saved" in str(note.render())

        gate.clear()
        dialog.query_one(Input).value = "good"
        await pilot.press("ctrl+s", "escape")
        await pilot.pause()
        said, still_open = str(note.render()), app.screen is dialog
        gate.set()
        await settle(pilot)
        assert "closes once it is saved" in said and still_open
        assert saved == ["good"] and results == ["saved good"] and app.screen is not dialog


@aio
async def test_escape_while_the_customer_form_saves(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full-screen customer form follows the dialogs' rule: Escape during its save
    neither asks to discard what is being saved nor closes the form under the save; it
    says the form closes once saved, and it does, with the customer saved once."""
    from core.services import customers
    from tui.screens.customer_form import CustomerForm
    from tui.screens.customers import CustomersScreen

    held = _hold(monkeypatch, customers, "create_customer")
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm)
        await pilot.press(*"Hangzhou Valves", "ctrl+s", "escape")
        await pilot.pause()
        said, still = str(form.query_one(".hint").render()), app.screen is form
        held.release()
        await settle(pilot)
        assert "closes once it is saved" in said and still
        assert held.calls == 1 and isinstance(app.screen, CustomersScreen)
        assert any("Hangzhou Valves" in n.message for n in app._notifications)


@aio
async def test_the_exporters_are_read_off_the_ui_thread(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report's ``x`` reads the exporters (the plugins' hook: 64 ms the first time,
    measured on a loaded machine) in a worker, then opens the export dialog."""
    import core.exports
    from tui.screens.report_view import ExportDialog, ReportView

    on_ui: list[bool] = []
    registry = core.exports.exporter_registry

    def watched(*args: Any) -> Any:
        on_ui.append(threading.current_thread() is threading.main_thread())
        return registry(*args)

    monkeypatch.setattr(core.exports, "exporter_registry", watched)
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_report("rep_periods")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReportView)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
    assert on_ui == [False]


@aio
async def test_opening_reads_nothing_on_the_ui_thread(tui_world: dict[str, Any]) -> None:
    """From the first frame to Home's figures and the plugins' views: every SQL statement
    runs in the opening thread or a worker (the set-up guide's state was read on the UI
    thread as the context arrived), and the figures are read once."""
    from core.services import dashboard
    from tui.app import SalesdeskApp

    ctx = tui_world["admin"]
    computed: list[str] = []
    compute = dashboard.compute

    def counted(c: Any) -> Any:
        computed.append(threading.current_thread().name)
        return compute(c)

    dashboard.compute = counted  # type: ignore[assignment]
    try:
        with UiThreadSql(ctx.db.engine) as sql:
            sql.section, sql.watching = "start", True
            app = SalesdeskApp(opener=lambda: ctx, database_label="test.db")
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot, rounds=4)
                assert app.figures_shown.is_set()
                figures = app.screen.query_one("#figures")
                assert str(figures.get_cell("target", "value")) != "…"
                sql.watching = False
    finally:
        dashboard.compute = compute  # type: ignore[assignment]
    assert sql.found == {}, sql.found
    assert len(computed) == 1 and threading.main_thread().name not in computed


@aio
async def test_users_opens_with_one_read_of_the_keys(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Users and keys: the users and the first user's keys come in one read (at most one
    worker, one hand-over to the UI thread); the keys were read in a second worker started
    when the users were drawn, a second wait for the UI thread's turn before the screen
    showed its data. Moving to another user reads that user's keys."""
    from textual.widgets import DataTable

    from core.services import keys
    from tui.base import Guarded
    from tui.screens.users import UsersScreen

    calls: list[str] = []
    reads: list[str] = []
    list_keys = keys.list_keys
    read_then = Guarded.read_then

    def counted(ctx: Any, login: str) -> Any:
        calls.append(login)
        return list_keys(ctx, login)

    def counted_read(self: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, UsersScreen):
            reads.append(kwargs.get("group", "load"))
        return read_then(self, *args, **kwargs)

    monkeypatch.setattr(keys, "list_keys", counted)
    monkeypatch.setattr(Guarded, "read_then", counted_read)
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_section("users")
        await settle(pilot)
        users = app.screen.query_one("#users", DataTable)
        first = str(users.coordinate_to_cell_key((0, 0)).row_key.value)
        # (read from when the screen is made: a worker takes the read only when it is
        # not in by the time the screen is mounted)
        assert calls == [first] and len(reads) <= 1, (calls, reads)
        assert app.screen.query_one("#keys", DataTable).columns
        await pilot.press("down")  # another user: their keys
        await settle(pilot)
        second = str(users.coordinate_to_cell_key((1, 0)).row_key.value)
        assert calls == [first, second]
