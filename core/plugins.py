"""The plugin manager.

Built-in plugins and third-party ones are found the same way: entry points in the
``salesdesk`` group (our own pyproject declares the built-ins there). Each is imported and
registered under a guard: a plugin that fails to import, names a hook that does not exist,
or raises inside a hook is recorded (plugin, hook, error) and switched off for the rest of
the run, while everything else keeps working.

A plugin may offer hooks of its own to other plugins: a ``hookspecs`` module in its package
(``<plugin>/hookspecs.py``, marked with ``core.hookspecs.hookspec``). The specifications of
every installed plugin are added before any plugin's implementations are registered, so
registration order does not matter, and a plugin implementing a hook of a plugin that is
switched off still loads (the hook is simply never called). A hook whose owner may not be
installed at all is implemented with ``@hookimpl(optionalhook=True)``.

"Raises" means anything, ``SystemExit`` and other ``BaseException`` types included, except
``KeyboardInterrupt``: a plugin's interrupt cannot be told from the user's Ctrl+C, and the
user's must always stop the command. A failure is remembered in the company settings
(``plugins.failures``), so ``salesdesk plugins list`` shows it on later runs until the hook
that failed works again; its traceback goes to the log file once, the terminal gets one
line naming the plugin the first time.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs, i18n
from core.access import RoleRegistry

log = logging.getLogger("salesdesk.plugins")
ENTRY_POINT_GROUP = hookspecs.PROJECT
FAILURES_KEY = "plugins.failures"  # company setting: plugin name -> its last hook failure
TRACEBACKS = "salesdesk.plugins.tracebacks"  # to the log file only, never the terminal


@dataclass
class PluginInfo:
    """What ``salesdesk plugins list`` and the Plugins screen show."""

    name: str
    module: str
    version: str = ""
    origin: str = "entry point"  # "built-in", "entry point" or "registered"
    enabled: bool = True
    loaded: bool = False
    hooks: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)  # hooks it declares for other plugins
    errors: list[str] = field(default_factory=list)
    remembered_error: str = ""  # a hook failure of an earlier run, not yet recovered from

    @property
    def last_error(self) -> str:
        return self.errors[-1] if self.errors else self.remembered_error

    @property
    def failed(self) -> bool:
        """Switched off by a failure in this run, or failed in an earlier one."""
        return (bool(self.errors) and not self.loaded) or bool(self.remembered_error)


@dataclass(frozen=True)
class Discovered:
    name: str
    module: str
    distribution: str
    version: str


def discover() -> list[Discovered]:
    """Every installed plugin: entry points in the ``salesdesk`` group, sorted by name."""
    found: dict[str, Discovered] = {}
    # One parse of a distribution's METADATA for its name and version, and one for all its
    # entry points (salesdesk itself declares eight): ``dist.name`` and ``dist.version``
    # each parse it again, 40 % of an open_runtime (every command, every test).
    named: dict[int, tuple[str, str]] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.dist is None:
            dist, version = "", ""
        else:
            if id(ep.dist) not in named:
                meta = ep.dist.metadata
                named[id(ep.dist)] = (meta["Name"], meta["Version"])
            dist, version = named[id(ep.dist)]
        found.setdefault(ep.name, Discovered(ep.name, ep.value, dist, version))
    return sorted(found.values(), key=lambda d: d.name)


class PluginManager:
    """pluggy's manager plus guarded loading and guarded hook calls."""

    def __init__(self, extra_specs: Iterable[ModuleType] = ()) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        for spec in extra_specs:
            self.pm.add_hookspecs(spec)
        self.info: dict[str, PluginInfo] = {}
        self._spec_modules: set[str] = set()  # plugins' hookspecs modules already added
        self._roles: RoleRegistry | None = None
        self._funnels: Any = None
        # Company settings read at start (open_runtime); the funnel registry applies the
        # company's funnel overrides from them.
        self.company_settings: dict[str, Any] = {}
        # Hook failures to remember (plugin -> record) or forget (recovered), saved by
        # Runtime.save_plugin_failures once the command is done.
        self.new_failures: dict[str, dict[str, str]] = {}
        self.recovered: set[str] = set()

    # -- loading --------------------------------------------------------------------

    def load_installed(self, enabled: Callable[[str], bool] = lambda _name: True) -> None:
        """Import and register every installed plugin that ``enabled`` says is on.

        Two passes: first every enabled plugin is imported and every installed plugin's
        own hook specifications are added, then the enabled ones are registered, so an
        implementation of another plugin's hook is checked against its specification
        whatever the order of the entry points."""
        imported: list[tuple[PluginInfo, ModuleType]] = []
        for found in discover():
            origin = "built-in" if found.distribution == "salesdesk" else "entry point"
            info = PluginInfo(found.name, found.module, found.version, origin)
            info.enabled = enabled(found.name)
            info.remembered_error = self._remembered(info).get("error", "")
            self.info[found.name] = info
            if not info.enabled:
                self._add_dormant_hookspecs(info)
                continue
            module = self._import(info)
            if module is not None and self._add_plugin_hookspecs(info, module.__name__):
                imported.append((info, module))
        for info, module in imported:
            self._register(info, module)

    def register(self, plugin: object, name: str, origin: str = "registered") -> bool:
        """Register an already imported plugin object (tests, embedding). A plugin package
        with a ``hookspecs`` module has its hooks added first."""
        info = PluginInfo(name, getattr(plugin, "__name__", name), origin=origin)
        info.remembered_error = self._remembered(info).get("error", "")
        self.info[name] = info
        if isinstance(plugin, ModuleType) and not self._add_plugin_hookspecs(info, info.module):
            return False
        return self._register(info, plugin)

    # -- hooks a plugin offers to other plugins ---------------------------------------

    def _add_plugin_hookspecs(self, info: PluginInfo, module_name: str) -> bool:
        """Add the hooks declared in the plugin's ``hookspecs`` module, if it has one. A
        module that fails to import or redeclares a hook switches the plugin off."""
        try:
            specs = plugin_hookspecs(module_name)
            if specs is not None:
                info.offers = self._add_hookspecs(specs)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            self._fail(info, "hookspecs", exc)
            return False
        return True

    def _add_dormant_hookspecs(self, info: PluginInfo) -> None:
        """A switched-off plugin's hooks still exist, so the plugins implementing them
        load (nothing calls those hooks while their owner is off)."""
        try:
            specs = plugin_hookspecs(info.module)
            if specs is not None:
                info.offers = self._add_hookspecs(specs)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # it is off: note it, do not switch anything off
            log.info("plugin %s (switched off) did not declare its hooks: %s", info.name, exc)

    def _add_hookspecs(self, specs: ModuleType) -> list[str]:
        names = declared_hooks(specs)
        if not names:
            return []
        if specs.__name__ in self._spec_modules:
            return names  # already added (the same plugin registered again)
        taken = [
            n
            for n in names
            if getattr(self.pm.hook, n, None) is not None and getattr(self.pm.hook, n).has_spec()
        ]
        if taken:
            raise ValueError(f"declares hooks that already exist: {', '.join(taken)}")
        self.pm.add_hookspecs(specs)
        self._spec_modules.add(specs.__name__)
        return names

    def _remembered(self, info: PluginInfo) -> dict[str, str]:
        """The stored failure of this plugin, if it was recorded for the same version."""
        record = (self.company_settings.get(FAILURES_KEY) or {}).get(info.name) or {}
        return record if record.get("version", "") == info.version else {}

    def _import(self, info: PluginInfo) -> ModuleType | None:
        try:
            module = importlib.import_module(info.module)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            self._fail(info, "import", exc)
            return None
        self._worked(info.name, "import")
        return module

    def _register(self, info: PluginInfo, plugin: object) -> bool:
        try:
            self.pm.register(plugin, name=info.name)
            unknown = self._unknown_hooks(info.name)
            if unknown:
                self.pm.unregister(name=info.name)
                raise pluggy.PluginValidationError(
                    plugin,
                    f"implements hooks that do not exist: {', '.join(unknown)} "
                    "(a hook of a plugin that may not be installed needs "
                    "@hookimpl(optionalhook=True))",
                )
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            self._fail(info, "register", exc)
            return False
        info.loaded = True
        self._worked(info.name, "register")
        info.hooks = sorted(
            impl_name
            for impl_name in dir(plugin)
            if impl_name.startswith("salesdesk_") and self._is_impl(plugin, impl_name)
        )
        self._roles = self._funnels = None
        self._install_translations(info, plugin)
        return info.loaded

    def _install_translations(self, info: PluginInfo, plugin: object) -> None:
        impl = getattr(plugin, "salesdesk_translations", None)
        if impl is None or not self._is_impl(plugin, "salesdesk_translations"):
            return
        for lang in i18n.LANGS:
            if lang == "en":
                continue
            try:
                entries = impl(lang=lang)
                if entries is not None and not isinstance(entries, dict):
                    raise TypeError(f"expected a dict, got {type(entries).__name__}")
                i18n.add_translations(lang, entries or {})
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                self._fail(info, "salesdesk_translations", exc)
                return
        self._worked(info.name, "salesdesk_translations")

    def _is_impl(self, plugin: object, attr: str) -> bool:
        return self.pm.parse_hookimpl_opts(plugin, attr) is not None

    def _unknown_hooks(self, name: str) -> list[str]:
        """Hooks the plugin implements that no spec declares. An implementation marked
        ``@hookimpl(optionalhook=True)`` may wait for its spec: ``salesdesk_views`` is
        declared only when the TUI adds its hookspecs, not in a core-only runtime."""
        plugin = self.pm.get_plugin(name)
        return [
            caller.name
            for caller in self.pm.get_hookcallers(plugin) or []
            if not caller.has_spec()
            and not any(
                impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin
            )
        ]

    def _fail(self, info: PluginInfo, hook: str, exc: BaseException) -> None:
        message = f"{hook}: {type(exc).__name__}: {exc}"
        info.errors.append(message)
        info.loaded = False
        if self.pm.get_plugin(info.name) is not None:
            self.pm.unregister(name=info.name)
        self._roles = self._funnels = None
        self.recovered.discard(info.name)
        if message == self._remembered(info).get("error"):
            log.info("plugin %s failed again in %s: %s", info.name, hook, message)
            return
        self.new_failures[info.name] = {
            "error": message,
            "hook": hook,
            "version": info.version,
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }
        where = _traceback_log().log(info.name, hook, exc)
        log.warning(
            i18n._(
                "plugin {name} failed in {hook} ({error}) and is switched off "
                "for this run; details: {where}"
            ).format(name=info.name, hook=hook, error=f"{type(exc).__name__}: {exc}", where=where)
        )

    # -- calling --------------------------------------------------------------------

    def _implementations(self, hook_name: str) -> list[Any]:
        caller = getattr(self.pm.hook, hook_name)
        # get_hookimpls() is in registration order (pluggy itself calls LIFO); listings
        # and "first id wins" follow registration order.
        return list(caller.get_hookimpls())

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation separately; a raising plugin is switched off."""
        results: list[tuple[str, Any]] = []
        for impl in self._implementations(hook_name):
            plugin_name = impl.plugin_name
            if self.pm.get_plugin(plugin_name) is None:
                continue  # switched off by an earlier failure in this loop
            try:
                # Like pluggy, pass each implementation only the arguments it names.
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except KeyboardInterrupt:
                raise  # the user's Ctrl+C (a plugin's cannot be told apart from it)
            except BaseException as exc:  # SystemExit too: it must not end the command
                self._fail(self._info_for(plugin_name), hook_name, exc)
                continue
            self._worked(plugin_name, hook_name)
            results.append((plugin_name, result))
        return results

    def _worked(self, plugin_name: str, hook_name: str) -> None:
        """The hook that failed in an earlier run works again: forget that failure."""
        info = self.info.get(plugin_name)
        if (
            info
            and info.remembered_error
            and not info.errors
            and self._remembered(info).get("hook") == hook_name
        ):
            info.remembered_error = ""
            self.recovered.add(plugin_name)

    def failure_changes(self) -> tuple[dict[str, dict[str, str]], set[str]]:
        """(failures to remember, plugins whose stored failure is to be forgotten): new
        ones, recovered ones, and those stored for another version of the plugin."""
        stored = self.company_settings.get(FAILURES_KEY) or {}
        stale = {
            name for name in stored if name in self.info and not self._remembered(self.info[name])
        }
        return dict(self.new_failures), (self.recovered | stale) - set(self.new_failures)

    def failures_saved(self) -> None:
        stored = dict(self.company_settings.get(FAILURES_KEY) or {})
        remember, forget = self.failure_changes()
        for name in forget:
            stored.pop(name, None)
        stored.update(remember)
        self.company_settings[FAILURES_KEY] = stored
        self.new_failures.clear()
        self.recovered.clear()

    def contributions(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Flatten a list-returning hook into (plugin name, item) pairs."""
        items: list[tuple[str, Any]] = []
        for plugin_name, result in self.call_each(hook_name, **kwargs):
            if result is None:
                continue
            if not isinstance(result, list | tuple):
                self.report(
                    plugin_name,
                    hook_name,
                    TypeError(f"expected a list, got {type(result).__name__}"),
                )
                continue
            items.extend((plugin_name, item) for item in result)
        return items

    def fire(self, hook_name: str, **kwargs: Any) -> None:
        """Fire an event (after commit); failures are reported, never raised."""
        self.call_each(hook_name, **kwargs)

    def call_in_transaction(self, hook_name: str, **kwargs: Any) -> None:
        """Call an in-transaction hook: every implementation, in registration order. An
        exception propagates (the caller's transaction rolls back) and the plugin stays
        on, so a retry cannot succeed by quietly skipping its part."""
        for impl in self._implementations(hook_name):
            if self.pm.get_plugin(impl.plugin_name) is not None:
                impl.function(**{arg: kwargs[arg] for arg in impl.argnames})

    def keyed_contributions(
        self, hook_name: str, kind: str, shape_problems: Callable[[Any], list[str]]
    ) -> dict[str, Any]:
        """A list hook's items by their ``id``, in registration order.

        An item with a bad shape (``shape_problems`` names what is wrong) or an id already
        taken is recorded on its plugin, so ``salesdesk plugins list`` shows it, and left
        out; the other items stay.
        """
        found: dict[str, Any] = {}
        for plugin, item in self.contributions(hook_name):
            problems = shape_problems(item)
            if not problems and item.id in found:
                problems.append(f"{kind} id '{item.id}' is already taken")
            if problems:
                name = getattr(item, "id", None) or type(item).__name__
                self.note(plugin, f"{hook_name}: {kind} {name}: {'; '.join(problems)}")
                continue
            found[item.id] = item
        return found

    def note(self, plugin_name: str, message: str) -> None:
        """Record a problem with a plugin's contribution without switching it off."""
        info = self._info_for(plugin_name)
        if message not in info.errors:
            info.errors.append(message)
            log.error("plugin %s: %s", plugin_name, message)

    def report(self, plugin_name: str, hook_name: str, exc: BaseException) -> None:
        """Record a bad contribution from a plugin and switch the plugin off."""
        self._fail(self._info_for(plugin_name), hook_name, exc)

    def _info_for(self, plugin_name: str) -> PluginInfo:
        return self.info.setdefault(plugin_name, PluginInfo(plugin_name, plugin_name))

    # -- registries -----------------------------------------------------------------

    @property
    def roles(self) -> RoleRegistry:
        if self._roles is None:
            registry = RoleRegistry.core()
            for _plugin, perm in self.contributions("salesdesk_permissions"):
                registry.add_permission(perm)
            for plugin, role in self.contributions("salesdesk_roles"):
                why = registry.add_role(role)
                if why:
                    self._info_for(plugin).errors.append(f"salesdesk_roles: {why}")
            self._roles = registry
        return self._roles

    @property
    def funnels(self) -> Any:
        """The funnel registry (:class:`core.funnels.FunnelRegistry`), built once."""
        if self._funnels is None:
            self._funnels = funnel_registry(self)
        return self._funnels

    def migration_locations(self) -> list[str]:
        """The migration folders of the enabled plugins."""
        return [str(path) for _plugin, path in self.contributions("salesdesk_migrations")]

    def schema_locations(self) -> dict[str, list[str]]:
        """Every installed plugin's migration folders, by plugin: the loaded ones answer the
        hook; a switched-off one is imported (never registered) to ask it, so the
        database's record of its tables still makes sense while it is off."""
        found: dict[str, list[str]] = {}
        for plugin, path in self.contributions("salesdesk_migrations"):
            found.setdefault(plugin, []).append(str(path))
        for info in self.info.values():
            if not info.loaded and info.name not in found:
                folders = self._dormant_migrations(info)
                if folders:
                    found[info.name] = folders
        return found

    def _dormant_migrations(self, info: PluginInfo) -> list[str]:
        try:
            module = importlib.import_module(info.module)
            if not self._is_impl(module, "salesdesk_migrations"):
                return []
            return [str(path) for path in module.salesdesk_migrations() or []]
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # like a plugin whose code is gone
            log.info("plugin %s (not loaded) did not name its migrations: %s", info.name, exc)
            return []

    def loaded_names(self) -> list[str]:
        return [name for name, info in self.info.items() if info.loaded]


