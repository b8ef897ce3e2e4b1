"""Contract screens: the list (all, or waiting for my approval), one contract's page with
milestones, approval steps and its timeline, and dialogs for new contracts, edits,
amendments, decisions and the versions side by side. Every action has a key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.errors import Conflict, ValidationFailed
from core.i18n import bracketed, current_lang, labelled, listed, pick, plural, translator
from core.models import Customer, User
from plugins.contracts import services
from plugins.contracts.machine import STATUS_LABELS
from plugins.contracts.services.common import machine_of
from tui.base import BaseScreen, report_error
from tui.format import cell, fit_columns, money
from tui.views import ViewSpec
from tui.widgets.form import FieldSpec

_ = translator(__file__)  # this plugin's words first

ACTIONS = [
    Binding("s", "submit", "Submit", id="contract.submit"),
    Binding("a", "approve", "Approve", id="contract.approve"),
    Binding("r", "reject", "Reject", id="contract.reject"),
    Binding("g", "sign", "Sign", id="contract.sign"),
    Binding("t", "move", "Move stage", id="contract.move"),
    Binding("m", "amend", "Amend", id="contract.amend"),
    Binding("c", "copy", "Copy", id="contract.copy"),
    Binding("x", "cancel_contract", "Cancel", id="contract.cancel", show=False),
]


# Stored codes -> English labels shown through the catalog (company-defined statuses and
# stages of a custom machine fall back to their own text).
LABELS = {
    **STATUS_LABELS,
    "pending": "Pending",
    "void": "Withdrawn",
    "create": "Created",
    "move": "Moved",
    "submit": "Sent for approval",
    "resubmit": "Resubmitted",
    "approve": "Approved",
    "reject": "Rejected",
    "sign": "Signed",
    "cancel": "Cancelled",
    "edit": "Edited",
    "amend": "Amendment started",
    "amendment": "Amendment",
    "superseded": "Superseded",
    "continue": "Continued",
    "signoff": "Sign-off",
    "attach": "Attached",
    "note": "Note",
    "reassign": "Moved to the customer's new owner",
}


# Fields of the versions table and the amendment diff -> English labels (catalog).
FIELD_LABELS = {
    "customer": "Customer",
    "title": "Contract title",
    "contract_type": "Contract type",
    "parties": "Parties",
    "amount": "Amount",
    "currency": "Currency",
    "terms": "Terms",
    "start_date": "Start date",
    "end_date": "End date",
    "owner": "Owner",
    "office": "Office",
    "stage": "Stage",
    "signed_at": "Signed at",
}


def field_label(name: str) -> str:
    if name.startswith("milestone "):
        return _("Milestone {n}").format(n=name.split(" ", 1)[1])
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def shown(code: str) -> str:
    return _(LABELS[code]) if code in LABELS else code


def stage_title(ctx: Any, stage_id: str) -> str:
    """A stage as the reader knows it (the machine's title in their language)."""
    with ctx.reading() as session:
        return machine_of(session).title(stage_id, current_lang())


def numbered(contract: Any) -> str:
    """A contract's number and, for an amendment, its revision, in the reader's words."""
    if contract.revision <= 1:
        return contract.number
    return f"{contract.number} " + _("rev. {n}").format(n=contract.revision)


def role_title(ctx: Any, name: str) -> str:
    spec = ctx.roles.roles.get(name)
    return pick(spec.title_en, spec.title_zh) if spec else name


_STEP_COMMENT = re.compile(r"step (\d+) \(([\w.-]+)\)(?:: (.*))?", re.DOTALL)


def step_comment(ctx: Any, comment: str) -> str:
    """A timeline entry of an approval decision, as the services write it ("step 1
    (sales_manager): ok"), in the reader's words: "Approval step 1 (Sales manager): ok"
    (第 1 步审批(销售经理)). Any other comment is the user's text, as typed."""
    match = _STEP_COMMENT.fullmatch(comment or "")
    if match is None:
        return comment
    seq, role, said = match.groups()
    text = _("Approval step {seq} ({role})").format(seq=seq, role=role_title(ctx, role))
    return labelled(text, said) if said else text


def user_names(ctx: Any, ids: set[int | None]) -> dict[int | None, str]:
    """People by their full names (a login only for a user without one)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    with ctx.reading() as session:
        rows = session.execute(
            sa.select(User.id, User.display_name, User.login).where(User.id.in_(wanted))  # type: ignore[union-attr]
        ).all()
    return {i: name or login for i, name, login in rows}


def customer_names(ctx: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with ctx.reading() as session:
        return dict(
            session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all()
        )


def plain(value: Any) -> Any:
    """User text as a Text, so a DataTable never reads '[...]' in it as markup."""
    return Text(value) if isinstance(value, str) else value


def view_specs() -> list[ViewSpec]:
    return [ViewSpec("contracts", "Contracts", "合同", lambda ctx: ContractsScreen(), key="8")]


def contract_fields(ctx: Any, with_customer: bool) -> list[FieldSpec]:
    fields = [FieldSpec("title", "Contract title")]
    if with_customer:
        fields.append(FieldSpec("customer_id", "Customer", choices=services.customer_choices(ctx)))
        # the deal it closes (its customer is taken when no customer is chosen)
        fields.append(FieldSpec("opportunity_id", "Deal", choices=deal_choices(ctx)))
    return [
        *fields,
        FieldSpec("amount", "Amount"),
        FieldSpec("currency", "Currency"),
        FieldSpec("parties", "Parties", placeholder="Name (role); Name (role)"),
        FieldSpec("terms", "Terms"),
        FieldSpec("start_date", "Start date", placeholder="YYYY-MM-DD"),
        FieldSpec("end_date", "End date", placeholder="YYYY-MM-DD"),
        *milestone_specs(),
    ]


MILESTONES = 3  # milestone rows of the contract dialogs; empty rows are left out
MILESTONE_PARTS = {"due_date": "due", "amount": "amount", "condition": "condition"}
MILESTONE_FIELD = re.compile(r"m\d+_(due|amount|condition)")


def milestone_specs() -> list[FieldSpec]:
    """A due date, an amount and a condition per payment milestone: typed fields, so a
    bad date or amount is shown under it (not a line of text to get the format of)."""
    specs = []
    for n in range(1, MILESTONES + 1):
        specs += [
            FieldSpec(f"m{n}_due", _("Milestone {n} due").format(n=n), placeholder="YYYY-MM-DD"),
            FieldSpec(f"m{n}_amount", _("Milestone {n} amount").format(n=n)),
            FieldSpec(f"m{n}_condition", _("Milestone {n} condition").format(n=n)),
        ]
    return specs


def with_milestones(form: dict[str, Any]) -> dict[str, Any]:
    """The dialog's values with its milestone fields made one ``milestones`` list."""
    out = {k: v for k, v in form.items() if not MILESTONE_FIELD.fullmatch(k)}
    items = []
    for n in range(1, MILESTONES + 1):
        due, amount, condition = (
            str(form.get(f"m{n}_{part}") or "").strip() for part in ("due", "amount", "condition")
        )
        if due or amount or condition:
            items.append(
                {
                    "due_date": due or None,
                    "amount": amount.replace(",", "") or None,
                    "condition": condition,
                }
            )
    out["milestones"] = items
    if isinstance(out.get("amount"), str):
        out["amount"] = out["amount"].replace(",", "").strip()
    return out


def milestone_problems(exc: ValidationFailed) -> ValidationFailed:
    """A service's problem on ``milestones.1.amount`` shown under "Milestone 2 amount";
    one on all of them (their sum) under the first amount."""
    problems = []
    for p in exc.problems:
        parts = p.field.split(".")
        if parts[0] == "milestones" and len(parts) >= 3 and parts[1].isdigit():
            field = f"m{int(parts[1]) + 1}_{MILESTONE_PARTS.get(parts[2], 'due')}"
        elif parts[0] == "milestones":
            field = "m1_amount"
        else:
            field = p.field
        problems.append(replace(p, field=field))
    return ValidationFailed(problems, exc.subject)


def typed_save(save: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    def run(form: dict[str, Any]) -> Any:
        try:
            return save(form)
        except ValidationFailed as exc:
            raise milestone_problems(exc) from None

    return run


def deal_choices(ctx: Any) -> list[tuple[str, int]]:
    """The open deals this user sees, as "title · customer"."""
    from core.services import lists

    return [
        (f"{row.title} · {row.customer}", row.id) for row in lists.opportunity_rows(ctx, limit=500)
    ]


def with_deal_customer(ctx: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A contract for a deal is with the deal's customer unless one was chosen."""
    from core.services import opportunities

    if values.get("opportunity_id") and not values.get("customer_id"):
        deal = opportunities.get_opportunity(ctx, values["opportunity_id"])
        values = {**values, "customer_id": deal.customer_id}
    return values


def contract_values(detail: Any) -> dict[str, Any]:
    c = detail.contract
    return {
        "title": c.title,
        "amount": f"{c.amount}",
        "currency": c.currency,
        "parties": "; ".join(f"{p.get('name')} ({p.get('role')})" for p in c.parties),
        "terms": c.terms,
        "start_date": c.start_date or "",
        "end_date": c.end_date or "",
        **{
            f"m{n}_{part}": value
            for n, m in enumerate(detail.milestones[:MILESTONES], 1)
            for part, value in (
                ("due", m.due_date),
                ("amount", f"{m.amount}"),
                ("condition", m.condition),
            )
        },
    }


def cleaned(values: dict[str, Any]) -> dict[str, Any]:
    """Empty form fields mean "not given"."""
    return {k: v for k, v in values.items() if v not in ("", None)}


LIST_FLEXIBLE = (1, 2, 4)  # title, customer, stage give way; number and amount never
LIST_NARROWEST = 10


def list_widths(headers: list[str], cells: list[tuple], screen_width: int) -> list[int]:
    """Column widths of the contract list that fit the screen, so the stage is seen at 80
    columns and long titles use a wide one: the widest of title, customer and stage gives
    way, one cell at a time, down to LIST_NARROWEST."""

    def width_of(value: Any) -> int:
        return cell_len(value.plain if isinstance(value, Text) else str(value))

    widths = [max([width_of(h), *(width_of(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    room = screen_width - 2 * len(headers) - 2  # cell padding, the scroll bar
    while sum(widths) > room:
        i = max(LIST_FLEXIBLE, key=lambda i: widths[i])
        if widths[i] <= LIST_NARROWEST:
            break
        widths[i] -= 1
    return widths


def _or_error(read: Callable[[], Any]) -> Any:
    """What ``read`` returns, or what it raised (shown by the screen, in its words)."""
    try:
        return read()
    except Exception as exc:
        return exc


class ContractActions:
    """Keys shared by the list and the contract page; the selected contract is acted on
    at the version the screen shows, so a stale screen gets a clear conflict."""

    def selected(self) -> Any:
        raise NotImplementedError

    def with_selected(self, then: Callable[[Any], None]) -> None:
        """``then(detail)`` for the contract the keys act on, if there is one. The page
        has it at hand; the list reads it in a worker (see ContractsScreen)."""
        detail = self.selected()
        if detail is not None:
            then(detail)

    def after_change(self, contract: Any = None) -> None:
        raise NotImplementedError

    def _run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """``fn(*args)`` (a contract write) in a thread worker, then the screen is read
        again and ``then`` told the result: keys are handled while it saves, and a key
        pressed again meanwhile does not write twice. A refusal or a conflict is a
        message (a conflict reads the contract again: someone changed it)."""

        def done(result: Any) -> None:
            if result is not None:
                self.after_change(result)
                if then is not None:
                    then(result)

        def refused(exc: ValidationFailed) -> None:
            self.app.notify(  # type: ignore[attr-defined]
                "\n".join(str(p) for p in exc.problems),
                title=_("Not done"),
                severity="warning",
                timeout=10,
            )

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, Conflict):
                report_error(self.app, exc)  # type: ignore[attr-defined]
                return
            self.app.notify(str(exc), title=_("Not done"), severity="error", timeout=10)  # type: ignore[attr-defined]
            self.after_change()

        self.write_then(  # type: ignore[attr-defined]
            lambda: fn(*args, **kwargs), done, refused=refused, failed=failed, group="contract"
        )

    def _act(self, fn: Callable[..., Any], *args: Any, done: str = "", **kwargs: Any) -> None:
        self.with_selected(lambda detail: self._act_on(detail, fn, *args, done=done, **kwargs))

    def _act_on(
        self, detail: Any, fn: Callable[..., Any], *args: Any, done: str = "", **kwargs: Any
    ) -> None:
        c = detail.contract
        reached: dict[str, str] = {}

        def write(*args: Any, **kwargs: Any) -> Any:  # in the worker: the stage's title too
            result = fn(*args, **kwargs)
            reached["stage"] = stage_title(self.ctx, getattr(result, "stage", ""))  # type: ignore[attr-defined]
            return result

        def tell(_result: Any) -> None:
            if done:
                self.app.notify(done.format(number=numbered(c), stage=reached["stage"]))  # type: ignore[attr-defined]

        self._run(
            write,
            self.ctx,  # type: ignore[attr-defined]
            c.id,
            *args,
            then=tell,
            expected_version=c.version,
            **kwargs,
        )

    def _ask(self, title: str, prompt: str, then: Callable[[str], None], value: str = "") -> None:
        from tui.screens.dialogs import PromptDialog

        self.app.push_screen(
            PromptDialog(title, prompt, value),  # type: ignore[attr-defined]
            lambda text: then(text) if text is not None else None,
        )

    def action_submit(self) -> None:
        self._act(services.submit, done=_("{number}: submitted for approval"))

    def action_sign(self) -> None:
        self.with_selected(lambda detail: self._action_sign_on(detail))

    def _action_sign_on(self, detail: Any) -> None:
        from tui.screens.dialogs import confirm

        c = detail.contract
        customer = customer_names(self.ctx, {c.customer_id}).get(c.customer_id, "")  # type: ignore[attr-defined]
        confirm(
            self.app,
            _("Sign {number}").format(number=numbered(c)),  # type: ignore[attr-defined]
            _(
                'Record contract {number} "{title}" with {customer}, {amount} {currency}, '
                "as signed? A signed contract changes only by an amendment."
            ).format(
                number=numbered(c),
                title=c.title,
                customer=customer,
                amount=f"{c.amount:,.2f}",
                currency=c.currency,
            ),
            _("Sign"),
            lambda: self._act(services.sign, done=_("{number}: signed")),
        )

    def action_approve(self) -> None:
        self._decide(services.approve, _("Approve"), _("Comment (optional)"))

    def action_reject(self) -> None:
        self._decide(services.reject, _("Reject"), _("Why is it rejected?"))

    def _decide(self, fn: Callable[..., Any], title: str, prompt: str) -> None:
        self.with_selected(lambda detail: self._decide_on(detail, fn, title, prompt))

    def _decide_on(self, detail: Any, fn: Callable[..., Any], title: str, prompt: str) -> None:
        step = detail.pending_step
        if step is None:
            self.app.notify(
                _("This contract is not waiting for approval"),  # type: ignore[attr-defined]
                severity="warning",
            )
            return
        self._ask(
            title,
            prompt,
            lambda text: self._act(fn, text, step_id=step.id, done=self._decided(detail, step)),
        )

    def _decided(self, detail: Any, step: Any) -> str:
        """What the decider is told: the next step while the round goes on, else the stage
        the contract reached."""
        later = [
            s
            for s in detail.steps
            if s.round == step.round and s.seq > step.seq and s.status == "pending"
        ]
        if later:
            return _("{number}: step {seq} decided; next: {role}").format(
                number="{number}",
                seq=step.seq,
                role=role_title(self.ctx, later[0].role).replace("{", "{{").replace("}", "}}"),
            )  # type: ignore[attr-defined]
        return _("{number}: now {stage}")

    def action_move(self) -> None:
        self.with_selected(lambda detail: self._action_move_on(detail))

    def _action_move_on(self, detail: Any) -> None:
        allowed = detail.allowed
        if not allowed:
            self.app.notify(_("No move is allowed from here"), severity="warning")  # type: ignore[attr-defined]
            return
        titles = {s: stage_title(self.ctx, s) for s in allowed}  # type: ignore[attr-defined]
        prompt = _("Move to which stage? Allowed: {stages}").format(
            stages=listed(bracketed(t, s) for s, t in titles.items())
        )
        typed = {t.casefold(): s for s, t in titles.items()}

        def move(stage: str) -> None:
            stage = typed.get(stage.strip().casefold(), stage.strip())
            if stage == "cancelled":
                self.action_cancel_contract()
                return
            self._act(services.transition, stage, done=_("{number}: now {stage}"))

        self._ask(_("Move stage"), prompt, move, allowed[0])

    def action_cancel_contract(self) -> None:
        self._ask(_("Cancel the contract"), _("Why is it cancelled?"), self._confirm_cancel)

    def _confirm_cancel(self, reason: str) -> None:
        """Cancelling is final: say which contract ends, and why, before doing it."""
        self.with_selected(lambda detail: self._confirm_cancel_on(detail, reason))

    def _confirm_cancel_on(self, detail: Any, reason: str) -> None:
        from tui.screens.dialogs import confirm

        c = detail.contract
        customer = customer_names(self.ctx, {c.customer_id}).get(c.customer_id, "")  # type: ignore[attr-defined]
        confirm(
            self.app,
            _("Cancel {number}").format(number=numbered(c)),  # type: ignore[attr-defined]
            _(
                'Cancel contract {number} "{title}" with {customer}, {amount} {currency}, '
                "because: {reason}? A cancelled contract cannot be taken up again."
            ).format(
                number=numbered(c),
                title=c.title,
                customer=customer,
                amount=f"{c.amount:,.2f}",
                currency=c.currency,
                reason=reason or "—",
            ),
            _("Cancel the contract"),
            lambda: self._act(services.cancel, reason, done=_("{number}: cancelled")),
        )

    def action_copy(self) -> None:
        self.with_selected(lambda detail: self._action_copy_on(detail))

    def _action_copy_on(self, detail: Any) -> None:
        self._run(
            services.copy_contract,
            self.ctx,  # type: ignore[attr-defined]
            detail.contract.id,
            then=lambda copy: self.app.notify(  # type: ignore[attr-defined]
                _("Copied as {number} (a new draft)").format(number=copy.number)
            ),
        )

    def action_amend(self) -> None:
        self.with_selected(lambda detail: self._action_amend_on(detail))

    def _action_amend_on(self, detail: Any) -> None:
        from tui.screens.dialogs import FormDialog

        c = detail.contract
        values = contract_values(detail)

        before = with_milestones(values)

        def save(form: dict[str, Any]) -> Any:
            typed = with_milestones(form)
            changed = {
                k: v
                for k, v in cleaned(typed).items()
                if k != "milestones" and str(v) != str(before.get(k))
            }
            if "amount" in changed or typed["milestones"] != before["milestones"]:
                changed["milestones"] = typed["milestones"]
            return services.amend(self.ctx, c.id, changed, c.version)  # type: ignore[attr-defined]

        def opened(amendment: Any) -> None:
            if amendment is not None:
                self.app.notify(_("Amendment rev. {n} started").format(n=amendment.revision))  # type: ignore[attr-defined]
                self.app.push_screen(ContractDetailScreen(amendment.id))  # type: ignore[attr-defined]

        self.app.push_screen(
            FormDialog(  # type: ignore[attr-defined]
                _("Amend {number}").format(number=c.number),
                contract_fields(self.ctx, False),
                values,
                typed_save(save),
            ),
            opened,
        )  # type: ignore[attr-defined]


class ContractsScreen(ContractActions, BaseScreen):
    TITLE_EN = "Contracts"
    DEFAULT_CSS = """
    ContractsScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    ContractsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("n", "new", "New", id="contracts.new"),
        Binding("f", "toggle_waiting", "Waiting for me", id="contracts.waiting"),
        Binding("slash", "search", "Search", id="contracts.search"),
        *ACTIONS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.waiting = False
        self.search = ""
        self.ids: list[int] = []
        self._found: tuple[list[tuple[Any, ...]], Any] | None = None  # rows, stage machine

    def body(self) -> ComposeResult:
        yield Static(_("Loading…"), id="status")
        yield DataTable(id="contracts", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.load()
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        """Read the contracts in a worker; they are drawn (and fitted to the width) when
        they come, and again on a resize without reading them again."""
        waiting, search = self.waiting, self.search
        self.read_then(lambda: self._read(waiting, search), self._loaded, group="contracts")

    def _read(self, waiting: bool, search: str) -> tuple[list[tuple[Any, ...]], Any]:
        if waiting:
            pairs = services.waiting_for_me(self.ctx)
            names = customer_names(self.ctx, {c.customer_id for c, _s in pairs})
            rows = [
                (
                    c.id,
                    c.number,
                    c.revision,
                    c.title,
                    names.get(c.customer_id, ""),
                    c.amount,
                    c.currency,
                    labelled(str(s.seq), role_title(self.ctx, s.role)),
                )
                for c, s in pairs
            ]
        else:
            rows = [
                (r.id, r.number, r.revision, r.title, r.customer, r.amount, r.currency, r.stage)
                for r in services.contract_rows(self.ctx, search=search)
            ]
        with self.ctx.reading() as session:
            return rows, machine_of(session)

    def _loaded(self, found: tuple[list[tuple[Any, ...]], Any]) -> None:
        self._found = found
        self._draw()

    def _draw(self) -> None:
        if self._found is None:
            return
        rows, machine = self._found
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        cells = [
            (
                n + (f" r{rev}" if rev > 1 else ""),
                plain(title),
                plain(customer),
                Text(f"{amount:,.2f} {cur}", justify="right"),
                stage if self.waiting else machine.title(stage, current_lang()),
            )
            for _id, n, rev, title, customer, amount, cur, stage in rows
        ]
        headers = [
            _("Contract no."),
            _("Contract title"),
            _("Customer"),
            _("Amount"),
            _("Step") if self.waiting else _("Stage"),
        ]
        for header, width in zip(
            headers, list_widths(headers, cells, self.size.width), strict=True
        ):
            table.add_column(header, width=width)
        for row, values in zip(rows, cells, strict=True):
            table.add_row(*values, key=str(row[0]))
        self.ids = [r[0] for r in rows]
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        what = _("waiting for my approval") if self.waiting else _("all contracts")
        if self.search and not self.waiting:
            what = _("matching '{text}'").format(text=self.search)
        if len(rows) >= services.LIST_LIMIT:
            what += "  ·  " + _("newest {n} shown; search for older ones").format(
                n=services.LIST_LIMIT
            )
        self.query_one("#status", Static).update(
            plural(len(rows), "{n} contract", "{n} contracts", _).format(n=len(rows))
            + f"  ·  {what}  ·  "
            + _("Enter opens, n new, f waiting for me")
        )

    def on_resize(self) -> None:
        self._draw()  # the columns are fitted to the screen's width

    def selected(self) -> Any:
        return None  # read in a worker: see with_selected

    def with_selected(self, then: Callable[[Any], None]) -> None:
        """The contract under the cursor is read in a worker (as the screen's keys act
        on it: its current version), then ``then(detail)``; the keys typed meanwhile
        (a reason, a comment) wait for the dialog it opens."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        contract_id = int(key or 0)
        self.read_then(
            lambda: services.contract_detail(self.ctx, contract_id),
            then,
            group="selected",
            hold_keys=True,
        )

    def after_change(self, contract: Any = None) -> None:
        self.load()

    def action_toggle_waiting(self) -> None:
        self.waiting = not self.waiting
        self.load()

    def action_search(self) -> None:
        def apply(text: str) -> None:
            self.search = text.strip()
            self.waiting = False
            self.load()

        self._ask(
            _("Search contracts"), _("Number, title or customer (empty: all)"), apply, self.search
        )

    def action_new(self) -> None:
        from tui.screens.dialogs import FormDialog

        def save(form: dict[str, Any]) -> Any:
            return services.create_contract(
                self.ctx, with_deal_customer(self.ctx, cleaned(with_milestones(form)))
            )

        def created(contract: Any) -> None:
            if contract is not None:
                self.app.notify(_("Contract {number} created").format(number=contract.number))
                self.load()

        def ask(fields: list[FieldSpec]) -> None:
            self.app.push_screen(
                FormDialog(_("New contract"), fields, {"currency": "CNY"}, typed_save(save)),
                created,
            )

        # its customer and deal choices (up to 500 of each) are read in a worker; the
        # keys typed meanwhile wait for the dialog
        self.read_then(lambda: contract_fields(self.ctx, True), ask, group="new", hold_keys=True)

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ContractDetailScreen(int(event.row_key.value or 0)))


class ContractDetailScreen(ContractActions, BaseScreen):
    TITLE_EN = "Contract"
    DEFAULT_CSS = """
    ContractDetailScreen #head { height: auto; padding: 0 1; }
    ContractDetailScreen .hint { height: 1; padding: 0 1; color: $text-muted; }
    ContractDetailScreen DataTable { height: auto; max-height: 8; }
    ContractDetailScreen #timeline { height: 1fr; max-height: 100%; }
    """
    # The lifecycle keys first: at 80 columns the footer shows only its first keys.
    BINDINGS = [
        *ACTIONS,
        Binding("e", "edit", "Edit", id="contract.edit"),
        Binding("o", "signoff", "Sign off node", id="contract.signoff"),
        Binding("v", "versions", "Versions", id="contract.versions"),
        Binding("d", "diff", "Diff", id="contract.diff"),
        Binding("p", "attach", "Attach", id="contract.attach"),
        Binding("y", "paid", "Milestone paid", id="contract.paid", show=False),
    ]

    def __init__(self, contract_id: int) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.detail: Any = None
        self.machine: Any = None
        self._rows: dict[str, tuple[list[str], list[tuple]]] = {}  # as drawn, by table

    def body(self) -> ComposeResult:
        yield Static(_("Loading…"), id="head")
        yield Static(_("Payment milestones"), classes="hint")
        yield DataTable(id="milestones", cursor_type="row")
        whole = _("Enter shows a row whole")
        yield Static(f"{_('Approval steps')}  ·  {whole}", classes="hint", markup=False)
        yield DataTable(id="steps", cursor_type="row")
        yield Static(f"{_('Timeline')}  ·  {whole}", classes="hint", markup=False)
        yield DataTable(id="timeline", cursor_type="row")

    def on_mount(self) -> None:
        self.after_change()
        self.query_one("#timeline", DataTable).focus()

    def selected(self) -> Any:
        return self.detail

    def after_change(self, contract: Any = None) -> None:
        """Read the contract, the names of the people on it and the stage machine in a
        worker; the page is drawn when they come ("Loading…" until the first time)."""
        contract_id = self.contract_id

        def read() -> tuple[Any, dict[int | None, str], Any]:
            detail = services.contract_detail(self.ctx, contract_id)
            people = user_names(
                self.ctx,
                {s.decided_by_id for s in detail.steps} | {t.actor_id for t in detail.timeline},
            )
            with self.ctx.reading() as session:
                return detail, people, machine_of(session)

        self.read_then(lambda: _or_error(read), lambda found: self._show(found), group="contract")

    def _show(self, found: Any) -> None:
        if isinstance(found, BaseException):  # said on the page: never a blank one
            from tui.base import report_error

            report_error(self.app, found)
            if self.detail is None:
                self.query_one("#head", Static).update(
                    _("The contract could not be read. Escape goes back.")
                )
            return
        detail, people, self.machine = found
        self.detail = detail
        c = detail.contract
        flags = [_("read-only")] if c.signed_at or c.superseded_by_id else []
        if c.superseded_by_id:
            flags.append(_("replaced by an amendment"))
        parties = "; ".join(p.get("name", "") for p in c.parties) or "—"
        attachments = "; ".join(a.ref for a in detail.attachments) or "—"
        allowed = listed(self._stage(s) for s in detail.allowed) or "—"
        status = shown(c.status)
        stage = escape(self._stage(c.stage))
        if status != self._stage(c.stage):
            stage = bracketed(stage, escape(status))
        self.query_one("#head", Static).update(
            f"[b]{escape(numbered(c))}[/b] {escape(c.title)}  ·  {escape(detail.customer)}\n"
            + f"{labelled(_('Stage'), stage)}  ·  "
            f"{labelled(_('Amount'), f'{c.amount:,.2f} {c.currency}')}"
            + (f"  ·  {listed(flags)}" if flags else "")
            + "\n"
            + f"{c.start_date or '—'} → {c.end_date or '—'}  ·  "
            f"{labelled(_('Parties'), escape(parties))}\n"
            f"{labelled(_('Terms'), escape(c.terms or '—'))}  ·  "
            f"{labelled(_('Attachments'), escape(attachments))}\n"
            + labelled(_("Allowed next"), escape(allowed))
        )
        self._fill(
            "#milestones",
            [_("Due date"), _("Amount"), _("Condition"), _("Paid")],
            [
                (cell(m.due_date), money(m.amount), m.condition, cell(m.paid_on))
                for m in detail.milestones
            ],
        )
        self._fill(
            "#steps",
            [_("Round"), _("Step"), _("Role"), _("Status"), _("By"), _("When"), _("Comment")],
            [
                (
                    s.round,
                    s.seq,
                    self._role(s.role),
                    shown(s.status),
                    people.get(s.decided_by_id, s.decided_by_login or ""),
                    cell(s.decided_at),
                    s.comment,
                )
                for s in detail.steps
            ],
        )
        self._fill(
            "#timeline",
            [_("When"), _("Who"), _("What"), _("From stage"), _("To stage"), _("Comment")],
            [
                (
                    cell(t.at),
                    people.get(t.actor_id, t.actor_login),
                    shown(t.action),
                    self._stage(t.from_stage),
                    self._stage(t.to_stage),
                    step_comment(self.ctx, t.comment),
                )
                for t in detail.timeline
            ],
        )

    def _stage(self, stage_id: str) -> str:
        if not stage_id:
            return ""
        if self.machine is None:
            with self.ctx.reading() as session:
                self.machine = machine_of(session)
        return self.machine.title(stage_id, current_lang())

    def _role(self, name: str) -> str:
        return role_title(self.ctx, name)

    def action_attach(self) -> None:
        if self.detail is None:
            return
        self._ask(
            _("Attach a document"),
            _("Path or reference of the document"),
            lambda ref: self._run(services.add_attachment, self.ctx, self.contract_id, ref),
        )

    def action_paid(self) -> None:
        """Mark the milestone under the cursor paid today (again: not paid)."""
        table = self.query_one("#milestones", DataTable)
        if self.detail is None or not self.detail.milestones:
            return
        milestone = self.detail.milestones[min(table.cursor_row, len(self.detail.milestones) - 1)]
        paid = None if milestone.paid_on else self.ctx.today()
        self._run(services.mark_milestone_paid, self.ctx, milestone.id, paid, milestone.version)

    def _fill(self, selector: str, headers: list[str], rows: list[tuple]) -> None:
        table = self.query_one(selector, DataTable)
        table.clear(columns=True)
        cells = [tuple(plain(v if isinstance(v, Text) else cell(v)) for v in r) for r in rows]
        self._rows[selector.lstrip("#")] = (headers, cells)
        fit_columns(table, headers, cells, widest=30)
        for row in cells:
            table.add_row(*row)

    @on(DataTable.RowSelected)
    def _show_row(self, event: DataTable.RowSelected) -> None:
        """Every column of a step or timeline entry, wrapped: at 80 columns the
        comments (and on a narrow screen the names) are cut in the table."""
        from tui.screens.dialogs import TextDialog

        headers, cells = self._rows.get(event.data_table.id or "", ([], []))
        if not 0 <= event.cursor_row < len(cells):
            return
        title = _("Approval steps") if event.data_table.id == "steps" else _("Timeline")
        if event.data_table.id == "milestones":
            title = _("Payment milestones")
        row = cells[event.cursor_row]
        text = "\n".join(
            labelled(header, value.plain if isinstance(value, Text) else value)
            for header, value in zip(headers, row, strict=False)
        )
        self.app.push_screen(TextDialog(title, text))

    def action_edit(self) -> None:
        from tui.screens.dialogs import FormDialog

        if self.detail is None:
            return
        c = self.detail.contract
        values = contract_values(self.detail)

        before = with_milestones(values)

        def save(form: dict[str, Any]) -> Any:
            typed = with_milestones(form)
            changed = {
                k: v
                for k, v in typed.items()
                if k != "milestones" and str(v) != str(before.get(k) or "")
            }
            changed = {k: (v if v != "" else None) for k, v in changed.items()}
            if typed["milestones"] != before["milestones"]:
                changed["milestones"] = typed["milestones"]
            return services.update_contract(self.ctx, c.id, changed, c.version)

        self.app.push_screen(
            FormDialog(
                _("Edit {number}").format(number=c.number),
                contract_fields(self.ctx, False),
                values,
                typed_save(save),
            ),
            lambda saved: self.after_change() if saved else None,
        )

    def action_signoff(self) -> None:
        if self.detail is None:
            return
        if self.machine is None:  # read with the page; not yet only before it is shown
            return
        nodes = self.machine.nodes_at(self.detail.contract.stage)
        done = {s.node for s in self.detail.signoffs}
        nodes = [n for n in nodes if n.id not in done]
        if not nodes:
            self.app.notify(_("No control node left to sign off at this stage"), severity="warning")
            return
        node = nodes[0]
        self._ask(
            _("Sign off: {node}").format(node=pick(node.title_en, node.title_zh)),
            _("Comment (optional)"),
            lambda text: self._act(
                services.sign_off, node.id, text, done=_("{number}: control node signed off")
            ),
        )

    def action_versions(self) -> None:
        from tui.screens.dialogs import TableDialog

        table = self.guard(services.history, self.ctx, self.contract_id)
        if table is None:
            return
        rows = [
            (plain(("* " if changed else "  ") + field_label(name)), *(plain(c) for c in cells))
            for name, cells, changed in table.rows
        ]
        revisions = [_("rev. {n}").format(n=r.removeprefix("rev. ")) for r in table.revisions]
        self.app.push_screen(
            TableDialog(_("Versions side by side (* = changed)"), [_("Field"), *revisions], rows)
        )

    def action_diff(self) -> None:
        from tui.screens.dialogs import TableDialog

        c = self.detail.contract if self.detail else None
        if c is None:
            return
        other = c.amends_id or c.superseded_by_id
        if other is None:
            self.app.notify(_("This contract has no other version"), severity="warning")
            return
        old, new = (other, c.id) if c.amends_id else (c.id, other)
        changes = self.guard(services.diff, self.ctx, old, new)
        if changes is None:
            return
        rows = [
            (plain(field_label(name)), plain(before), plain(after))
            for name, before, after in changes
        ]
        self.app.push_screen(
            TableDialog(_("Changes in the amendment"), [_("Field"), _("Before"), _("After")], rows)
        )
