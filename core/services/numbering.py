"""Document numbers: prefix + two-digit year + sequence, with per-office ranges.

Contracts, quotes, projects and orders are numbered by rule, e.g. ``HT2600001`` for the
first contract of 2026, where the Shanghai office numbers from 00001 and Beijing from
20001. A rule lives in the company setting ``numbering.<series>``::

    {"prefix": "HT", "width": 5, "offices": {"SH": 1, "BJ": 20001}}

Numbers are issued by an atomic increment of one ``number_sequence`` row inside the
caller's write transaction: of two users saving at once, one waits for the other (the row
lock on PostgreSQL, the single writer on SQLite), so a number is never issued twice; if the
caller's transaction rolls back, the number was never issued. A company may change a rule
between years; within a year a number already issued is never issued again, because the
sequence only moves forward. Give the document's number column a unique constraint too.

A prefix belongs to one series across all plugins (contracts and real-estate deals may
not both print ``HT2600001``): the first series to issue a number with a prefix claims it
in the company setting ``numbering.prefix.<PREFIX>``; another series asking for that
prefix, by default or by rule, is refused with ``PrefixTaken``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import pydantic
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from core.company import get_setting
from core.context import Context
from core.errors import FieldProblem, SalesdeskError, ValidationFailed
from core.i18n import _, listed, pick
from core.models import CompanySetting, NumberSequence
from core.schemas import FormatRule, refusal_at
from core.services.base import UnitOfWork, pydantic_problem
from core.services.company import set_setting

if TYPE_CHECKING:
    from core.plugins import PluginManager

SETTING_PREFIX = "numbering."
CLAIM_PREFIX = "numbering.prefix."
SERIES_HOOK = "salesdesk_document_series"


@dataclass(frozen=True)
class DocumentSeries:
    """A document series a plugin numbers with, as people call its documents
    (``mfg_delivery``: "delivery notes", "送货单")."""

    id: str
    title_en: str
    title_zh: str = ""
    # the rule the plugin numbers with until the company sets one (shown as such in Admin)
    default_rule: NumberingRule | None = None


def series_problems(item: Any) -> list[str]:
    if not isinstance(item, DocumentSeries):
        return [f"expected a core.services.numbering.DocumentSeries, got {type(item).__name__}"]
    return [] if item.id and item.title_en else ["needs an id and an English title"]


def series_registry(plugins: PluginManager) -> dict[str, DocumentSeries]:
    """Every document series the enabled plugins declare, by id."""
    return plugins.keyed_contributions(SERIES_HOOK, "document series", series_problems)


def series_titles(plugins: PluginManager) -> dict[str, str]:
    """Every declared series' title in the reader's language, by id (one call of the hook
    for a whole list of series)."""
    return {sid: pick(s.title_en, s.title_zh) for sid, s in series_registry(plugins).items()}


def series_title(plugins: PluginManager, series: str) -> str:
    """A series as people read it, in the reader's language ("delivery notes", "送货单");
    a series no enabled plugin declares by its id."""
    return series_titles(plugins).get(series, series)


def series_named(plugins: PluginManager, text: str) -> str:
    """The id of the series ``text`` names, by its id or either title ("送货单",
    "delivery notes" -> ``mfg_delivery``); a name no plugin declares as typed."""
    wanted = text.strip().casefold()
    for spec in series_registry(plugins).values():
        if wanted in (spec.id.casefold(), spec.title_en.casefold(), spec.title_zh.casefold()):
            return spec.id
    return text.strip()


class NumberRangeExhausted(SalesdeskError):
    """An office has issued the last number of its range this year."""


class PrefixTaken(SalesdeskError):
    """Another document series numbers with this prefix already."""


# what a prefix may hold, as the refusal of another says it (NumberingRule.prefix's rule)
PREFIX_RULE = "up to 10 characters, only letters A-Z or a-z, digits 0-9 and hyphens (-), e.g. HT"


class NumberingRule(pydantic.BaseModel):
    """How one document series is numbered."""

    model_config = pydantic.ConfigDict(extra="forbid")

    prefix: Annotated[
        str,
        pydantic.StringConstraints(max_length=10, pattern=r"^[A-Za-z0-9-]*$"),
        FormatRule(PREFIX_RULE),
    ] = ""
    width: int = pydantic.Field(default=5, ge=3, le=9)
    offices: dict[str, int] = pydantic.Field(default_factory=dict)

    @pydantic.model_validator(mode="after")
    def _ranges_fit(self) -> NumberingRule:
        top = 10**self.width - 1
        starts = sorted(self.offices.values())
        if any(not 1 <= start <= top for start in starts):
            raise refusal_at("offices", "first numbers between 1 and {top}", top=top)
        if len(set(starts)) != len(starts):
            raise refusal_at("offices", "a different first number for each office")
        return self

    def office_range(self, office: str) -> tuple[int, int]:
        """(first, last) number of ``office``: up to the next office's start."""
        top = 10**self.width - 1
        if not self.offices:
            return 1, top
        if office not in self.offices:
            known = listed(sorted(self.offices))
            raise ValidationFailed(
                [
                    FieldProblem(
                        "office",
                        office,
                        "one of the numbering offices: {known}",
                        args={"known": known},
                    )
                ],
                "number",
            )
        first = self.offices[office]
        later = [start for start in self.offices.values() if start > first]
        return first, (min(later) - 1 if later else top)


