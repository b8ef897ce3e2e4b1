"""The unit of work every service runs its writes in.

validate -> check permission -> write -> audit -> commit -> fire events. ``write(ctx, fn)``
opens a write transaction (``BEGIN IMMEDIATE`` on SQLite), runs ``fn(uow)``, commits, and
only then fires the events ``fn`` queued. A transient "database is locked" from SQLite is
retried with back-off so it never reaches a user; a stale version becomes a Conflict.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import pydantic
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import SQLModel, col

from core.access import require, require_record
from core.context import Context, fire
from core.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    record_noun,  # here since core.access needs it too; still importable from here
)
from core.i18n import _, current_lang, pick
from core.models import AuditEntry, User

T = TypeVar("T")
M = TypeVar("M", bound=SQLModel)
LOCK_RETRIES = 8


@dataclass
class UnitOfWork:
    """One write transaction: the session, the actor, audit helpers, queued events."""

    ctx: Context
    session: Session
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    loaded: list[tuple[type, Any]] = field(default_factory=list)  # names a stale write

    def require(self, permission: str) -> None:
        require(self.ctx, permission)

    def require_record(self, model: type, record_id: Any) -> None:
        require_record(self.ctx, self.session, model, record_id)

    def get(self, model: type[M], record_id: Any) -> M:
        row = self.session.get(model, record_id)
        if row is None:
            raise NotFound(missing_message(model))
        self.loaded.append((model, record_id))
        return row

    def after_commit(self, hook_name: str, **kwargs: Any) -> None:
        self.events.append((hook_name, kwargs))

    # -- audit ----------------------------------------------------------------------

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: Any,
        field_name: str = "",
        old: Any = None,
        new: Any = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=self.ctx.now(),
                actor_id=self.ctx.actor.id,
                actor_login=self.ctx.actor.login,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                field=field_name,
                old_value=audit_text(old),
                new_value=audit_text(new),
            )
        )

    def audit_created(self, row: SQLModel) -> None:
        self.session.flush()
        values = {
            k: v for k, v in row.model_dump().items() if k != "version" and v not in (None, "", [])
        }
        for name, value in values.items():
            self.audit("create", entity_name(type(row)), primary_key(row), name, None, value)

    def apply_changes(
        self, row: SQLModel, changes: dict[str, Any], action: str = "update"
    ) -> dict[str, tuple[Any, Any]]:
        """Set changed fields on ``row``, audit each, return field -> (old, new)."""
        applied: dict[str, tuple[Any, Any]] = {}
        for name, new in changes.items():
            old = getattr(row, name)
            if _same(old, new):
                continue
            setattr(row, name, new)
            applied[name] = (old, new)
            self.audit(action, entity_name(type(row)), primary_key(row), name, old, new)
        return applied

    def check_version(self, row: SQLModel, expected: int | None) -> None:
        """Refuse a write based on a stale read (optimistic locking).

        Call it right after loading ``row``, before changing it. On PostgreSQL the row is
        re-read under a row lock, so of two transactions racing on it the second waits and
        then sees the first one's version (SQLite writers already queue on BEGIN IMMEDIATE).
        """
        if expected is not None and self.session.get_bind().dialect.name != "sqlite":
            self.session.refresh(row, with_for_update=True)
        current = getattr(row, "version", None)
        if expected is not None and current != expected:
            raise conflict_for(self.session, row)


def write(ctx: Context, work: Callable[[UnitOfWork], T]) -> T:
    """Run ``work`` in one write transaction; fire its events after commit."""
    result, events = commit(ctx, work)
    fire_events(ctx, events)
    return result


def data_version(ctx: Context) -> int:
    """A number that grows with every write made through the services (each one leaves
    audit entries), by anyone, in any process or node: while it is unchanged, what a
    screen read at it still holds (but for the date moving on). One indexed read."""
    with ctx.reading() as session:
        return int(session.scalar(sa.select(sa.func.max(col(AuditEntry.id)))) or 0)


def fire_events(ctx: Context, events: list[tuple[str, dict[str, Any]]]) -> None:
    """Fire the events a committed unit of work queued."""
    for hook_name, kwargs in events:
        fire(ctx, hook_name, **kwargs)


def commit(
    ctx: Context, work: Callable[[UnitOfWork], T]
) -> tuple[T, list[tuple[str, dict[str, Any]]]]:
    """``write`` without firing: the result and the queued events, for a caller that must
    restore its connection settings first (see ``importing.import_file``)."""
    for attempt in range(LOCK_RETRIES):
        uow = UnitOfWork(ctx, ctx.db.write_session())
        try:
            with uow.session, uow.session.begin():
                _refresh_actor(uow)
                result = work(uow)
            break
        except OperationalError as exc:
            if not _is_transient(exc) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
        except StaleDataError as exc:
            raise stale_conflict(ctx, uow, exc) from exc
        except IntegrityError as exc:
            raise integrity_problem(exc) from exc
    return result, uow.events


def _refresh_actor(uow: UnitOfWork) -> None:
    """Re-read the actor inside the transaction: a context may outlive a deactivation or a
    role change (a TUI left open), and neither may keep its old powers."""
    ctx = uow.ctx
    if ctx.actor.id is None:
        return
    current = uow.session.get(User, ctx.actor.id)
    if current is None or not current.active:
        raise PermissionDenied(_("Your account has been deactivated; ask an administrator."))
    if current.version != ctx.actor.version:
        ctx.actor = detached(current)
        ctx.refresh_grant()


_GROUPED = re.compile(r"^\s*-?\d{1,3}(,\d{3})+(\.\d+)?\s*$")


def _without_separators(model: type[pydantic.BaseModel], data: Any) -> Any:
    """ "1,200,000" typed into an amount is 1200000: thousands separators are dropped from
    text given to a Decimal field (only where they group digits by three)."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, info in model.model_fields.items():
        value = out.get(name)
        if isinstance(value, str) and _GROUPED.match(value) and "Decimal" in str(info.annotation):
            out[name] = value.replace(",", "").strip()
    return out


