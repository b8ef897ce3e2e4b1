"""The plugin contract: checks every salesdesk plugin passes, built-in or third-party.

Each check takes the plugin's name (as in the ``salesdesk`` entry-point group) and returns
a list of problems, empty when the plugin keeps the contract; :func:`check_plugin` runs
them all. salesdesk runs them over every installed plugin (``tests/test_plugin_contract.py``);
a third-party author runs them over theirs::

    from pathlib import Path
    from core.testing.contract import check_plugin

    def test_my_plugin_keeps_the_contract(tmp_path):
        problems = check_plugin("acme", f"sqlite:///{tmp_path / 'contract.db'}",
                                tests=Path(__file__).parent)
        assert not problems, "\\n".join(problems)

The checks:

* only the plugin's views (``views.py`` or a ``views`` package) import ``textual`` or ``tui``;
* every contribution it makes has the shape its hook asks for (reports, exporters, forms,
  funnels, roles, permissions, migrations, commands, translations);
* its migrations apply to an empty database and it switches off and on again cleanly;
* every hook it implements is named in its tests (contributions are exercised here);
* its Chinese catalogue covers its UI strings;
* its files follow the plugin shape (``roles.py`` is ``access.py``, several report
  modules are a ``reports/`` package, ...; see :data:`MISNAMED`);
* its report ids follow the convention: ``<plugin>.<name>`` (``<plugin>_<name>`` is
  accepted; older built-ins use it), lower-case letters, digits and ``_``.

This module imports neither textual nor any plugin.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import click
import sqlalchemy as sa

from core import hookspecs
from core.access import PermissionSpec, RoleSpec
from core.plugins import PluginManager, discover
from core.testing.strings import strings_in

VIEW_MODULES = ("views",)  # a plugin's terminal UI: views.py or a views/ package
UI_PACKAGES = ("textual", "tui")
REPORT_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
LANG = "zh_CN"
# Checked by calling the hook in the contract itself; other hooks (events, hooks in a
# transaction, hooks of other plugins) must be named in the plugin's own tests.
CONTRIBUTIONS = (
    "salesdesk_reports",
    "salesdesk_exporters",
    "salesdesk_forms",
    "salesdesk_funnels",
    "salesdesk_roles",
    "salesdesk_permissions",
    "salesdesk_migrations",
    "salesdesk_cli_commands",
    "salesdesk_translations",
)


# ---------------------------------------------------------------------------------------
# Finding the plugin
# ---------------------------------------------------------------------------------------


def plugin_module(name: str) -> ModuleType:
    """The module the installed plugin ``name`` names in its entry point."""
    for found in discover():
        if found.name == name:
            return importlib.import_module(found.module)
    raise LookupError(
        f"no installed plugin named '{name}' (entry-point group '{hookspecs.PROJECT}')"
    )


def source_files(module: ModuleType) -> list[Path]:
    """The plugin's Python files: its package (migrations excluded) or its module."""
    path = Path(module.__file__ or "")
    if path.name != "__init__.py":
        return [path]
    return sorted(p for p in path.parent.rglob("*.py") if "migrations" not in p.parts)


def loaded_manager(name: str) -> PluginManager:
    """A plugin manager with every installed plugin loaded, ``name`` among them."""
    manager = PluginManager()
    manager.load_installed()
    info = manager.info.get(name)
    if info is None or not info.loaded:
        raise AssertionError(
            f"plugin '{name}' did not load: {info.last_error if info else 'not installed'}"
        )
    return manager


# ---------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------


def textual_imports(name: str) -> list[str]:
    """Modules other than the plugin's views that import ``textual`` or ``tui``, at the
    top or inside a function (the CLI and the core must load the plugin without them)."""
    module = plugin_module(name)
    root = Path(module.__file__ or "").parent
    problems = []
    for path in source_files(module):
        parts = path.relative_to(root).with_suffix("").parts
        if parts and parts[0] in VIEW_MODULES:
            continue
        for line, imported in _imports(path):
            if imported.split(".")[0] in UI_PACKAGES:
                problems.append(
                    f"{path.relative_to(root)}:{line} imports {imported} (only views may)"
                )
    return problems


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def _implementations(manager: PluginManager, name: str, hook: str) -> list[Any]:
    caller = getattr(manager.pm.hook, hook, None)
    if caller is None:
        return []
    return [impl for impl in caller.get_hookimpls() if impl.plugin_name == name]


def _call(manager: PluginManager, name: str, hook: str, **kwargs: Any) -> list[Any]:
    """The plugin's own answer to ``hook`` (its items, for a list hook)."""
    items: list[Any] = []
    for impl in _implementations(manager, name, hook):
        result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
        if isinstance(result, list | tuple):
            items.extend(result)
        elif result is not None:
            items.append(result)
    return items


