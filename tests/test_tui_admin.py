"""The Admin area (#17.1): keyboard-driven region tree, channels and company settings."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from tui_helpers import aio, settle

from core.models import AuditEntry, Region


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard")


def region(ctx: Any, code: str) -> Region:
    with ctx.reading() as session:
        return session.scalars(sa.select(Region).where(Region.code == code)).one()


@aio
async def test_admin_adds_moves_renames_and_deactivates_a_region(tui_world: dict[str, Any]) -> None:
    from tui.screens.admin import AdminScreen
    from tui.screens.dialogs import FormDialog, PromptDialog

    admin = tui_world["admin"]
    app = app_for(admin)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        await pilot.press("n")  # a new office under the highlighted region (EAST)
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await pilot.press(*"SH", "tab", *"Shanghai", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
        sh = region(admin, "SH")
        assert (sh.parent_id, sh.kind) == (region(admin, "EAST").id, "office")
        table = app.screen.query_one("#regions")
        table.move_cursor(row=[str(k.value) for k in table.rows].index(str(sh.id)))
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        await pilot.press(*"NORTH", "enter")
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"Shanghai branch", "enter")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
    sh = region(admin, "SH")
    assert (sh.parent_id, sh.name, sh.active) == (
        region(admin, "NORTH").id,
        "Shanghai branch",
        False,
    )
    with admin.reading() as session:
        actions = set(
            session.scalars(
                sa.select(AuditEntry.action).where(
                    AuditEntry.entity == "region", AuditEntry.entity_id == str(sh.id)
                )
            )
        )
    assert actions == {"create", "move", "rename", "deactivate"}


@aio
async def test_a_refused_move_is_a_message_not_a_crash(tui_world: dict[str, Any]) -> None:
    admin = tui_world["admin"]
    world = tui_world["world"]
    world.region("SUB", parent="EAST")
    app = app_for(admin)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        table = app.screen.query_one("#regions")
        east = region(admin, "EAST").id
        table.move_cursor(row=[str(k.value) for k in table.rows].index(str(east)))
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"SUB", "enter")  # under its own sub-region: refused
        await settle(pilot)
        notes = [n.message for n in app._notifications]
    assert any("not EAST itself nor below it" in m for m in notes)
    assert region(admin, "EAST").parent_id is None


@aio
async def test_admin_area_is_offered_to_admins_only(tui_world: dict[str, Any]) -> None:
    from tui.screens.admin import AdminScreen

    app = app_for(tui_world["rep"])
    async with app.run_test(size=(100, 30)) as pilot:
        assert "admin" not in [sid for sid, _k, _t in app.sections()]
        await pilot.press("0")
        await settle(pilot)
        assert not isinstance(app.screen, AdminScreen)


@aio
async def test_company_settings_form(tui_world: dict[str, Any]) -> None:
    from tui.screens.admin import AdminScreen

    admin = tui_world["admin"]
    app = app_for(admin)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        await pilot.press("shift+tab", "right", "right")  # to the tabs, then Company
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("ctrl+a", *"华东精密", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AdminScreen)
    from core.services.organisation import company_settings

    assert company_settings(admin).name == "华东精密"


@aio
async def test_customer_form_refuses_a_bad_credit_code_next_to_the_field(
    tui_world: dict[str, Any],
) -> None:
    from tui.screens.customer_form import CustomerForm

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CustomerForm)
        await pilot.press(*"Fuzhou Precision")
        app.screen.query_one("#f-credit_code").value = "91350100M000100Y44"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)
        error = str(app.screen.query_one("#err-credit_code").render())
        assert "unified social credit code" in error
        app.screen.query_one("#f-credit_code").value = "91350100M000100Y43"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CustomerForm)


@aio
async def test_numbering_offices_in_the_company_settings(tui_world: dict[str, Any]) -> None:
    """Company settings include how each document series is numbered and each office's
    own range (e.g. Shanghai from 1, Beijing from 20001), changed by keyboard."""
    from core.services.numbering import list_rules
    from tui.screens.dialogs import FormDialog

    admin = tui_world["admin"]
    app = app_for(admin)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#admin-tabs").active = "tab-company"
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormDialog)
        values = {"series": "mfg_order", "prefix": "SO", "width": "5", "offices": "SH=x"}
        for name, value in values.items():
            form.query_one(f"#f-{name}").value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "OFFICE=FIRST" in str(form.query_one("#err-offices").render())
        form.query_one("#f-offices").value = "SH=1, BJ=20001"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        table = screen.query_one("#company")
        rows = {
            str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)
        }
        assert rows["Numbering of sales orders"] == "SO, 5 digits; SH from 1, BJ from 20001"
        table.focus()
        table.move_cursor(row=list(rows).index("Numbering of sales orders"))
        await pilot.press("o")  # the highlighted series opens with its rule, by its title
        await settle(pilot)
        assert app.screen.query_one("#f-offices").value == "SH=1, BJ=20001"
        assert app.screen.query_one("#f-series").value == "sales orders"
        app.screen.query_one("#f-prefix").value = "SX"
        await pilot.press("ctrl+s")  # saved under the series' id, not its title
        await settle(pilot)
    rules = list_rules(admin)
    assert "sales orders" not in rules
    assert (rules["mfg_order"].prefix, rules["mfg_order"].offices) == ("SX", {"SH": 1, "BJ": 20001})


@aio
async def test_numbering_is_not_offered_to_a_regional_admin(tui_world: dict[str, Any]) -> None:
    regional = tui_world["world"].user("sun", "regional_admin", region="EAST")
    app = app_for(regional)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        screen = app.screen
        await pilot.press("o")
        await settle(pilot)
        assert app.screen is screen


@aio
async def test_admin_fits_the_screen_with_the_regions_focused_from_the_start(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tabs fill what is left under the title and the rule: a table as tall as the
    screen under them made the screen scroll (title and rule out of sight, a scroll bar
    at the right). The focus is on the regions from the start: given to the tabs first,
    then moved, it restyled them twice and drew the whole screen once more."""
    from textual.screen import Screen

    from tui.screens.admin import AdminScreen
    from tui.widgets.infobar import InfoBar

    focused: list[str] = []
    set_focus = Screen.set_focus

    def noted(self: Screen[Any], widget: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, AdminScreen):
            focused.append(type(widget).__name__ + f"#{getattr(widget, 'id', '')}")
        return set_focus(self, widget, *args, **kwargs)

    monkeypatch.setattr(Screen, "set_focus", noted)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("0")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        assert screen.query_one(InfoBar).region.y == 0
        assert screen.query_one("#admin-hint").region.y == 1
        assert not screen.show_vertical_scrollbar and screen.scroll_y == 0
        assert app.focused is screen.query_one("#regions")
        assert set(focused) == {"DataTable#regions"}, focused