def validate(model: type[pydantic.BaseModel], data: Any, subject: str) -> Any:
    """Parse input with pydantic; turn its errors into a ValidationFailed naming fields."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(_without_separators(model, data))
    except pydantic.ValidationError as exc:
        problems = [pydantic_problem(err, subject) for err in exc.errors()]
        raise ValidationFailed(problems, subject) from None


def pydantic_problem(err: Any, subject: str) -> FieldProblem:
    """One of pydantic's errors as a problem; a check across fields
    (``core.schemas.refusal_at``) is placed at the field it names, with that field's value."""
    where = ".".join(str(p) for p in err["loc"])
    ctx = err.get("ctx") or {}
    if err.get("type") == "across_fields":
        name, record = str(ctx["field"]), err.get("input")  # the model, as it was checked
        value = record.get(name) if isinstance(record, dict) else getattr(record, name, None)
        if not name:  # a field's own validator (``refusal_here``): the input is the value
            value = record
        args = {k: v for k, v in ctx.items() if k not in ("field", "expected")}
        field = ".".join(filter(None, (where, name)))
        return FieldProblem(field, value, str(ctx["expected"]), args=args or None)
    return FieldProblem(where or subject, err.get("input"), pydantic_expected(err))


# What pydantic's commonest checks expect, for a Chinese reader (its own messages are
# English and sometimes name a regular expression). Keyed by pydantic's error type.
_EXPECTED_ZH = {
    "missing": "必填",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "string_pattern_mismatch": "格式正确的内容",
    "decimal_parsing": "有效的数字",
    "decimal_type": "有效的数字",
    "float_parsing": "有效的数字",
    "int_parsing": "整数",
    "bool_parsing": "是或否",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位",
    "date_parsing": "YYYY-MM-DD 格式的日期",
    "date_from_datetime_parsing": "YYYY-MM-DD 格式的日期",
    "greater_than": "大于 {gt}",
    "greater_than_equal": "不小于 {ge}",
    "less_than": "小于 {lt}",
    "less_than_equal": "不大于 {le}",
    "enum": "以下之一：{expected}",
    "literal_error": "以下之一：{expected}",
}


# pydantic's English that names a regular expression or reads as a developer's note
# ("list should have at least 1 item after validation, not 0", "a valid integer, unable
# to parse string as an integer"): the same checks as above, in a reader's words.
_EXPECTED_EN = {
    "missing": "a value (required)",
    "string_too_short": "at least {min_length} characters",
    "string_too_long": "at most {max_length} characters",
    "too_short": "at least {min_length} chosen",
    "too_long": "at most {max_length} chosen",
    "string_pattern_mismatch": "a value in the right format",
    "decimal_parsing": "a number",
    "decimal_type": "a number",
    "float_parsing": "a number",
    "int_parsing": "a whole number",
    "bool_parsing": "yes or no",
    "decimal_max_digits": "at most {max_digits} digits",
    "decimal_max_places": "at most {decimal_places} decimal places",
    "decimal_whole_digits": "at most {whole_digits} digits before the decimal point",
    "date_parsing": "a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "a date as YYYY-MM-DD",
}


