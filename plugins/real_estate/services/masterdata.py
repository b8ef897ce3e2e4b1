"""Unit master data (房间资料): entered or imported by the business operator, applied only
when a senior marketing manager signs the change off (two people, both recorded).

A change is all-or-nothing: every row is validated when it is submitted (errors name the
sheet, row and column) and again when it is approved; either every unit is written or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import sqlalchemy as sa

from core.context import Context
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.services.base import UnitOfWork, detached, write
from plugins.real_estate.models import ApprovalStatus, Building, Change, Project, Unit, UnitStatus
from plugins.real_estate.services.common import (
    MASTERDATA,
    SIGNOFF,
    Refused,
    _,
    building_by_code,
    lock,
    second_person,
    status_word,
)
from plugins.real_estate.services.pricing import round2

PRICE_SLACK = Decimal("1.00")  # a typed total may differ from price x area by rounding
AREA_SLACK = Decimal("0.01")
MAX_ROWS = 20000


class UnitRow(pydantic.BaseModel):
    """One unit as entered or imported. ``total_price`` left empty is computed."""

    model_config = pydantic.ConfigDict(str_strip_whitespace=True, extra="forbid")

    project: str = pydantic.Field(min_length=1, max_length=32, description="Project code")
    project_name: str = pydantic.Field(default="", max_length=200)
    building: str = pydantic.Field(min_length=1, max_length=32, description="Building code")
    building_name: str = pydantic.Field(default="", max_length=200)
    unit_no: str = pydantic.Field(min_length=1, max_length=32, description="Unit number")
    name: str = pydantic.Field(default="", max_length=100)
    floor: int = pydantic.Field(ge=-5, le=200)
    layout: str = pydantic.Field(default="", max_length=32)
    orientation: str = pydantic.Field(default="", max_length=16)
    view: str = pydantic.Field(default="", max_length=32)
    building_area: Decimal = pydantic.Field(gt=0, max_digits=12, decimal_places=2)
    suite_area: Decimal = pydantic.Field(gt=0, max_digits=12, decimal_places=2)
    shared_area: Decimal = pydantic.Field(ge=0, max_digits=12, decimal_places=2)
    unit_price: Decimal = pydantic.Field(ge=0, max_digits=16, decimal_places=2)
    total_price: Decimal | None = pydantic.Field(
        default=None, ge=0, max_digits=16, decimal_places=2
    )

    @pydantic.field_validator("floor", mode="before")
    @classmethod
    def _whole_floor(cls, value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    # The checks across fields are refused on a field (shown under it on the form), in the
    # reader's language and in the form's words: its labels, never the attribute names.
    @pydantic.field_validator("shared_area")
    @classmethod
    def _areas_add_up(cls, value: Decimal, info: pydantic.ValidationInfo) -> Decimal:
        building, suite = info.data.get("building_area"), info.data.get("suite_area")
        if (
            building is not None
            and suite is not None
            and abs(suite + value - building) > AREA_SLACK
        ):
            raise ValueError(
                _(
                    "the building area {building} to equal the suite area + shared area ({sum})"
                ).format(building=building, sum=suite + value)
            )
        return value

    @pydantic.field_validator("total_price")
    @classmethod
    def _total_is_price_x_area(
        cls, value: Decimal | None, info: pydantic.ValidationInfo
    ) -> Decimal | None:
        price, area = info.data.get("unit_price"), info.data.get("building_area")
        if value is None or price is None or area is None:
            return value
        computed = round2(price * area)
        if abs(value - computed) > PRICE_SLACK:
            raise ValueError(
                _(
                    "the total price {total} to equal the unit price x building area ({computed})"
                ).format(total=value, computed=computed)
            )
        return value

    @pydantic.model_validator(mode="after")
    def _computed_total(self) -> UnitRow:
        if self.total_price is None:
            self.total_price = round2(self.unit_price * self.building_area)
        return self


def parse_rows(rows: list[dict[str, Any]], where: str = "") -> list[UnitRow]:
    """Validate every row; one ValidationFailed lists every problem (row numbers from 1,
    or the numbers the rows carry under ``_row``; ``_sheet`` names the sheet, ``_headers``
    the file's header of each field, as typed)."""
    parsed: list[UnitRow] = []
    problems: list[FieldProblem] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, raw in enumerate(rows, start=1):
        data = dict(raw)
        row_no = int(data.pop("_row", index))
        sheet = str(data.pop("_sheet", ""))
        headers: dict[str, str] = data.pop("_headers", {})
        where_in = (sheet, headers)
        try:
            unit = UnitRow.model_validate(data)
        except pydantic.ValidationError as exc:
            for err in exc.errors():
                name = ".".join(str(p) for p in err["loc"]) or "building_area"
                problems.append(
                    _row_problem(where_in, row_no, name, err.get("input"), _expected(err))
                )
            continue
        key = (unit.project.upper(), unit.building.upper(), unit.unit_no.upper())
        if key in seen:
            problems.append(
                _row_problem(
                    where_in,
                    row_no,
                    "unit_no",
                    unit.unit_no,
                    "a unit number not already on row {row}",
                    args={"row": seen[key]},
                )
            )
        seen[key] = row_no
        parsed.append(unit)
    if not rows:
        problems.append(FieldProblem("rows", "", "at least one unit", title="Units"))
    if len(rows) > MAX_ROWS:
        problems.append(
            FieldProblem(
                "rows", len(rows), "at most {most} units", args={"most": MAX_ROWS}, title="Units"
            )
        )
    if problems:
        raise ValidationFailed(problems, f"units{' in ' + where if where else ''}")
    return parsed


def _row_problem(
    where_in: tuple[str, dict[str, str]],
    row: int,
    name: str,
    value: Any,
    expected: str,
    args: dict[str, object] | None = None,
) -> FieldProblem:
    """A row's problem named as the file heads the column (with its sheet), else as the
    unit form labels the field: never the attribute's name."""
    sheet, headers = where_in
    prefix = f"{sheet}!" if sheet else ""
    column = f"{prefix}{headers[name]}" if name in headers else None
    return FieldProblem(
        prefix + name, value, expected, row, args, column=column, title=LABELS.get(name)
    )


def _expected(err: Any) -> str:
    from core.services.base import pydantic_expected  # the one wording, both languages

    return pydantic_expected(err)


# -- submit ------------------------------------------------------------------------------


def submit_units(
    ctx: Context, rows: list[dict[str, Any]], summary: str = "", kind: str = "entry"
) -> Change:
    """The business operator submits units to create or change; nothing is applied yet."""
    units = parse_rows(rows, summary)

    def work(uow: UnitOfWork) -> Change:
        uow.require(MASTERDATA)
        _check_status_for_update(uow, units)
        change = Change(
            kind=kind,
            summary=summary[:200] or f"{len(units)} unit(s)",
            payload={"units": [u.model_dump(mode="json") for u in units]},
            submitted_by=ctx.actor.id,
            submitted_at=ctx.now(),
        )
        uow.session.add(change)
        uow.audit_created(change)
        return detached(change)

    return write(ctx, work)


def _check_status_for_update(uow: UnitOfWork, units: list[UnitRow]) -> None:
    """Master data of a unit under a deal keeps its price: the deal holds what was agreed,
    but area corrections go through the settlement. Refuse price edits of such units."""
    for row_no, unit in enumerate(units, start=1):
        found = _existing(uow, unit)
        if (
            found is not None
            and found.status not in (UnitStatus.AVAILABLE, UnitStatus.HELD)
            and (found.unit_price != unit.unit_price or found.building_area != unit.building_area)
        ):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "unit_price",
                        str(unit.unit_price),
                        "the current price of unit {unit}: it is {status}; settle area "
                        "differences on its deal",
                        row_no,
                        {
                            "unit": f"{unit.building}-{unit.unit_no}",
                            "status": status_word(found.status),
                        },
                    )
                ],
                "units",
            )


