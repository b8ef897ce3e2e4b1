"""``salesdesk receipts add|list``: receipts (收款) for scripts, the same service and
checks as the TUI's Receipts screen (``receipt.record`` to enter one)."""

from __future__ import annotations

from typing import Any

import click

from core.i18n import _
from tui.cli_admin import _ctx, _friendly


@click.group()
def receipts() -> None:
    """Receipts (收款): enter one against a customer, or list them."""


@receipts.command("add")
@click.argument("customer_code")
@click.argument("amount")
@click.option("--date", "day", default="", help="YYYY-MM-DD (default: today).")
@click.option(
    "--method", default="transfer", help="transfer, bill (acceptance bill), cash, cheque or other."
)
@click.option("--reference", default="", help="The invoice or sales document it pays.")
@click.option("--note", default="")
@click.pass_context
@_friendly
def receipts_add(click_ctx: click.Context, customer_code: str, amount: str, **values: Any) -> None:
    """Record AMOUNT received from CUSTOMER_CODE (not edited or deleted afterwards)."""
    from core.services.receipts import method_of, prepare_receipt, record_draft

    ctx = _ctx(click_ctx)
    try:
        method = method_of(values["method"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--method") from None
    draft = prepare_receipt(
        ctx,
        {
            "customer_code": customer_code,
            "amount": amount,
            "date": values["day"],
            "method": method,
            "reference": values["reference"],
            "note": values["note"],
        },
    )
    record_draft(ctx, draft)
    click.echo(
        _("Receipt of {amount} from {customer} recorded.").format(
            amount=f"{draft.amount:,.2f}", customer=draft.customer
        )
    )


@receipts.command("list")
@click.option("--customer", "customer_code", default="", help="Only this customer's.")
@click.pass_context
@_friendly
def receipts_list(click_ctx: click.Context, customer_code: str) -> None:
    """List receipts, newest first."""
    from core.errors import NotFound
    from core.services.receipts import customer_by_code, list_receipts

    ctx = _ctx(click_ctx)
    customer = customer_by_code(ctx, customer_code) if customer_code else None
    if customer_code and customer is None:
        raise NotFound(_("No customer you can see has the code {code}").format(code=customer_code))
    for r in list_receipts(ctx, customer[0] if customer else None):
        click.echo(
            f"{r.date}  {r.customer_code:<10} {r.amount:>14,.2f}  "
            f"{r.method or '-':<8} {r.reference or '-':<16} {r.note}"
        )
