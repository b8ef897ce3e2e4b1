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

    width = app.size.width
    return [key.action for key in app.screen.query_one(Footer).children
            if key.region.width and key.region.right <= width]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_keys_key_is_never_cut_from_the_footer(tui_world: dict[str, Any],
                                                      lang: str) -> None:
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