def plugin_hookspecs(module_name: str) -> ModuleType | None:
    """The ``hookspecs`` module of a plugin package, or ``None`` (a plain module, or a
    package without one). The package is looked at on disk first, so a plugin without
    one is not imported for it; importing one imports the plugin's ``__init__`` too."""
    try:
        package = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):  # its parent package is missing or broken
        return None
    folders = (package.submodule_search_locations or []) if package else []
    if not any(
        (Path(folder) / "hookspecs.py").is_file()
        or (Path(folder) / "hookspecs" / "__init__.py").is_file()
        for folder in folders
    ):
        return None
    return importlib.import_module(f"{module_name}.hookspecs")


def declared_hooks(specs: ModuleType) -> list[str]:
    """The hook specifications a module declares, in source order."""
    marker = f"{hookspecs.PROJECT}_spec"
    found = [
        obj
        for name, obj in vars(specs).items()
        if name.startswith("salesdesk_") and callable(obj) and hasattr(obj, marker)
    ]
    return [f.__name__ for f in sorted(found, key=lambda f: f.__code__.co_firstlineno)]


# Every profile keeps ``exporters``: without it no report could be written to a file.
BUILTIN_PROFILES: dict[str, list[str]] = {
    "standard": ["funnel", "forecast", "contracts", "sales_reports", "exporters"],
    "manufacturing": [
        "funnel",
        "forecast",
        "contracts",
        "manufacturing",
        "sales_reports",
        "exporters",
    ],
    "real_estate": ["funnel", "forecast", "contracts", "real_estate", "sales_reports", "exporters"],
}


