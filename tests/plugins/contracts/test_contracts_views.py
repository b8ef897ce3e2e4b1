"""Pilot test: a rep drafts and submits a contract, the manager approves it in the
approvals list, the rep signs it and amends it, and sees the amendment's diff."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from core.i18n import set_lang
from core.services import opportunities
from plugins.contracts import services


@pytest.fixture
def tui_ctx(team: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rep and the manager of the team, in English."""
    set_lang("en")
    yield {name: team[name] for name in ("rep", "mgr")}
    set_lang(None)


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


async def settle(pilot: Any) -> None:
    from tui_helpers import settle as settled  # a worker cancelled by a newer one is fine

    await settled(pilot)


async def fill(pilot: Any, values: dict[str, Any]) -> None:
    from tui.widgets.form import FormFields

    form = pilot.app.screen.query_one(FormFields)
    current = form.values()
    current.update(values)
    form.set_values(current)
    await pilot.pause()


def messages(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def open_first(pilot: Any) -> None:
    await pilot.press("8")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def rep_drafts_and_submits(ctx: Any, customer_id: int) -> None:
    from plugins.contracts.views import ContractDetailScreen, ContractsScreen

    app = app_for(ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        assert isinstance(app.screen, ContractsScreen)
        await pilot.press("n")
        await pilot.pause()
        await fill(
            pilot,
            {
                "title": "Flanges [/b] 2026",
                "customer_id": customer_id,
                "amount": "120000",
                "parties": "Acme Trading (buyer)",
                "terms": "30 days net",
                "start_date": "2026-04-01",
                "m1_due": "2026-04-30",
                "m1_amount": "100000",
                "m1_condition": "on delivery",
            },
        )
        await pilot.press("ctrl+s")  # milestones do not add up: refused next to the field
        await pilot.pause()
        assert "adding up" in str(app.screen.query_one("#err-m1_amount").render())
        await fill(pilot, {"m1_amount": "120000"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContractsScreen)
        assert any("created" in m for m in messages(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContractDetailScreen)
        await pilot.press("s")  # preparation cannot be submitted yet
        await settle(pilot)
        assert any("allowed from Preparation" in m for m in messages(app))
        await pilot.press("t")  # move: the first allowed stage is offered by its title
        await pilot.pause()
        assert "Drafting (drafting)" in app.screen.prompt
        await pilot.press("end", "ctrl+u", *"Drafting")  # a title typed is understood
        await pilot.press("enter")
        await settle(pilot)
        assert any(m.endswith(": now Drafting") for m in messages(app))
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.detail.contract.stage == "submitted"
        await pilot.press("a")  # the requester may not approve
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert any("may not approve" in m for m in messages(app))


async def manager_approves(ctx: Any) -> None:
    from textual.widgets import DataTable

    from plugins.contracts.views import ContractsScreen

    app = app_for(ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        await pilot.press("slash")  # search by title
        await pilot.pause()
        await pilot.press(*"Flanges", "enter")
        await settle(pilot)
        assert len(app.screen.ids) == 1
        await pilot.press("f")  # waiting for me
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContractsScreen) and len(screen.ids) == 1
        table = screen.query_one(DataTable)
        waiting = [str(v) for v in table.get_row_at(0)]
        assert waiting[2] and waiting[4] == "1: Sales manager"  # customer, step by role title
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"fine")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.ids == []  # nothing left waiting
        assert any("now Approved" in m for m in messages(app))


async def rep_signs_and_amends(ctx: Any) -> None:
    from plugins.contracts.views import ContractDetailScreen
    from tui.screens.dialogs import ConfirmDialog, TableDialog

    app = app_for(ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_first(pilot)
        page = app.screen
        await pilot.press("g")  # asks first, naming the contract, customer and amount
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#confirm-question").render())
        assert page.detail.contract.number in question and "120,000.00" in question
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert app.screen is page and page.detail.contract.stage != "signed"
        await pilot.press("g", "right", "enter")
        await settle(pilot)
        assert app.screen.detail.contract.stage == "signed"
        await pilot.press("p")  # the signed scan is filed after signing
        await pilot.pause()
        await pilot.press(*"scans/signed.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert [a.ref for a in app.screen.detail.attachments] == ["scans/signed.pdf"]
        await pilot.press("y")  # first milestone paid today
        await settle(pilot)
        assert app.screen.detail.milestones[0].paid_on is not None
        await pilot.press("e")  # read-only now
        await pilot.pause()
        await fill(pilot, {"title": "Changed"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "read-only" in str(app.screen.query_one("#form-message").render())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        await fill(pilot, {"amount": "130000", "m1_amount": "130000"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContractDetailScreen)
        assert screen.detail.contract.revision == 2
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, TableDialog)
        changed = {str(row[0]): tuple(str(v) for v in row[1:]) for row in app.screen.rows}
        assert changed["Amount"] == ("120,000.00", "130,000.00")
        assert changed["Milestone 1"] == (
            "2026-04-30 120,000.00 on delivery",
            "2026-04-30 130,000.00 on delivery",
        )
        assert "stage" not in changed and "Stage" not in changed
        await pilot.press("escape")
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, TableDialog)
        assert app.screen.columns[1:] == ["rev. 1", "rev. 2"]


@pytest.mark.salesdesk_sqlite_only
def test_draft_submit_approve_sign_amend(tui_ctx: dict[str, Any], team: dict[str, Any]) -> None:
    rep, mgr = tui_ctx["rep"], tui_ctx["mgr"]
    asyncio.run(rep_drafts_and_submits(rep, team["customer"].id))
    asyncio.run(manager_approves(mgr))
    (contract,) = [r for r in services.contract_rows(rep) if r.revision == 1]
    assert contract.stage == "approved"
    asyncio.run(rep_signs_and_amends(rep))
    rows = services.contract_rows(rep, include_superseded=True)
    assert sorted((r.revision, r.stage) for r in rows) == [(1, "signed"), (2, "preparation")]
    assert opportunities.get_opportunity(rep, team["deal"].id).status == "open"  # not linked


async def manager_passes_the_control_node(ctx: Any) -> None:
    app = app_for(ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_first(pilot)
        await pilot.press("t")  # not yet: the control node is not signed off
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert any("Execution plan agreed" in m for m in messages(app))
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"plan ok", "enter")
        await settle(pilot)
        assert [s.node for s in app.screen.detail.signoffs] == ["kickoff"]
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.detail.contract.stage == "in_execution"


@pytest.mark.salesdesk_sqlite_only
def test_control_node_signed_off_in_the_tui(tui_ctx: dict[str, Any], team: dict[str, Any]) -> None:
    from contracts_helpers import at_stage

    at_stage(team, "planning")
    asyncio.run(manager_passes_the_control_node(tui_ctx["mgr"]))


async def list_at(ctx: Any, size: tuple[int, int]) -> list[int]:
    from textual.widgets import DataTable

    app = app_for(ctx)
    async with app.run_test(size=size) as pilot:
        await pilot.press("8")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        return [c.get_render_width(table) for c in table.columns.values()]


@pytest.mark.salesdesk_sqlite_only
def test_contract_list_fits_the_screen(tui_ctx: dict[str, Any], team: dict[str, Any]) -> None:
    """At 80 columns the stage is on screen; a wide screen gives long titles their room."""
    from contracts_helpers import draft

    draft(team, title="Annual supply of precision flanges and bearings for line 3")
    narrow = asyncio.run(list_at(tui_ctx["rep"], (80, 24)))
    assert len(narrow) == 5 and sum(narrow) <= 80 - 2
    wide = asyncio.run(list_at(tui_ctx["rep"], (160, 40)))
    assert wide[1] > narrow[1] and wide[1] > 22


async def timeline_of(ctx: Any, lang: str) -> list[str]:
    from textual.widgets import DataTable

    set_lang(lang)
    try:
        app = app_for(ctx)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first(pilot)
            table = app.screen.query_one("#timeline", DataTable)
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            head = str(app.screen.query_one("#head").render())
            return [" | ".join(str(c) for c in row) for row in rows] + [head]
    finally:
        set_lang("en")


@pytest.mark.salesdesk_sqlite_only
def test_timeline_names_approval_steps_by_role_title(
    tui_ctx: dict[str, Any], team: dict[str, Any]
) -> None:
    """#22: the timeline said "step 1 (sales_manager)"; it names the step and the role's
    title in the reader's language, and no stage by its id."""
    from contracts_helpers import approved

    approved(team)
    english = "\n".join(asyncio.run(timeline_of(tui_ctx["rep"], "en")))
    assert "sales_manager" not in english and "(finance)" not in english
    assert "Approval step 1 (Sales manager): ok" in english
    chinese = "\n".join(asyncio.run(timeline_of(tui_ctx["rep"], "zh_CN")))
    assert "sales_manager" not in chinese and "step" not in chinese
    assert "第 1 步审批（销售经理）：ok" in chinese, chinese


async def detail_at_80(ctx: Any, lang: str) -> dict[str, Any]:
    """The contract page at 80x24: the steps' and the timeline's columns as drawn, and
    what Enter on the approval step, then on the last timeline entry, shows."""
    from textual.widgets import DataTable, Static

    from tui.screens.dialogs import TextDialog

    set_lang(lang)
    try:
        app = app_for(ctx)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_first(pilot)
            seen: dict[str, Any] = {}
            for name in ("steps", "timeline"):
                table = app.screen.query_one(f"#{name}", DataTable)
                seen[name] = {
                    str(column.label): (column.width, [str(c) for c in table.get_column_at(i)])
                    for i, column in enumerate(table.columns.values())
                }
                table.focus()
                table.move_cursor(row=table.row_count - 1)
                await pilot.press("enter")
                await settle(pilot)
                assert isinstance(app.screen, TextDialog), (name, app.screen)
                seen[name + " opened"] = str(app.screen.query_one("#text", Static).render())
                await pilot.press("escape")
                await settle(pilot)
            hints = " ".join(str(w.render()) for w in app.screen.query(".hint"))
            seen["hints"] = hints
            return seen
    finally:
        set_lang("en")


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_contract_page_at_80_columns_reads_whole(
    tui_ctx: dict[str, Any], team: dict[str, Any], lang: str
) -> None:
    """#22: at 80x24 the contract page cut the approval time ("2026-12-06 13:5") and the
    comments ("demo approva"). Times stay whole; Enter on a step or a timeline entry
    shows it whole, wrapped, and the page says so."""
    from contracts_helpers import draft

    comment = "Price checked against the 2026 list; delivery agreed with the buyer's plant"
    rep = team["rep"]
    c = draft(team)
    services.transition(rep, c.id, "drafting")
    services.submit(rep, c.id)
    services.approve(team["mgr"], c.id, comment)
    seen = asyncio.run(detail_at_80(tui_ctx["rep"], lang))
    when = "When" if lang == "en" else "时间"
    for name in ("steps", "timeline"):
        width, values = seen[name][when]
        assert all(len(v) <= width for v in values), (name, width, values)
    assert comment in seen["steps opened"]
    assert comment in seen["timeline opened"].replace("\n", " ")
    assert ("Enter" if lang == "en" else "回车") in seen["hints"]


async def signoff_prompt_title(ctx: Any) -> str:
    from tui.screens.dialogs import PromptDialog

    app = app_for(ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_first(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        return str(app.screen.query_one(".title").render())


@pytest.mark.salesdesk_sqlite_only
def test_control_node_is_named_in_the_readers_language(
    tui_ctx: dict[str, Any], team: dict[str, Any]
) -> None:
    """The sign-off prompt named the control node in English on a Chinese screen
    ("控制节点确认：Execution plan agreed")."""
    from contracts_helpers import at_stage

    from core.i18n import set_lang

    at_stage(team, "planning")
    set_lang("zh_CN")
    try:
        title = asyncio.run(signoff_prompt_title(tui_ctx["mgr"]))
    finally:
        set_lang("en")
    assert "实施计划确认" in title and "Execution" not in title, title
