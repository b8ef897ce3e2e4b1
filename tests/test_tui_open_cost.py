"""What a section costs the UI thread as it opens (issue 22: each section by its key in
under 100 ms on the large data set): not timed tests, they count the work the UI thread
is given (widgets mounted, lists measured again), which does not depend on the load of
the machine the tests run on."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import aio, settle


def app_for(ctx: Any, **kw: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", **kw)


@aio
@pytest.mark.parametrize("section", ["reports", "forms"])
async def test_a_list_of_reports_or_forms_is_filled_in_one_go(
    tui_world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, section: str
) -> None:
    """Reports and Forms list what was read with one call: each ``add_option`` asks for
    a new layout, sizes the list's lines and scroll range again and redraws it; about 60
    reports and headings added one by one took 0.1 s of the UI thread's CPU as Reports
    opened on large."""
    from textual.widgets import OptionList

    calls: list[int] = []
    add_options = OptionList.add_options

    def counted(self: OptionList, options: Any) -> Any:
        options = list(options)
        if self.id in ("report-list", "form-list") and options:  # not the empty first
            calls.append(self.option_count)
        return add_options(self, options)

    monkeypatch.setattr(OptionList, "add_options", counted)
    app = app_for(tui_world["admin"], load_dashboard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.action_section(section)
        await settle(pilot)
        listing = app.screen.query_one(OptionList)
        assert listing.option_count > 1
        assert calls == [0], calls
