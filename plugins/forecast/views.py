"""The plugin's screens; the only module of the plugin that imports Textual.

Target allocation: the allocations, one of them as an editable table. Keys: ``n``/``p``
next and previous allocation, ``+``/``-`` adjust the selected key by 5 % (the others are
rebalanced at once so the total holds; the totals line shows it), ``0`` clears the key's
adjustment, ``a`` approve, ``r`` start a new revision.

Sales forecast: a small form (cut, horizon, method, reconcile); Ctrl+R runs the forecast
in a worker thread with a progress bar, ``k`` cancels it (nothing is stored), ``o`` opens
the stored run in the forecast report.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Button, DataTable, Input, Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from core.errors import FieldProblem, SalesdeskError, ValidationFailed
from core.i18n import listed, translator
from plugins.forecast.services import targets as svc
from tui.base import BaseScreen, report_error
from tui.views import ViewSpec

_ = translator(__file__)  # this plugin's words first

STEP = Decimal(5)
# services.forecasting.RUN_PERMISSIONS, not imported: it loads numpy, and this module is
# read when the app starts (a test keeps the two equal)
RUN_PERMISSIONS = ("forecast.run", "target.manage")


class AllocationScreen(BaseScreen):
    TITLE_EN = "Target allocation"
    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("plus,equals_sign", "adjust(5)", "+5%", id="forecast.plus"),
        Binding("minus", "adjust(-5)", "-5%", id="forecast.minus"),
        Binding("0", "clear", "Clear adjustment", show=False, id="forecast.clear"),
        Binding("n", "move(1)", "Next allocation", id="forecast.next"),
        Binding("p", "move(-1)", "Previous allocation", show=False, id="forecast.prev"),
        Binding("a", "approve", "Approve", id="forecast.approve"),
        Binding("r", "revise", "Revise", id="forecast.revise"),
        Binding("c", "new", "New allocation", id="forecast.new"),
    ]
    # keys that change allocations: offered only to planners (the services check too)
    PLAN_ACTIONS = ("adjust", "clear", "approve", "revise", "new")
    DEFAULT_CSS = """
    AllocationScreen #alloc-head { height: auto; padding: 0 1; }
    AllocationScreen #alloc-lines { height: 1fr; }
    AllocationScreen #alloc-total { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.allocations: list[Any] = []
        self.index = 0
        self.view: svc.AllocationView | None = None

    def body(self) -> ComposeResult:
        yield Static("", id="alloc-head")
        yield DataTable(id="alloc-lines", cursor_type="row", zebra_stripes=True)
        yield Static("", id="alloc-total")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(
            _("Code"), _("Name"), _("Basis"), _("Share"), _("Adjustment"), _("Target")
        )
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.PLAN_ACTIONS and not self._plans():
            return False
        return super().check_action(action, parameters)

    def _plans(self) -> bool:
        return any(self.ctx.grant.has(p) for p in svc.PLAN_PERMISSIONS)

    # -- data ----------------------------------------------------------------------

    def reload(self, keep_row: bool = True) -> None:
        index = self.index

        def fetch() -> tuple[list[Any], int, svc.AllocationView | None]:
            found = svc.list_allocations(self.ctx)
            at = max(0, min(index, len(found) - 1))
            return found, at, svc.get_allocation(self.ctx, found[at].id) if found else None

        self.read_then(fetch, lambda found: self._loaded_view(*found, keep_row), group="allocation")

    def _loaded_view(
        self, found: list[Any], index: int, view: svc.AllocationView | None, keep_row: bool
    ) -> None:
        self.allocations, self.index, self.view = found, index, view
        if not self.allocations:
            self.query_one("#alloc-head", Static).update(
                _("No allocations yet: c drafts one.")
                if self._plans()
                else _("No allocations yet.")
            )
            return
        self.show(keep_row)

    def show(self, keep_row: bool) -> None:
        if self.view is None:
            return
        a = self.view.allocation
        table = self.query_one(DataTable)
        row = table.cursor_row if keep_row else 0
        table.clear()
        for ln in self.view.lines:
            figures = (
                f"{ln.basis_amount:,.2f}",
                f"{ln.share * 100:.2f}%",
                f"{ln.adjustment_pct:+.1f}%",
                f"{ln.amount:,.2f}",
            )
            table.add_row(
                ln.code, ln.label, *(Text(f, justify="right") for f in figures), key=str(ln.key_id)
            )
        table.move_cursor(row=min(row, max(0, len(self.view.lines) - 1)))
        head = _(
            "{n}/{count}: {kind} from {start} by {dimension}, revision {revision}, "
            "{status}; basis {basis} to {as_of}"
        ).format(
            n=self.index + 1,
            count=len(self.allocations),
            kind=_(a.period_kind),
            start=a.period_start,
            dimension=_(a.dimension),
            revision=a.revision,
            status=_(a.status),
            basis=_(BASES.get(a.basis, a.basis)),
            as_of=a.basis_as_of,
        )
        self.query_one("#alloc-head", Static).update(head)
        total = sum((ln.amount for ln in self.view.lines), Decimal(0))
        self.query_one("#alloc-total", Static).update(
            _("Total {total} of target {target}").format(
                total=f"{total:,.2f}", target=f"{a.total:,.2f}"
            )
        )

    def _selected_key(self) -> int | None:
        if self.view is None or not self.view.lines:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.view.lines[row].key_id

    # -- actions -------------------------------------------------------------------

    def action_adjust(self, step: int) -> None:
        key = self._selected_key()
        if key is None or self.view is None:
            return
        a = self.view.allocation

        def adjust() -> svc.AllocationView:
            svc.adjust_by(self.ctx, a.id, key, Decimal(step), a.version)
            return svc.get_allocation(self.ctx, a.id)

        self._write(adjust, self._adjusted)

    def _adjusted(self, view: svc.AllocationView) -> None:
        self.view = view
        self.show(keep_row=True)

    def _write(self, work: Any, then: Any) -> None:
        """A change in a thread worker, then ``then`` with its result on the UI thread;
        a refusal is a message (a conflict also reloads). One at a time: + held down
        does not queue writes against a version already gone."""
        self.write_then(work, then, failed=self._refused)

    def _refused(self, exc: BaseException) -> None:
        from core.errors import Conflict

        if not isinstance(exc, (ValidationFailed, Conflict)):
            report_error(self.app, exc)
            return
        self.app.notify(str(exc), title=_("Not done"), severity="error", timeout=8)
        if isinstance(exc, Conflict):
            self.reload()

    def action_clear(self) -> None:
        key = self._selected_key()
        if key is None or self.view is None:
            return
        a = self.view.allocation

        def clear() -> svc.AllocationView:
            svc.set_adjustments(self.ctx, a.id, {key: Decimal(0)}, a.version)
            return svc.get_allocation(self.ctx, a.id)

        self._write(clear, self._adjusted)

    def action_move(self, step: int) -> None:
        if self.allocations:
            self.index = (self.index + step) % len(self.allocations)
            self.reload(keep_row=False)

    def action_approve(self) -> None:
        from tui.screens.dialogs import confirm

        if self.view is None:
            return
        a = self.view.allocation
        rows = [
            (ln.code, ln.label, Text(f"{ln.amount:,.2f}", justify="right"))
            for ln in self.view.lines
        ]
        confirm(
            self.app,
            _("Approve the targets"),
            _(
                "Approve the {kind} targets from {start} by {dimension} (revision "
                "{revision}), {total} in all? They become the official targets every "
                "report measures against; a change later is a new revision."
            ).format(
                kind=_(a.period_kind),
                start=a.period_start,
                dimension=_(a.dimension),
                revision=a.revision,
                total=f"{a.total:,.2f}",
            ),
            _("Approve"),
            lambda: self._approve(a.id, a.version),
            columns=[_("Code"), _("Name"), _("Target")],
            rows=rows,
        )

    def _approve(self, allocation_id: int, version: int) -> None:
        def approved(_result: Any) -> None:
            self.app.notify(_("Approved: these are now the official targets."))
            self.reload()

        self._write(lambda: svc.approve_allocation(self.ctx, allocation_id, version), approved)

    def action_revise(self) -> None:
        from tui.screens.dialogs import confirm

        if self.view is None:
            return
        a = self.view.allocation
        later = 1 + max(
            (
                x.revision
                for x in self.allocations
                if (x.period_kind, x.period_start, x.dimension)
                == (a.period_kind, a.period_start, a.dimension)
            ),
            default=a.revision,
        )
        confirm(
            self.app,
            _("Revise the targets"),
            _(
                "Start revision {revision} of the {kind} targets from {start} by "
                "{dimension}, {total} in all, as a new draft copying these lines? The "
                "current revision stays as it is until the new one is approved."
            ).format(
                revision=later,
                kind=_(a.period_kind),
                start=a.period_start,
                dimension=_(a.dimension),
                total=f"{a.total:,.2f}",
            ),
            _("Revise"),
            lambda: self._revise(a.id),
        )

    def _revise(self, allocation_id: int) -> None:
        self._write(lambda: svc.revise_allocation(self.ctx, allocation_id), self._show_new)

    def _show_new(self, view: svc.AllocationView) -> None:
        """Reload the list and show the allocation just made."""
        made = view.allocation.id

        def fetch() -> tuple[list[Any], int, svc.AllocationView | None]:
            found = svc.list_allocations(self.ctx)
            ids = [x.id for x in found]
            at = ids.index(made) if made in ids else 0
            return found, at, svc.get_allocation(self.ctx, found[at].id) if found else None

        self.read_then(fetch, lambda found: self._loaded_view(*found, False), group="allocation")

    def action_new(self) -> None:
        """Draft a new allocation: the period, the cut, the total and the sales it is
        shared by (what ``salesdesk targets allocate`` asks)."""
        from tui.screens.dialogs import FormDialog
        from tui.widgets.form import FieldSpec

        if not self._plans():
            self.app.notify(_("Your role may not plan targets."), severity="warning")
            return
        specs = [
            FieldSpec(
                "period", "Period", choices=[(_(k), k) for k in ("year", "quarter", "month")]
            ),
            FieldSpec("start", "Starting", placeholder="YYYY-MM-DD"),
            FieldSpec(
                "by",
                "Split by",
                choices=[(_(k), k) for k in ("region", "product", "channel", "rep")],
            ),
            FieldSpec("total", "Total target"),
            FieldSpec(
                "basis",
                "Shared by",
                choices=[(_(BASIS_TITLES[k]), k) for k in ("ytd", "qtd", "mtd", "forecast")],
            ),
            FieldSpec("note", "Note"),
        ]
        year = self.ctx.today().year
        values = {"period": "year", "start": f"{year}-01-01", "by": "region", "basis": "ytd"}
        self.app.push_screen(
            FormDialog(_("New target allocation"), specs, values, self._create),
            lambda view: self._show_new(view) if view else None,
        )

    def _create(self, v: dict[str, Any]) -> svc.AllocationView:
        import datetime as dt

        try:
            start = dt.date.fromisoformat((v.get("start") or "").strip())
        except ValueError:
            raise ValidationFailed(
                [FieldProblem("start", v.get("start"), _("a date such as 2026-01-01"))],
                "allocation",
            ) from None
        return svc.create_allocation(
            self.ctx,
            period_kind=v.get("period") or "",
            period_start=start,
            dimension=v.get("by") or "",
            total=(v.get("total") or "").replace(",", ""),
            basis=v.get("basis") or "",
            note=v.get("note") or "",
        )

    def guard(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Like the base guard, but a refused edit (validation, conflict) is shown too."""
        from core.errors import Conflict, ValidationFailed

        try:
            return super().guard(fn, *args, **kwargs)
        except (ValidationFailed, Conflict) as exc:
            self.app.notify(str(exc), title=_("Not done"), severity="error", timeout=8)
            if isinstance(exc, Conflict):
                self.reload()
            return None


# What a new allocation's target is shared by (the sales of a period to date, or a forecast)
BASIS_TITLES = {
    "ytd": "Sales this year to date",
    "qtd": "Sales this quarter to date",
    "mtd": "Sales this month to date",
    "forecast": "Forecast of the period",
}
# The cuts offered as suggestions; any comma list of the dimensions is accepted.
CUTS = ("company", "product", "region", "channel", "rep", "product,region", "region,rep")
REPORT_ID = "forecast"  # plugins/forecast/reports.py ForecastReport
DIMENSIONS = ("company", "product", "region", "channel", "rep")
# what an allocation's shares are taken from (stored as these ids)
BASES = {
    "mtd": "Month to date",
    "qtd": "Quarter to date",
    "ytd": "Year to date",
    "forecast": "Forecast",
}


def cut_words(cut: str) -> str:
    """A cut as the reader says it: "product,region" is 产品、区域 on a Chinese screen."""
    return listed(_(part) for part in cut.split(","))


def cut_ids(text: str) -> str:
    """The cut typed in either language (or as ids) back to its ids: "产品，区域" is
    "product,region"; a word no dimension has is kept for the service to refuse."""
    ids = {word.lower(): dim for dim in DIMENSIONS for word in (dim, _(dim))}
    parts = [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",")]
    return ",".join(ids.get(p.lower(), p) for p in parts if p)


class ForecastScreen(BaseScreen):
    """Run a forecast from the TUI: the CLI's ``salesdesk forecast`` with a progress bar."""

    TITLE_EN = "Sales forecast"
    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("ctrl+r", "start", "Run forecast", id="forecast.run", priority=True),
        Binding("k", "cancel_run", "Cancel forecast", id="forecast.cancel"),
        Binding("o", "open_run", "Open in report", id="forecast.open"),
    ]
    DEFAULT_CSS = """
    ForecastScreen #fc-about { height: auto; padding: 0 1; color: $text-muted; }
    ForecastScreen .fc-row { height: 1; padding: 0 1; margin-top: 1; }
    ForecastScreen .fc-row Label { width: 12; }
    ForecastScreen #fc-cut { width: 1fr; }
    ForecastScreen #fc-horizon { width: 8; margin-right: 2; }
    ForecastScreen #fc-method-label { width: auto; margin-right: 1; }
    ForecastScreen #fc-method { width: 1fr; }
    ForecastScreen #fc-reconcile { width: 1fr; margin-right: 2; }
    ForecastScreen #fc-run { width: auto; min-width: 10; }
    ForecastScreen #fc-progress { width: 1fr; height: 1; padding: 0 1; margin-top: 1; }
    ForecastScreen #fc-progress Bar { width: 1fr; }
    ForecastScreen #fc-status { height: auto; padding: 0 1; }
    ForecastScreen #fc-status.-error { color: $error; }
    """
    FORM = ("#fc-cut", "#fc-horizon", "#fc-method", "#fc-reconcile", "#fc-run")

    def __init__(self, processes: int | None = None) -> None:
        super().__init__()
        self.processes = processes  # None: the engine's choice (worker processes)
        self.running = False
        self.cancel = threading.Event()
        self.run_id: int | None = None
        self.titles: dict[str, str] = {}  # method id -> title in the reader's language
        self._how: str | None = None  # the company's way to reconcile, once read
        self._form_mounted = False

    def body(self) -> ComposeResult:
        from plugins.forecast.select import BLEND_ID, COMBINATION_ID
        from plugins.forecast.services import forecasting as fc

        # The company's way to reconcile is a setting: read in a worker started before
        # the widgets are made, so it is usually in by the screen's first frame. The
        # methods come from the plugins (no database): listed as the form is composed,
        # not put in the Select after its first frame (a restyle and a second layout).
        self.read_then(lambda: fc.default_reconcile(self.ctx), self._reconciled, group="choices")
        methods = fc.method_registry(self.ctx)
        self.titles = {m.id: _(m.title) for m in methods.values()}
        offered = [
            (_("Automatic (best in backtest)"), "auto"),
            *((title, mid) for mid, title in self.titles.items()),
        ]
        self.titles[COMBINATION_ID] = _("Combination of methods")  # chosen, never offered
        self.titles[BLEND_ID] = _("One method blended with the combination")  # chosen only
        yield Static(
            _(
                "Forecast sales by a cut and store the run. Ctrl+R runs it, k "
                "cancels (nothing is stored), o opens the stored run."
            ),
            id="fc-about",
        )
        with Horizontal(classes="fc-row"):
            yield Label(_("Cut"))
            yield Input(
                cut_words("company"),
                id="fc-cut",
                compact=True,
                placeholder=_("company, or a comma list of product, region, channel, rep"),
                suggester=SuggestFromList([cut_words(c) for c in CUTS], case_sensitive=False),
            )
        with Horizontal(classes="fc-row"):
            yield Label(_("Horizon"))
            yield Input("12", id="fc-horizon", type="integer", compact=True)
            yield Label(_("Method"), id="fc-method-label")
            yield Select(
                offered,
                value="auto",
                allow_blank=False,
                id="fc-method",
                compact=True,
            )
        with Horizontal(classes="fc-row"):
            yield Label(_("Reconcile"))
            yield Select(
                _reconcile_choices(),
                value="bottom_up",
                allow_blank=False,
                id="fc-reconcile",
                compact=True,
            )
            yield Button(_("Run"), id="fc-run", compact=True, variant="primary")
        yield ProgressBar(total=100, show_eta=False, id="fc-progress")
        yield Static("", id="fc-status")

    def on_mount(self) -> None:
        from plugins.forecast.services import forecasting as fc

        self._form_mounted = True
        if self._how is not None:  # read before the widgets were mounted
            self._reconciled(self._how)
        if not any(self.ctx.grant.has(p) for p in fc.RUN_PERMISSIONS):
            self._status(
                _("Running a forecast needs the forecast permission (planners, sales managers)."),
                error=True,
            )
        self.query_one("#fc-cut", Input).focus()

    def _reconciled(self, how: str) -> None:
        """The company's way to reconcile, read in a worker, shown once mounted."""
        self._how = how
        if self._form_mounted:  # (is_mounted is set only after on_mount)
            select = self.query_one("#fc-reconcile", Select)
            if how and select.value != how:
                select.value = how

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            return self.running  # taught only while a run is on
        if action == "start":
            return not self.running
        if action == "open_run":
            return self.run_id is not None and not self.running
        return super().check_action(action, parameters)

    # -- starting ------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#fc-run")
    def _submitted(self) -> None:
        self.action_start()

    def action_start(self) -> None:
        if self.running:
            return
        args = self._args()
        if args is None:
            return
        self.run_id = None
        self._set_running(True)
        self._status(_("Reading the sales history…"))
        self._run(*args)

    def _args(self) -> tuple[str, int, str, str] | None:
        """(cut, horizon, method, reconcile) from the form; a bad horizon is reported."""
        cut = cut_ids(self.query_one("#fc-cut", Input).value) or "company"
        raw = self.query_one("#fc-horizon", Input).value.strip()
        try:
            horizon = int(raw)
        except ValueError:
            self._failed(
                ValidationFailed([FieldProblem("horizon", raw, "1 to 120 periods")], "forecast")
            )
            return None
        method = str(self.query_one("#fc-method", Select).value)
        how = str(self.query_one("#fc-reconcile", Select).value)
        return cut, horizon, method, how

    def _set_running(self, running: bool) -> None:
        self.running = running
        if running:
            self.cancel = threading.Event()
        for widget_id in self.FORM:
            self.query_one(widget_id).disabled = running
        bar = self.query_one("#fc-progress", ProgressBar)
        bar.update(total=None if running else 100, progress=0)  # unknown until the 1st tick
        if running:
            self.set_focus(None)  # k must reach the screen, not a text box
        else:
            self.query_one("#fc-run", Button).focus()  # Enter runs again, o opens
        self.refresh_bindings()

    # -- the worker ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="forecast-run", exit_on_error=False)
    def _run(self, cut: str, horizon: int, method: str, how: str) -> None:
        from plugins.forecast.services.forecasting import run_forecast

        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:  # the screen went away: stop as a cancel would
                self.cancel.set()
            self.app.call_from_thread(self._progress, done, total)

        try:
            summary = run_forecast(
                self.ctx,
                cut,
                horizon=horizon,
                method=method,
                reconcile_how=how,
                processes=self.processes,
                progress=progress,
                cancel=self.cancel,
            )
        except Exception as exc:  # shown on the screen; the worker itself never fails
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._done, summary)

    def _progress(self, done: int, total: int) -> None:
        if not self.is_attached:  # the screen was left meanwhile
            return
        self.query_one("#fc-progress", ProgressBar).update(total=total, progress=done)
        if not self.cancel.is_set():
            self._status(_("{done} of {total} series forecast").format(done=done, total=total))

    def _done(self, summary: Any) -> None:
        if not self.is_attached:
            return
        self._set_running(False)
        self.query_one("#fc-progress", ProgressBar).update(
            total=summary.series, progress=summary.series
        )
        self.run_id = summary.run_id
        self.refresh_bindings()
        used = listed(f"{self.titles.get(m, m)} {n}" for m, n in sorted(summary.methods.items()))
        self._status(
            _(
                "Run {run}: {series} series in {seconds:.1f} s; methods: {used}; "
                "short series: {short}. o opens it in the forecast report."
            ).format(
                run=summary.run_id,
                series=summary.series,
                seconds=summary.seconds,
                used=used,
                short=summary.short,
            )
        )

    def _failed(self, exc: BaseException) -> None:
        from plugins.forecast.services.forecasting import ForecastCancelled

        if not self.is_attached:
            return
        if self.running:
            self._set_running(False)
        if isinstance(exc, ForecastCancelled):
            self._status(str(exc), error=True)
            return
        # the message stays on the screen; report_error also notifies (and logs a bug)
        self._status(
            str(exc) if isinstance(exc, SalesdeskError) else _("Unexpected error (logged)"),
            error=True,
        )
        report_error(self.app, exc)

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#fc-status", Static)
        status.update(Text(text))  # plain text: a cut or a message may hold [brackets]
        status.set_class(error, "-error")

    # -- keys ----------------------------------------------------------------------------

    def action_back(self) -> None:
        # Textual cancels a left screen's workers; say so rather than drop the run silently
        if self.running:
            self.cancel.set()
            self.app.notify(
                _("Forecast cancelled on leaving; nothing was stored."), severity="warning"
            )
        super().action_back()

    def action_cancel_run(self) -> None:
        if self.running:
            self.cancel.set()
            self._status(_("Cancelling…"))

    def action_open_run(self) -> None:
        """The stored run in the forecast report (its table, chart, drill and export)."""
        from core.reports import run_report
        from tui.screens.report_view import ReportView

        if self.run_id is None or self.running:
            return
        raw = {"run": self.run_id}
        self.read_then(
            lambda: run_report(self.ctx, REPORT_ID, raw),
            lambda result: self.app.push_screen(ReportView(REPORT_ID, raw, result)),
            group="open-run",
        )


def _reconcile_choices() -> list[tuple[str, str]]:
    return [
        (_("Bottom-up: the company is the sum of the cut"), "bottom_up"),
        (_("Top-down: the company forecast stands"), "top_down"),
    ]


VIEWS = (
    ViewSpec("targets", "Target allocation", "指标分摊", lambda ctx: AllocationScreen()),
    ViewSpec(
        "forecast",
        "Sales forecast",
        "销售预测",
        lambda ctx: ForecastScreen(),
        key="f",
        permission=RUN_PERMISSIONS,
    ),
)