@aio
async def test_a_channels_kind_reads_as_a_word_and_is_chosen(tui_world: dict[str, Any]) -> None:
    """The channels' table showed the kind's code ("distributor") on a Chinese screen,
    and a new channel's kind was typed after a placeholder listing the codes."""
    from textual.widgets import DataTable, Select

    from core.i18n import set_lang
    from core.services import organisation as org
    from tui.screens.dialogs import FormDialog

    admin = tui_world["admin"]
    org.add_channel(admin, {"code": "DIST-N", "name": "North dealer", "kind": "distributor"})
    set_lang("zh_CN")
    try:
        app = app_for(admin)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("0")
            await settle(pilot)
            await pilot.press("shift+tab", "right")  # to the tabs, then Channels
            await settle(pilot)
            table = app.screen.query_one("#channels", DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            assert next(row[:3] for row in rows if row[0] == "DIST-N") == [
                "DIST-N",
                "North dealer",
                "经销商",
            ]
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, FormDialog)
            kind = app.screen.query_one("#f-kind", Select)
            assert [str(p) for p, _v in kind._options[1:]] == ["直销", "经销商", "零售", "电商"]
    finally:
        set_lang("en")


@aio
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_channels_and_company_tabs_are_made_when_first_shown_with_their_rows(
    tui_world: dict[str, Any], lang: str
) -> None:
    """Admin opens with the regions only: the channels' and the company's tabs are made
    the first time they are shown (a third of the widgets it opened with, composed and
    styled unseen). Shown, each has its rows, in the reader's language, as read last
    (here: a channel added after Admin opened, read again as a region was deactivated
    while the tab was not made yet)."""
    from textual.widgets import DataTable, TabbedContent

    from core.i18n import set_lang
    from core.services import organisation as org
    from tui.screens.admin import AdminScreen

    admin = tui_world["admin"]
    set_lang(lang)
    zh = lang == "zh_CN"
    try:
        app = app_for(admin)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("0")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AdminScreen)
            assert not screen.query("#channels") and not screen.query("#company")
            tabs = [str(tab.label) for tab in screen.query_one(TabbedContent).query("ContentTab")]
            assert tabs == (["区域", "渠道", "公司"] if zh else ["Regions", "Channels", "Company"])
            org.add_channel(
                admin, {"code": "DIST-N", "name": "North dealer", "kind": "distributor"}
            )
            regions = screen.query_one("#regions", DataTable)
            regions.move_cursor(row=regions.row_count - 1)
            await pilot.press("d")  # read again while the other tabs are not made
            await settle(pilot)
            assert not screen.query("#channels")
            await pilot.press("shift+tab", "right")  # to the tabs, then Channels
            await settle(pilot)
            channels = screen.query_one("#channels", DataTable)
            assert channels.region.height > 3  # shown, not only made
            rows = [[str(c) for c in channels.get_row_at(i)] for i in range(channels.row_count)]
            assert ["DIST-N", "North dealer", "经销商" if zh else "Distributor"] in [
                row[:3] for row in rows
            ]
            assert [str(c.label) for c in channels.columns.values()][:2] == (
                ["编码", "名称"] if zh else ["Code", "Name"]
            )
            await pilot.press("right")  # Company
            await settle(pilot)
            company = screen.query_one("#company", DataTable)
            assert company.region.height > 3
            settings = {
                str(company.get_row_at(i)[0]): str(company.get_row_at(i)[1])
                for i in range(company.row_count)
            }
            assert settings["币种" if zh else "Currency"] == org.company_settings(admin).currency
            await pilot.press("left")  # back to Channels: made once, rows kept
            await settle(pilot)
            assert screen.query_one("#channels", DataTable).row_count == len(rows)
            assert len(screen.query(DataTable)) == 3
    finally:
        set_lang("en")