def _shape_checks() -> dict[str, Callable[[Any], list[str]]]:
    from core import exports, forms, reports
    from core.funnels import FunnelDefinition
    from core.services import numbering

    def of_type(kind: type) -> Callable[[Any], list[str]]:
        return lambda item: (
            []
            if isinstance(item, kind)
            else [f"expected a {kind.__module__}.{kind.__qualname__}, got {type(item).__name__}"]
        )

    def funnel(item: Any) -> list[str]:
        return (
            item.problems()
            if isinstance(item, FunnelDefinition)
            else of_type(FunnelDefinition)(item)
        )

    def folder(item: Any) -> list[str]:
        return [] if Path(str(item)).is_dir() else [f"{item} is not a folder"]

    return {
        "salesdesk_reports": reports.shape_problems,
        "salesdesk_exporters": exports.shape_problems,
        "salesdesk_forms": forms.shape_problems,
        "salesdesk_funnels": funnel,
        "salesdesk_roles": of_type(RoleSpec),
        "salesdesk_permissions": of_type(PermissionSpec),
        "salesdesk_migrations": folder,
        "salesdesk_cli_commands": of_type(click.Command),
        "salesdesk_document_series": numbering.series_problems,
    }


def contribution_problems(name: str) -> list[str]:
    """Call every contribution hook the plugin implements and check each item's shape."""
    manager = loaded_manager(name)
    problems = []
    for hook, check in _shape_checks().items():
        try:
            items = _call(manager, name, hook)
        except Exception as exc:
            problems.append(f"{hook} raised {type(exc).__name__}: {exc}")
            continue
        for item in items:
            label = getattr(item, "id", None) or getattr(item, "name", None) or item
            problems += [f"{hook}: {label}: {p}" for p in check(item)]
    try:
        for entries in _call(manager, name, "salesdesk_translations", lang=LANG):
            if not isinstance(entries, dict):
                problems.append(
                    f"salesdesk_translations: expected a dict, got {type(entries).__name__}"
                )
    except Exception as exc:
        problems.append(f"salesdesk_translations raised {type(exc).__name__}: {exc}")
    return problems


def report_id_problems(name: str, prefixes: Iterable[str] | None = None) -> list[str]:
    """Report ids that break the convention: ``<prefix>.<name>`` or ``<prefix>_<name>``
    (or the prefix alone), lower-case; ``prefixes`` defaults to the plugin's name, and
    the empty prefix accepts any lower-case id (ids older than the convention)."""
    allowed = tuple(prefixes) if prefixes is not None else (name,)
    problems = []
    for report in _call(loaded_manager(name), name, "salesdesk_reports"):
        report_id = getattr(report, "id", None)
        if not isinstance(report_id, str) or not report_id:
            continue  # a shape problem: contribution_problems names it
        if not REPORT_ID.match(report_id):
            problems.append(f"report id '{report_id}': lower-case letters, digits, _ and .")
        elif not any(
            not p or report_id == p or report_id.startswith((f"{p}.", f"{p}_")) for p in allowed
        ):
            problems.append(
                f"report id '{report_id}' should start with "
                f"'{allowed[0]}.' (e.g. '{allowed[0]}.{report_id}')"
            )
    return problems


def untranslated_strings(name: str, lang: str = LANG) -> list[str]:
    """UI strings of the plugin that neither its catalogue (``salesdesk_translations``)
    nor the core's translates."""
    from core import i18n

    manager = loaded_manager(name)
    own: dict[str, str] = {}
    for entries in _call(manager, name, "salesdesk_translations", lang=lang):
        own.update(entries or {})
    found = strings_in(source_files(plugin_module(name)))
    missing = sorted(found - set(i18n.catalog(lang)) - set(own))
    problems = [f"no {lang} translation: {text!r}" for text in missing]
    problems += [f"empty {lang} translation: {text!r}" for text, zh in own.items() if not zh]
    return problems


def unexercised_hooks(
    hooks: Iterable[str], tests: Iterable[Path], exclude: Iterable[Path] = ()
) -> list[str]:
    """The hooks named in no test file (``test_*.py``, ``*_test.py``, ``conftest.py``)
    under ``tests``, ``exclude`` left out."""
    skip = {Path(p).resolve() for p in exclude}
    texts = [
        path.read_text(encoding="utf-8")
        for folder in tests
        for path in sorted(Path(folder).rglob("*.py"))
        if _is_test_file(path) and path.resolve() not in skip
    ]
    return [hook for hook in hooks if not any(hook in text for text in texts)]


