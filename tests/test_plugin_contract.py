"""The plugin contract (core/testing/contract.py) over every installed plugin, and the
claim of core/hookspecs.py that every hook is exercised by a test of its own.

The same checks are what a third-party author runs on their plugin (docs/plugins.md,
section 8); the last tests show each check failing on a plugin that breaks it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import hookspecs as core_hookspecs
from core.plugins import declared_hooks, discover, plugin_hookspecs
from core.testing import contract
from tui import hookspecs as tui_hookspecs

TESTS = Path(__file__).resolve().parent
PLUGINS = [found.name for found in discover()]
# Report ids older than the convention, kept: saved settings, scripts and users name them.
REPORT_PREFIXES = {
    "forecast": ("forecast", "target"),
    "manufacturing": ("manufacturing", "mfg"),
    "sales_reports": ("",),  # the product's standard forms (monthly_sales, ...)
}
# Tests that list every hook by reflection: naming a hook there proves nothing about it.
REFERENCE_TESTS = [
    TESTS / name
    for name in (
        "test_docs_hooks.py",
        "test_plugin_docs.py",
        "test_plugin_contract.py",
        "test_plugin_hookspecs.py",
    )
]


def plugin_tests(name: str) -> list[Path]:
    """A built-in plugin's own tests: tests/plugins/<name>, or the suite when it has none."""
    own = TESTS / "plugins" / name
    return [own] if own.is_dir() else [TESTS]


@pytest.fixture
def empty_url(db_factory: Any) -> Iterator[str]:
    url = db_factory.new("sqlite", migrated=False)
    yield url
    db_factory.release(url)


def test_every_builtin_plugin_is_checked() -> None:
    assert {
        "contracts",
        "exporters",
        "forecast",
        "funnel",
        "manufacturing",
        "marketing",
        "real_estate",
        "sales_reports",
    } <= set(PLUGINS)


BUILTIN = (
    "contracts",
    "exporters",
    "forecast",
    "funnel",
    "manufacturing",
    "marketing",
    "real_estate",
    "sales_reports",
)


@pytest.mark.parametrize("name", BUILTIN)
def test_every_builtin_plugin_has_the_plugin_shape(name: str) -> None:
    assert contract.layout_problems(name, readme=True) == []


def test_the_example_plugin_has_the_plugin_shape() -> None:
    example = TESTS.parent / "examples" / "salesdesk-example-report"
    assert contract.shape_problems(example / "salesdesk_example_report") == []
    assert (example / "README.md").is_file()  # a distribution keeps it at its root


