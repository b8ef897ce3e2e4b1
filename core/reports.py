"""The report contract: what a report is, how it is found and how it is run.

A report has an id, titles in English and Chinese, a pydantic ``Params`` model (the TUI
and the CLI build their forms from its fields), a ``run`` computing one or more tables in
the database, and a ``drill`` returning the rows behind one figure. Reports come from the
``salesdesk_reports`` hook of every enabled plugin (the standard forms live in the
built-in ``sales_reports`` plugin).

Values in ``Table.rows`` by column kind: TEXT ``str``, INTEGER ``int``, MONEY and
QUANTITY ``Decimal``, PERCENT a ``Decimal`` fraction (``Decimal("0.25")`` is 25 %) or
``None`` when undefined (no target), DATE ``datetime.date``. Any cell may be ``None``.
The first cell of a totals row is usually the label ``TOTAL_EN`` ("Total"); show it as
``TOTAL_ZH`` ("合计") in Chinese.

Permissions: ``run_report`` refuses a reader without ``report.run``; every query a report
makes filters with ``core.access.visible`` so the screen, the totals, the drill-down and
every export show only rows the reader may see.

Write a report on ``core.report_kit`` (base class, shared parameters, money and ratio
helpers, the totals convention); this module stays the contract and the runner.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import pydantic

from core.access import require_active
from core.errors import FieldProblem, NotFound, PermissionDenied, SalesdeskError, ValidationFailed
from core.i18n import _, listed, pick
from core.models import utcnow

if TYPE_CHECKING:
    from core.context import Context
    from core.plugins import PluginManager

log = logging.getLogger("salesdesk.reports")
HOOK = "salesdesk_reports"
TOTAL_EN, TOTAL_ZH = "Total", "合计"


class ColumnKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    QUANTITY = "quantity"
    PERCENT = "percent"
    DATE = "date"


NUMERIC_KINDS = frozenset(
    {ColumnKind.INTEGER, ColumnKind.MONEY, ColumnKind.QUANTITY, ColumnKind.PERCENT}
)


@dataclass(frozen=True)
class Column:
    """One column. ``total=True``: the totals row holds the SUM of this column (exporters
    may write it as a formula); other cells of the totals row (a label, an overall
    completion ratio) are plain values."""

    id: str
    title_en: str
    title_zh: str
    kind: ColumnKind = ColumnKind.TEXT
    total: bool = False

    def title(self, lang: str = "en") -> str:
        return self.title_zh if lang.startswith("zh") and self.title_zh else self.title_en


@dataclass
class Table:
    """A titled grid. ``rows`` may be a generator for big tables (consume it once, in
    order; ``row_count`` then says how many it yields when known). ``totals`` is one
    tuple aligned with ``columns`` (``None`` where there is nothing to show) or ``None``.
    ``drill_columns`` names the columns whose figures ``Report.drill`` can explain."""

    id: str
    title_en: str
    title_zh: str
    columns: list[Column]
    rows: Iterable[tuple] = ()
    row_count: int | None = None
    totals: tuple | None = None
    drill_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.row_count is None and isinstance(self.rows, list | tuple):
            self.row_count = len(self.rows)

    def title(self, lang: str = "en") -> str:
        return self.title_zh if lang.startswith("zh") and self.title_zh else self.title_en

    def index(self, column_id: str) -> int:
        for i, col in enumerate(self.columns):
            if col.id == column_id:
                return i
        raise KeyError(f"table '{self.id}' has no column '{column_id}'")

    def value(self, row: tuple, column_id: str) -> Any:
        return row[self.index(column_id)]

    def materialize(self) -> list[tuple]:
        """The rows as a list (reads a generator once and keeps the list)."""
        if not isinstance(self.rows, list):
            self.rows = list(self.rows)
            self.row_count = len(self.rows)
        return self.rows

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (exact ``Decimal`` money; see core.frames)."""
        from core.frames import table_to_frame

        return table_to_frame(self)


ChartKind = Literal["bar", "line", "funnel", "column"]


@dataclass(frozen=True)
class ChartSpec:
    """A chart over one table: categories from one column, one series per value column."""

    kind: ChartKind
    title_en: str
    title_zh: str
    table_id: str
    category_column: str
    value_columns: tuple[str, ...]


