"""Every hook the core offers to plugins.

The docstrings in this module ARE the plugin reference: ``docs/plugins.md`` is checked
against them (``tests/test_plugin_docs.py``), and a test fails when a hook here has no
docstring (``tests/test_docs_hooks.py``) or is named in no test besides those reference
checks (``tests/test_plugin_contract.py``).

A plugin may offer hooks of its own to other plugins in a ``hookspecs`` module of its
package, marked with :data:`hookspec` from here (the forecast plugin's forecasting methods
and forecast drivers live in ``plugins/forecast/hookspecs.py``); ``core.plugins`` adds them
before any implementation is registered.

Hook names start with ``salesdesk_``. There are three kinds:

* **Contributions** return a list (or ``None`` when the plugin has nothing to add). The
  plugin manager concatenates the lists of every enabled plugin, calling each plugin
  separately so one that raises is reported and switched off without hiding the others.
* **Events** are called after the transaction that caused them has committed. Their return
  value is ignored. An event handler that raises is reported and does not undo the change.
* **In-transaction hooks** are called inside the write they belong to, with its unit of
  work, so a plugin's rows change in the same transaction; one that raises undoes it all.

Every event receives the :class:`core.context.Context` of the actor who made the change, so
a handler that writes (for example a contract created when a deal is won) goes through
``core.services`` with the same permission checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from core.access import PermissionSpec, RoleSpec
    from core.context import Context
    from core.exports import Exporter
    from core.forms import FormSpec
    from core.funnels import FunnelDefinition
    from core.models import Activity, Customer, ImportBatch, Opportunity, User
    from core.reports import Report
    from core.services.base import UnitOfWork
    from core.services.numbering import DocumentSeries

PROJECT = "salesdesk"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------------------------------
# Contributions: what a plugin adds to the product
# ---------------------------------------------------------------------------------------


@hookspec
def salesdesk_funnels() -> list[FunnelDefinition] | None:
    """Contribute sales funnels.

    :returns: a list of :class:`core.funnels.FunnelDefinition`, each an ordered list of
        stages with win probability, the customer class the stage implies and its follow-up
        policy. Funnel ids must be unique across plugins; a duplicate id is reported and the
        later one ignored.

    Called when the plugin manager builds the funnel registry (at start and after plugins
    are enabled or disabled). Company settings may override probabilities and limits.
    """


@hookspec
def salesdesk_forms() -> list[FormSpec] | None:
    """Contribute data-entry forms (price tables, tender records, quotes, ...).

    :returns: a list of :class:`core.forms.FormSpec`: an id, titles in English and
        Chinese, the pydantic model that validates one record and the service function that
        saves it. The TUI builds an entry screen from each form.
    """


@hookspec
def salesdesk_reports() -> list[Report] | None:
    """Contribute reports.

    :returns: a list of objects implementing :class:`core.reports.Report`: an
        id, titles in both languages, a pydantic parameter model and a ``run`` that computes
        its tables in the database under the reader's record rules.

    Called when the report registry is built; a plugin whose call raises is reported and
    its reports are missing from the list, the others stay.
    """


@hookspec
def salesdesk_exporters() -> list[Exporter] | None:
    """Contribute exporters (file formats a report can be written to).

    :returns: a list of objects implementing :class:`core.exports.Exporter`:
        an id (used by ``--format``), a file suffix and a ``write`` method.
    """


@hookspec
def salesdesk_roles() -> list[RoleSpec] | None:
    """Contribute roles.

    :returns: a list of :class:`core.access.RoleSpec` (name, titles, permissions, record
        scope). A role name already defined by the core or another plugin is reported and
        ignored, so a plugin can never widen a built-in role behind the admin's back.
    """


@hookspec
def salesdesk_permissions() -> list[PermissionSpec] | None:
    """Contribute permissions that the plugin's services check.

    :returns: a list of :class:`core.access.PermissionSpec`. Declaring them lets the
        ``users`` screen and ``salesdesk users`` list and grant them; a role may only name
        declared permissions.
    """


@hookspec
def salesdesk_document_series() -> list[DocumentSeries] | None:
    """Name the document series this plugin numbers with (``core.services.numbering``).

    :returns: a list of :class:`core.services.numbering.DocumentSeries`: the series id
        passed to ``next_number`` and its titles in English and Chinese ("delivery notes",
        "送货单"). Admin and ``salesdesk company numbering`` show a series by its title; a
        series no enabled plugin declares is shown by its id.
    """


@hookspec
def salesdesk_migrations() -> list[str] | None:
    """Name the folders holding this plugin's Alembic revisions.

    :returns: a list of absolute paths. Each plugin owns one Alembic branch whose first
        revision has ``branch_labels = ("<plugin name>",)`` and ``depends_on = "core"``.
        ``salesdesk db upgrade`` applies every enabled plugin's branch.
    """


@hookspec
def salesdesk_translations(lang: str) -> dict[str, str] | None:
    """Contribute this plugin's translations of its UI text.

    :param lang: a language code other than ``"en"``, e.g. ``"zh_CN"``.
    :returns: English text -> translated text. Usually
        ``core.i18n.plugin_catalog(__file__, lang)``, which reads ``locale/<lang>.json``
        beside the plugin's ``__init__``. The core's own catalog wins a clash.

    Called once when the plugin is registered, for every language salesdesk speaks.
    """


@hookspec
def salesdesk_demo_data(ctx: Context, scale: str, seed: int) -> None:
    """Seed demo data for this plugin.

    :param ctx: a context acting as the group admin, inside ``salesdesk demo``.
    :param scale: ``"small"``, ``"medium"`` or ``"large"``.
    :param seed: the random seed; the same seed must give the same data.

    Called after the core has generated its users, customers and sales lines, so a plugin
    can attach its records to them. Writes go through services like any other.
    """


@hookspec
def salesdesk_cli_commands() -> list[click.Command] | None:
    """Contribute ``salesdesk`` subcommands.

    :returns: a list of :class:`click.Command` objects; each is added under its own name
        to the ``salesdesk`` command group. A name that is already taken is reported and
        skipped.

    Keep the module that returns them light (import heavy code inside the commands): it
    is imported to list the commands. With a database, the plugins the company enabled
    contribute; before one exists (a fresh machine, or a server that does not answer),
    every installed plugin does, so ``salesdesk --help`` lists them and their ``--help``
    works. A command opens the database itself (``core.plugin_cli.acting_context``),
    which tells a user without one to run ``salesdesk init``. A plugin switched off for
    the company keeps its commands out of the listing; naming one says the plugin is
    switched off and how an admin switches it on.
    """


# ---------------------------------------------------------------------------------------
# Events: called after the transaction has committed
# ---------------------------------------------------------------------------------------


@hookspec
def salesdesk_customer_created(ctx: Context, customer: Customer) -> None:
    """A customer was created.

    :param ctx: the context of the actor who created it.
    :param customer: the committed row, detached from its session (read its attributes;
        change it only through ``core.services.customers``).
    """


@hookspec
def salesdesk_customer_updated(ctx: Context, customer: Customer, changes: dict[str, Any]) -> None:
    """A customer was changed (including reassignment to another owner or to the pool).

    :param ctx: the context of the actor who changed it.
    :param customer: the committed row, detached.
    :param changes: field name -> ``(old, new)`` for every field that changed.
    """


@hookspec
def salesdesk_opportunity_created(ctx: Context, opportunity: Opportunity) -> None:
    """An opportunity was created.

    :param ctx: the context of the actor who created it.
    :param opportunity: the committed row, detached.
    """


@hookspec
def salesdesk_opportunity_stage_changed(
    ctx: Context, opportunity: Opportunity, from_stage: str, to_stage: str
) -> None:
    """An opportunity moved from one stage of its funnel to another.

    :param ctx: the context of the actor who moved it.
    :param opportunity: the committed row, detached; its ``status`` is ``won`` or ``lost``
        when ``to_stage`` is a terminal stage.
    :param from_stage: the stage id it left.
    :param to_stage: the stage id it entered.

    The contracts plugin listens here to draft a contract when a deal reaches a won stage.
    """


@hookspec
def salesdesk_activity_logged(ctx: Context, activity: Activity) -> None:
    """A visit (one line of a daily report) was logged.

    :param ctx: the context of the rep or manager who logged it.
    :param activity: the committed row, detached.
    """


@hookspec
def salesdesk_sales_lines_imported(ctx: Context, batch: ImportBatch) -> None:
    """A batch of sales lines was imported and committed.

    :param ctx: the context of the actor who imported them.
    :param batch: the committed :class:`core.models.ImportBatch` (file name, checksum,
        row count, first and last date), detached.
    """


# ---------------------------------------------------------------------------------------
# In transaction: called inside the write they belong to, all or nothing with it
# ---------------------------------------------------------------------------------------


@hookspec
def salesdesk_move_open_records(
    uow: UnitOfWork, customer_id: int, from_owner_id: int, to_owner_id: int
) -> None:
    """A customer's open work is moving from one owner to another: move this plugin's own
    open records of that customer in the same transaction.

    :param uow: the running :class:`core.services.base.UnitOfWork` (its ``session``, its
        ``ctx`` and the audit helpers ``apply_changes`` / ``audit``). Change rows through
        it so every change is audited; do not commit.
    :param customer_id: the customer whose owner changes.
    :param from_owner_id: the user id of the previous owner.
    :param to_owner_id: the user id of the new owner.

    Called by ``core.services.ownership.move_open_work`` when a customer is assigned,
    reassigned in bulk or handed over (离职交接), after the core moved the customer's open
    deals and planned visits. Move what is still to be done (the contracts plugin: its
    contracts not yet signed); leave history (closed, signed, done) with whoever did it.
    Unlike an event, an exception here is not swallowed: it undoes the whole change, so a
    customer never changes hands with part of its open work left behind.
    """


@hookspec
def salesdesk_check_new_owner(uow: UnitOfWork, customer_id: int | None, owner: User) -> None:
    """A customer is about to be given to ``owner`` (assigned, or created for them): raise
    to refuse, in the same transaction, when this plugin knows the owner may take no
    customer (the funnel plugin: a leaving rep whose book was handed over).

    :param uow: the running :class:`core.services.base.UnitOfWork`; read through its
        ``session``, change nothing.
    :param customer_id: the customer being assigned, or None for a new customer.
    :param owner: the active :class:`core.models.User` who would own it.

    Called by ``core.services.customers`` before the owner changes. Raise
    ``ValidationFailed`` with a ``FieldProblem`` on ``owner`` whose ``expected`` says why
    in business words (it is shown under the owner field); the change is then undone.
    """
