"""The guided first set-up: company → regions → channels → products → first users → done.

Opens by itself for the group admin while the set-up is not finished (on a new database,
or once started); other users are told the admin has not finished. Each step is one
screen, built on the same services as Admin, Import and ``salesdesk users`` (never the
database directly). Where the guide stands is read from the data plus one company
setting (``core.services.setup``), so quitting and opening again resumes at the first
step still open; ``0`` Admin, then ``w`` on its Company tab, opens the guide again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.errors import FieldProblem, SalesdeskError, ValidationFailed
from core.i18n import _, listed, pick, plural
from core.services import setup as guide
from tui.base import BaseScreen, ask_to_discard, report_error
from tui.widgets.form import FieldSpec, FormFields

TITLES = {
    "company": "Company",
    "regions": "Regions",
    "channels": "Channels",
    "products": "Products",
    "users": "First users",
    "done": "Done",
}


def _about(step: str) -> str:
    """What the step is for and how to move on (read in the reader's language)."""
    return {
        "company": _(
            "The company's name, currency, the month its fiscal year starts and "
            "the VAT rate new products get. Ctrl+S saves and goes on."
        ),
        "regions": _(
            "Regions and offices (any depth: group, region, office). Type one, "
            "Ctrl+S adds it; Ctrl+O imports a file; Ctrl+N goes on."
        ),
        "channels": _(
            "Sales channels (direct, distributor, online). Type one, Ctrl+S adds "
            "it; Ctrl+O imports a file; Ctrl+N goes on."
        ),
        "products": _(
            "What you sell. Type a few (Ctrl+S adds each) or Ctrl+O imports a CSV "
            "or xlsx file (columns code, name, unit, list_price, vat_rate)."
        ),
        "users": _(
            "Your colleagues: their login is their operating-system user name. "
            "Ctrl+S adds one; Ctrl+O imports a file; Ctrl+N goes on."
        ),
        "done": _(
            "The company is set up. Enter goes to Home; then 2 Customers to add "
            "customers, 4 Daily report to log visits, 5 Reports. 0 Admin, then w on "
            "its Company tab, opens this guide again."
        ),
    }[step]


def _region_choices(ctx: Any) -> list[tuple[str, Any]]:
    from core.services.organisation import list_regions

    return [
        ("  " * n.depth + f"{n.region.code} {n.region.name}", n.region.id)
        for n in list_regions(ctx)
    ]


def _specs(ctx: Any, step: str) -> list[FieldSpec]:
    from tui.screens.admin import KINDS

    if step == "company":
        return [
            FieldSpec("name", "Name"),
            FieldSpec("currency", "Currency"),
            FieldSpec("fiscal_year_start", "Fiscal year starts in month", placeholder="1-12"),
            FieldSpec("vat_rate", "Default VAT rate", placeholder="0.13"),
            FieldSpec("timezone", "Time zone", placeholder="Asia/Shanghai; empty: the server's"),
        ]
    if step == "regions":
        return [
            FieldSpec("code", "Code"),
            FieldSpec("name", "Name"),
            FieldSpec("kind", "Kind", choices=[(_(t), v) for t, v in KINDS]),
            FieldSpec("parent", "Parent region", choices=_region_choices(ctx)),
        ]
    if step == "channels":
        return [
            FieldSpec("code", "Code"),
            FieldSpec("name", "Name"),
            FieldSpec("kind", "Kind", placeholder="direct, distributor, online"),
            FieldSpec("region", "Region", choices=_region_choices(ctx)),
        ]
    if step == "products":
        return [
            FieldSpec("code", "Code"),
            FieldSpec("name", "Name"),
            FieldSpec("unit", "Unit"),
            FieldSpec("list_price", "List price"),
            FieldSpec("vat_rate", "VAT rate"),
        ]
    roles = [(pick(r.title_en, r.title_zh), name) for name, r in ctx.roles.roles.items()]
    return [
        FieldSpec("login", "Login"),
        FieldSpec("display_name", "Name"),
        FieldSpec("role", "Role", choices=roles),
        FieldSpec("region", "Region", choices=_region_choices(ctx)),
    ]


def _defaults(ctx: Any, step: str) -> dict[str, Any]:
    from core.services.organisation import company_settings

    settings = company_settings(ctx)
    if step == "company":
        return {k: str(v) for k, v in settings.model_dump().items()}
    if step == "regions":
        return {"kind": "region"}
    if step == "channels":
        return {"kind": "direct"}
    if step == "products":
        return {"unit": "pcs", "list_price": "0", "vat_rate": str(settings.vat_rate)}
    return {"role": "sales_rep"}


def _add(ctx: Any, step: str, v: dict[str, Any]) -> Any:
    """Save one typed row through its service (each checks permissions and audits)."""
    from core.services import masterdata, users
    from core.services import organisation as org

    if step == "regions":
        return org.add_region(
            ctx,
            {
                "code": v["code"],
                "name": v["name"],
                "kind": v["kind"] or "region",
                "parent_id": v["parent"],
            },
        )
    if step == "channels":
        return org.add_channel(
            ctx,
            {
                "code": v["code"],
                "name": v["name"],
                "kind": v["kind"] or "direct",
                "region_id": v["region"],
            },
        )
    if step == "products":
        return masterdata.add_product(
            ctx, {k: v[k] for k in ("code", "name", "unit", "list_price", "vat_rate")}
        )
    if not v["role"]:
        raise ValidationFailed([FieldProblem("role", "", _("a role"))], _("user"))
    return users.add_user(
        ctx,
        {
            "login": v["login"],
            "display_name": v["display_name"],
            "roles": [v["role"]],
            "region_id": v["region"],
        },
    )


def _rows(ctx: Any, step: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """The columns and rows of what the step has made so far."""
    from core.services import masterdata, users
    from core.services import organisation as org

    if step == "regions":
        return [_("Code"), _("Name"), _("Kind")], [
            (
                "  " * n.depth + n.region.code,
                n.region.name,
                _(dict((v, t) for t, v in _kinds()).get(n.region.kind, n.region.kind)),
            )
            for n in org.list_regions(ctx)
        ]
    if step == "channels":
        return [_("Code"), _("Name"), _("Kind")], [
            (c.code, c.name, c.kind) for c in org.list_channels(ctx)
        ]
    if step == "products":
        return [_("Code"), _("Name"), _("Unit"), _("List price")], [
            (p.code, p.name, p.unit, f"{p.list_price:,.2f}") for p in masterdata.list_products(ctx)
        ]
    known = ctx.roles.roles
    return [_("Login"), _("Name"), _("Roles")], [
        (
            u.login,
            u.display_name,
            listed(
                pick(known[r].title_en, known[r].title_zh) if r in known else r for r in u.roles
            ),
        )
        for u in users.list_users(ctx)
    ]


def _kinds() -> list[tuple[str, str]]:
    from tui.screens.admin import KINDS

    return KINDS


class SetupScreen(BaseScreen):
    """One step of the guide (``step`` None: the first step still open)."""

    TITLE_EN = "Set-up"
    GUARDS_INPUT = True
    DEFAULT_CSS = """
    SetupScreen #setup-title { height: 1; padding: 0 1; text-style: bold; }
    SetupScreen #setup-about { height: auto; padding: 0 1; color: $text-muted; }
    SetupScreen #setup-list { height: 1fr; min-height: 3; }
    SetupScreen FormFields { height: auto; max-height: 11; }
    SetupScreen FormFields .error.-empty { display: none; }
    SetupScreen FormFields .error { margin: 0 0 0 30; }
    SetupScreen.-company FormFields { height: 1fr; max-height: 100%; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="setup.save", priority=True),
        Binding("ctrl+n", "next", "Next step", id="setup.next", priority=True),
        Binding("escape", "skip", "Skip", id="setup.skip"),
        Binding("ctrl+o", "import_file", "Import", id="setup.import", priority=True),
        Binding(
            "ctrl+b", "previous", "Previous step", id="setup.previous", priority=True, show=False
        ),
        Binding("ctrl+l", "later", "Later", id="setup.later", priority=True),
    ]

    def __init__(self, step: str | None = None) -> None:
        super().__init__()
        self.step = step or ""

    def body(self) -> ComposeResult:
        if not self.step:
            self.step = guide.setup_state(self.ctx).current or "done"
        self.set_class(self.step == "company", "-company")
        number = guide.STEPS.index(self.step) + 1 if self.step in guide.STEPS else 6
        yield Static(
            _("Set-up, step {n} of {total}: {step}").format(
                n=number, total=len(guide.STEPS) + 1, step=_(TITLES[self.step])
            ),
            id="setup-title",
        )
        yield Static(_about(self.step), id="setup-about")
        if self.step == "done":
            yield DataTable(id="setup-list", cursor_type="row", zebra_stripes=True)
            return
        if self.step != "company":
            yield DataTable(id="setup-list", cursor_type="row", zebra_stripes=True)
        yield FormFields(_specs(self.ctx, self.step), _defaults(self.ctx, self.step))

    def on_mount(self) -> None:
        state = guide.setup_state(self.ctx)
        if not state.started and self.step != "done":
            self.guard(guide.start_setup, self.ctx)
        if self.step == "done":
            self._show_summary(state)
            if not state.finished:
                self.guard(guide.finish_setup, self.ctx)
            self.query_one("#setup-list").focus()
            return
        self._load()
        form = self.query_one(FormFields)
        form.widget_for(form.specs[0].name).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "import_file":
            return self.step in ("regions", "channels", "products", "users")
        if action in ("save", "next", "skip"):
            return self.step != "done"
        return True

    # -- showing -----------------------------------------------------------------------

    def _load(self, found: tuple[list[str], list[Any]] | None = None) -> None:
        if self.step == "company":
            return
        columns, rows = found or _rows(self.ctx, self.step)
        table = self.query_one("#setup-list", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        for row in rows:
            table.add_row(*row)
        if rows:
            table.move_cursor(row=len(rows) - 1)

    def _show_summary(self, state: guide.SetupState) -> None:
        table = self.query_one("#setup-list", DataTable)
        table.add_columns(_("Step"), _("State"))
        words = {"done": _("done"), "skipped": _("skipped"), "open": _("not done")}
        for step in guide.STEPS:
            table.add_row(_(TITLES[step]), words[state.steps[step]])

    # -- actions -----------------------------------------------------------------------

    def on_data_table_row_selected(self) -> None:
        if self.step == "done":  # Enter on the summary: Home
            self.action_later()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """The save, and what the step shows after it, run in a thread worker; the form
        keeps what was typed until it succeeds. Ctrl+S again meanwhile does nothing."""
        if self.writing():
            return
        form = self.query_one(FormFields)
        values = form.values()
        step, ctx = self.step, self.ctx

        def work() -> Any:
            if step == "company":
                return self._save_company(values), None
            _add(ctx, step, values)
            parents = _region_choices(ctx) if step == "regions" else None
            return _rows(ctx, step), (parents, _defaults(ctx, step))

        def saved(result: Any) -> None:
            found, after = result
            form.clear_problems()
            if step == "company":
                form.mark_clean()
                self._go(self._next_step(), "done")
                return
            self.app.notify(_("Saved."))
            self._load(found)
            parents, defaults = after
            if parents is not None:
                form.widget_for("parent").set_options(parents)
            form.set_values(defaults)
            form.widget_for(form.specs[0].name).focus()

        self.write_then(work, saved, refused=lambda exc: form.show_problems(exc.problems))

    def _save_company(self, values: dict[str, Any]) -> Any:
        from core.services.organisation import set_company

        if not str(values.get("name") or "").strip():
            raise ValidationFailed(
                [FieldProblem("name", "", _("the company's name"))], _("company")
            )
        return set_company(self.ctx, values)

    def action_next(self) -> None:
        if self.step == "company":
            self.action_save()
            return
        if self.query_one(FormFields).dirty:
            ask_to_discard(self.app, [self], lambda: self._go(self._next_step(), "done"))
            return
        self._go(self._next_step(), "done")

    def action_skip(self) -> None:
        ask_to_discard(self.app, [self], lambda: self._go(self._next_step(), "skipped"))

    def action_previous(self) -> None:
        at = guide.STEPS.index(self.step) if self.step in guide.STEPS else len(guide.STEPS)
        if at > 0:
            ask_to_discard(
                self.app,
                [self] if self.step != "done" else [],
                lambda: self.app.switch_screen(SetupScreen(guide.STEPS[at - 1])),
            )

    def action_later(self) -> None:
        """Leave the guide; it opens again next time at the first step still open."""

        def leave() -> None:
            self.app.pop_screen()
            if self.step != "done":
                self.app.notify(
                    _("The set-up guide opens again next time (0 Admin, Company tab, w).")
                )

        ask_to_discard(self.app, [self] if self.step != "done" else [], leave)

    def _next_step(self) -> str:
        at = guide.STEPS.index(self.step)
        state = guide.setup_state(self.ctx)
        later = [s for s in guide.STEPS[at + 1 :] if state.steps[s] == "open"]
        return later[0] if later else "done"

    def _go(self, following: str, outcome: str) -> None:
        record = guide.finish_step if outcome == "done" else guide.skip_step
        try:
            record(self.ctx, self.step)
        except SalesdeskError as exc:
            report_error(self.app, exc)
            return
        self.app.switch_screen(SetupScreen(following))

    # -- importing a file --------------------------------------------------------------

    def action_import_file(self) -> None:
        from tui.screens.dialogs import PromptDialog

        def chosen(path: str | None) -> None:
            if path and path.strip():
                self.app.notify(_("Reading {name}…").format(name=Path(path).name))
                self._import(path.strip())

        self.app.push_screen(
            PromptDialog(_("Import a file"), _("Path of the CSV or xlsx file to import:")), chosen
        )

    @work(thread=True, exclusive=True, group="setup-import", exit_on_error=False)
    def _import(self, path: str) -> None:
        from core.served import user_path
        from core.services.importing import import_file

        try:  # over SSH: only a file of the user's own folder on the server
            result = import_file(self.ctx, self.step, user_path(path))
        except Exception as exc:  # shown on the screen; the worker itself never fails
            self.app.call_from_thread(self._import_failed, exc)
            return
        self.app.call_from_thread(self._imported, result)

    def _imported(self, result: Any) -> None:
        self.app.notify(
            plural(
                result.rows,
                "{name}: {rows} row imported in {seconds:.1f} s.",
                "{name}: {rows} rows imported in {seconds:.1f} s.",
            ).format(name=result.file_name, rows=f"{result.rows:,}", seconds=result.seconds)
        )
        self._load()
        if self.step == "regions":
            self.query_one(FormFields).widget_for("parent").set_options(_region_choices(self.ctx))

    def _import_failed(self, exc: BaseException) -> None:
        from core.services.importing import ImportRefused
        from tui.screens.dialogs import TableDialog

        if isinstance(exc, ImportRefused):
            from tui.screens.imports import column_text

            rows = [
                (
                    "" if p.row is None else str(p.row),
                    column_text(p.field),
                    (p.value if isinstance(p.value, str) else repr(p.value))[:40],
                    p.expected_text(),
                )
                for p in exc.problems
            ]
            self.app.push_screen(
                TableDialog(
                    _("{total} problem(s) in {rows} row(s); nothing was imported.").format(
                        total=exc.total, rows=exc.bad_rows
                    ),
                    [_("Row"), _("Column"), _("Value"), _("Expected")],
                    rows,
                )
            )
        elif isinstance(exc, SalesdeskError | OSError):
            report_error(
                self.app,
                exc
                if isinstance(exc, SalesdeskError)
                else SalesdeskError(_("cannot read {path}").format(path=exc)),
            )
        else:
            report_error(self.app, exc)


def setup_offer(ctx: Any) -> str | None:
    """What the start offers (database work, for the opening thread): "guide" for the
    group admin while the set-up is not finished, "notice" for anyone else then, else
    None."""
    try:
        state = guide.setup_state(ctx)
    except Exception:  # an old database without settings still opens
        return None
    if not state.pending:
        return None
    return "guide" if guide.may_set_up(ctx) else "notice"


def offer_setup(app: Any, offer: str | None = "ask") -> None:
    """At start: the group admin gets the guide while the set-up is not finished;
    anyone else on such a database is told the admin has not finished it. ``offer`` is
    ``setup_offer``'s answer when it was read off the UI thread."""
    if offer == "ask":
        offer = setup_offer(app.ctx)
    if offer is None:
        return
    if offer == "guide":
        app.push_screen(SetupScreen())
    else:
        app.notify(
            _(
                "The administrator has not finished setting up salesdesk yet: some "
                "lists may be empty until they do."
            ),
            timeout=20,
        )


def reopen(app: Any) -> None:
    """From Admin: open the guide again, skipped steps offered again."""
    try:
        guide.reopen_setup(app.ctx)
    except SalesdeskError as exc:
        report_error(app, exc)
        return
    app.push_screen(SetupScreen(guide.setup_state(app.ctx).current or "company"))