@dataclass
class ReportResult:
    report_id: str
    title_en: str
    title_zh: str
    params: dict[str, Any]
    tables: list[Table]
    charts: list[ChartSpec] = field(default_factory=list)
    generated_at: dt.datetime = field(default_factory=utcnow)
    company_name: str = ""
    # Notes every rendering shows under the title, (English, Chinese); e.g. how sales are
    # grouped by region when the report has a region filter or column.
    captions: list[tuple[str, str]] = field(default_factory=list)

    def title(self, lang: str = "en") -> str:
        return self.title_zh if lang.startswith("zh") and self.title_zh else self.title_en

    def caption_lines(self, lang: str = "en") -> list[str]:
        return [zh if lang.startswith("zh") and zh else en for en, zh in self.captions]

    def table(self, table_id: str) -> Table:
        for table in self.tables:
            if table.id == table_id:
                return table
        log.error("report %s has no table %s", self.report_id, table_id)
        raise NotFound(
            _(
                "The report '{report}' has no such table; the plugin that provides it may "
                "need fixing."
            ).format(report=pick(self.title_en, self.title_zh))
        )

    def to_pandas(self) -> dict[str, Any]:
        """Each table as a pandas DataFrame, by table id (see core.frames)."""
        from core.frames import result_to_frames

        return result_to_frames(self)


@runtime_checkable
class Report(Protocol):
    """What a plugin contributes through ``salesdesk_reports``.

    ``drill(ctx, params, table_id, row, column_id)``: ``row`` is one tuple of the table's
    rows, or ``None`` for its totals row; returns a Table of the sales lines, activities
    or opportunities behind that figure (same record rules as ``run``).
    """

    id: str
    title_en: str
    title_zh: str
    category: str
    Params: type[pydantic.BaseModel]

    def run(self, ctx: Context, params: Any) -> ReportResult: ...

    def drill(
        self, ctx: Context, params: Any, table_id: str, row: tuple | None, column_id: str
    ) -> Table: ...


class ReportFailed(SalesdeskError):
    """A report raised something unexpected; the traceback is in the log."""


# ---------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------


def shape_problems(report: object) -> list[str]:
    """Why ``report`` cannot be used as a report (empty when it can)."""
    problems = [
        f"missing '{name}'"
        for name in ("id", "title_en", "title_zh")
        if not isinstance(getattr(report, name, None), str) or not getattr(report, name)
    ]
    params = getattr(report, "Params", None)
    if not (isinstance(params, type) and issubclass(params, pydantic.BaseModel)):
        problems.append("'Params' must be a pydantic model class")
    if not callable(getattr(report, "run", None)):
        problems.append("'run' must be callable")
    return problems


def report_registry(plugins: PluginManager) -> dict[str, Report]:
    """Every valid report of the enabled plugins by id, in registration order.

    A plugin whose hook raises is switched off by the manager; a report with a bad shape
    or a duplicate id is recorded on its plugin (``salesdesk plugins list`` shows it) and
    left out. The others stay.
    """
    return plugins.keyed_contributions(HOOK, "report", shape_problems)


def registry_errors(plugins: PluginManager) -> list[tuple[str, str]]:
    """(plugin, message) for every report problem recorded, for lists that show them."""
    return [
        (name, err)
        for name, info in plugins.info.items()
        for err in info.errors
        if err.startswith(HOOK)
    ]


def get_report(ctx: Context, report_id: str) -> Report:
    reports = report_registry(ctx.plugins)
    if report_id not in reports:
        if not reports:
            raise NotFound(
                _("There is no report '{report}': no enabled plugin provides reports.").format(
                    report=report_id
                )
            )
        raise NotFound(
            _("There is no report '{report}'; the reports are: {known}.").format(
                report=report_id, known=listed(sorted(reports))
            )
        )
    return reports[report_id]


# ---------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------


def require_reports(ctx: Context) -> None:
    """Reading reports needs ``report.run``; read-only roles (executives) may read."""
    require_active(ctx)
    if "report.run" not in ctx.grant.permissions:
        raise PermissionDenied(_("You may not run reports."))


def _form_label(fields: Mapping[str, Any], loc: tuple[Any, ...]) -> str | None:
    """The parameter's label on the report form when it declares one ("Group by" for
    ``by``), so a refusal names it as the form does; None: its name in words."""
    info = fields.get(str(loc[0])) if len(loc) == 1 else None
    return getattr(info, "title", None) or None


def parse_params(report: Report, raw: Mapping[str, Any] | pydantic.BaseModel | None) -> Any:
    """Validate raw values (strings from the CLI or a form) with the report's Params."""
    if isinstance(raw, report.Params):
        return raw
    raw = dict(raw or {})
    known = set(report.Params.model_fields)
    problems = [
        FieldProblem(
            k,
            v,
            "one of: {names}",
            args={"names": ", ".join(sorted(known)) or _("no parameters")},
        )
        for k, v in raw.items()
        if k not in known
    ]
    # A field left empty takes its default ("" is no value for a number or a date);
    # one with no default is then reported as missing.
    fields = report.Params.model_fields
    given = {
        k: v for k, v in raw.items() if k in known and not (v == "" and not fields[k].is_required())
    }
    try:
        params = report.Params.model_validate(
            {k: (None if v == "" else v) for k, v in given.items()}
        )
    except pydantic.ValidationError as exc:
        from core.services.base import pydantic_problem

        problems += [
            replace(pydantic_problem(err, "params"), title=_form_label(fields, err["loc"]))
            for err in exc.errors()
        ]
    else:
        problems += out_of_range(params)
    if problems:
        raise ValidationFailed(problems, subject=f"parameters of report '{report.id}'")
    return params


