"""A user's e-mail follows the rule every other e-mail of salesdesk follows (a contact's,
an imported user's): one @ with a dot after it, no spaces, at most 200 characters; a
user may still have none. Refused in the reader's language, naming the e-mail, with
nothing written, whether added or changed, from the service or the command line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from tui_helpers import aio, settle

from core.errors import ValidationFailed
from core.i18n import set_lang
from core.models import User
from core.services import users

RULE_EN = (
    "an e-mail address of up to 200 characters: one @ with a dot after it, no spaces, "
    "e.g. li.wei@example.com"
)
RULE_ZH = "最多 200 个字符的电子邮箱地址：含一个 @，其后要有点，不含空格，如 li.wei@example.com"
SAID = {
    "en": f"Email: got 'li.wei at example', expected {RULE_EN}",
    "zh_CN": f"邮箱：填的是 'li.wei at example'，应为 {RULE_ZH}",
}


@pytest.fixture
def lang() -> Iterator[None]:
    yield
    set_lang(None)


def logins(world: Any) -> set[str]:
    with world.runtime.db.read_session() as session:
        return set(session.scalars(sa.select(User.login)))


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_new_users_email_must_be_an_email(world: Any, lang: None, language: str) -> None:
    set_lang(language)
    for bad in ["li.wei at example", "li.wei@example", "a@b@c.com", "x" * 195 + "@ex.com"]:
        data = {"login": "li.wei", "display_name": "Li Wei", "roles": ["sales_rep"]}
        with pytest.raises(ValidationFailed) as refused:
            users.add_user(world.admin, {**data, "email": bad})
        assert [p.field for p in refused.value.problems] == ["email"]
        text = str(refused.value)
        assert (RULE_EN if language == "en" else RULE_ZH) in text, text
        assert ("Email" if language == "en" else "邮箱") in text, text
    with pytest.raises(ValidationFailed) as refused:
        users.add_user(world.admin, {**data, "email": "li.wei at example"})
    assert SAID[language] in str(refused.value)
    assert "li.wei" not in logins(world)


def test_an_email_stays_optional_and_a_good_one_is_kept(world: Any) -> None:
    data = {"display_name": "X", "roles": ["sales_rep"]}
    assert users.add_user(world.admin, {**data, "login": "none"}).email is None
    assert users.add_user(world.admin, {**data, "login": "blank", "email": ""}).email in ("", None)
    kept = users.add_user(world.admin, {**data, "login": "li", "email": " li.wei@example.com "})
    assert kept.email == "li.wei@example.com"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_changed_email_must_be_an_email(world: Any, lang: None, language: str) -> None:
    users.add_user(
        world.admin,
        {"login": "li", "display_name": "Li", "roles": ["sales_rep"], "email": "li@example.com"},
    )
    set_lang(language)
    with pytest.raises(ValidationFailed) as refused:
        users.update_user(world.admin, "li", {"email": "li.wei at example"})
    assert SAID[language] in str(refused.value), str(refused.value)
    assert users.find_user(world.admin, "li").email == "li@example.com"
    users.update_user(world.admin, "li", {"email": ""})  # cleared: allowed
    assert users.find_user(world.admin, "li").email in ("", None)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_users_add_refuses_a_bad_email_in_one_sentence(
    world: Any, monkeypatch: pytest.MonkeyPatch, lang: None, language: str, backend: str
) -> None:
    from tui.cli import cli

    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--database", world.runtime.db.url, *args])

    assert run("db", "upgrade").exit_code == 0
    set_lang(language)
    result = run("users", "add", "li", "--name", "Li", "--role", "sales_rep", "--email", "li@x")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert (RULE_EN if language == "en" else RULE_ZH) in result.output, result.output
    assert "li" not in logins(world)


@aio
async def test_the_user_dialogs_refuse_a_bad_email_under_it_in_chinese(
    tui_world: dict[str, Any], lang: None
) -> None:
    from textual.widgets import Static

    from tui.app import SalesdeskApp

    set_lang("zh_CN")
    admin = tui_world["admin"]
    app = SalesdeskApp(admin, database_label="test.db", profile="standard", load_dashboard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("9")
        await settle(pilot)
        screen = app.screen
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#f-login").value = "chen"
        form.query_one("#f-display_name").value = "陈静"
        form.query_one("#f-email").value = "chen at example"
        form.query_one("#f-roles").select("sales_rep")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # stays open, nothing typed lost
        assert RULE_ZH in str(form.query_one("#err-email", Static).render())
        form.query_one("#f-email").value = "chen@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert users.find_user(admin, "chen").email == "chen@example.com"

        table = screen.query_one("#users")
        logins_shown = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        table.move_cursor(row=logins_shown.index("chen"))
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert form.query_one("#f-email").value == "chen@example.com"
        form.query_one("#f-email").value = "chen@"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert RULE_ZH in str(form.query_one("#err-email", Static).render())
        form.query_one("#f-email").value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
    assert users.find_user(admin, "chen").email in ("", None)