def rule_for(session: Session, series: str, default: NumberingRule | None = None) -> NumberingRule:
    """The company's rule for ``series``, else ``default``, else the series name as prefix."""
    stored = get_setting(session, SETTING_PREFIX + series)
    if stored is None:
        # the series name as prefix, kept to what a prefix may hold (mfg_delivery -> MFGDELIVER)
        prefix = "".join(c for c in series.upper() if c.isascii() and (c.isalnum() or c == "-"))
        return default or NumberingRule(prefix=prefix[:10])
    try:
        return NumberingRule.model_validate(stored)
    except pydantic.ValidationError as exc:
        # no plugin registry here to title the series: its id, as the Admin list shows it
        raise SalesdeskError(
            _(
                "The numbering rule saved for {series} is not valid ({reason}); ask an "
                "administrator to set it again (Admin, Numbering offices)."
            ).format(series=series, reason=exc.errors()[0]["msg"])
        ) from exc


def set_rule(ctx: Context, series: str, rule: NumberingRule | dict[str, Any]) -> NumberingRule:
    """Store the numbering rule of ``series`` (needs ``settings.manage``)."""
    try:
        checked = NumberingRule.model_validate(rule)
    except pydantic.ValidationError as exc:
        problems = [pydantic_problem(e, "rule") for e in exc.errors()]
        raise ValidationFailed(problems, f"numbering rule {series}") from exc
    with ctx.reading() as session:
        owner = prefix_owner(session, checked.prefix)
    if owner not in (None, series):
        raise ValidationFailed(
            [
                FieldProblem(
                    "prefix",
                    checked.prefix,
                    "a prefix no other document series uses (the numbers of {owner} start with it)",
                    args={"owner": series_title(ctx.plugins, str(owner))},
                )
            ],
            f"numbering rule {series}",
        )
    set_setting(ctx, SETTING_PREFIX + series, checked.model_dump())
    return checked


def list_rules(ctx: Context) -> dict[str, NumberingRule]:
    """Every series with a stored rule or numbers already issued, by name, with its rule
    (when none is stored, the rule its plugin declares it numbers with, else the series
    name as prefix, as ``rule_for`` gives it)."""
    defaults = {sid: spec.default_rule for sid, spec in series_registry(ctx.plugins).items()}
    with ctx.reading() as session:
        stored = session.scalars(
            sa.select(col(CompanySetting.key)).where(
                col(CompanySetting.key).startswith(SETTING_PREFIX),
                ~col(CompanySetting.key).startswith(CLAIM_PREFIX),
            )
        ).all()
        used = session.scalars(sa.select(col(NumberSequence.series)).distinct()).all()
        names = {k.removeprefix(SETTING_PREFIX) for k in stored} | set(used)
        return {name: rule_for(session, name, defaults.get(name)) for name in sorted(names)}


