"""The salesdesk terminal app: a thin shell that holds the context and switches screens.

Screens live in ``tui/screens``, business logic in ``core/services``. The app takes the
context it acts with, so tests run it on a temporary database as any user.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from core.i18n import _, pick
from tui.base import ask_to_discard, localize_bindings, report_error

if TYPE_CHECKING:  # SQLAlchemy and the models load after the first frame (see _open)
    from textual.driver import Driver

    from core.context import Context
    from core.dashboard_figures import Dashboard
    from tui.figures_ahead import FiguresAhead

log = logging.getLogger("salesdesk.tui")

# section id -> (key, English title, screen factory path)
SECTIONS: dict[str, tuple[str, str, str]] = {
    "home": ("1", "Home", "tui.screens.home:HomeScreen"),
    "customers": ("2", "Customers", "tui.screens.customers:CustomersScreen"),
    "opportunities": ("3", "Opportunities", "tui.screens.opportunities:OpportunitiesScreen"),
    "daily": ("4", "Daily report", "tui.screens.daily:DailyScreen"),
    "reports": ("5", "Reports", "tui.screens.reports:ReportsScreen"),
    "plugins": ("6", "Plugins", "tui.screens.plugins:PluginsScreen"),
    "forms": ("7", "Forms", "tui.screens.forms:FormsScreen"),
    "import": ("i", "Import", "tui.screens.imports:ImportScreen"),
    "receipts": ("j", "Receipts", "tui.screens.receipts:ReceiptsScreen"),
    "users": ("9", "Users and keys", "tui.screens.users:UsersScreen"),
    "admin": ("0", "Admin", "tui.screens.admin:AdminScreen"),
}
# Sections only some users are offered (the rest are everyone's).
PERMITTED: dict[str, str | tuple[str, ...]] = {
    "plugins": "plugin.manage",
    "import": ("sales.import", "receipt.record", "masterdata.manage", "user.manage"),
    "admin": ("masterdata.manage", "region.manage_own", "settings.manage"),
}


CACHED = {"customers", "opportunities", "daily", "reports"}
UI_SWITCH_INTERVAL = 0.001  # seconds a thread keeps the interpreter lock when asked for it


def _load(path: str) -> Any:
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


class HeldKeys(Message):
    """Deliver the next held key (posted behind the key on its way, so it comes after)."""


class SalesdeskApp(App[None]):
    TITLE = "salesdesk"
    CSS = """
    Screen { background: $background; }
    .hint { color: $text-muted; padding: 0 1; height: auto; }
    DataTable { background: $background; }
    /* a compact field's own focus is a 5% tint, invisible on most terminals */
    Input.-textual-compact:focus { background-tint: $accent 40%; }
    Select.-textual-compact:focus > SelectCurrent { background-tint: $accent 40%; }
    """

    # Reports and the day built, and the plugin views' first pages read, while the user
    # reads Home (local sessions). The test suite turns it off (tests/conftest.py) but
    # where a test is about it: a second or so of CPU per app, a thousand apps.
    BUILD_AHEAD: ClassVar[bool] = True
    # The garbage collector kept off the start-up objects and kept screens (see
    # _freeze_once). The test suite turns it off too but where a test is about it: in a
    # process running a thousand apps, each new app's full collection of what the earlier
    # ones froze cost 0.1-0.3 s of CPU.
    MANAGE_GC: ClassVar[bool] = True
    BINDINGS = [
        Binding("question_mark,f1", "keys", "Keys", id="app.keys"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Search",
            id="app.palette",
            show=False,
            priority=True,
            tooltip="Find a screen, customer, deal or report",
        ),
        Binding("q", "quit", "Quit", id="app.quit", show=False),
        *[
            Binding(key, f"section('{sid}')", title, id=f"app.section.{sid}", show=False)
            for sid, (key, title, _path) in SECTIONS.items()
        ],
    ]

    def __init__(
        self,
        context: Context | None = None,
        *,
        database_label: str | None = None,
        profile: str | None = None,
        start: str = "home",
        load_dashboard: bool = True,
        opener: Callable[[], Context] | None = None,
        figures_ahead: FiguresAhead | None = None,
    ) -> None:
        """Either ``context`` (ready at once: tests, the demo) or ``opener``, called in a
        thread after the first frame is drawn: Home with its navigation shows at once
        while SQLAlchemy, the models and the plugins load (about 1 s on a busy machine).
        Keys pressed meanwhile are kept and acted on when the context is ready.
        ``figures_ahead``: Home's figures being read by a child process (see
        ``tui.figures_ahead``), drawn when they come if the app's own are not in yet."""
        from tui.commands import SalesdeskCommands

        super().__init__()
        if (context is None) == (opener is None):
            raise TypeError("give either a context or an opener")
        self.COMMANDS = {SalesdeskCommands}
        self.ctx: Any = context
        self.start = start
        self.load_dashboard = load_dashboard
        self._opener = opener
        self._profile, self._database_label = profile, database_label
        self._pending: list[Callable[[], None]] = []
        self._pending_section = ""
        self.last_report: str | None = None  # the report last run: Reports reopens at it
        # The reports and the forms of this session, once read off the UI thread (the
        # plugins' modules are imported the first time): Reports and Forms list them as
        # they are composed. The plugins they come from change only with a restart.
        self.known_reports: list[Any] | None = None
        self.known_forms: list[Any] | None = None
        self.startup_error: str | None = None
        localize_bindings(self)
        self.session_info = (
            _session_info(context, database_label, profile)
            if context is not None
            else _loading_info(database_label)
        )
        self._views: list[tuple[str, Any]] | None = None
        self._views_coming = False  # collected in the opening thread (see _open)
        self._forms_offered: bool | None = None
        # what plugin views read ahead while Home is read (ViewSpec.read_ahead), by view id
        self.read_ahead: dict[str, Any] = {}
        self.figures_shown = threading.Event()  # set by Home when its figures are drawn
        self._ahead = figures_ahead
        self.figures_read = threading.Event()  # the child's figures are in (see _receive)
        self.crash_on_error: bool | None = None
        self._key_on_way: events.Key | None = None  # see on_event
        self._key_chain: list[Any] = []
        self._held_keys: list[events.Key | events.Paste] = []
        self._key_timer: Any = None
        self._awaited_screen: Screen[Any] | None = None  # held keys wait for it to show
        self._shown_screen: Callable[[], Screen[Any] | None] | None = None
        self._holds: set[object] = set()  # see hold_keys
        self._switch_interval = sys.getswitchinterval()  # restored when the app ends

    def get_driver_class(self) -> type[Driver]:
        """Textual's Linux driver with a prompt Escape key (tui.driver), unless
        ``TEXTUAL_DRIVER`` names another; Textual's own choice elsewhere."""
        from textual import constants

        if constants.DRIVER is None and sys.platform.startswith("linux"):
            from tui.driver import PromptEscapeDriver

            return PromptEscapeDriver
        return super().get_driver_class()

    # -- start-up ----------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once the context is there (at once unless the app was given an opener)."""
        return self.ctx is not None

    def when_ready(self, action: Callable[[], None]) -> None:
        """Run ``action`` now, or as soon as the context is ready (keys typed early)."""
        if self.ready:
            action()
        else:
            self._pending.append(action)

    def _open_pending_section(self) -> None:
        section, self._pending_section = self._pending_section, ""
        if section:
            self.action_section(section)

    @work(thread=True, group="open", exit_on_error=False)
    def _open(self) -> None:
        assert self._opener is not None
        try:
            ctx = self._opener()
            info = _session_info(ctx, self._database_label, self._profile)
        except Exception as exc:
            from core.errors import SalesdeskError

            if isinstance(exc, SalesdeskError):
                message = str(exc)
            else:
                log.exception("salesdesk could not open", exc_info=exc)
                message = f"{type(exc).__name__}: {exc}"
            self.call_from_thread(self._failed, message)
            return
        # Home's figures are read here, in the same thread, rather than by a worker Home
        # would start once the UI thread has taken the context: one hand-over less
        # between the first frame and the figures (on a loaded machine each waits for
        # the UI thread's turn).
        board = None
        if self.load_dashboard and not self.figures_read.is_set():
            try:
                from core.services import dashboard

                board = dashboard.compute(ctx)
            except Exception:  # Home reads them again and says what went wrong
                log.debug("Home's figures could not be read while opening", exc_info=True)
        if board is not None and self._ahead is not None:  # ours came first: the child
            self._ahead.stop()  # would only take the core the app's work needs
        self.call_from_thread(self._opened, ctx, info, board)
        # Whether to offer the set-up guide: database work, kept off the UI thread too;
        # keys typed early are acted on after it (the guide comes first).
        from tui.screens.setup import setup_offer

        try:
            offer = setup_offer(ctx) if self.start == "home" else None
        except Exception as exc:  # the app works without the offer
            log.exception("the set-up state could not be read", exc_info=exc)
            offer = None
        self.call_from_thread(self._setup_checked, offer)
        # Then, still off the UI thread, what the navigation adds: the plugins' views
        # (importing them took 0.4-1.4 s, which held Home's figures back when done on
        # the UI thread) and whether this user has forms; once Home's figures are in,
        # so that their reading does not share the interpreter with these imports.
        if self.load_dashboard:
            self.figures_shown.wait(2.0)
        try:
            from core.forms import forms_for
            from tui.views import collect_views

            views, forms = collect_views(ctx), bool(forms_for(ctx))
        except Exception as exc:  # the core sections work without them
            log.exception("the plugins' views could not be read", exc_info=exc)
            views, forms = [], False
        self.call_from_thread(self._views_ready, views, forms)

    def _views_ready(self, views: list[tuple[str, Any]], forms: bool) -> None:
        self._views_coming, self._forms_offered = False, forms
        self._views = self._bind_view_keys(views)
        for screen in self.screen_stack:
            if hasattr(screen, "sections_changed"):
                screen.sections_changed()
        if self._held_keys:  # a plugin section's key typed before it was bound
            self.post_message(HeldKeys())
        self.set_timer(0.1, self._warm_up)

    def _failed(self, message: str) -> None:
        self.startup_error = message
        self.exit(return_code=1)

    def _opened(self, ctx: Context, info: dict[str, Any], board: Any = None) -> None:
        from tui.widgets.infobar import InfoBar

        self.ctx, self.session_info, self._views = ctx, info, None
        self._views_coming = True
        for screen in self.screen_stack:
            for bar in screen.query(InfoBar):
                bar.show_info()
            if hasattr(screen, "context_ready"):
                screen.context_ready(board)

    def _setup_checked(self, offer: str | None) -> None:
        if offer is not None:
            from tui.screens.setup import offer_setup

            offer_setup(self, offer)
        pending, self._pending = self._pending, []
        for action in pending:
            action()

    def _offer_setup(self) -> None:
        """A database not set up yet: the group admin gets the guided set-up."""
        if self.start == "home":
            from tui.screens.setup import offer_setup

            offer_setup(self)

    # -- navigation --------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification shows its text as written: messages carry names and values people
        typed (a customer called "[x]", a refused entry), which must never be read as markup
        (an unbalanced bracket ended the app)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_mount(self) -> None:
        # The UI thread gets the interpreter lock back from a busy worker within 1 ms, not
        # Python's 5: the opening thread imports the database layer while Home's figures
        # are drawn (a hand-over, then a frame, each waited for the lock). From the read-
        # ahead child's write to the frame with the figures: median 60.9 -> 37.3 ms.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, UI_SWITCH_INTERVAL))
        self.action_section("home")
        if self.start != "home":
            self.action_section(self.start)
        if self.ready:
            self._offer_setup()
            self.set_timer(0.1, self._warm_up)
        else:
            # open the database once Home is drawn, so the first frame does not wait
            self.call_after_refresh(self._open)
        if self._ahead is not None:  # figures read ahead are drawn as they come, or
            if self.ready or not self.load_dashboard:  # not wanted at all
                self._ahead.stop()
            else:
                self.call_after_refresh(self._receive)

    @work(thread=True, group="figures-ahead", exit_on_error=False)
    def _receive(self) -> None:
        """Home's figures from the child forked at start, drawn as soon as they come
        (the opening thread reads them itself unless they are in by then)."""
        assert self._ahead is not None
        self._ahead.receive(on_figures=self._hand_over)

    def _hand_over(self, figures: tuple[Dashboard, list[str]]) -> None:
        """The child's figures to Home, before the child is reaped (its exit frees its
        memory first: 10-20 ms)."""
        if self.is_running:
            self.figures_read.set()
            self.call_from_thread(self._figures_came, *figures)

    def _figures_came(self, board: Dashboard, titles: list[str]) -> None:
        from tui.screens.home import HomeScreen

        if self.figures_shown.is_set():  # the app's own came first
            return
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.show(board, titles)

    def on_unmount(self) -> None:
        if self._ahead is not None:  # no child outlives the app
            self._ahead.stop()
        sys.setswitchinterval(self._switch_interval)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """While Home is read: import the list screens and run the customers query once,
        so the first open of the big list finds its SQL compiled and its pages cached."""
        import tui.screens.customers
        import tui.screens.opportunities  # noqa: F401
        from core.services import lists

        lists.customer_page(self.ctx, lists.CustomerFilter(), 0, 1)
        lists.count_customers(self.ctx, lists.CustomerFilter())
        self.call_from_thread(self._build_ahead, "customers")
        if self.BUILD_AHEAD:
            # The deals list too, served sessions included: with the customers it is where
            # a rep's day starts, and its first opening (80 ms of a served session's CPU on
            # medium, against 10-20 later) was the slowest key when fifty sessions typed.
            self.call_from_thread(self._build_ahead, "opportunities")
        # The other sections' modules, and the plugins' report modules (the first
        # collection of the reports imports them all, 0.3-0.8 s): importing them on the
        # UI thread was part of each section's first opening (the day: 0.14 s).
        import importlib

        for _key, _title, path in SECTIONS.values():
            with contextlib.suppress(Exception):  # a failure shows when it is opened
                importlib.import_module(path.split(":")[0])
        with contextlib.suppress(Exception):
            from tui.screens.reports import available_reports

            self.known_reports = available_reports(self.ctx)
        with contextlib.suppress(Exception):
            from core.forms import forms_for

            self.known_forms = forms_for(self.ctx)
        if self._served() or not self.BUILD_AHEAD:
            return  # fifty sessions share the server's cores, and most open neither
        # Reports (built with the reports read above, it then only shows them) and the
        # day (its first opening composed, laid out and drew some 100 widgets, 0.2-0.25 s
        # of the UI thread on large), in the many short steps of a mount while the user
        # reads Home.
        with contextlib.suppress(Exception):  # the app ended meanwhile
            if self.known_reports is not None:
                self.call_from_thread(self._build_ahead, "reports")
            self.call_from_thread(self._build_ahead, "daily")
            self._read_views_ahead()

    def _read_views_ahead(self) -> None:
        """What the plugin views read for their first frame (``ViewSpec.read_ahead``: the
        due list's first page and count, 0.15-0.2 s of SQL on large), read now, in the
        warm-up's thread; each view's screen decides whether it is still fresh."""
        from tui.widgets.paged_table import first_rows

        rows = first_rows(self)
        for plugin, view in self._views or []:  # collected by now (see _views_ready)
            if view.read_ahead is None or not self.is_running:
                continue
            try:
                self.read_ahead[view.id] = view.read_ahead(self.ctx, rows)
            except Exception as exc:  # the view reads as it opens, as without
                log.warning("view %s of %s: not read ahead: %s", view.id, plugin, exc)

    async def _build_ahead(self, section: str) -> None:
        """Build a cached section while the user is on Home: composed, mounted, laid out
        and its first page read and drawn, off screen, so its first opening only shows it.

        Uses ``App._get_screen`` (Textual 8: mounts an installed screen that is not on
        the stack) and ``Screen._refresh_layout``; without them, the section is built
        on first use as before."""
        if self.MANAGE_GC:
            _freeze_once()
        get_screen = getattr(self, "_get_screen", None)
        if (
            get_screen is None
            or section not in CACHED
            or self.is_screen_installed(section)
            or not self.is_running
        ):
            return
        self.install_screen(_load(SECTIONS[section][2])(), section)
        screen, mounted = get_screen(section)
        await mounted
        lay_out = getattr(screen, "_refresh_layout", None)
        if lay_out is not None and not screen.is_current:
            lay_out(self.size)  # widgets get their sizes (a table reads a page to fit)
            _paint_ahead(screen)

    def sections(self) -> list[tuple[str, str, str]]:
        """(id, key, translated title) of every place in the navigation, plugin views too."""
        if not self.ready:  # until the context is there: the sections everyone has
            return [
                (sid, key, _(title))
                for sid, (key, title, _p) in SECTIONS.items()
                if sid not in (*PERMITTED, "forms")
            ]
        found = [
            (sid, key, _(title)) for sid, (key, title, _p) in SECTIONS.items() if self._offered(sid)
        ]
        for plugin, view in [] if self._views_coming else self.views():
            found.append((f"view:{plugin}:{view.id}", view.key, pick(view.title_en, view.title_zh)))
        return found

    def _offered(self, section: str) -> bool:
        if section in PERMITTED:
            needed = PERMITTED[section]
            names = (needed,) if isinstance(needed, str) else needed
            return any(self.ctx.grant.has(name) for name in names)
        if section == "forms":  # only when an enabled plugin has a form for this user
            from core.forms import forms_for

            if self._views_coming or self._forms_offered is not None:
                return bool(self._forms_offered)  # read with the views (_open)
            return bool(forms_for(self.ctx))
        return True

    def views(self) -> list[tuple[str, Any]]:
        if self._views is None:
            from tui.views import collect_views

            self._views = self._bind_view_keys(collect_views(self.ctx))
        return self._views

    def _bind_view_keys(self, views: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """Bind each plugin view's key, unless the core or an earlier view has it (then
        the view is listed without a key and the clash is noted on its plugin)."""
        from dataclasses import replace

        taken = {key for key, _t, _p in SECTIONS.values()}
        bound: list[tuple[str, Any]] = []
        for plugin, view in views:
            if view.key in taken:
                self.ctx.plugins.note(
                    plugin,
                    f"salesdesk_views: view {view.id}: key "
                    f"'{view.key}' is already taken; no key bound",
                )
                view = replace(view, key="")
            elif view.key:
                taken.add(view.key)
                self.bind(
                    view.key,
                    f"section('view:{plugin}:{view.id}')",
                    description=pick(view.title_en, view.title_zh),
                    show=False,
                )
            bound.append((plugin, view))
        return bound

    async def action_quit(self) -> None:
        """Quit, after asking if a form holds typing that was not saved."""
        ask_to_discard(self, list(self.screen_stack), self.exit)

    def action_section(self, section: str) -> None:
        """Open a section on top of Home (Escape comes back to Home), after asking if
        a form being left holds typing that was not saved."""
        ask_to_discard(self, self._left_behind(), lambda: self._open_section(section))

    def _left_behind(self) -> list[Any]:
        """The screens a section switch throws away (kept sections keep their typing)."""
        return [s for s in self.screen_stack[1:] if not self.is_screen_installed(s)]

    def _open_section(self, section: str) -> None:
        if not self.ready and section == "home":
            self._pending_section = ""  # changed their mind: stay on Home
        elif not self.ready:
            # opened when the database is (the last one asked for, once)
            if not self._pending_section:
                self.notify(_("Loading…"), timeout=2)
                self.when_ready(self._open_pending_section)
            self._pending_section = section
            return
        try:
            screen = self._make(section)
        except Exception as exc:
            report_error(self, exc)
            return
        if screen is None:
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if section == "home" and len(self.screen_stack) == 2:
            return
        if section in CACHED and not section.startswith("view:"):
            # Sections are built once and kept (installed): opening one again is
            # instant, and it refreshes its data when it comes back (on_screen_resume).
            if not self.is_screen_installed(section):
                self.install_screen(screen, section)
            self.push_screen(section)
            return
        self.push_screen(screen)

    def _make(self, section: str) -> Any:
        if section.startswith("view:"):
            _v, plugin, view_id = section.split(":", 2)
            for name, view in self.views():
                if name == plugin and view.id == view_id:
                    return view.factory(self.ctx)
            return None
        if section == "plugins" and not self.ctx.grant.has("plugin.manage"):
            self.notify(_("Only administrators see the plugins"), severity="warning")
            return None
        if section == "import" and not self.ctx.grant.has("sales.import"):
            self.notify(
                _(
                    "Importing needs the import permission (business operators, finance, "
                    "administrators)"
                ),
                severity="warning",
            )
            return None
        if section == "admin" and not self._offered("admin"):
            self.notify(
                _("Only administrators and business operators see the admin area"),
                severity="warning",
            )
            return None
        if section == "home" and len(self.screen_stack) >= 2:
            return object()  # just go back to Home
        if section in CACHED and self.is_screen_installed(section):
            return object()  # the installed one is pushed
        return _load(SECTIONS[section][2])()

    def open_customer(self, customer_id: int) -> None:
        from tui.screens.customer_page import CustomerPage

        self.push_screen(CustomerPage(customer_id))

    def open_opportunity(self, opportunity_id: int) -> None:
        from tui.screens.opportunities import OpportunitiesScreen

        self._home_then(lambda: self.push_screen(OpportunitiesScreen(focus_id=opportunity_id)))

    def open_report(self, report_id: str) -> None:
        from tui.screens.reports import ReportsScreen

        self._home_then(lambda: self.push_screen(ReportsScreen(report_id=report_id)))

    def _home_then(self, show: Callable[[], Any]) -> None:
        def go() -> None:
            self._open_section("home")
            show()

        ask_to_discard(self, self._left_behind(), go)

    def action_command_palette(self) -> None:
        """Textual's palette with its words in the reader's language."""
        from tui.widgets.palette import SearchPalette

        if self.use_command_palette and not SearchPalette.is_open(self):
            self.push_screen(SearchPalette(id="--command-palette"))

    def action_keys(self) -> None:
        from tui.screens.dialogs import KeysDialog

        if isinstance(self.screen, KeysDialog):
            self.pop_screen()
            return
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for _key, active in self.screen.active_bindings.items():
            binding = active.binding
            ours = bool(binding.id) or binding.action.startswith("section(")  # plugin views
            if binding.action in seen or not binding.description or not ours:
                continue  # Textual's own bindings (cursor moves, focus) need no teaching
            section = binding.action.removeprefix("section('").removesuffix("')")
            if (
                binding.action.startswith("section(")
                and section in SECTIONS
                and self.ready
                and not self._offered(section)
            ):
                continue  # a place this user may not open is not taught
            seen.add(binding.action)
            rows.append((self.get_key_display(binding), binding.description))
        title = getattr(self.screen, "TITLE_EN", "") or "salesdesk"
        self.push_screen(KeysDialog(rows, _(title)))

    @staticmethod
    def _served() -> bool:
        """A session of ``salesdesk serve`` (see ``on_descendant_focus``)."""
        served = sys.modules.get("core.served")
        return served is not None and bool(served.is_served())

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """In a served session a text cursor does not blink: each blink is a redraw sent
        over SSH, twice a second, from every idle session with a field focused (on the
        server that was 7 times the CPU of an idle session on Home).

        Asked of ``core.served`` only if it is loaded (a served session loads it to redeem
        its ticket, before the app starts): importing it here loaded SQLAlchemy and the
        models on the UI thread before the first frame (about 1 s of CPU on a busy machine)."""
        if self._served() and getattr(event.widget, "cursor_blink", False):
            event.widget.cursor_blink = False  # type: ignore[attr-defined]

    # -- keys, one at a time ---------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Keys are delivered one after the other: the next key waits until the one before
        has been dealt with. Textual hands a key to the focused widget and moves on; a Tab
        travels up to the app's binding later, so keys typed right after it (a paste, a
        burst over a slow SSH link) went to the field being left."""
        typed = isinstance(event, events.Key | events.Paste)
        if not typed or event.is_forwarded or not self.screen_stack:  # type: ignore[attr-defined]
            await super().on_event(event)
            return
        if (
            self._key_on_way is not None
            or self._held_keys
            or not self._screen_shown()
            or self._for_a_view_to_come(event)  # type: ignore[arg-type]
        ):
            self._held_keys.append(event)  # type: ignore[arg-type]
            return
        await self._deliver_key(event)  # type: ignore[arg-type]

    def _for_a_view_to_come(self, event: events.Key | events.Paste) -> bool:
        """True for a key that may open a plugin's section not bound yet: the views are
        read after Home's figures, and a key for one (8: Contracts) typed at start-up
        did nothing. A key the screen knows, or one typed into a field, is not held."""
        if not self._views_coming or not isinstance(event, events.Key):
            return False
        if event.character is None or not event.is_printable:
            return False
        from textual.widgets import Input, TextArea

        if isinstance(self.focused, Input | TextArea):
            return False
        return event.key not in self.active_bindings

    KEYS_HELD_AT_MOST = 5.0  # seconds: a slow read never takes the keyboard away for long

    def hold_keys(self) -> Callable[[], None]:
        """Keep the keys typed from now on until the returned ``release`` is called (at
        most KEYS_HELD_AT_MOST seconds): a key that opens a dialog whose content is read
        first (``n``: the choices of its fields) and the letters typed right after it.
        The letters were handed to the screen underneath while the dialog was read, and
        lost, or taken there as keys of their own. ``release`` may be called again."""
        token = object()
        self._holds.add(token)

        def release() -> None:
            if token in self._holds:
                self._holds.discard(token)
                timer.stop()
                if not self._holds and self._held_keys:
                    self.post_message(HeldKeys())

        timer = self.set_timer(self.KEYS_HELD_AT_MOST, release)
        return release

    def _screen_shown(self) -> bool:
        """True when the screen on top has mounted and set its focus. A key that opens a
        dialog (``n``) pushes it at once, but its fields exist only once it has mounted,
        and the focus it gives its first field is set later still: a key typed meanwhile
        went to the half-built screen and was lost (the first letter of a new receipt's
        customer code). Keys for a screen not seen yet are held until then."""
        if self._holds:
            return False  # a dialog is being read: its keys wait for it (hold_keys)
        screen = self.screen
        if self._shown_screen is not None and self._shown_screen() is screen:
            return True
        if self._awaited_screen is not screen:
            self._awaited_screen = screen
            self.run_worker(self._await_screen(screen), group="held-keys", exit_on_error=False)
        return False

    async def _await_screen(self, screen: Screen[Any]) -> None:
        import asyncio
        import weakref

        with contextlib.suppress(TimeoutError):  # never hold keys for long
            await asyncio.wait_for(screen._mounted_event.wait(), 2.0)
        if self._awaited_screen is screen:
            self._awaited_screen = None
            self._shown_screen = weakref.ref(screen)
        # posted behind what the screen's mount handlers asked of the app (the focus of
        # its first field), so the held keys find that field focused
        self.post_message(HeldKeys())

    async def _deliver_key(self, event: events.Key | events.Paste) -> None:
        target = self.focused or self.screen
        await super().on_event(event)
        if isinstance(event, events.Paste) or not event.is_forwarded:
            return  # a paste stays in one field; a priority binding has done its work
        self._key_on_way = event
        self._key_chain = [node for node in target.ancestors_with_self if not isinstance(node, App)]
        for node in self._key_chain:
            node.message_signal.subscribe(self, partial(self._key_seen, node), immediate=True)
        # a widget removed on the way never reports back: do not hold keys for long
        self._key_timer = self.set_timer(1.0, self._key_done)

    def _key_seen(self, node: Any, message: Message) -> None:
        """A widget on the key's way up has dealt with it. Done if it went no further, or
        if a screen passed it on to the app (queued there ahead of the replay message)."""
        if message is not self._key_on_way:
            return
        if (
            isinstance(node, Screen)
            or message._stop_propagation
            or not (node.is_parent_active and node.is_attached)
        ):
            self._key_done()

    def _key_done(self) -> None:
        for node in self._key_chain:
            node.message_signal.unsubscribe(self)
        self._key_on_way, self._key_chain = None, []
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        if self._held_keys:
            self.post_message(HeldKeys())

    async def on_held_keys(self, message: HeldKeys) -> None:
        while (
            self._held_keys
            and self._key_on_way is None
            and self._screen_shown()
            and not self._for_a_view_to_come(self._held_keys[0])
        ):
            await self._deliver_key(self._held_keys.pop(0))

    async def run_action(
        self, action: Any, default_namespace: Any = None, namespaces: Any = None
    ) -> bool:
        # An action (a key, a click) that fails becomes a message and the app keeps
        # running: the failure is in one command, the rest of the app is sound. Tests
        # (headless) still fail loudly unless they ask for the user's behaviour.
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as exc:
            if self.crash_on_error if self.crash_on_error is not None else self.is_headless:
                raise
            report_error(self, exc)
            return True

    def _handle_exception(self, error: Exception) -> None:
        # Anywhere else, Textual has already stopped the message loop that raised (the
        # app's own, or a widget's): carrying on would leave a dead screen or end the app
        # with exit status 0. So the app ends with the traceback, logged, and status 1.
        log.error("unexpected error; salesdesk stops", exc_info=error)
        super()._handle_exception(error)


def _paint_ahead(screen: Screen[Any]) -> None:
    """Draw a screen built off screen into its widgets' line caches, so that its first
    showing makes the frame from them rather than drawing every widget (Reports on
    large: about a fifth of that step's CPU). What changes as it is shown (the focused
    list's look) is drawn again then; tables draw themselves ahead once their columns
    are measured (``PagedTable._draw_ahead``), not before."""
    from textual.geometry import Region
    from textual.widgets import DataTable

    compositor = getattr(screen, "_compositor", None)
    for widget, (region, _clip) in getattr(compositor, "visible_widgets", {}).items():
        if isinstance(widget, DataTable):
            continue
        try:
            widget.render_lines(Region(0, 0, region.width, region.height))
        except Exception:  # drawn when shown instead, where a failure is reported
            log.debug("%r was not drawn ahead", widget, exc_info=True)


_frozen = threading.Event()
_kept_frozen = threading.Event()  # an app of this process froze the screens it keeps


def _freeze_once() -> None:
    """Once per process, when the database layer, the plugins and the first screens are
    loaded: move every object there is now out of the garbage collector's reach. They
    live as long as the process; checking them again and again made the collector stop
    the UI thread for 0.1-0.6 s of CPU at random moments (tables filling, screens
    opening) on a process holding SQLAlchemy, the models and the plugins.

    A process running one app after another (the tests, the benchmark) has the kept
    screens of the earlier ones frozen (``freeze_kept``): they are given back to the
    collector and collected here, as the next app starts, once."""
    import gc

    if _kept_frozen.is_set():
        _kept_frozen.clear()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
    elif not _frozen.is_set():
        _frozen.set()
        gc.freeze()  # without a collection first: that would be the pause avoided


def freeze_kept(screen: Any) -> None:
    """A screen the app keeps (Home, a kept section) left for the first time: it is
    built, read and drawn, and lives as long as the app, so it is frozen as the start-up
    objects are. Each full collection checked every object of Home and the kept sections
    (some 140,000 on large once four were opened): 0.1-0.2 s of the UI thread's CPU,
    every few screens opened, in whatever step allocated last. The young objects are
    collected first (a few ms), so no garbage of theirs is kept; what older garbage
    waits in the oldest generation then is kept for the process's life (at most once
    per kept screen)."""
    import gc

    if getattr(screen, "_frozen_kept", False):
        return
    screen._frozen_kept = True
    gc.collect(1)
    gc.freeze()
    if _frozen.is_set():  # the start-up freeze came first (see _freeze_once)
        _kept_frozen.set()


def collect_closed() -> None:
    """Collect the garbage of a screen just closed: with the start-up objects and the
    kept screens frozen, a full collection checks little more than that garbage (a few
    ms). Left to the collector, the closed screens' widgets piled up in its oldest
    generation until a full collection freed them all at once: 0.1-0.4 s of the UI
    thread in whichever step came next (a key, a section opening)."""
    import gc

    gc.collect()


def _session_info(ctx: Context, database_label: str | None, profile: str | None) -> dict[str, Any]:
    """What the info bar shows: user, roles, company profile, database."""
    return {
        "user": ctx.actor.display_name,
        "roles": [ctx.roles.roles[r] for r in ctx.actor.roles if r in ctx.roles.roles],
        "profile": profile or _company_profile(ctx),
        "database": database_label or _short_db(ctx.db.describe()),
    }


def _loading_info(database_label: str | None) -> dict[str, Any]:
    """The info bar before the database is open: the OS user, the database if known."""
    from core.identity import os_login

    try:
        user = os_login()
    except Exception:  # shown again, as a sentence, once the database is open
        user = "?"
    return {
        "user": user,
        "roles": [],
        "profile": "…",
        "database": _short_db(database_label) if database_label else "…",
    }


def _short_db(described: str) -> str:
    """A SQLite file by its name (the path rarely fits on 80 columns)."""
    import os

    if described.startswith("sqlite") or described.endswith(".db"):
        return os.path.basename(described.split("///")[-1])
    return described


@contextmanager
def _logs_held() -> Iterator[None]:
    """Hold back log records meant for the terminal while the app draws on it (a plugin
    failing to load would scribble over the screen); print them once it has closed.
    Meanwhile the Plugins screen lists plugin errors, and the app shows its own."""
    import logging.handlers

    root = logging.getLogger()
    terminal = [
        h
        for h in root.handlers
        if isinstance(h, logging.StreamHandler) and getattr(h.stream, "isatty", lambda: False)()
    ]
    if not terminal:
        yield
        return
    held = logging.handlers.MemoryHandler(
        capacity=10_000, flushLevel=logging.CRITICAL + 1, target=terminal[0]
    )
    held.setLevel(min(h.level for h in terminal))
    for handler in terminal:
        root.removeHandler(handler)
    root.addHandler(held)
    try:
        yield
    finally:
        root.removeHandler(held)
        for handler in terminal:
            root.addHandler(handler)
        held.flush()
        held.close()


def _company_profile(ctx: Context) -> str:
    from core.company import PROFILE_KEY, get_setting

    try:
        with ctx.reading() as session:
            return str(get_setting(session, PROFILE_KEY) or _("all plugins"))
    except Exception:  # a database without settings still opens
        return "-"


def run_app(
    runtime: Any = None,
    *,
    open_runtime: Callable[[], Any] | None = None,
    database_label: str | None = None,
    figures_ahead: FiguresAhead | None = None,
) -> None:
    """Open the app as the operating-system user's salesdesk account: on an open
    ``runtime``, or (faster to the first frame) on the one ``open_runtime()`` makes in a
    thread while Home is already drawn (with Home's figures from ``figures_ahead``, the
    child ``tui.figures_ahead.start`` forked with the same opener, when it has them
    first). A refusal (unknown user, old schema) is printed and the exit code is 1."""
    from core.errors import SalesdeskError

    if open_runtime is not None:
        opener = open_runtime
        app = SalesdeskApp(
            opener=lambda: opener().context_for(),
            database_label=_short_db(database_label) if database_label else None,
            figures_ahead=figures_ahead,
        )
        try:
            with _logs_held():  # plugins load while the app is on screen
                app.run()
        finally:  # also when the app failed before it could (see on_unmount)
            if figures_ahead is not None:
                figures_ahead.stop()
        if app.startup_error:
            print(f"salesdesk: {app.startup_error}", file=sys.stderr)
            raise SystemExit(1)
        _exit_like(app)
        return
    try:
        ctx = runtime.context_for()
    except SalesdeskError as exc:
        print(f"salesdesk: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    app = SalesdeskApp(ctx)
    app.run()
    _exit_like(app)


def _exit_like(app: App[Any]) -> None:
    """End the process with the app's status: a crash (status 1) is not a clean quit,
    so a wrapper script or a supervisor can tell."""
    if app.return_code:
        raise SystemExit(app.return_code)
