"""Plugin forms: the contract, validation before the plugin's service runs, permissions,
and the Forms screen built from the model (typing, errors under fields, saving)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

import pydantic
import pytest
from tui_helpers import aio, settle

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.forms import FormSpec, form_registry, forms_for, submit_form
from core.hookspecs import hookimpl
from core.i18n import set_lang
from core.testing.world import FixedClock, make_world


class TenderRecord(pydantic.BaseModel):
    number: str = pydantic.Field(min_length=3, title="Tender number")
    bid_price: Decimal = pydantic.Field(gt=0, title="Bid price")
    result: Literal["open", "won", "lost"] = "open"


class FormPlugin:
    """A throwaway plugin with one good form, one admin-only form and one bad item."""

    def __init__(self) -> None:
        self.saved: list[TenderRecord] = []

    def save(self, ctx: Any, record: TenderRecord) -> str:
        self.saved.append(record)
        return f"Tender {record.number} saved"

    @hookimpl
    def salesdesk_forms(self) -> list[Any]:
        return [
            FormSpec("tender", "Tender", "投标", TenderRecord, self.save),
            FormSpec(
                "secret", "Secret", "机密", TenderRecord, self.save, permission="plugin.manage"
            ),
            FormSpec("", "No id", "", TenderRecord, self.save),
        ]


@pytest.fixture
def forms_world(db_factory: Any) -> Iterator[tuple[Any, FormPlugin]]:
    import tui.hookspecs
    from core.runtime import open_runtime

    set_lang("en")
    rt = open_runtime(
        db_factory.new("sqlite"), extra_specs=[tui.hookspecs], load_plugins=False
    )  # only this test's forms
    world = make_world(rt, FixedClock())
    world.region("EAST")  # a company in use: the first-start guide does not open
    plugin = FormPlugin()
    assert rt.plugins.register(plugin, "tender_forms")
    yield world, plugin
    set_lang(None)
    rt.db.dispose()


def test_registry_keeps_good_forms_and_notes_bad_ones(forms_world: Any) -> None:
    world, _plugin = forms_world
    assert list(form_registry(world.runtime.plugins)) == ["tender", "secret"]
    assert "needs an id" in world.runtime.plugins.info["tender_forms"].last_error


def test_submit_validates_before_saving(forms_world: Any) -> None:
    world, plugin = forms_world
    with pytest.raises(ValidationFailed) as caught:
        submit_form(world.admin, "tender", {"number": "T1", "bid_price": "-5", "result": ""})
    fields = {p.field for p in caught.value.problems}
    assert fields == {"number", "bid_price"}
    assert plugin.saved == []
    message = submit_form(
        world.admin, "tender", {"number": "T26001", "bid_price": "1200.50", "result": ""}
    )
    assert message == "Tender T26001 saved"
    assert plugin.saved == [TenderRecord(number="T26001", bid_price=Decimal("1200.50"))]


def test_forms_follow_permissions(forms_world: Any) -> None:
    world, plugin = forms_world
    rep = world.user("rep1", "sales_rep")
    assert [f.id for f in forms_for(rep)] == ["tender"]
    with pytest.raises(PermissionDenied):
        submit_form(rep, "secret", {"number": "T26001", "bid_price": "1"})
    with pytest.raises(NotFound, match="There is no form 'nope'"):
        submit_form(rep, "nope", {})
    assert plugin.saved == []


@aio
async def test_forms_screen_shows_errors_then_saves(forms_world: Any) -> None:
    from textual.widgets import Input, Static

    from tui.app import SalesdeskApp
    from tui.screens.forms import FormsScreen

    world, plugin = forms_world
    app = SalesdeskApp(world.admin, database_label="test.db", profile="standard")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "forms" in [sid for sid, _key, _title in app.sections()]
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, FormsScreen)
        app.screen.query_one("#f-number", Input).value = "T1"
        app.screen.query_one("#f-bid_price", Input).value = "abc"
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(app.screen.query_one("#err-bid_price", Static).render())
        assert error == "expected a number"
        assert app.screen.query_one("#f-number", Input).value == "T1"  # nothing lost
        app.screen.query_one("#f-number", Input).value = "T26002"
        app.screen.query_one("#f-bid_price", Input).value = "99.90"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [r.number for r in plugin.saved] == ["T26002"]
        assert app.screen.query_one("#f-number", Input).value == ""  # ready for the next


def test_forms_are_offered_only_when_a_plugin_has_one(
    forms_world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.forms
    from tui.app import SalesdeskApp

    world, _plugin = forms_world
    app = SalesdeskApp(world.admin, database_label="test.db", profile="standard")
    assert "forms" in [sid for sid, _key, _title in app.sections()]
    monkeypatch.setattr(core.forms, "forms_for", lambda ctx: [])
    assert "forms" not in [sid for sid, _key, _title in app.sections()]