def _existing(uow: UnitOfWork, unit: UnitRow) -> Unit | None:
    building = building_by_code(uow.session, unit.project, unit.building)
    if building is None:
        return None
    return uow.session.scalars(
        sa.select(Unit).where(Unit.building_id == building.id, Unit.unit_no == unit.unit_no)
    ).first()


# -- sign-off ---------------------------------------------------------------------------


def approve_change(
    ctx: Context, change_id: int, version: int | None = None, note: str = ""
) -> Change:
    """A senior marketing manager (not the submitter) signs off; units are written."""

    def work(uow: UnitOfWork) -> Change:
        uow.require(SIGNOFF)
        change = uow.get(Change, change_id)
        uow.check_version(change, version)
        lock(uow, change)
        _pending(change)
        second_person(ctx, change.submitted_by, "change")
        units = parse_rows(change.payload["units"], f"change {change_id}")
        _check_status_for_update(uow, units)
        for unit in units:
            _apply_unit(uow, unit)
        uow.apply_changes(
            change,
            {
                "status": ApprovalStatus.APPROVED.value,
                "decided_by": ctx.actor.id,
                "decided_at": ctx.now(),
                "note": note[:500],
            },
        )
        return detached(change)

    return write(ctx, work)


def reject_change(
    ctx: Context, change_id: int, version: int | None = None, note: str = ""
) -> Change:
    def work(uow: UnitOfWork) -> Change:
        uow.require(SIGNOFF)
        change = uow.get(Change, change_id)
        uow.check_version(change, version)
        lock(uow, change)
        _pending(change)
        uow.apply_changes(
            change,
            {
                "status": ApprovalStatus.REJECTED.value,
                "decided_by": ctx.actor.id,
                "decided_at": ctx.now(),
                "note": note[:500],
            },
        )
        return detached(change)

    return write(ctx, work)