def _is_test_file(path: Path) -> bool:
    return (
        path.name.startswith("test_")
        or path.name.endswith("_test.py")
        or path.name == "conftest.py"
    )


def hooks_to_test(name: str) -> list[str]:
    """The hooks the plugin implements that this contract does not call itself: events,
    hooks in a transaction and other plugins' hooks. Views (they need the TUI) and demo
    data (it needs a populated world) are left to the plugin's screen and demo tests."""
    info = loaded_manager(name).info[name]
    return [
        hook
        for hook in info.hooks
        if hook not in CONTRIBUTIONS and hook != "salesdesk_views" and hook != "salesdesk_demo_data"
    ]


def untested_hooks(name: str, tests: Iterable[Path]) -> list[str]:
    """Events, hooks in a transaction and other plugins' hooks the plugin implements
    that its tests never name."""
    return [
        f"{hook} is implemented but named in no test"
        for hook in unexercised_hooks(hooks_to_test(name), tests)
    ]


# The plugin shape (docs/plugins.md section 1): the names a role's code goes under, and the
# names it must not use. A role spread over several modules is a package of that name
# whose shared helpers sit in its ``common.py``.
SHAPE_FILES = (
    "__init__.py",
    "access.py",
    "models.py",
    "schemas.py",
    "forms.py",
    "funnels.py",
    "views.py",
    "cli.py",
    "demo.py",
    "hookspecs.py",
    "README.md",
)
SHAPE_PACKAGES = ("services", "reports", "exporters", "views")  # the role's module or package
ALWAYS_PACKAGES = ("services",)
MISNAMED: tuple[tuple[str, str], ...] = (
    # (pattern of a path inside the package, the shape's name for that role)
    (r"(roles|permissions|rights)\.py", "access.py"),
    (r"services\.py", "services/ (always a package)"),
    (r"services/schemas?\.py|schemas/.*", "schemas.py"),
    (r"(queries|repository|repo|db)\.py", "services/queries.py"),
    (r"reports?_\w+\.py|report\.py", "reports.py or a reports/ package"),
    (r"(\w+_reports|registry)\.py", "reports.py or a reports/ package"),
    (r"(definitions|funnel|stages)\.py", "funnels.py"),
    (r"\w+_exports?\.py|exporter\.py", "exporters.py or an exporters/ package"),
    (r"(screens|tui|ui|widgets)\.py|views_\w+\.py", "views.py"),
    (r"(commands|command)\.py", "cli.py"),
    (r"(demo_data|seed|sample_data)\.py", "demo.py"),
    (r"(hooks|specs)\.py", "hookspecs.py"),
    (r"(\w+/)?(base|shared|helpers|utils|util)\.py", "common.py of its role's package"),
    (r"common\.py", "common.py inside the role's package (services/, reports/, exporters/)"),
    (r"(i18n|locales|translations?)/.*", "locale/<lang>.json"),
    (r"(?!locale/)(\w+/)*zh_CN\.(json|po)", "locale/zh_CN.json"),
)


def layout_problems(name: str, readme: bool = False) -> list[str]:
    """Files of the plugin's package named against the plugin shape: a role under another
    name (``roles.py``, ``reports_*.py``, ``report_common.py``), a role both as a module
    and a package, a role package of one module (``services/`` excepted: always a
    package), ``__init__.py`` or stray files in ``migrations/``, and, with ``readme``, a
    missing ``README.md`` (built-in plugins keep it in the package; a distribution keeps
    it at its root). A single-module plugin has no layout to check."""
    root = Path(plugin_module(name).__file__ or "")
    if root.name != "__init__.py":
        return []
    return shape_problems(root.parent, readme)


def shape_problems(folder: Path, readme: bool = False) -> list[str]:
    """:func:`layout_problems` on a package folder."""
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    problems = []
    for path in files:
        if path.startswith("migrations/"):
            problems += _migration_layout(path)
            continue
        for pattern, shape in MISNAMED:
            if re.fullmatch(pattern, path):
                problems.append(f"{path}: the plugin shape names this {shape}")
                break
    for role in SHAPE_PACKAGES:
        modules = [f for f in files if f.startswith(f"{role}/") and f.endswith(".py")]
        if f"{role}.py" in files and modules:
            problems.append(f"{role}.py and {role}/ both: keep one")
        elif role in ALWAYS_PACKAGES and f"{role}.py" in files:
            continue  # named by MISNAMED
        elif modules and len(modules) < 3 and role not in ALWAYS_PACKAGES:
            problems.append(f"{role}/ holds one module: make it {role}.py")
    for path in files:
        if path.endswith(".py") and not path.startswith("migrations/"):
            problems += _definitions_elsewhere(folder, path)
    if readme and "README.md" not in files:
        problems.append(
            "README.md missing: what the plugin adds, its roles, reports, "
            "commands, how to switch it on"
        )
    return problems