def parse_offices(text: str) -> dict[str, int]:
    """ "SH=1, BJ=20001" -> {"SH": 1, "BJ": 20001} (blank: one company-wide sequence)."""
    offices: dict[str, int] = {}
    for item in (part.strip() for part in text.replace("，", ",").split(",")):
        if not item:
            continue
        office, _sep, first = item.partition("=")
        if not office.strip() or not first.strip().isdigit():
            raise ValidationFailed(
                [
                    FieldProblem(
                        "offices",
                        item,
                        _("offices written OFFICE=FIRST, separated by commas, e.g. SH=1, BJ=20001"),
                    )
                ],
                _("numbering"),
            )
        offices[office.strip()] = int(first)
    return offices


def prefix_owner(session: Session, prefix: str) -> str | None:
    """The series that claimed ``prefix``, if any."""
    owner = get_setting(session, CLAIM_PREFIX + prefix.upper())
    return None if owner is None else str(owner)


def _title(plugins: PluginManager | None, series: str) -> str:
    """A series as people read it ("contracts", "合同"); its id without the registry."""
    return series_title(plugins, series) if plugins is not None else series


def _claim(session: Session, series: str, prefix: str, plugins: PluginManager | None) -> None:
    """Claim ``prefix`` for ``series`` unless it is already; refuse if another has it.
    The insert-if-absent makes two first issues racing on one prefix agree on its owner."""
    owner = prefix_owner(session, prefix)
    if owner is None:
        table = CompanySetting.__table__  # type: ignore[attr-defined]  # sqlmodel declares no __table__
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        session.execute(
            insert(table)
            .values(key=CLAIM_PREFIX + prefix.upper(), value=series, version=1)
            .on_conflict_do_nothing()
        )
        owner = session.execute(
            sa.select(table.c.value).where(table.c.key == CLAIM_PREFIX + prefix.upper())
        ).scalar_one()
    if owner != series:
        raise PrefixTaken(
            _(
                "The numbers of {series} would start with '{prefix}', which the numbers of "
                "{owner} already use; ask an administrator to give {series} a prefix of its "
                "own (Admin, Numbering offices)."
            ).format(series=_title(plugins, series), prefix=prefix, owner=_title(plugins, owner))
        )


def next_number(
    uow_or_session: UnitOfWork | Session,
    series: str,
    *,
    office: str = "",
    on: dt.date,
    default: NumberingRule | None = None,
) -> str:
    """Issue the next number of ``series`` for ``office`` in the year of ``on``.

    Call it inside the write transaction that saves the document.
    """
    session = uow_or_session.session if isinstance(uow_or_session, UnitOfWork) else uow_or_session
    rule = rule_for(session, series, default)
    first, last = rule.office_range(office)
    plugins = uow_or_session.ctx.plugins if isinstance(uow_or_session, UnitOfWork) else None
    _claim(session, series, rule.prefix, plugins)
    value = _increment(session, series, office, on.year, first)
    if value > last:
        text = (
            _(
                "The office {office} has used every number of {series} for {year} "
                "({numbers}); ask an administrator to widen its range (Admin, Numbering offices)."
            )
            if office
            else _(
                "Every number of {series} for {year} is used ({numbers}); ask an "
                "administrator to widen the range (Admin, Numbering offices)."
            )
        )
        raise NumberRangeExhausted(
            text.format(
                office=office,
                series=_title(plugins, series),
                year=on.year,
                numbers=f"{first:0{rule.width}d}-{last:0{rule.width}d}",
            )
        )
    return f"{rule.prefix}{on.year % 100:02d}{value:0{rule.width}d}"


def _increment(session: Session, series: str, office: str, year: int, first: int) -> int:
    table = NumberSequence.__table__  # type: ignore[attr-defined]  # sqlmodel declares no __table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(table)
        .values(series=series, office=office, year=year, last_value=first - 1)
        .on_conflict_do_nothing()
    )
    key = sa.and_(table.c.series == series, table.c.office == office, table.c.year == year)
    # A range start raised after numbers were issued moves the sequence up to it.
    return session.execute(
        sa.update(table)
        .where(key)
        .values(
            last_value=sa.func.max(table.c.last_value + 1, first)
            if session.get_bind().dialect.name == "sqlite"
            else sa.func.greatest(table.c.last_value + 1, first)
        )
        .returning(table.c.last_value)
    ).scalar_one()
