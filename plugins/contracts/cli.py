"""``salesdesk contracts ...``: list contracts, the approvals waiting for you, and decide
them, for scripts. Exit codes: 0 done, 1 refused or failed (the message says why)."""

from __future__ import annotations

import click

from core.i18n import translator
from core.plugin_cli import acting_context as _ctx
from core.plugin_cli import friendly

_ = translator(__file__)  # this plugin's words first


@click.group("contracts")
def contracts_group() -> None:
    """Sales contracts: list them, see and decide the approvals waiting for you."""


@contracts_group.command("list")
@click.option("--stage", default=None, help="Only contracts in this stage (stage id).")
@click.pass_context
@friendly
def list_contracts(click_ctx: click.Context, stage: str | None) -> None:
    """Contracts you may see, newest first (current versions)."""
    from plugins.contracts.services import contract_rows

    for row in contract_rows(_ctx(click_ctx), stage=stage):
        click.echo(
            f"{row.id}\t{row.number}\tr{row.revision}\t{row.stage}\t"
            f"{row.amount:,.2f} {row.currency}\t{row.customer}\t{row.title}"
        )


@contracts_group.command("waiting")
@click.pass_context
@friendly
def waiting(click_ctx: click.Context) -> None:
    """Approval steps you may decide now."""
    from plugins.contracts.services import waiting_for_me

    for contract, step in waiting_for_me(_ctx(click_ctx)):
        click.echo(
            f"{contract.id}\t{contract.number}\tr{contract.revision}\t"
            f"step {step.seq} ({step.role})\t{contract.amount:,.2f}\t{contract.title}"
        )


@contracts_group.command("decide")
@click.argument("contract_id", type=int)
@click.argument("decision", type=click.Choice(["approve", "reject"]))
@click.option("--comment", default="", help="Your comment (required to reject).")
@click.pass_context
@friendly
def decide(click_ctx: click.Context, contract_id: int, decision: str, comment: str) -> None:
    """Approve or reject the current approval step of a contract."""
    from plugins.contracts import services

    ctx = _ctx(click_ctx)
    fn = services.approve if decision == "approve" else services.reject
    contract = fn(ctx, contract_id, comment)
    from core.i18n import current_lang
    from plugins.contracts.services.common import machine_of

    with ctx.reading() as session:
        stage = machine_of(session).title(contract.stage, current_lang())
    done = (
        _("{number}: approved by {name}; now {stage}")
        if decision == "approve"
        else _("{number}: rejected by {name}; now {stage}")
    )
    name = ctx.actor.display_name or ctx.actor.login  # people by name, not login
    click.echo(done.format(number=contract.number, name=name, stage=stage))