def _pending(change: Change) -> None:
    if change.status != ApprovalStatus.PENDING:
        raise Refused(
            _("change {change} is already {status}").format(
                change=change.id, status=status_word(change.status)
            )
        )


def _apply_unit(uow: UnitOfWork, row: UnitRow) -> Unit:
    project = uow.session.scalars(sa.select(Project).where(Project.code == row.project)).first()
    if project is None:
        project = Project(code=row.project, name=row.project_name or row.project)
        uow.session.add(project)
        uow.audit_created(project)
    building = building_by_code(uow.session, row.project, row.building)
    if building is None:
        building = Building(
            project_id=project.id,
            code=row.building,
            name=row.building_name or row.building,
            base_price=row.unit_price,
        )
        uow.session.add(building)
        uow.audit_created(building)
    values = row.model_dump(exclude={"project", "project_name", "building", "building_name"})
    unit = uow.session.scalars(
        sa.select(Unit).where(Unit.building_id == building.id, Unit.unit_no == row.unit_no)
    ).first()
    if unit is None:
        unit = Unit(building_id=building.id, **values)
        uow.session.add(unit)
        uow.audit_created(unit)
    else:
        uow.apply_changes(unit, values)
    return unit


# -- xlsx import --------------------------------------------------------------------------

# Column headers accepted in a workbook (English field names or the Chinese terms).
HEADERS: dict[str, str] = {
    "项目": "project",
    "项目名称": "project_name",
    "楼栋": "building",
    "楼栋名称": "building_name",
    "房号": "unit_no",
    "房间编号": "unit_no",
    "房间名称": "name",
    "楼层": "floor",
    "户型": "layout",
    "朝向": "orientation",
    "景观": "view",
    "建筑面积": "building_area",
    "套内面积": "suite_area",
    "公摊面积": "shared_area",
    "单价": "unit_price",
    "总价": "total_price",
}
FIELDS = set(UnitRow.model_fields)
# each field as the unit form labels it (an English msgid): its description, else its words
LABELS: dict[str, str] = {
    name: field.description or name.replace("_", " ").capitalize()
    for name, field in UnitRow.model_fields.items()
}


