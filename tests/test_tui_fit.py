"""What fits at 80x24 (issue 22 item 5): nothing a user needs is cut off."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import aio, settle

from core.i18n import set_lang


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


def visible_keys(app: Any) -> list[str]:
    """The footer keys drawn fully inside the screen's width."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    width = app.size.width
    return [
        key.action
        for key in app.screen.query_one(Footer).query(FooterKey)
        if key.region.width and key.region.right <= width
    ]


def screen_line(app: Any, y: int) -> str:
    """The text of screen line ``y`` as the terminal is sent it (every chop of it)."""
    update = app.screen._compositor.render_full_update()
    return "".join(seg.text for strip in list(update.strips)[y] for seg in strip)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_keys_key_is_never_cut_from_the_footer(tui_world: dict[str, Any], lang: str) -> None:
    """Opportunities and Contracts teach more keys than 80 columns hold: "? Keys" was the
    one cut ("? Ke"); it comes first now, so the full list is always one key away."""
    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("3")
            await settle(pilot)
            shown = visible_keys(app)
            assert "keys" in shown, shown
            assert any("command_palette" in action for action in shown), shown
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_search_key_reads_whole_over_an_overflowing_footer(
    tui_world: dict[str, Any], lang: str
) -> None:
    """Users (9) at 80 columns teaches more keys than fit: the keys ran on under the
    search key docked at the right, and where one ended inside it the screen was cut
    there too, halving a wide character: "^p 搜" ("^p   索" elsewhere)."""
    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for section in ("9", "escape", "3"):
                await pilot.press(section)
                await settle(pilot)
                footer = screen_line(app, 23)
                assert footer.rstrip().endswith(
                    "^p " + ("搜索" if lang == "zh_CN" else "Search")
                ), (
                    section,
                    footer,
                )
    finally:
        set_lang("en")


async def _drill_stages(pilot: Any) -> Any:
    from textual.widgets import DataTable

    from tui.screens.records import RecordsScreen

    app = pilot.app
    await settle(pilot)
    app.push_screen(RecordsScreen("Open pipeline", "pipeline"))
    await settle(pilot)
    table = app.screen.query_one(DataTable)
    return table, [str(c.label) for c in table.columns.values()]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_pipeline_drill_fits_80_columns(tui_world: dict[str, Any], lang: str) -> None:
    """Home's pipeline drill cut the stage ("Propo") and pushed Amount off screen."""
    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            table, _headers = await _drill_stages(pilot)
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width  # every column, Amount too, on screen
            stage = next(c for c in table.columns.values() if str(c.label) in ("Stage", "阶段"))
            assert stage.width >= max(len("Proposal"), 8)
    finally:
        set_lang("en")


@aio
async def test_lists_widen_on_a_wide_terminal(tui_world: dict[str, Any]) -> None:
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(160, 48)) as pilot:
        table, _headers = await _drill_stages(pilot)
        widths = {str(c.label): c.width for c in table.columns.values()}
        assert widths["Customer"] >= len("上海精密锻造有限公司") * 2  # whole names


def test_fit_columns_keeps_figures_whole_and_narrows_text() -> None:
    """The production plan at 80 columns: the product column narrows, stock and
    to-produce stay whole (they were cut off)."""
    from rich.text import Text

    from tui.format import fit_columns

    class Table:
        cell_padding = 1

        def __init__(self) -> None:
            self.widths: list[int] = []

        def add_column(self, header: str, width: int) -> None:
            self.widths.append(width)

    def money(v: str) -> Text:
        return Text(v, justify="right")

    headers = ["产品编码", "产品", "本周应交", "全部未发", "库存", "本周需生产"]
    rows = [
        (
            "P003",
            "精密锻件 Precision forging PF-110 重型",
            money("1,000.00"),
            money("21.00"),
            money("14.00"),
            money("12,000.00"),
        )
    ]
    table = Table()
    fit_columns(table, headers, rows, room=78)
    assert sum(table.widths) + 2 * len(headers) <= 78
    assert table.widths[2:] == [8, 8, 5, 10]  # every figure and header whole
    wide = Table()
    fit_columns(wide, headers, rows, room=158)
    assert wide.widths[1] == 38  # the whole name on a wide screen


