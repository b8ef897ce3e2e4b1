"""``salesdesk plugin new NAME``: write a new plugin package from the templates beside
this module (``*.tmpl``, ``string.Template`` text shipped as package data).

NAME ``acme`` gives the distribution ``salesdesk-acme``, the module ``salesdesk_acme``
(the entry point ``acme = "salesdesk_acme"`` in the ``salesdesk`` group), a report
``acme.sales_by_product`` on the report kit, a zh_CN catalogue, tests on salesdesk's
shipped pytest fixtures (the plugin contract included) and a README. The package
installs as written and its tests pass; it imports the core only, never a plugin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from core.errors import SalesdeskError
from core.i18n import _

TEMPLATES = Path(__file__).parent
NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MAX_NAME = 30
# Output path (with {module} and {name} filled in) -> template file.
FILES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    ".gitignore": "gitignore.tmpl",
    "{module}/__init__.py": "init.py.tmpl",
    "{module}/reports.py": "reports.py.tmpl",
    "{module}/locale/zh_CN.json": "zh_CN.json.tmpl",
    "tests/test_{name}.py": "test_plugin.py.tmpl",
}


class ScaffoldRefused(SalesdeskError):
    """The plugin cannot be written (a bad name, a taken name, an existing folder)."""


@dataclass(frozen=True)
class PluginNames:
    """Every name a new plugin goes by, derived from the one the author chose."""

    name: str  # the plugin's name: entry point, report prefix, `plugins enable NAME`

    @property
    def module(self) -> str:
        return f"salesdesk_{self.name}"

    @property
    def distribution(self) -> str:
        return f"salesdesk-{self.name.replace('_', '-')}"

    @property
    def report_id(self) -> str:
        return f"{self.name}.sales_by_product"

    @property
    def title(self) -> str:
        return self.name.replace("_", " ").title()


def check_name(name: str) -> PluginNames:
    """The names for ``name``, or a refusal saying what a plugin name may be."""
    if not NAME.match(name) or len(name) > MAX_NAME:
        raise ScaffoldRefused(
            _(
                "'{name}' cannot name a plugin: use lower-case letters, digits and single "
                "underscores, starting with a letter, at most {n} characters (e.g. acme or "
                "price_list)"
            ).format(name=name, n=MAX_NAME)
        )
    from core.plugins import discover

    if any(found.name == name for found in discover()):
        raise ScaffoldRefused(
            _("A plugin named '{name}' is already installed; choose another name").format(name=name)
        )
    return PluginNames(name)


def default_folder(names: PluginNames, parent: Path | None = None) -> Path:
    return (parent or Path.cwd()) / names.distribution


def write_plugin(name: str, folder: Path | None = None) -> tuple[PluginNames, list[Path]]:
    """Write the package for plugin ``name`` into ``folder`` (default
    ``./salesdesk-NAME``), which must not exist yet; returns the names and the files."""
    names = check_name(name)
    folder = Path(folder) if folder is not None else default_folder(names)
    if folder.exists():
        raise ScaffoldRefused(
            _(
                "{folder} already exists; a new plugin is written into a folder that does not "
                "exist yet, so nothing of yours is overwritten"
            ).format(folder=folder)
        )
    values = {
        "name": names.name,
        "module": names.module,
        "distribution": names.distribution,
        "report_id": names.report_id,
        "title": names.title,
    }
    written = []
    for target, template in FILES.items():
        path = folder / target.format(module=names.module, name=names.name)
        text = Template((TEMPLATES / template).read_text(encoding="utf-8"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.substitute(values), encoding="utf-8")
        written.append(path)
    return names, written
