"""What every salesdesk screen shares: translated key bindings, the info bar, the
footer, and one way to run service calls so errors become messages, never crashes."""

from __future__ import annotations

import inspect
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from textual.worker import Worker, WorkerState, get_current_worker

from core.errors import Conflict, SalesdeskError, ValidationFailed
from core.i18n import _, translator
from tui import datatable_patches, textual_patches  # noqa: F401  (installed at import)

if TYPE_CHECKING:
    from tui.app import SalesdeskApp

log = logging.getLogger("salesdesk.tui")
T = TypeVar("T")


def localize_bindings(node: Any) -> None:
    """Translate the descriptions of ``node``'s bindings (they are English in the code),
    a plugin's screen with its plugin's own words first ("Submit" is 送审 in contracts
    and 提交预算 in marketing)."""
    module = sys.modules.get(type(node).__module__)
    tr = translator(module.__file__) if module and getattr(module, "__file__", None) else _
    bindings = node._bindings.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [
            replace(b, description=tr(b.description), tooltip=tr(b.tooltip) if b.tooltip else "")
            for b in items
        ]


def read_now(fetch: Callable[[], T]) -> Future[T]:
    """Start ``fetch`` (database work) in a thread of its own now; its result (or error)
    comes in the future returned. A screen starts its first read when it is made and
    takes the result in the worker its mount starts: the query runs while the screen is
    composed, mounted and first laid out, not after."""
    found: Future[T] = Future()

    def read() -> None:
        try:
            found.set_result(fetch())
        except BaseException as exc:  # raised in the worker that takes the result
            found.set_exception(exc)

    threading.Thread(target=read, name="read-ahead", daemon=True).start()
    return found


class Freshness:
    """Whether what a screen shows may be shown again, coming back to it, without being
    read again: it was read at the current data version (``services.base.data_version``:
    nothing written since, in any session) and less than ``FRESH_FOR`` seconds ago (the
    date moves on; a write outside the services leaves no audit entry)."""

    FRESH_FOR = 30.0  # seconds

    def __init__(self) -> None:
        self.version = -1
        self.at: float | None = None

    def holds(self, version: int) -> bool:
        return (
            version == self.version
            and self.at is not None
            and time.monotonic() - self.at < self.FRESH_FOR
        )

    def read(self, version: int, at: float) -> None:
        """What is shown was read at ``version``, starting at ``at`` (monotonic)."""
        self.version, self.at = version, at


def add_rows_in_steps(
    table: Any,
    rows: list[tuple[Any, ...]],
    keys: list[str] | None = None,
    *,
    first: int = 60,
    step: int = 150,
) -> None:
    """Add ``rows`` to a DataTable: the ``first`` (a screenful) now, the rest ``step`` at a
    time, each batch in its own turn of the event loop, so keys are handled between
    them (500 rows added at once held the UI thread 0.1-0.3 s). A newer fill of the
    same table drops what is left of an older one."""
    ticket = getattr(table, "_fill_ticket", 0) + 1
    table._fill_ticket = ticket

    def add(start: int, count: int) -> None:
        if table._fill_ticket != ticket or not table.is_attached:
            return
        for index in range(start, min(start + count, len(rows))):
            table.add_row(*rows[index], key=keys[index] if keys else None)
        if start + count < len(rows):
            table.call_later(add, start + count, step)

    add(0, first)


def report_error(app: Any, exc: BaseException) -> None:
    """Show an error as a notification; an unexpected one is logged with its traceback."""
    if isinstance(exc, SalesdeskError):
        app.notify(str(exc), title=_("Not done"), severity="error", timeout=8)
        return
    log.exception("unexpected error in the TUI", exc_info=exc)
    app.notify(
        f"{type(exc).__name__}: {exc}",
        title=_("Unexpected error (logged)"),
        severity="error",
        timeout=10,
    )


