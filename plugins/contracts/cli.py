"""``salesdesk contracts ...``: list contracts and approvals waiting, for scripts and cron."""

from __future__ import annotations

import click


def _ctx() -> object:
    from core.runtime import open_runtime

    return open_runtime(require_current=True).context_for()


@click.group("contracts", help="Sales contracts: list them and approvals waiting for you.")
def contracts_group() -> None:
    pass


@contracts_group.command("list", help="Contracts you may see (newest first).")
@click.option("--stage", default=None, help="Only contracts in this stage (stage id).")
def list_contracts(stage: str | None) -> None:
    from core.errors import SalesdeskError
    from plugins.contracts.services import contract_rows

    try:
        rows = contract_rows(_ctx(), stage=stage)
    except SalesdeskError as exc:
        raise click.ClickException(str(exc)) from exc
    for row in rows:
        click.echo(f"{row.number}\tr{row.revision}\t{row.stage}\t{row.amount:,.2f} "
                   f"{row.currency}\t{row.customer}\t{row.title}")


@contracts_group.command("waiting", help="Approval steps you may decide now.")
def waiting() -> None:
    from core.errors import SalesdeskError
    from plugins.contracts.services import waiting_for_me

    try:
        pairs = waiting_for_me(_ctx())
    except SalesdeskError as exc:
        raise click.ClickException(str(exc)) from exc
    for contract, step in pairs:
        click.echo(f"{contract.number}\tr{contract.revision}\tstep {step.seq} ({step.role})\t"
                   f"{contract.amount:,.2f}\t{contract.title}")