@aio
async def test_long_placeholder_and_label_read_whole(tui_world: dict[str, Any]) -> None:
    """The handover report's "Handover number (default: th…" placeholder and a long
    label ("Unified social credit code") were cut at 80 columns."""
    from textual.widgets import Input, Label, Static

    from tui.screens.customer_form import CustomerForm
    from tui.screens.reports import ReportsScreen

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ReportsScreen(report_id="funnel.handover"))
        await settle(pilot)
        field = app.screen.query_one("#f-handover", Input)
        field.focus()
        await settle(pilot)
        hint = app.screen.query_one("#err-handover", Static)
        assert str(hint.render()).startswith("Handover number (default: the")
        app.push_screen(CustomerForm(None))
        await settle(pilot)
        label = next(
            w for w in app.screen.query(Label) if str(w.render()) == "Unified social credit code"
        )
        assert label.size.width >= len("Unified social credit code")


@aio
async def test_a_cut_explanation_opens_whole(tui_world: dict[str, Any]) -> None:
    """The forecast's Why column was cut at 80 and at 160 and could not be opened: Enter
    on a text cell shows the whole row, wrapped."""
    from decimal import Decimal

    from textual.widgets import Static

    from core.reports import Column, ColumnKind, ReportResult, Table
    from tui.screens.dialogs import TextDialog
    from tui.screens.report_view import ReportView

    why = (
        "Seasonal naive chosen: lowest backtest error over the last 12 months; the "
        "December peak repeats, the trend is flat, holidays move two weeks of orders"
    )
    table = Table(
        "series",
        "Series",
        "序列",
        [
            Column("label", "Series", "序列"),
            Column("amount", "Forecast", "预测", ColumnKind.MONEY),
            Column("why", "Why", "原因"),
        ],
        [("East", Decimal("1200000.00"), why)],
    )
    result = ReportResult("forecast", "Sales forecast", "销售预测", {}, [table])
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(ReportView("forecast", {}, result))
        await settle(pilot)
        await pilot.press("right", "right", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        text = str(app.screen.query_one("#text", Static).render())
        assert "Why: " + why[:40] in text and "two weeks of orders" in text


@aio
async def test_due_list_fits_80_columns(tui_world: dict[str, Any]) -> None:
    """The due list's What, Due and Days over were off screen at 80 columns."""
    from textual.widgets import DataTable

    from plugins.funnel.views import DueListScreen

    set_lang("zh_CN")
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(DueListScreen())
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert table.row_count and used <= table.size.width
    finally:
        set_lang("en")


@aio
async def test_home_uses_a_wide_terminal(tui_world: dict[str, Any]) -> None:
    """#22: at 160x48 Home left most of the screen empty. A wide Home shows the open
    pipeline by stage beside the figures; at 80 columns it stays out of the way."""
    from tui.app import SalesdeskApp

    async def stages_at(size: tuple[int, int]) -> tuple[bool, list[list[str]], int]:
        app = SalesdeskApp(tui_world["admin"], database_label="test.db", profile="standard")
        async with app.run_test(size=size) as pilot:
            await settle(pilot, rounds=4)
            box = app.screen.query_one("#stages-box")
            table = app.screen.query_one("#stages")
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            return box.display and box.region.width > 0, rows, box.region.width

    shown, rows, width = await stages_at((160, 48))
    assert shown and width >= 50
    titles = [r[0] for r in rows]
    assert titles[:4] == ["Lead", "Qualified", "Proposal", "Negotiation"]
    assert rows[-1] == ["Total", "6", "262,500.00"]
    narrow, _rows, _width = await stages_at((80, 24))
    assert not narrow


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_lead_pool_fits_80_columns(tui_world: dict[str, Any], lang: str) -> None:
    """The lead pool's "In pool since" ran off the right edge at 80 columns ("2026-0")."""
    from textual.widgets import DataTable

    from plugins.funnel.views import LeadPoolScreen

    world = tui_world["world"]
    if not getattr(world, "_pool_seeded", False):
        world.customer(region="EAST", name="苏州东方船舶股份有限公司 Suzhou Orient Shipping")
        world._pool_seeded = True
    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(LeadPoolScreen())
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert table.row_count and used <= table.size.width, (used, table.size.width)
            since = list(table.columns.values())[-1]
            assert since.width >= len("2026-03-16")
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_customers_class_reads_whole_at_80_columns(
    tui_world: dict[str, Any], lang: str
) -> None:
    """The class column was 8 cells wide whatever the language: "Most pro", "Potentia",
    "最有希望". It is as wide as the longest class in the reader's language, the name
    column giving way, and every column still fits the screen."""
    from rich.cells import cell_len

    from core.models import CustomerClass
    from tui.format import label
    from tui.widgets.paged_table import PagedTable

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            table = app.screen.query_one(PagedTable)
            widths = {str(c.key.value): c.width for c in table.columns.values()}
            assert widths["class"] >= max(cell_len(label(c)) for c in CustomerClass)
            pad = 2 * table.cell_padding
            assert sum(widths.values()) + pad * len(widths) <= 80
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_due_list_kind_reads_whole_at_80_columns(
    tui_world: dict[str, Any], lang: str
) -> None:
    """The kind was cut at 80 columns ("超过拜访周", "Visit inte"): it is as wide as its
    longest word in the reader's language, and the row still fits."""
    from rich.cells import cell_len
    from textual.widgets import DataTable

    from plugins.funnel.views import KIND_LABELS, DueListScreen, _

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(DueListScreen())
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            kind = table.columns["kind"].width  # type: ignore[index]
            assert kind >= max(cell_len(_(text)) for text in KIND_LABELS.values())
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_due_list_what_reads_whole_at_80_columns(
    tui_world: dict[str, Any], lang: str
) -> None:
    """What is due was cut at 80 columns ("Returns to", "Most promi", "将退回线索"): it
    is as wide as its longest word (an idle lead's step, a customer's class, a stage)
    in the reader's language, the names giving way, and the row still fits."""
    from rich.cells import cell_len
    from textual.widgets import DataTable

    from core.models import CustomerClass
    from plugins.funnel.views import SUBJECTS, DueListScreen, _
    from tui.format import label

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(DueListScreen())
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            words = [_(text) for text in SUBJECTS.values()] + [label(c) for c in CustomerClass]
            what = table.columns["subject"].width  # type: ignore[index]
            assert what >= max(map(cell_len, words)), what
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_due_list_hint_reads_whole_at_80_columns(
    tui_world: dict[str, Any], lang: str
) -> None:
    """The due list's hint was one line high: at 80 columns "r opens the" ended it."""
    from textual.widgets import Static

    from plugins.funnel.views import DueListScreen, _

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(DueListScreen())
            await settle(pilot)
            hint = app.screen.query_one("#hint", Static)
            shown = "".join(
                screen_line(app, y).strip() for y in range(hint.region.y, hint.region.bottom)
            )
            tail = _("m switches mine / team; r opens the report (x exports it).")[-8:]
            assert tail.replace(" ", "") in shown.replace(" ", ""), shown
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_lead_pool_names_the_region(tui_world: dict[str, Any], lang: str) -> None:
    """The lead pool showed the region's code ("SUZ") where the customers list shows its
    name ("苏州 Suzhou")."""
    from textual.widgets import DataTable

    from plugins.funnel.views import LeadPoolScreen

    world = tui_world["world"]
    world.region("SUZ", name="苏州 Suzhou")
    world.customer(region="SUZ", name="苏州德隆科技")
    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            app.push_screen(LeadPoolScreen())
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            (row,) = [r for r in rows if r[1] == "苏州德隆科技"]
            assert row[3] == "苏州 Suzhou", row
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_deal_list_shows_every_column_and_whole_amounts_at_80_columns(
    tui_world: dict[str, Any], lang: str
) -> None:
    """At 80 columns the deals' Amount was 11 cells: 3,000,000.00 read "3,000,000.0",
    and the Owner column ran past the screen's edge."""
    from textual.widgets import DataTable

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("3")
            await settle(pilot)
            table = app.screen.query_one(DataTable)
            widths = {str(key.value): c.width for key, c in table.columns.items()}
            assert widths["amount"] >= len("99,999,999.99")
            used = sum(c.get_render_width(table) for c in table.columns.values())
            assert used <= table.size.width  # the owner too
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_report_placeholders_are_never_cut(tui_world: dict[str, Any], lang: str) -> None:
    """At 80x24 a report's parameters showed "Rep's login (default: " and "YYYY-MM-DD ·
    Report date (def": every placeholder now fits its field, and what does not fit (a
    date's explanation) is read whole on the line under the field."""
    from rich.cells import cell_len
    from textual.widgets import Input, Static

    from core.i18n import _
    from tui.screens.reports import ReportsScreen, available_reports, param_specs

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(ReportsScreen())
            await settle(pilot)
            screen, cut = app.screen, []
            for report in available_reports(app.ctx):
                mounting = screen._show_params(report.id)
                if mounting is not None:
                    await mounting
                await settle(pilot, rounds=2)
                for spec in param_specs(report.Params)[0]:
                    field = screen.query_one(f"#f-{spec.name}")
                    if not spec.placeholder or not isinstance(field, Input):
                        continue
                    text, width = _(spec.placeholder), field.content_size.width
                    hint = screen.query_one(f"#err-{spec.name}", Static)
                    below = str(hint.render())
                    lines_needed = -(-cell_len(below) // max(1, hint.content_size.width))
                    whole = field.placeholder + (" · " if field.placeholder else "") + below
                    if (
                        cell_len(field.placeholder) > width
                        or (whole.strip(" ·") != text)
                        or (below and hint.content_size.height < lines_needed)
                        or hint.region.right > 80
                    ):
                        cut.append((report.id, spec.name, field.placeholder, below))
            assert cut == [], cut
    finally:
        set_lang("en")


def test_every_report_parameter_reads_chinese(tui_world: dict[str, Any]) -> None:
    """The Chinese walk opens only the first report: 32 parameters of the others (due
    soon days, funnel, owner, project and building codes...) showed English titles and
    hints on Chinese screens."""
    from core.i18n import _
    from tui.screens.reports import available_reports

    set_lang("zh_CN")
    try:
        english = [
            (report.id, text)
            for report in available_reports(tui_world["admin"])
            for info in report.Params.model_fields.values()
            for text in (info.title, info.description)
            if text and _(text) == text
        ]
    finally:
        set_lang("en")
    assert english == []


@aio
async def test_a_chinese_chart_fits_its_width(tui_world: dict[str, Any]) -> None:
    """A chart with a Chinese title, legend and amounts (万) ran past 80 columns and
    wrapped each such line: plotext counted a Chinese character as one cell."""
    from decimal import Decimal

    from rich.cells import cell_len
    from textual_plotext import PlotextPlot

    from core.reports import ChartSpec, Column, ColumnKind, ReportResult, Table
    from tui.screens.report_view import ReportView

    rows = [
        (f"2025-{m:02d}", Decimal(30_000_000 + m * 900_000), Decimal(29_000_000 + m * 1e6))
        for m in range(1, 13)
    ]
    table = Table(
        "months",
        "History",
        "历史与预测",
        [
            Column("month", "Month", "期间"),
            Column("actual", "Actual", "实际", ColumnKind.MONEY),
            Column("low", "Low (80%)", "下限（80%）", ColumnKind.MONEY),
        ],
        rows,
    )
    chart = ChartSpec("line", "Forecast", "预测及区间", "months", "month", ("actual", "low"))
    result = ReportResult("forecast", "Sales forecast", "销售预测", {}, [table], charts=[chart])
    set_lang("zh_CN")
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(ReportView("forecast", {}, result))
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            plot = app.screen.query_one(PlotextPlot)
            lines = plot.render().plain.split("\n")
            assert "万" in "".join(lines) and "下限" in "".join(lines)
            assert "\u200b" not in "".join(lines)
            assert max(cell_len(line) for line in lines) <= plot.size.width
    finally:
        set_lang("en")


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_footer_keys_are_shown_whole_or_not_at_all(
    tui_world: dict[str, Any], lang: str
) -> None:
    """At 80 columns the last key that did not fit was cut mid-word ("c 新建分" for
    "c 新建分摊", "m Ame"): a key is now shown whole (the blank after its words may be
    cut) or left to the ? list."""
    from textual.widgets._footer import FooterKey

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            left_out = 0
            for section in ("3", "escape", "9", "escape", "8"):
                await pilot.press(section)
                await settle(pilot)
                row = app.screen.query_one(".footer-keys")
                keys = list(row.query(FooterKey))
                shown = [key for key in keys if key.display]
                assert shown and all(k.region.right - 1 <= row.region.right for k in shown), section
                left_out += len(keys) - len(shown)
                await pilot.press("question_mark")
                await settle(pilot)
                listed = {description for _key, description in app.screen.rows}
                assert all(key.description in listed for key in keys), section
                await pilot.press("escape")
                await settle(pilot)
            assert left_out  # these sections teach more keys than 80 columns hold
    finally:
        set_lang("en")