def known_columns() -> str:
    """The headers a workbook may use, in the reader's language: the Chinese terms, or
    the fields' words (either is accepted), never the attribute names."""
    from core.i18n import current_lang

    if current_lang().startswith("zh"):
        firsts = {field: term for term, field in reversed(HEADERS.items())}  # first listed
        names = [firsts[f] for f in dict.fromkeys(HEADERS.values())]
    else:
        names = [f.replace("_", " ").capitalize() for f in dict.fromkeys(HEADERS.values())]
    return ", ".join(names)


def read_workbook(path: Path) -> list[dict[str, Any]]:
    """Rows of every sheet, keyed by field, each with ``_sheet`` and ``_row`` (as Excel
    numbers it). An unknown header is an error naming the sheet and the cell. Read by the
    core's checked reader, which refuses workbooks too big to hold."""
    from core.services.import_files import UnreadableFile, workbook_sheets

    rows: list[dict[str, Any]] = []
    problems: list[FieldProblem] = []
    try:
        for title, first, values in workbook_sheets(Path(path)):
            rows += _sheet_rows(title, first, values, problems)
    except UnreadableFile as exc:  # not a workbook, missing, damaged, too big
        raise ValidationFailed(
            [FieldProblem("file", str(path), "an .xlsx workbook ({reason})", args={"reason": exc})],
            "import",
        ) from None
    if problems:
        raise ValidationFailed(problems, f"import of {Path(path).name}")
    return rows


def _sheet_rows(
    title: str, first: int, values: Iterator[list[Any]], problems: list[FieldProblem]
) -> list[dict[str, Any]]:
    from core.services.import_files import cell_text

    header = next(values, None)
    if not header or all(h is None for h in header):
        return []
    names: list[str | None] = []
    for col, heading in enumerate(header, start=1):
        text = cell_text(heading).strip()
        name = HEADERS.get(text, text.lower().replace(" ", "_")) if text else None
        if name is not None and name not in FIELDS:
            problems.append(
                FieldProblem(
                    f"{title}!{_letter(col)}{first}",
                    text,
                    "one of the columns {names}",
                    first,
                    {"names": known_columns()},
                )
            )
        names.append(name)
    headers = {n: cell_text(h).strip() for n, h in zip(names, header, strict=False) if n}
    out = []
    for row_no, cells in enumerate(values, start=first + 1):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        record: dict[str, Any] = {"_sheet": title, "_row": row_no, "_headers": headers}
        for name, cell in zip(names, cells, strict=False):
            if name and cell is not None and str(cell).strip() != "":
                record[name] = cell if name == "floor" else cell_text(cell)
        out.append(record)
    return out


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def import_units(ctx: Context, path: Path | str) -> Change:
    """Import a workbook as one change waiting for sign-off (all rows or none)."""
    path = Path(path)
    return submit_units(ctx, read_workbook(path), f"import {path.name}", kind="import")


# -- reads --------------------------------------------------------------------------------


def pending_changes(ctx: Context) -> list[Change]:
    with ctx.reading() as session:
        return list(
            session.scalars(
                sa.select(Change).where(Change.status == ApprovalStatus.PENDING).order_by(Change.id)
            )
        )


def decided_changes(ctx: Context, limit: int = 10) -> list[Change]:
    """The latest approved or rejected changes (who submitted, who decided)."""
    with ctx.reading() as session:
        return list(
            session.scalars(
                sa.select(Change)
                .where(Change.status != ApprovalStatus.PENDING)
                .order_by(Change.id.desc())
                .limit(limit)
            )
        )


def get_change(ctx: Context, change_id: int) -> Change:
    with ctx.reading() as session:
        change = session.get(Change, change_id)
        if change is None:
            # the change's number is shown on the sign-off list and by the CLI
            raise NotFound(
                _("There is no change {id}: refresh the list of sign-offs.").format(id=change_id)
            )
        return change