# What a module of the shape defines and no other module may: (constructor, what, module).
DEFINED_IN = (
    ("FunnelDefinition", "a funnel", "funnels.py"),
    ("RoleSpec", "a role or permission", "access.py"),
    ("PermissionSpec", "a role or permission", "access.py"),
)


def _definitions_elsewhere(folder: Path, path: str) -> list[str]:
    """Funnels built outside ``funnels.py``, roles and permissions outside ``access.py``."""
    try:
        tree = ast.parse((folder / path).read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError):
        return []
    called = {
        node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
    }
    problems = []
    for constructor, what, home in DEFINED_IN:
        if constructor in called and path != home and not path.startswith(f"{home[:-3]}/"):
            problems.append(
                f"{path}: defines {what} ({constructor}): the plugin shape keeps it in {home}"
            )
    return problems


def _migration_layout(path: str) -> list[str]:
    if path.endswith("__init__.py"):
        return [f"{path}: no __init__.py under migrations/ (Alembic reads revisions by path)"]
    if not re.fullmatch(r"migrations/versions/\w+\.py", path):
        return [f"{path}: revisions go in migrations/versions/, nothing else in migrations/"]
    return []


def migration_problems(name: str, empty_database_url: str) -> list[str]:
    """Bring an empty database to the newest schema, then switch the plugin off and on
    again as a company admin would, upgrading each time: the schema stays current, the
    plugin's tables stay (with its rows) and its revisions are named ``<plugin>_NNNN``."""
    from core.runtime import open_runtime
    from core.services.bootstrap import create_first_admin
    from core.services.company import set_plugin_enabled

    runtime = open_runtime(empty_database_url)
    try:
        runtime.upgrade()
        problems = [] if runtime.is_current() else ["the schema is not current after upgrade"]
        owned = [p for p, _ in runtime.plugins.contributions("salesdesk_migrations")]
        if name in owned and not any(rev.startswith(f"{name}_") for rev in _applied(runtime)):
            problems.append(f"no applied revision is named '{name}_NNNN'")
        tables = _tables(runtime)
        admin = create_first_admin(runtime, "contract_admin", "Contract Admin").login
        for enabled in (False, True):
            set_plugin_enabled(runtime.context_for(admin), name, enabled)
            runtime.db.dispose()
            runtime = open_runtime(empty_database_url)
            runtime.upgrade()
            state = "on" if enabled else "off"
            if runtime.plugins.info[name].loaded != enabled:
                problems.append(f"switched {state}, the plugin is not {state}")
            if not runtime.is_current():
                problems.append(f"switched {state}, the schema is not current")
            if _tables(runtime) != tables:
                problems.append(
                    f"switched {state}, tables changed: {sorted(_tables(runtime) ^ tables)}"
                )
        return problems
    finally:
        runtime.db.dispose()


def _applied(runtime: Any) -> set[str]:
    from core.db import current_revisions

    return set(current_revisions(runtime.db))


def _tables(runtime: Any) -> set[str]:
    return set(sa.inspect(runtime.db.engine).get_table_names())


# ---------------------------------------------------------------------------------------
# All at once
# ---------------------------------------------------------------------------------------


def check_plugin(
    name: str,
    empty_database_url: str,
    tests: Iterable[Path],
    report_prefixes: Iterable[str] | None = None,
) -> list[str]:
    """Every check of the contract on the installed plugin ``name``: its problems, each
    prefixed by the check that found it (empty: the plugin keeps the contract).

    :param empty_database_url: a database without tables (a fresh SQLite file will do).
    :param tests: the folders of the plugin's tests.
    :param report_prefixes: what its report ids may start with (default: its name).
    """
    tests = list(tests)
    checks: dict[str, Callable[[], list[str]]] = {
        "imports": lambda: textual_imports(name),
        "contributions": lambda: contribution_problems(name),
        "migrations": lambda: migration_problems(name, empty_database_url),
        "hooks": lambda: untested_hooks(name, tests),
        "translations": lambda: untranslated_strings(name),
        "report ids": lambda: report_id_problems(name, report_prefixes),
        "layout": lambda: layout_problems(name),
    }
    return [f"{check}: {problem}" for check, run in checks.items() for problem in run()]