def ask_to_discard(app: Any, screens: list[Any], then: Callable[[], Any]) -> None:
    """Run ``then`` (which leaves ``screens``) at once, or after the user agrees to drop
    what they typed into any of them and did not save."""
    from tui.screens.dialogs import ConfirmDialog, confirm

    unsaved = [s for s in screens if getattr(s, "unsaved_input", lambda: False)()]
    if not unsaved:
        then()
        return
    if isinstance(app.screen, ConfirmDialog):
        return  # already asking
    form = unsaved[-1]
    name = getattr(form, "title_text", "") or _(getattr(form, "TITLE_EN", "") or "Form")
    confirm(
        app,
        _("Discard what you typed?"),
        _("{form}: what you typed has not been saved.").format(form=name),
        _("Discard"),
        then,
    )


class Guarded:
    """Mixin for screens and dialogs: translated bindings, the app's context, and
    ``self.guard(fn, ...)`` that runs a service call and reports what it raises."""

    app: SalesdeskApp
    # A data-entry screen: leaving it (Escape, q, another section) with typing that was
    # not saved asks first.
    GUARDS_INPUT = False

    def unsaved_input(self) -> bool:
        if not self.GUARDS_INPUT:
            return False
        from tui.widgets.form import FormFields

        return any(form.dirty for form in self.query(FormFields))  # type: ignore[attr-defined]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)

    @property
    def ctx(self) -> Any:
        return self.app.ctx

    def guard(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return fn(*args, **kwargs)
        except (ValidationFailed, Conflict):
            raise  # forms show these next to the fields
        except Exception as exc:
            report_error(self.app, exc)
            return None

    def show_read(
        self, ahead: Future[T], show: Callable[[T], object], *, group: str = "load"
    ) -> None:
        """Show what ``read_now`` started reading as the screen was made: now, in this
        frame, if it is read; else from a worker once it is (a failure is reported
        there, as ``read_then``'s)."""
        if ahead.done() and ahead.exception() is None:
            show(ahead.result())
        else:
            self.read_then(ahead.result, show, group=group)

    def read_then(
        self,
        fetch: Callable[[], T],
        show: Callable[[T], object],
        *,
        group: str = "load",
        hold_keys: bool = False,
    ) -> Worker[None]:
        """Run ``fetch`` (database work) in a thread worker, then ``show`` its result on
        the UI thread: keys are handled meanwhile (docs/performance.md, "Keep the UI
        thread free"). A newer load of the same group replaces an older one, whose
        result is dropped; a failure is reported by ``on_worker_state_changed``.

        ``hold_keys``: what ``show`` does is open a dialog (or mount the fields) the user
        is about to type into, so the keys typed meanwhile are kept for it, not handed
        to the screen underneath, until ``show`` (and the mounting it returns) is done
        or the read failed: ``n`` and the first letters of a name typed in one go."""
        tickets: dict[str, int] = self.__dict__.setdefault("_load_tickets", {})
        ticket = tickets[group] = tickets.get(group, 0) + 1
        hold = getattr(self.app, "hold_keys", None)  # a SalesdeskApp's (see there)
        release = hold() if hold_keys and hold is not None else None

        def run() -> None:
            try:
                result = fetch()
                if not get_current_worker().is_cancelled:
                    done: Any = self._read_done  # a coroutine function: awaited there
                    self.app.call_from_thread(
                        done, show, result, group, ticket, release is not None
                    )
            finally:
                if release is not None:
                    self.app.call_from_thread(release)

        return self.run_worker(
            run, name=group, group=group, thread=True, exclusive=True, exit_on_error=False
        )

    def write_then(
        self,
        work: Callable[[], T],
        done: Callable[[T], object],
        *,
        refused: Callable[[ValidationFailed], object] | None = None,
        failed: Callable[[BaseException], object] | None = None,
        group: str = "write",
    ) -> Worker[None] | None:
        """Run ``work`` (a save: a service call) in a thread worker, then ``done`` with its
        result on the UI thread. A ValidationFailed goes to ``refused`` (a form shows it
        next to its fields), anything else to ``failed`` or is reported as a message;
        either way the screen stays as it was, with what was typed. While a write of
        ``group`` runs, another is not started (Ctrl+S pressed twice saves once): returns
        None then. ``self.writing()`` tells whether one runs."""
        busy: set[str] = self.__dict__.setdefault("_writing", set())
        if group in busy:
            return None
        busy.add(group)

        def finish(result: Any, exc: BaseException | None) -> None:
            busy.discard(group)
            if exc is None:
                done(result)
            elif isinstance(exc, ValidationFailed) and refused is not None:
                refused(exc)
            elif failed is not None:
                failed(exc)
            else:
                report_error(self.app, exc)

        def run() -> None:
            try:
                result = work()
            except Exception as exc:
                self.app.call_from_thread(finish, None, exc)
                return
            self.app.call_from_thread(finish, result, None)

        return self.run_worker(
            run, name=group, group=group, thread=True, exclusive=False, exit_on_error=False
        )

    def writing(self, group: str = "write") -> bool:
        return group in self.__dict__.get("_writing", ())

    async def _read_done(
        self, show: Callable[[T], object], result: T, group: str, ticket: int, wait: bool = False
    ) -> None:
        # not closed while the query ran, and no newer load asked for since
        if self.is_attached and self.__dict__["_load_tickets"][group] == ticket:
            shown = show(result)
            if wait and inspect.isawaitable(shown):  # mounting: held keys wait for it
                await shown

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            report_error(self.app, event.worker.error)


class FittingKeys(Widget):
    """The footer's keys in a row, as many as fit whole: a key the row cannot hold is
    left out, not cut mid-word ("c 新建分" for "c 新建分摊"); ? lists every one."""

    DEFAULT_CSS = """
    FittingKeys { layout: horizontal; }
    """

    def on_resize(self) -> None:
        room, used = self.content_size.width, 0
        for child in self.children:
            used += child_width(child)
            # a key fits when its words do: the blank after them may be cut
            child.display = used - 1 <= room


def child_width(child: Widget) -> int:
    """A footer item's width as drawn, hidden or not (a key draws its own padding)."""
    from rich.cells import cell_len

    if isinstance(child, FooterKey):
        return cell_len(child.render().plain)
    return child.outer_size.width


class KeysFooter(Footer):
    """The footer with "? Keys" first: on a narrow terminal the keys that do not fit
    are left out (``FittingKeys``), and ? lists every one of them.

    Textual's footer rebuilds all its keys whenever the screen's bindings may have
    changed (every focus change, several times per key press), restyling each new key:
    in a served session that was a fifth of the CPU of a key press. This one rebuilds
    only when what it shows changed."""

    DEFAULT_CSS = """
    KeysFooter > .footer-keys {
        width: 1fr;
        height: 1;
        overflow: hidden hidden;
    }
    """

    _shown: tuple[Any, ...] | None = None
    _rebuilding = False  # a rebuild is asked for and has not run yet

    def _showing(self) -> tuple[Any, ...]:
        """What compose would show now: the shown keys, their state and the palette."""
        return (
            self.show_command_palette,
            self.compact,
            tuple(
                (b.key, b.action, b.description, b.key_display, b.group, enabled, tooltip)
                for (_node, b, enabled, tooltip) in self.screen.active_bindings.values()
                if b.show
            ),
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # (A new screen's bindings change two or three times before the rebuild asked
        # for by the first has run: each asked for one more, which showed the same keys,
        # 4-7 ms of the UI thread each as Admin or Users opened. The rebuild on its way
        # shows the keys as they are when it runs.)
        if self._rebuilding and self.is_attached and screen is self.screen:
            return
        if (
            self._shown is not None
            and self.is_attached
            and screen is self.screen
            and self._showing() == self._shown
        ):
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._rebuilding = True  # Footer.bindings_changed asked for it

    def compose(self) -> ComposeResult:
        self._rebuilding = False
        self._shown = self._showing() if self._bindings_ready else None
        items = list(self._items())
        first = [w for w in items if isinstance(w, FooterKey) and w.action in ("keys", "app.keys")]
        palette = [w for w in items if w.has_class("-command-palette")]
        keys = first + [w for w in items if w not in first and w not in palette]
        # The keys in a box beside the search key docked at the right, not under it:
        # a key that ran on under it cut the screen line where it ended, and a wide
        # character of the search key's label drawn there was halved ("^p 搜").
        if keys:
            yield FittingKeys(*keys, classes="footer-keys")
        yield from palette

    def _items(self) -> Iterator[Widget]:
        """What Textual's ``Footer.compose`` yields, each key made compact or not as it is
        made. Textual binds each key's ``compact`` to the footer's: the key is styled as
        it mounts, then restyled when its watcher adds ``-compact`` (the default) and
        again when the binding takes it away; three stylings of each key (and its two
        component classes) on every new screen, 14 % of the UI thread's CPU opening the
        sections. A salesdesk footer's ``compact`` never changes once made."""
        from itertools import groupby

        from textual.widgets._footer import FooterLabel, KeyGroup

        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        by_action: dict[str, list[tuple[Binding, bool, str]]] = {}
        for _node, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action.setdefault(binding.action, []).append((binding, enabled, tooltip))
        for group, same_group in groupby(by_action.values(), lambda multi: multi[0][0].group):
            multis = list(same_group)
            if group is not None and len(multis) > 1:
                with KeyGroup(classes="-compact" if group.compact else ""):
                    for multi in multis:
                        binding, enabled, tooltip = multi[0]
                        yield self._key(
                            binding, enabled, tooltip or binding.description, "", "-grouped"
                        )
                yield FooterLabel(group.description)
                continue
            for multi in multis:
                binding, enabled, tooltip = multi[0]
                yield self._key(binding, enabled, tooltip, binding.description)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = active.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                yield self._key(
                    binding,
                    enabled,
                    binding.tooltip or binding.description,
                    binding.description,
                    "-command-palette",
                    compact=True,  # Textual leaves the search key unbound: compact
                )

    def _key(
        self,
        binding: Binding,
        enabled: bool,
        tooltip: str,
        description: str,
        classes: str = "",
        *,
        compact: bool | None = None,
    ) -> FooterKey:
        key = FooterKey(
            binding.key,
            self.app.get_key_display(binding),
            description,
            binding.action,
            disabled=not enabled,
            tooltip=tooltip,
            classes=classes,
        )
        compact = self.compact if compact is None else compact
        key.set_reactive(FooterKey.compact, compact)  # set, so no watcher runs
        key.set_class(compact, "-compact", update=False)
        return key


class BaseScreen(Guarded, Screen[Any]):
    """A full screen: info bar on top, the body, the footer teaching the keys."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
    ]
    TITLE_EN = ""
    # action -> the permission it needs: a user without it is not offered the key (the
    # footer and ? leave it out, the key does nothing); the services check again anyway.
    NEEDS: ClassVar[dict[str, str]] = {}
    # The widget a screen is worked from (its list). Escape pressed anywhere else on the
    # screen (a filter, a parameter) goes back to it; only Escape from it leaves.
    MAIN_WIDGET: str | None = None
    _styled_for: int | None = None
    KEPT = False  # lives as long as the app (Home); the kept sections are installed

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needed = self.NEEDS.get(action)
        if needed and self.app.ready and not self.ctx.grant.has(needed):
            return False
        return super().check_action(action, parameters)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles every widget of a screen that comes back, which also drops
        # the tables' drawn cells: about half the cost of showing a kept section again.
        # Needed only when the app's CSS changed (a theme switch) since the last time.
        # (Runs before Screen's own handler, which reads the flag.)
        css_version = getattr(self.app, "_css_update_count", None)
        if css_version is not None and css_version == self._styled_for:
            event.refresh_styles = False
        self._styled_for = css_version

    def _on_resize(self, event: events.Resize) -> None:
        """A screen's first layout (as it is first shown, or built ahead) sends the
        screen a Resize to the size it was just laid out at; Textual's handler then lays
        it out and draws it in full a second time and lays out every screen under it
        (Home) again, though no size changed: 15-25 ms of the UI thread per opening. Only
        a size that changed is passed on (a screen not at that size yet, under this one,
        is still laid out). Screen breakpoints would need Textual's handler: kept then."""
        compositor = getattr(self, "_compositor", None)
        below = getattr(self.app, "_background_screens", None)
        if (
            compositor is None
            or below is None
            or getattr(compositor, "size", None) != event.size
            or self.HORIZONTAL_BREAKPOINTS
            or self.VERTICAL_BREAKPOINTS
            or self.app.HORIZONTAL_BREAKPOINTS
            or self.app.VERTICAL_BREAKPOINTS
        ):
            return  # Textual's own handler (Screen._on_resize) runs
        event.stop()
        event.prevent_default()  # Screen._on_resize: nothing to do
        for screen in below:
            if screen._compositor.size != event.size:
                screen._screen_resized(event.size)

    def lay_out_ahead(self, rounds: int = 4) -> None:
        """A section built ahead (``SalesdeskApp._build_ahead``) that has just drawn its
        data off screen: laid out again while the user is on Home, each time what was
        drawn since (the data, the footer's keys that follow the focus) asks for it, a
        few rounds at most. Textual lays out a screen only while it is shown, so its
        first showing laid out what had changed and drew the screen twice, in one step
        of the UI thread (the day on large: 50-90 ms); now it only draws it. Uses
        ``Screen._refresh_layout`` and ``_layout_required`` (Textual 8), as
        ``_build_ahead`` does."""
        if self.is_current or rounds <= 0 or not hasattr(self, "_refresh_layout"):
            return

        def lay_out() -> None:
            if not self.is_attached or self.is_current:
                return
            if getattr(self, "_layout_required", False):
                self._layout_required = False
                self._refresh_layout(self.app.size)
            self.lay_out_ahead(rounds - 1)

        self.call_after_refresh(lay_out)

    def on_screen_suspend(self) -> None:
        # Home and the kept sections live as long as the app: out of the collector's
        # reach once built and left (tui.app.freeze_kept).
        if not getattr(self.app, "MANAGE_GC", True):
            return
        if self.KEPT or self.app.is_screen_installed(self):
            from tui.app import freeze_kept

            freeze_kept(self)

    def on_unmount(self) -> None:
        # A screen closed is garbage (its widgets hold one another): collected once it is
        # gone, in a step of its own, rather than piled up with the next screens' into one
        # full collection (tui.app.collect_closed).
        from tui.app import collect_closed

        if self.app.is_running and getattr(self.app, "MANAGE_GC", True):
            self.app.call_after_refresh(collect_closed)

    def compose(self) -> ComposeResult:
        from tui.widgets.infobar import InfoBar

        # styled as it mounts: its first showing need not restyle it either
        self._styled_for = getattr(self.app, "_css_update_count", None)
        yield InfoBar(_(self.TITLE_EN))
        yield from self.body()
        yield KeysFooter()

    def body(self) -> ComposeResult:
        yield from ()

    def action_back(self) -> None:
        main = next(iter(self.query(self.MAIN_WIDGET)), None) if self.MAIN_WIDGET else None
        focused = self.focused
        if main is not None and focused is not None and main not in focused.ancestors_with_self:
            main.focus()
            return
        if len(self.app.screen_stack) > 2:
            kept = self.app.is_screen_installed(self)  # a kept section keeps its typing
            ask_to_discard(self.app, [] if kept else [self], self.app.pop_screen)


class BaseModal(Guarded, ModalScreen[Any]):
    BINDINGS = [Binding("escape", "dismiss_none", "Close", id="close")]

    def action_dismiss_none(self) -> None:
        ask_to_discard(self.app, [self], lambda: self.dismiss(None))