@aio
async def test_admin_is_filled_as_it_opens_with_what_was_read_from_when_it_was_made(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tabs' records are read from when the screen is made; read by the time it is
    mounted, the regions are in its first frame, no worker reads them again (filled from
    a worker, they came two frames later: Admin opened in 108 ms on large)."""
    from concurrent.futures import Future

    from textual.widgets import DataTable

    from tui.screens import admin as admin_screen

    def at_once(fetch: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(fetch())
        return done

    loads: list[str] = []
    read_then = admin_screen.AdminScreen.read_then

    def noted(self: Any, *args: Any, **kwargs: Any) -> Any:
        loads.append(kwargs.get("group", ""))
        return read_then(self, *args, **kwargs)

    monkeypatch.setattr(admin_screen, "read_now", at_once)
    monkeypatch.setattr(admin_screen.AdminScreen, "read_then", noted)
    mounted: list[int] = []
    on_mount = admin_screen.AdminScreen.on_mount

    def counted(self: Any) -> None:
        on_mount(self)
        mounted.append(self.query_one("#regions", DataTable).row_count)

    monkeypatch.setattr(admin_screen.AdminScreen, "on_mount", counted)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("0")
        await settle(pilot)
        assert mounted and mounted[0] > 0, mounted
        assert loads == [], loads
        codes = [str(app.screen.query_one("#regions", DataTable).get_row_at(0)[0]).strip()]
        assert codes[0]


@aio
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_the_company_tab_names_document_series_by_title_and_hides_region_keys(
    tui_world: dict[str, Any], lang: str
) -> None:
    """Issue #22: the Company tab shows "Numbering of delivery notes" (送货单编号规则), never
    the series' code (mfg_delivery, real_estate.contract); a series no plugin declares
    still shows, by its id. The footer there offers no region keys (n would add a region
    while the user looks at settings); back on Regions they are offered and work."""
    from core.i18n import set_lang
    from core.services.numbering import series_registry, set_rule
    from tui.screens.admin import AdminScreen

    admin = tui_world["admin"]
    declared = series_registry(admin.plugins)
    assert {"mfg_delivery", "real_estate.contract", "contract"} <= set(declared)
    for series in [*declared, "acme_ticket"]:
        set_rule(admin, series, {"prefix": "", "width": 5, "offices": {}})
    set_lang(lang)
    zh = lang == "zh_CN"
    try:
        app = app_for(admin)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("0")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AdminScreen)
            shown = {b.binding.action for b in screen.active_bindings.values()}
            assert {"new", "rename", "move", "toggle_active"} <= shown
            await pilot.press("shift+tab", "right", "right")  # to the tabs, then Company
            await settle(pilot)
            assert screen.query_one("#admin-tabs").active == "tab-company"
            table = screen.query_one("#company")
            rows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            numbering = [row for row in rows if "编号规则" in row or "Numbering" in row]
            assert len(numbering) == len(declared) + 1
            assert ("送货单编号规则" if zh else "Numbering of delivery notes") in rows
            assert ("acme_ticket编号规则" if zh else "Numbering of acme_ticket") in rows
            for row in rows:
                assert "mfg_" not in row and "real_estate." not in row, row
            keys = {b.binding.action for b in screen.active_bindings.values()}
            assert not keys & {"new", "rename", "move", "toggle_active"}, keys
            assert {"edit_company", "numbering"} <= keys
            await pilot.press("n")  # no new-region form behind the settings
            await settle(pilot)
            assert app.screen is screen
            await pilot.press("left", "left")  # back to Regions: its keys again
            await settle(pilot)
            keys = {b.binding.action for b in screen.active_bindings.values()}
            assert {"new", "rename", "move", "toggle_active"} <= keys
    finally:
        set_lang("en")


# the keys of the Company tab: the company settings, the numbering and the set-up guide
COMPANY_KEYS = {"edit_company", "numbering", "setup"}
RECORD_KEYS = {"new", "rename", "move", "toggle_active"}


@aio
async def test_each_admin_key_is_shown_and_acts_on_its_own_tab_only(
    tui_world: dict[str, Any],
) -> None:
    """The footer and the ? list show a key only on the tab it acts on: e (company
    settings), o (numbering) and w (set-up guide) on the Company tab, not beside the
    regions or the channels, where pressing them does nothing either; the footer
    follows the tab shown."""
    from textual.widgets._footer import FooterKey

    from tui.screens.admin import AdminScreen
    from tui.screens.dialogs import FormDialog, KeysDialog

    def shown(screen: Any) -> set[str]:
        return {b.binding.action for b in screen.active_bindings.values()}

    def footer(screen: Any) -> set[str]:
        return {key.action for key in screen.query(FooterKey)}

    app = app_for(tui_world["admin"])
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("0")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AdminScreen)
        for tab in ("regions", "channels"):
            if tab == "channels":  # to the tabs, then the next one
                await pilot.press("shift+tab", "right")
                await settle(pilot)
            assert screen.query_one("#admin-tabs").active == f"tab-{tab}"
            assert shown(screen) >= RECORD_KEYS and not COMPANY_KEYS & shown(screen), tab
            assert footer(screen) >= RECORD_KEYS and not COMPANY_KEYS & footer(screen), tab
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, KeysDialog)
            listed = {description for _key, description in app.screen.rows}
            assert "New" in listed and not {"Company settings", "Set-up guide"} & listed
            await pilot.press("escape")
            await settle(pilot)
            for key in ("e", "o", "w"):  # nothing opens
                await pilot.press(key)
                await settle(pilot)
                assert app.screen is screen, (tab, key)
        await pilot.press("right")  # Company
        await settle(pilot)
        assert screen.query_one("#admin-tabs").active == "tab-company"
        assert shown(screen) >= COMPANY_KEYS and not RECORD_KEYS & shown(screen)
        assert footer(screen) >= COMPANY_KEYS and not RECORD_KEYS & footer(screen)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)


@aio
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
async def test_a_refused_prefix_says_what_a_prefix_may_hold(
    tui_world: dict[str, Any], lang: str
) -> None:
    """The numbering dialog refuses a prefix with Chinese characters by saying, next to
    the field and in the reader's language, what a prefix may hold."""
    from core.i18n import set_lang
    from tui.screens.dialogs import FormDialog

    set_lang(lang)
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("0")
            await settle(pilot)
            await pilot.press("shift+tab", "right", "right", "o")  # Company tab, numbering
            await settle(pilot)
            form = app.screen
            assert isinstance(form, FormDialog)
            form.query_one("#f-series").value = "mfg_order"
            form.query_one("#f-prefix").value = "合同"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form
            said = str(form.query_one("#err-prefix").render())
    finally:
        set_lang("en")
    if lang == "zh_CN":
        assert "只能是英文字母 A-Z 或 a-z、数字 0-9 和连字符" in said, said
    else:
        assert "only letters A-Z or a-z, digits 0-9 and hyphens (-)" in said, said
