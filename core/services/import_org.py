"""Importing the organisation: regions (with their parent), channels and users.

Same contract as every import (``core.services.importing``): the whole file is checked,
every bad row is listed (row, column, value, what was expected), and nothing is written
unless every row is good; one audit entry records the batch.

A region's parent and a user's manager may be an existing one or one further up or down
in the same file: rows are inserted parents first, and a loop inside the file (a region
its own ancestor, two users managing each other) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.models import Channel, Region, RegionKind, User
from core.services.base import UnitOfWork
from core.services.import_rows import (
    Bad,
    Problems,
    Spec,
    bool_parser,
    choice_parser,
    code_parser,
    master_rows,
    ref_parser,
    text_parser,
)

if TYPE_CHECKING:
    from core.services.import_files import Table
    from core.services.importing import ImportResult, _Job

ORG_KINDS = ("regions", "channels", "users")
ORG_PERMISSIONS = {
    "regions": ("masterdata.manage",),
    "channels": ("masterdata.manage",),
    "users": ("user.manage",),
}
_LOGIN = re.compile(r"[A-Za-z0-9_.\-@]{1,64}").fullmatch
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+").fullmatch


def _limit(model: type, column: str) -> int:
    return int(model.__table__.c[column].type.length)  # type: ignore[attr-defined]


def _optional_code(text: str) -> str | None:
    return code_parser(text) if text.strip() else None


def _login(text: str) -> str:
    text = text.strip()
    if not _LOGIN(text):
        raise Bad("a login of 1-64 letters, digits or _ . - @")
    return text


def _optional_login(text: str) -> str | None:
    return _login(text) if text.strip() else None


def _email(text: str) -> str | None:
    text = text.strip()
    if text and not _EMAIL(text):
        raise Bad("an e-mail address such as name@example.com")
    return text or None


def _roles(known: set[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        roles = [r for r in re.split(r"[;,\s]+", text.strip()) if r]
        if not roles or any(r not in known for r in roles):
            raise Bad(
                "one or more of the roles {roles} (separated by ;)", roles=", ".join(sorted(known))
            )
        return roles

    return parse


def region_spec() -> Spec:
    return {
        "code": ("code", lambda _: code_parser, True),
        "name": ("name", lambda _: text_parser(_limit(Region, "name"), required=True), True),
        "parent_code": ("parent_code", lambda _: _optional_code, False),
        "kind": ("kind", lambda _: choice_parser(RegionKind, RegionKind.REGION), False),
        "active": ("active", lambda _: bool_parser, False),
    }


def channel_spec() -> Spec:
    return {
        "code": ("code", lambda _: code_parser, True),
        "name": ("name", lambda _: text_parser(_limit(Channel, "name"), required=True), True),
        "kind": ("kind", lambda _: text_parser(_limit(Channel, "kind")), False),
        "region_code": (
            "region_id",
            lambda lk: ref_parser(lk["regions"], "the code of an existing active region"),
            False,
        ),
        "active": ("active", lambda _: bool_parser, False),
    }


def user_spec(known_roles: set[str]) -> Spec:
    return {
        "login": ("login", lambda _: _login, True),
        "display_name": (
            "display_name",
            lambda _: text_parser(_limit(User, "display_name"), required=True),
            True,
        ),
        "roles": ("roles", lambda _: _roles(known_roles), True),
        "region_code": (
            "region_id",
            lambda lk: ref_parser(lk["regions"], "the code of an existing active region"),
            False,
        ),
        "manager_login": ("manager_login", lambda _: _optional_login, False),
        "email": ("email", lambda _: _email, False),
    }


def import_org(job: _Job, session: Session, uow: UnitOfWork | None, table: Table) -> ImportResult:
    from core.services.importing import (
        ImportResult,
        _finish_batch,
        _header,
        _new_batch,
        _raise_problems,
    )

    spec = {"regions": region_spec, "channels": channel_spec}.get(
        job.kind, lambda: user_spec(set(job.ctx.roles.roles))
    )()
    problems = Problems()
    required = [name for name, (_, _, needed) in spec.items() if needed]
    positions = _header(table, spec, required, problems, job)
    active_regions = {
        code: rid
        for code, rid in session.execute(
            sa.select(col(Region.code), col(Region.id)).where(col(Region.active).is_(True))
        )
        if rid is not None
    }  # never None: stored rows
    model: type[Any] = {"regions": Region, "channels": Channel}.get(job.kind, User)
    key = "login" if model is User else "code"
    existing = set(session.scalars(sa.select(getattr(model, key))))
    links: dict[int, tuple[str, str]] = {}  # row -> (own key, parent key) as written
    rows = list(
        master_rows(
            _noting_links(table.rows, positions, model, links),
            spec,
            positions,
            {"regions": active_regions},
            existing if model is not User else set(),
            problems,
        )
    )
    if model is User:
        _unique_logins(rows, existing, problems)
    if model is not Channel:
        _check_parents(session, links, model, problems)
    _raise_problems(job, problems)
    result = ImportResult(job.kind, job.path.name, len(rows), job.dry_run)
    if uow is not None:
        _insert(session, model, rows, job)
        _finish_batch(job, session, uow, _new_batch(job, session), result)
    return result


def _unique_logins(
    rows: list[tuple[int, dict[str, Any]]], existing: set[str], problems: Problems
) -> None:
    first: dict[str, int] = {}
    for number, values in rows:
        login = values["login"]
        if login in existing:
            problems.add(number, "login", login, "a login no salesdesk user has already")
        elif login in first:
            problems.add(
                number,
                "login",
                login,
                "a login used once (also on row {row})",
                {"row": first[login]},
            )
        else:
            first[login] = number


def _noting_links(
    rows: Iterable[tuple[int, list[str]]],
    positions: dict[str, int],
    model: type,
    links: dict[int, tuple[str, str]],
) -> Iterator[tuple[int, list[str]]]:
    """Pass rows through, noting each row's key and parent key (bad rows too, so a row
    with another problem still has its parent checked)."""
    own, parent = ("login", "manager_login") if model is User else ("code", "parent_code")
    i_own, i_parent = positions.get(own), positions.get(parent)
    for number, cells in rows:
        if i_own is not None and i_parent is not None and i_parent < len(cells):
            links[number] = (
                cells[i_own].strip() if i_own < len(cells) else "",
                cells[i_parent].strip(),
            )
        yield number, cells


def _check_parents(
    session: Session, links: dict[int, tuple[str, str]], model: type, problems: Problems
) -> None:
    """Each parent (manager) exists in the database or in the file; no loop in the file."""
    column = "manager_login" if model is User else "parent_code"
    if model is User:
        known = set(session.scalars(sa.select(col(User.login)).where(col(User.active).is_(True))))
        expected = "the login of an active user, or of a user in this file"
    else:
        known = set(
            session.scalars(sa.select(col(Region.code)).where(col(Region.active).is_(True)))
        )
        expected = "the code of an existing active region, or of a region in this file"
    in_file = {own: up or None for own, up in links.values() if own}
    found = []
    for number, (own, up) in links.items():
        if not up:
            continue
        if up not in known and up not in in_file:
            found.append((number, up, expected))
        elif own and _loops(own, in_file):
            found.append(
                (
                    number,
                    up,
                    "a parent that is not itself nor below it"
                    if model is Region
                    else "a manager who does not report to this user",
                )
            )
    for number, up, why in found:
        problems.add(number, column, up, why)
    if found and problems.count == len(problems.items):  # rows were revisited: recount
        problems.bad_rows = len({p.row for p in problems.items})


def _loops(start: str, parents: dict[str, str | None]) -> bool:
    seen, node = {start}, parents.get(start)
    while node is not None and node in parents:
        if node in seen:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def _insert(
    session: Session, model: type[Any], rows: list[tuple[int, dict[str, Any]]], job: _Job
) -> None:
    """Insert parents before children (the file may list them in any order)."""
    if model is Channel:
        session.add_all(Channel(**values) for _, values in rows)
        session.flush()
        return
    own, parent = ("login", "manager_login") if model is User else ("code", "parent_code")
    key_col, id_col = getattr(model, own), model.id
    ids: dict[str, int] = {k: v for k, v in session.execute(sa.select(key_col, id_col))}
    pending = [values for _, values in rows]
    while pending:
        ready = [v for v in pending if v.get(parent) is None or v[parent] in ids]
        if not ready:  # cannot happen after _check_parents; never loop forever
            raise RuntimeError("import rows reference parents that never arrive")
        for values in ready:
            fields = {k: v for k, v in values.items() if k != parent}
            link = ids.get(values[parent]) if values.get(parent) else None
            row: User | Region
            if model is User:
                row = User(**fields, manager_id=link, created_at=job.ctx.now())
            else:
                row = Region(**fields, parent_id=link)
            session.add(row)
            session.flush()
            assert row.id is not None  # the flush inserted it
            ids[values[own]] = row.id
        pending = [v for v in pending if v not in ready]
