"""Leads of a campaign into the lead pool: a CSV of customers (the core import format)
whose ``source`` column is filled with the campaign code, then imported all-or-nothing
by ``core.services.importing`` (which checks ``sales.import`` and every row)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

from core.context import Context
from core.errors import FieldProblem, SalesdeskError, ValidationFailed
from core.i18n import translator
from core.services.importing import import_file
from plugins.marketing.services.campaigns import find_campaign

_ = translator(__file__)  # this plugin's words first


def import_leads(ctx: Context, campaign_code: str, path: str | Path, dry_run: bool = False) -> Any:
    """Import the customers in ``path`` (CSV) as leads of the campaign. Rows without an
    ``owner_login`` land in the pool. A row naming another source is refused."""
    campaign = find_campaign(ctx, campaign_code)
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise SalesdeskError(
            _("{name}: campaign leads are read from CSV files; save it as CSV UTF-8.").format(
                name=path.name
            )
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise SalesdeskError(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    except UnicodeDecodeError:
        raise SalesdeskError(
            _("{name} is not UTF-8 text throughout; save the whole file as CSV UTF-8.").format(
                name=path.name
            )
        ) from None
    except csv.Error as exc:
        raise SalesdeskError(
            _(
                "{name} could not be read as CSV: a cell may hold at most 1 MiB of text ({reason})."
            ).format(name=path.name, reason=exc)
        ) from None
    if not rows:
        raise ValidationFailed(
            [FieldProblem("header", "", "a first row naming the columns")], path.name
        )
    header = [h.strip() for h in rows[0]]
    if "source" not in header:
        header.append("source")
    at = header.index("source")
    rows = [header] + [[*r, *[""] * (len(header) - len(r))] for r in rows[1:]]
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        value = row[at].strip()
        if value and value != campaign.code:
            problems.append(
                FieldProblem(
                    "source", value, "blank or {code}", row=number, args={"code": campaign.code}
                )
            )
        else:
            row[at] = campaign.code
    if problems:
        raise ValidationFailed(problems, path.name)
    with tempfile.TemporaryDirectory(prefix="salesdesk-leads-") as folder:
        copy = Path(folder) / path.name
        with copy.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *rows[1:]])
        return import_file(ctx, "customers", copy, dry_run=dry_run)
