"""Leads into the pool: import a CSV/xlsx file with the core importer (validation, all or
nothing, the same file never twice), log each lead's arrival, then hand them out by the
assignment rules. And the settings that steer the pool."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from core.access import visible
from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.i18n import listed, translator
from core.models import CompanySetting, Customer
from core.services.base import UnitOfWork, write
from core.services.import_files import open_table
from core.services.import_rows import normalise
from core.services.importing import import_file
from plugins.funnel.models import LeadEventKind
from plugins.funnel.services import policy
from plugins.funnel.services.pool import Assignment, auto_assign, log_event

_ = translator(__file__)  # refusals are read on the CLI and the pool screens

OWNER_COLUMNS = {"owner_login", "owner"}


@dataclass
class LeadImport:
    rows: int
    customer_ids: list[int] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)


def import_leads(
    ctx: Context, path: Path, dry_run: bool = False, assign: bool = True
) -> LeadImport:
    """Import leads into the pool (a file naming owners is refused: leads arrive unowned),
    then, unless ``assign`` is off, assign them by the rules."""
    codes = _file_codes(path)
    result = import_file(ctx, "customers", path, dry_run=dry_run)
    out = LeadImport(result.rows)
    if dry_run:
        return out

    def work(uow: UnitOfWork) -> list[int]:
        ids = list(uow.session.scalars(sa.select(Customer.id).where(Customer.code.in_(codes))))
        for cid in ids:
            log_event(uow, cid, LeadEventKind.IMPORT, None, None, f"file {path.name}")
        return ids

    out.customer_ids = write(ctx, work)
    if assign and ctx.grant.has("customer.assign"):
        out.assignments = auto_assign(ctx, out.customer_ids)
    return out


def _file_codes(path: Path) -> list[str]:
    with open_table(path) as table:
        names = [normalise(h) for h in table.header]
        owners = OWNER_COLUMNS & set(names)
        if owners:
            raise ValidationFailed(
                [
                    FieldProblem(
                        sorted(owners)[0],
                        None,
                        "no owner column: leads go into the pool and are assigned by the rules",
                    )
                ],
                f"leads file {path.name}",
            )
        if "code" not in names:
            return []  # the importer names the missing column
        index = names.index("code")
        return [cells[index].strip() for _n, cells in table.rows if len(cells) > index]


def ids_for_codes(ctx: Context, codes: list[str]) -> list[int]:
    with ctx.reading() as session:
        found = dict(
            session.execute(
                sa.select(Customer.code, Customer.id).where(
                    Customer.code.in_(codes), visible(ctx, Customer)
                )
            ).all()
        )
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound(
            _("No customer you can see has these codes: {codes}.").format(codes=listed(missing))
        )
    return [found[c] for c in codes]


def set_rules(ctx: Context, rules: Any) -> list[policy.AssignmentRule]:
    parsed = policy.parse_rules(rules)
    _store(ctx, policy.RULES_KEY, [r.model_dump(mode="json") for r in parsed])
    return parsed


def set_reclaim_policy(ctx: Context, value: Any) -> policy.ReclaimPolicy:
    parsed = policy.parse_reclaim(value)
    _store(ctx, policy.RECLAIM_KEY, parsed.model_dump(mode="json"))
    return parsed


def _store(ctx: Context, key: str, value: Any) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.require("settings.manage")
        row = uow.session.get(CompanySetting, key)
        if row is None:
            uow.session.add(CompanySetting(key=key, value=value))
            uow.audit("create", "company_setting", key, "value", None, value)
        else:
            uow.audit("update", "company_setting", key, "value", row.value, value)
            row.value = value

    write(ctx, work)