def funnel_registry(plugins: PluginManager, default: str | None = None):
    """Build the funnel registry: the core's basic funnel plus every valid contribution,
    adjusted by the company's overrides (``funnel.overrides``)."""
    from core.funnels import BASIC_FUNNEL, OVERRIDES_KEY, FunnelDefinition, FunnelRegistry

    funnels: list[FunnelDefinition] = [BASIC_FUNNEL]
    for plugin, funnel in plugins.contributions("salesdesk_funnels"):
        problems = (
            funnel.problems()
            if isinstance(funnel, FunnelDefinition)
            else [f"expected a FunnelDefinition, got {type(funnel).__name__}"]
        )
        if any(f.id == getattr(funnel, "id", None) for f in funnels):
            problems.append(f"funnel id '{funnel.id}' is already taken")
        if problems:
            plugins.info.setdefault(plugin, PluginInfo(plugin, plugin)).errors.append(
                f"salesdesk_funnels: {'; '.join(problems)}"
            )
            continue
        funnels.append(funnel)
    registry = FunnelRegistry(funnels, default, plugins.company_settings.get(OVERRIDES_KEY))
    for problem in registry.problems:
        log.error("funnel settings: %s", problem)
    return registry


class _TracebackLog:
    """Plugin tracebacks go to the log file (setting ``log_file``, default
    ``salesdesk.log`` in the data directory), not to the terminal."""

    def __init__(self) -> None:
        self.logger = logging.getLogger(TRACEBACKS)
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)
        self.path: Path | None = None

    def log(self, plugin: str, hook: str, exc: BaseException) -> str:
        path = _log_file()
        if path != self.path:  # the data directory may change (tests, another home)
            for old in list(self.logger.handlers):
                self.logger.removeHandler(old)
                old.close()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
            except OSError:
                handler = logging.NullHandler()
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            self.logger.addHandler(handler)
            self.path = path
        self.logger.error(
            "plugin %s failed in %s\n%s",
            plugin,
            hook,
            "".join(traceback.format_exception(exc)).rstrip(),
        )
        return str(path)


def _log_file() -> Path:
    from core.settings import data_dir, load_settings

    try:
        configured = load_settings().log_file
    except Exception:  # a broken settings file must not hide a plugin's failure
        configured = None
    return Path(configured).expanduser() if configured else data_dir() / "salesdesk.log"


_tracebacks: _TracebackLog | None = None


def _traceback_log() -> _TracebackLog:
    global _tracebacks
    if _tracebacks is None:
        _tracebacks = _TracebackLog()
    return _tracebacks
