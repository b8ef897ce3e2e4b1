"""``salesdesk import customers|products|sales-lines|receipts FILE [--dry-run]``.

Shell-friendly: exit 0 and one line on success; exit 1 with every listed problem on
stderr (row, column, value, what was expected) when the file is refused.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from core.errors import SalesdeskError, ValidationFailed
from core.failures import friendly
from core.i18n import _, plural

# what a summary line calls the rows of each kind ("imported 12 rows of sales lines")
KIND_TITLES = {
    "customers": "customers",
    "products": "products",
    "sales-lines": "sales lines",
    "receipts": "receipts",
    "regions": "regions",
    "channels": "channels",
    "users": "users",
}

KINDS = ("customers", "products", "sales-lines", "receipts", "regions", "channels", "users")


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
@click.pass_context
@friendly
def import_command(click_ctx: click.Context, kind: str, file: Path, dry_run: bool) -> None:
    """Import KIND from FILE (CSV or xlsx), all or nothing.

    Columns (header row first; Chinese headers such as 日期 and 金额 are understood):

    \b
    customers:   code, name, industry, region_code, size, source, customer_class,
                 owner_login, credit_rating, credit_limit, status, last_follow_up, notes,
                 credit_code, invoice_title, bank_name, bank_account,
                 billing_address, billing_phone
    products:    code, name, category, unit, list_price, standard_cost, vat_rate, active
    regions:     code, name, parent_code, kind (group/region/office), active
    channels:    code, name, kind, region_code, active
    users:       login, display_name, roles (separated by ;), region_code,
                 manager_login, email
    sales-lines: date, customer_code, product_code, rep_login, region_code,
                 channel_code, quantity, amount, tax_rate, return_reason
                 (a return: quantity and amount below 0 and a return_reason)
    receipts:    date, customer_code, amount, reference (invoice or document paid), note,
                 method (transfer, bill, cash, cheque or other)
    """
    from core.services.importing import import_file
    from tui.cli import runtime_from  # here, not at the top: tui.cli imports this module

    progress = _progress()
    try:
        ctx = runtime_from(click_ctx).context_for()
        try:
            result = import_file(ctx, kind, file, dry_run=dry_run, progress=progress)
        finally:
            if progress is not None:
                click.echo("", err=True)  # end the progress line
    except ValidationFailed as exc:
        _print_problems(exc)
        sys.exit(1)
    except SalesdeskError as exc:
        click.echo(f"salesdesk: {exc}", err=True)
        sys.exit(1)
    what = _(KIND_TITLES.get(kind, kind.replace("-", " ")))
    if dry_run:
        click.echo(
            plural(
                result.rows,
                "dry run: checked {rows} row of {what} in {file}, no problems; nothing was written",
                "dry run: checked {rows} rows of {what} in {file}, no problems; "
                "nothing was written",
            ).format(rows=f"{result.rows:,}", what=what, file=file.name)
        )
    else:
        click.echo(
            plural(
                result.rows,
                "imported {rows} row of {what} from {file} (batch {batch}, {seconds} s)",
                "imported {rows} rows of {what} from {file} (batch {batch}, {seconds} s)",
            ).format(
                rows=f"{result.rows:,}",
                what=what,
                file=file.name,
                batch=result.batch_id,
                seconds=f"{result.seconds:.1f}",
            )
        )


def _progress() -> Callable[[int, int | None], None] | None:
    """Rows done on stderr, rewritten in place, when a person is watching (not in cron)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int | None) -> None:
        line = (
            _("{done} of about {total} rows checked").format(done=f"{done:,}", total=f"{total:,}")
            if total
            else _("{done} rows checked").format(done=f"{done:,}")
        )
        click.echo(f"\r  {line}", err=True, nl=False)

    return show


def _print_problems(exc: ValidationFailed) -> None:
    """Every kept problem, one a line, after the summary line (not just the first 50)."""
    head = str(exc).splitlines()[0]
    click.echo(f"salesdesk: {head}", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    total = getattr(exc, "total", len(exc.problems))
    if total > len(exc.problems):
        more = total - len(exc.problems)
        click.echo("  " + _("... and {n} more problems not listed").format(n=more), err=True)