def test_docs_describe_every_name_of_the_shape() -> None:
    text = (TESTS.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    shape = text.split("## 1. The package")[1].split("## 2.")[0]
    names = [
        *contract.SHAPE_FILES,
        *(f"{p}/" for p in contract.SHAPE_PACKAGES),
        "services/common.py",
        "migrations/versions/",
        "locale/zh_CN.json",
    ]
    assert [n for n in names if f"`{n}" not in shape] == []


def test_the_layout_check_catches_a_plugin_off_the_shape(install_plugin: Any) -> None:
    install_plugin(
        "sprawl",
        "",
        files={
            "roles.py": "",
            "report_common.py": "",
            "reports_sales.py": "",
            "services.py": "",
            "definitions.py": "",
            "pdf_export.py": "",
            "common.py": "",
            "services/schemas.py": "",
            "reports.py": "",
            "reports/__init__.py": "",
            "reports/base.py": "",
            "exporters/__init__.py": "",
            "exporters/csv.py": "",
            "i18n/zh_CN.json": "{}",
            "migrations/__init__.py": "",
            "migrations/versions/__init__.py": "",
            "migrations/versions/sprawl_0001.py": "",
            "migrations/env.py": "",
        },
    )
    problems = contract.layout_problems("sprawl", readme=True)
    named = "the plugin shape names this"
    assert problems == [
        f"common.py: {named} common.py inside the role's package (services/, reports/, exporters/)",
        f"definitions.py: {named} funnels.py",
        f"i18n/zh_CN.json: {named} locale/<lang>.json",
        "migrations/__init__.py: no __init__.py under migrations/ (Alembic reads "
        "revisions by path)",
        "migrations/env.py: revisions go in migrations/versions/, nothing else in migrations/",
        "migrations/versions/__init__.py: no __init__.py under migrations/ (Alembic "
        "reads revisions by path)",
        f"pdf_export.py: {named} exporters.py or an exporters/ package",
        f"report_common.py: {named} reports.py or a reports/ package",
        f"reports/base.py: {named} common.py of its role's package",
        f"reports_sales.py: {named} reports.py or a reports/ package",
        f"roles.py: {named} access.py",
        f"services.py: {named} services/ (always a package)",
        f"services/schemas.py: {named} schemas.py",
        "services.py and services/ both: keep one",
        "reports.py and reports/ both: keep one",
        "exporters/ holds one module: make it exporters.py",
        "README.md missing: what the plugin adds, its roles, reports, commands, how to "
        "switch it on",
    ]
    assert "README.md missing" not in " ".join(contract.layout_problems("sprawl"))


def test_the_layout_check_finds_a_funnel_or_role_defined_outside_its_module(
    install_plugin: Any,
) -> None:
    """A funnel belongs in funnels.py and roles in access.py, whatever else those modules
    hold (real_estate once kept its funnel beside its roles in access.py)."""
    funnel = (
        "from core.funnels import FunnelDefinition\nFUNNEL = FunnelDefinition('x', 'X', 'X', ())\n"
    )
    role = "from core import access\nROLE = access.RoleSpec('r', 'R', 'R', frozenset())\n"
    install_plugin(
        "stray_defs",
        "",
        files={"access.py": role + funnel, "funnels.py": funnel, "services/calls.py": role},
    )
    assert contract.layout_problems("stray_defs") == [
        "access.py: defines a funnel (FunnelDefinition): the plugin shape keeps it in funnels.py",
        "services/calls.py: defines a role or permission (RoleSpec): the plugin shape keeps it "
        "in access.py",
    ]


def test_the_layout_check_passes_the_shape_itself(install_plugin: Any) -> None:
    install_plugin(
        "tidy_shape",
        "",
        files={
            "access.py": "",
            "models.py": "",
            "schemas.py": "",
            "forms.py": "",
            "funnels.py": "",
            "views.py": "",
            "cli.py": "",
            "demo.py": "",
            "hookspecs.py": "",
            "services/__init__.py": "",
            "services/common.py": "",
            "services/leads.py": "",
            "reports/__init__.py": "",
            "reports/common.py": "",
            "reports/sales.py": "",
            "locale/zh_CN.json": "{}",
            "migrations/versions/tidy_shape_0001.py": "",
            "README.md": "# tidy\n",
        },
    )
    assert contract.layout_problems("tidy_shape", readme=True) == []


@pytest.mark.parametrize("name", PLUGINS)
def test_only_views_import_textual(name: str) -> None:
    assert contract.textual_imports(name) == []


@pytest.mark.parametrize("name", PLUGINS)
def test_contributions_have_the_shape_their_hook_asks_for(name: str) -> None:
    assert contract.contribution_problems(name) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", PLUGINS)
def test_migrations_apply_and_switch_off_and_on_cleanly(name: str, empty_url: str) -> None:
    assert contract.migration_problems(name, empty_url) == []


@pytest.mark.parametrize("name", PLUGINS)
def test_hooks_it_implements_are_exercised_by_its_tests(name: str) -> None:
    assert contract.untested_hooks(name, plugin_tests(name)) == []


@pytest.mark.parametrize("name", PLUGINS)
def test_its_chinese_catalogue_covers_its_strings(name: str) -> None:
    assert contract.untranslated_strings(name) == []


@pytest.mark.parametrize("name", PLUGINS)
def test_its_report_ids_follow_the_convention(name: str) -> None:
    assert contract.report_id_problems(name, REPORT_PREFIXES.get(name)) == []


def every_declared_hook() -> list[str]:
    modules = [
        core_hookspecs,
        tui_hookspecs,
        *(m for m in (plugin_hookspecs(f.module) for f in discover()) if m),
    ]
    return [hook for module in modules for hook in declared_hooks(module)]


def test_every_hook_is_named_in_a_test_of_its_own() -> None:
    """The claim in core/hookspecs.py's docstring: every hook, the core's, the TUI's and
    those plugins declare for each other, is named in a test besides the reference ones."""
    hooks = every_declared_hook()
    assert len(hooks) >= 20 and "salesdesk_forecast_drivers" in hooks
    assert contract.unexercised_hooks(hooks, [TESTS], exclude=REFERENCE_TESTS) == []


# ---------------------------------------------------------------------------------------
# Each check fails on a plugin that breaks it
# ---------------------------------------------------------------------------------------

BAD_REPORT = """
import pydantic
from core.reports import ReportResult


class Bad:
    id = "TopThings"
    title_en = "Top things"
    title_zh = ""
    category = "sales"

    class Params(pydantic.BaseModel):
        pass

    def run(self, ctx, params):
        return ReportResult(self.id, self.title_en, "", {}, [])

    def drill(self, ctx, params, table_id, row, column_id):
        raise NotImplementedError
"""


def test_the_checks_catch_a_plugin_that_breaks_the_contract(install_plugin: Any) -> None:
    install_plugin(
        "shabby",
        """
        import textual  # noqa: F401

        from core.i18n import _


        @hookimpl
        def salesdesk_reports():
            from .reports import Bad
            return [Bad(), object()]


        @hookimpl
        def salesdesk_customer_created(ctx, customer):
            print(_("A customer arrived"))


        @hookimpl
        def salesdesk_translations(lang):
            return {"Unused": ""}
    """,
        files={"reports.py": BAD_REPORT},
    )
    assert contract.textual_imports("shabby") == ["__init__.py:4 imports textual (only views may)"]
    shapes = contract.contribution_problems("shabby")
    assert len(shapes) >= 1 and all(p.startswith("salesdesk_reports: ") for p in shapes)
    assert contract.untested_hooks("shabby", [TESTS / "plugins" / "funnel"]) == [
        "salesdesk_customer_created is implemented but named in no test"
    ]
    assert contract.untranslated_strings("shabby") == [
        "no zh_CN translation: 'A customer arrived'",
        "empty zh_CN translation: 'Unused'",
    ]
    (bad_id,) = contract.report_id_problems("shabby")
    assert "TopThings" in bad_id


def test_a_report_id_without_its_plugins_prefix_is_named(install_plugin: Any) -> None:
    install_plugin(
        "tidy",
        """
        @hookimpl
        def salesdesk_reports():
            from .reports import Bad
            Bad.id = "top_things"
            return [Bad()]
    """,
        files={"reports.py": BAD_REPORT},
    )
    assert contract.report_id_problems("tidy") == [
        "report id 'top_things' should start with 'tidy.' (e.g. 'tidy.top_things')"
    ]
    assert contract.report_id_problems("tidy", ("top",)) == []


def test_a_hook_named_in_no_test_is_found(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test(): 'salesdesk_reports'\n")
    (tmp_path / "helper.py").write_text("'salesdesk_exporters'\n")  # not a test file
    assert contract.unexercised_hooks(["salesdesk_reports", "salesdesk_exporters"], [tmp_path]) == [
        "salesdesk_exporters"
    ]
    assert contract.unexercised_hooks(
        ["salesdesk_reports"], [tmp_path], exclude=[tmp_path / "test_x.py"]
    ) == ["salesdesk_reports"]


@pytest.mark.slow
def test_a_well_behaved_third_party_plugin_passes_the_whole_contract(
    install_plugin: Any, empty_url: str, tmp_path: Path
) -> None:
    install_plugin(
        "acme",
        """
        @hookimpl
        def salesdesk_reports():
            from .reports import Bad
            Bad.id = "acme.top_things"
            Bad.title_zh = "热门"
            return [Bad()]
    """,
        files={"reports.py": BAD_REPORT},
    )
    tests = tmp_path / "acme_tests"
    tests.mkdir()
    assert contract.check_plugin("acme", empty_url, [tests]) == []


MISNAMED_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "stampz_0001"
down_revision = None
branch_labels = ("stamps",)
depends_on = "core"


def upgrade() -> None:
    op.create_table("stamps_item", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("stamps_item")
"""


@pytest.mark.slow
def test_a_revision_not_named_after_its_plugin_is_found(
    install_plugin: Any, empty_url: str
) -> None:
    install_plugin(
        "stamps",
        """
        from pathlib import Path


        @hookimpl
        def salesdesk_migrations():
            return [str(Path(__file__).parent / "migrations" / "versions")]
    """,
        files={"migrations/versions/stampz_0001.py": MISNAMED_REVISION},
    )
    assert contract.migration_problems("stamps", empty_url) == [
        "no applied revision is named 'stamps_NNNN'"
    ]