# Dates and years a report may be asked about. Reports do calendar arithmetic (a year
# back, the month's end, ten years of columns): far outside this range Python's dates and
# the databases' overflow, and no business figure lives there anyway.
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def out_of_range(params: pydantic.BaseModel) -> list[FieldProblem]:
    """Every date, and every whole number named like a year, outside the business range
    (checked once here for all reports, whatever their own bounds say)."""
    problems = []
    for name, value in params:
        day = value.date() if isinstance(value, dt.datetime) else value
        if isinstance(day, dt.date) and not FIRST_DAY <= day <= LAST_DAY:
            problems.append(
                FieldProblem(
                    name,
                    value.isoformat(),
                    _("a date from {first} to {last}").format(first=FIRST_DAY, last=LAST_DAY),
                )
            )
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and name.endswith("year")
            and not FIRST_DAY.year <= value <= LAST_DAY.year
        ):
            problems.append(
                FieldProblem(
                    name,
                    value,
                    _("a year from {first} to {last}").format(
                        first=FIRST_DAY.year, last=LAST_DAY.year
                    ),
                )
            )
    return problems


def run_report(
    ctx: Context, report_id: str, raw: Mapping[str, Any] | pydantic.BaseModel | None = None
) -> ReportResult:
    """Check permission, validate parameters, run; errors become SalesdeskErrors."""
    require_reports(ctx)
    report = get_report(ctx, report_id)
    params = parse_params(report, raw)
    result = _guarded(report, "run", report.run, ctx, params)
    if not isinstance(result, ReportResult):
        log.error("report %s returned %s, not a ReportResult", report_id, type(result))
        raise report_failed(report, f"{type(result).__name__}, not a ReportResult")
    if not result.company_name:
        result.company_name = company_name(ctx)
    _state_region_rule(report, result)
    return result


REGION_COLUMNS = frozenset({"region", "region_name", "region_code"})


def _state_region_rule(report: Report, result: ReportResult) -> None:
    """Every report that filters or groups by region says which tree it follows (one
    rule for all: today's, see ``core.services.organisation``)."""
    from core.services.organisation import REGION_RULE_EN, REGION_RULE_ZH

    by_region = "region" in report.Params.model_fields or any(
        column.id in REGION_COLUMNS for table in result.tables for column in table.columns
    )
    rule = (REGION_RULE_EN, REGION_RULE_ZH)
    if by_region and rule not in result.captions:
        result.captions.append(rule)


def drill_report(
    ctx: Context,
    report_id: str,
    raw: Mapping[str, Any] | pydantic.BaseModel | None,
    table_id: str,
    row: tuple | None,
    column_id: str,
) -> Table:
    """The rows behind one figure of a report (``row=None``: the totals row)."""
    require_reports(ctx)
    report = get_report(ctx, report_id)
    drill = getattr(report, "drill", None)
    if not callable(drill):
        raise NotFound(
            _("The report '{report}' cannot show the rows behind its figures.").format(
                report=report_title(report)
            )
        )
    params = parse_params(report, raw)
    return _guarded(report, "drill-down", drill, ctx, params, table_id, row, column_id)


def _guarded(report: Report, what: str, func: Any, *args: Any) -> Any:
    try:
        return func(*args)
    except SalesdeskError:
        raise
    except Exception as exc:
        log.exception("report %s failed in %s", report.id, what)
        raise report_failed(report, f"{type(exc).__name__}: {exc}") from exc


def report_title(report: Report) -> str:
    """A report as its reader knows it: its title in their language."""
    return pick(report.title_en, report.title_zh)


def report_failed(report: Report, detail: str) -> ReportFailed:
    """The business sentence first, then the technical ``detail`` (an exception's text)."""
    return ReportFailed(
        _(
            "The report '{report}' failed; the plugin that provides it may need fixing "
            "(the details are in the log): {detail}"
        ).format(report=report_title(report), detail=detail)
    )


def company_name(ctx: Context) -> str:
    from core.company import COMPANY_NAME_KEY, get_setting

    try:
        with ctx.reading() as session:
            return str(get_setting(session, COMPANY_NAME_KEY, "") or "")
    except Exception:  # a report must not fail for want of a header
        log.warning("company name unavailable", exc_info=True)
        return ""
