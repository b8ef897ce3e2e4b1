"""``salesdesk mfg ...``: the order-to-cash documents and stock from scripts and cron."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import click
import sqlalchemy as sa

from core.errors import FieldProblem, NotFound, ValidationFailed
from core.i18n import translator
from core.plugin_cli import acting_context as _context
from core.plugin_cli import friendly
from plugins.manufacturing.models import DocKind, Document

_ = translator(__file__)  # this plugin's words first

KINDS = [k.value for k in DocKind]


def _doc_id(ctx: Any, number: str) -> tuple[int, int]:
    with ctx.reading() as session:
        found = session.execute(
            sa.select(Document.id, Document.version).where(Document.number == number)
        ).first()
    if found is None:
        raise NotFound(_("There is no document numbered {number}.").format(number=number))
    return found[0], found[1]


def _decimal(text: str, field: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationFailed([FieldProblem(field, text, "a number")], "mfg") from None


@click.group("mfg", help="Manufacturing: quotes, orders, deliveries, invoices, receipts, stock.")
def mfg() -> None:
    pass


@mfg.command("list", help="Documents of one kind, newest first, with what is still open.")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.pass_context
@friendly
def list_command(click_ctx: click.Context, kind: str, limit: int) -> None:
    from plugins.manufacturing.services import queries

    for row in queries.list_documents(_context(click_ctx), kind, limit):
        click.echo(
            f"{row.number}\t{row.doc_date}\t{row.status}\t{row.amount}\t{row.open}\t{row.customer}"
        )


@mfg.command("submit", help="Submit a draft document by its number.")
@click.argument("number")
@click.pass_context
@friendly
def submit_command(click_ctx: click.Context, number: str) -> None:
    from plugins.manufacturing.services import posting

    ctx = _context(click_ctx)
    doc_id, version = _doc_id(ctx, number)
    click.echo(_("{number} submitted").format(number=posting.submit(ctx, doc_id, version).number))


@mfg.command("reverse", help="Reverse a submitted document by its number.")
@click.argument("number")
@click.option("--reason", required=True, help="Why it is reversed (kept with the reversal).")
@click.pass_context
@friendly
def reverse_command(click_ctx: click.Context, number: str, reason: str) -> None:
    from plugins.manufacturing.services import posting

    ctx = _context(click_ctx)
    doc_id, version = _doc_id(ctx, number)
    reversal = posting.reverse(ctx, doc_id, version, reason).number
    click.echo(_("{number} reversed by {reversal}").format(number=number, reversal=reversal))


@mfg.command("approve", help="Finance: approve a draft order past the credit limit.")
@click.argument("number")
@click.pass_context
@friendly
def approve_command(click_ctx: click.Context, number: str) -> None:
    from plugins.manufacturing.services import posting

    ctx = _context(click_ctx)
    doc_id, version = _doc_id(ctx, number)
    approved = posting.approve_credit(ctx, doc_id, version).number
    click.echo(_("{number}: credit approved").format(number=approved))


@mfg.command("stock", help="Stock on hand per product.")
@click.pass_context
@friendly
def stock_command(click_ctx: click.Context) -> None:
    from plugins.manufacturing.services import queries

    for code, on_hand in queries.stock_on_hand(_context(click_ctx)).items():
        click.echo(f"{code}\t{on_hand}")


@mfg.command("receive", help="Production finished QUANTITY of PRODUCT (a product code).")
@click.argument("product")
@click.argument("quantity")
@click.pass_context
@friendly
def receive_command(click_ctx: click.Context, product: str, quantity: str) -> None:
    from plugins.manufacturing.services import queries, tenders

    ctx = _context(click_ctx)
    stock = tenders.receive_stock(
        ctx, queries.product_id_for(ctx, product), _decimal(quantity, "quantity")
    )
    click.echo(_("{product}: {n} on hand").format(product=product, n=stock.on_hand))


@mfg.command("tolerance", help="Allow deliveries this fraction over the order (0.05 = 5%).")
@click.argument("fraction")
@click.pass_context
@friendly
def tolerance_command(click_ctx: click.Context, fraction: str) -> None:
    from core.services.company import set_setting
    from plugins.manufacturing.services.common import S_TOLERANCE

    value = _decimal(fraction, "fraction")
    if not Decimal(0) <= value <= Decimal(1):
        raise ValidationFailed(
            [FieldProblem("fraction", fraction, "a fraction from 0 to 1, such as 0.05 for 5%")],
            "mfg",
        )
    set_setting(_context(click_ctx), S_TOLERANCE, format(value, "f"))
    click.echo(_("over-delivery tolerance set to {percent}").format(percent=f"{value:%}"))


@mfg.command("block-overdue", help="Whether overdue receivables block new orders (on/off).")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_context
@friendly
def block_overdue_command(click_ctx: click.Context, state: str) -> None:
    from core.services.company import set_setting
    from plugins.manufacturing.services.common import S_BLOCK_OVERDUE

    set_setting(_context(click_ctx), S_BLOCK_OVERDUE, state == "on")
    click.echo(
        f"overdue receivables {'block' if state == 'on' else 'no longer block'} "
        "new orders (a finance approval still lets one through)"
    )