def pydantic_expected(err: Any) -> str:
    """What one of pydantic's errors expected, in the reader's language (its own text
    is English and may name a regular expression): the one place this is worded. A field
    with a ``core.schemas.FormatRule`` says its rule (the catalogue's msgid, which
    ``FieldProblem`` shows translated); one without falls back to "the right format"."""
    rule = (err.get("ctx") or {}).get("rule")
    if isinstance(rule, str) and rule:
        return rule
    if current_lang().startswith("zh") and err.get("type") in _EXPECTED_ZH:
        try:
            return _EXPECTED_ZH[err["type"]].format(**(err.get("ctx") or {}))
        except (KeyError, IndexError):
            pass  # a check with other details: pydantic's own words below
    if err.get("type") in _EXPECTED_EN:  # pydantic's words for these read as code
        try:
            text = _EXPECTED_EN[err["type"]].format(**(err.get("ctx") or {}))
        except (KeyError, IndexError):
            text = None  # a check with other details: pydantic's own words below
        if text is not None:
            return re.sub(r"\b1 (character|digit|decimal place)s\b", r"1 \1", text)
    msg = str(err.get("msg", "a valid value"))
    # pydantic says "Input should be a valid decimal"; shown as "expected a valid decimal"
    for prefix in ("Value error, ", "Assertion failed, ", "Input should be "):
        msg = msg.removeprefix(prefix)
    return msg[0].lower() + msg[1:] if msg else "a valid value"


def conflict_for(session: Session, row: SQLModel) -> Conflict:
    entity = entity_name(type(row))
    key = primary_key(row)
    last = session.execute(
        sa.select(col(AuditEntry.actor_login), col(AuditEntry.at))
        .where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id) == str(key))
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    who, when = (last[0], last[1]) if last else (None, None)
    name = (
        session.scalar(sa.select(col(User.display_name)).where(col(User.login) == who))
        if who
        else None
    )
    return Conflict(
        entity,
        key,
        who,
        when,
        getattr(row, "version", None),
        thing=record_noun(type(row)),
        changed_by_name=name or who,
    )


def missing_message(model: type) -> str:
    """A record that is not there, in business words ("This contract does not exist ...");
    never its database id, which means nothing to a reader who picked it from a list."""
    noun = record_noun(model)
    text = _("This {thing} does not exist (someone may have deleted it); refresh and try again.")
    return text.format(thing=pick(*noun) if noun else _("record"))


def stale_conflict(ctx: Context, uow: UnitOfWork, exc: StaleDataError) -> Conflict:
    """Name the record whose UPDATE matched no row (changed since this transaction read
    it) and who changed it last, from the table in SQLAlchemy's message."""
    for model, record_id in reversed(uow.loaded):
        if f"table '{entity_name(model)}'" in str(exc):
            with ctx.reading() as session:
                row = session.get(model, record_id)
                if row is not None:
                    return conflict_for(session, row)
    return Conflict("record", "?", None, None)


_PG_KEY = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\) already exists")


def integrity_problem(exc: IntegrityError) -> ValidationFailed:
    """A unique or foreign-key violation the checks before it did not catch (a race),
    naming the field and value: SQLite says ``UNIQUE constraint failed: table.column``,
    PostgreSQL ``Key (column)=(value) already exists``."""
    text = str(exc.orig)
    if "UNIQUE" in text.upper() or "duplicate key" in text:
        found = _PG_KEY.search(text)
        if found:
            column, value = found["columns"], found["values"]
        else:
            column = text.split(":", 1)[-1].split(",")[0].rsplit(".", 1)[-1].strip()
            value = ""
        return ValidationFailed(
            [FieldProblem(column or "value", value, "a value not used already")], "duplicate"
        )
    # no field to name: "Reference" is a document's number in the catalogue
    return ValidationFailed(
        [FieldProblem("reference", "", "an existing record", title="Linked record")],
        "invalid reference",
    )


# PostgreSQL's deadlock_detected and serialization_failure: the server rolled back one
# transaction of a cycle; run again, it succeeds once the other has committed.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})


def _is_transient(exc: OperationalError) -> bool:
    """A failure that running the whole transaction again resolves: SQLite's "database
    is locked", PostgreSQL's deadlock and serialization failures."""
    if getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES:
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def entity_name(model: type) -> str:
    return str(getattr(model, "__tablename__", model.__name__.lower()))


def primary_key(row: SQLModel) -> Any:
    identity = sa.inspect(row).identity
    if identity:
        return identity[0] if len(identity) == 1 else identity
    return getattr(row, "id", None) or getattr(row, "key", None)


def audit_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old == new
    return (old == new and type(old) is type(new)) or audit_text(old) == audit_text(new)


def detached(row: M) -> M:
    """A copy of a committed row that is safe to hand to event handlers."""
    return type(row).model_validate(row.model_dump())


def list_coded(ctx: Context, model: Any, include_inactive: bool = False) -> list[Any]:
    """Master data with a code and an active flag (regions, channels, products), by code."""
    query = sa.select(model).order_by(model.code)
    if not include_inactive:
        query = query.where(model.active.is_(True))
    with ctx.reading() as session:
        return list(session.scalars(query))


def find_coded(ctx: Context, model: Any, code: str, missing: str) -> Any:
    """The row of ``model`` with ``code``; ``missing`` (translated, with ``{code}``) names
    it in business words when there is none."""
    with ctx.reading() as session:
        row = session.scalars(sa.select(model).where(model.code == code)).first()
    if row is None:
        raise NotFound(missing.format(code=code))
    return row
