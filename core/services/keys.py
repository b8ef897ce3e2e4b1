"""SSH keys that log users in to ``salesdesk serve``: add, list, remove.

Whoever may manage a user (see ``core.services.users``) manages their keys; every user
sees their own. A key belongs to one user only, so the key alone says who logs in.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col

from core.context import Context
from core.errors import FieldProblem, NotFound, PermissionDenied, ValidationFailed
from core.i18n import _
from core.models import User, UserKey
from core.services.base import UnitOfWork, write
from core.services.users import _by_login, _require_manage


@dataclass(frozen=True)
class ParsedKey:
    public_key: str  # "type base64"
    fingerprint: str  # SHA256:...
    comment: str


def parse_public_key(text: str) -> ParsedKey:
    """The first key line of ``text`` (an OpenSSH ``.pub`` file or authorized_keys line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # asyncssh's import warns about DSA support
        import asyncssh
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        raise _bad_key(text, "a public key line such as 'ssh-ed25519 AAAA... you@host'")
    try:
        key = asyncssh.import_public_key(lines[0])
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise _bad_key(
            lines[0][:60], "an OpenSSH public key (the .pub file, not the private key)"
        ) from exc
    comment = key.get_comment() or ""
    openssh = " ".join(key.export_public_key("openssh").decode().split()[:2])
    return ParsedKey(openssh, key.get_fingerprint("sha256"), comment[:200])


def _bad_key(value: str, expected: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem("key", value, expected, title="SSH key")], "SSH key")


def _key_taken(user: User, taken: UserKey, fingerprint: str) -> FieldProblem:
    """The key is someone's already: this user's (named), or another's (not named: a
    regional administrator may not see users outside their region)."""
    if taken.user_id == user.id:
        name = user.display_name or user.login
        expected = "a key {name} does not have yet"
        return FieldProblem("key", fingerprint, expected, args={"name": name}, title="SSH key")
    return FieldProblem("key", fingerprint, "a key not yet given to another user", title="SSH key")


def add_key(ctx: Context, login: str, key_text: str, comment: str | None = None) -> UserKey:
    parsed = parse_public_key(key_text)

    def work(uow: UnitOfWork) -> UserKey:
        user = _by_login(uow, login)
        _require_manage(uow, user.region_id, list(user.roles))
        taken = uow.session.scalars(
            sa.select(UserKey).where(col(UserKey.fingerprint) == parsed.fingerprint)
        ).first()
        if taken is not None:
            raise ValidationFailed([_key_taken(user, taken, parsed.fingerprint)], "SSH key")
        row = UserKey(
            user_id=user.id,  # type: ignore[arg-type]
            fingerprint=parsed.fingerprint,
            public_key=parsed.public_key,
            comment=comment or parsed.comment,
            added_at=ctx.now(),
            added_by_id=ctx.actor.id,
        )
        uow.session.add(row)
        uow.session.flush()
        uow.audit(
            "add-key",
            "user",
            user.id,
            "ssh_key",
            None,
            f"{parsed.fingerprint} {row.comment}".strip(),
        )
        return row

    return write(ctx, work)


@dataclass(frozen=True)
class KeyInfo:
    fingerprint: str
    comment: str
    added_at: object
    added_by: str
    last_used_at: object


def list_keys(ctx: Context, login: str) -> list[KeyInfo]:
    """``login``'s keys: for themself or for whoever may manage them."""
    with ctx.reading() as session:
        user = session.scalars(sa.select(User).where(col(User.login) == login)).first()
        if user is None:
            raise NotFound(
                _("No user signs in as {login}; check the spelling.").format(login=login)
            )
        if user.id != ctx.actor.id:
            _require_manage_reading(ctx, user)
        adder = sa.orm.aliased(User)
        rows = session.execute(
            sa.select(UserKey, col(adder.login))
            .outerjoin(adder, col(adder.id) == col(UserKey.added_by_id))
            .where(col(UserKey.user_id) == user.id)
            .order_by(col(UserKey.added_at), col(UserKey.id))
        ).all()
    return [
        KeyInfo(k.fingerprint, k.comment, k.added_at, by or "", k.last_used_at) for k, by in rows
    ]


def _require_manage_reading(ctx: Context, user: User) -> None:
    grant = ctx.grant
    if grant.has("user.manage"):
        return
    if grant.has("user.manage_region") and user.region_id in grant.region_ids:
        return
    raise PermissionDenied(_("You may see only your own keys."))


def remove_key(ctx: Context, login: str, fingerprint: str) -> str:
    """Remove a key; sessions opened with it end within seconds (the server watches)."""
    fingerprint = fingerprint.strip()
    if fingerprint and not fingerprint.startswith("SHA256:"):
        fingerprint = "SHA256:" + fingerprint

    def work(uow: UnitOfWork) -> str:
        user = _by_login(uow, login)
        _require_manage(uow, user.region_id, list(user.roles))
        row = uow.session.scalars(
            sa.select(UserKey).where(
                col(UserKey.user_id) == user.id, col(UserKey.fingerprint) == fingerprint
            )
        ).first()
        if row is None:
            raise NotFound(
                _("{user} has no key with the fingerprint {fingerprint}.").format(
                    user=user.display_name or login, fingerprint=fingerprint
                )
            )
        uow.session.delete(row)
        uow.audit("remove-key", "user", user.id, "ssh_key", row.fingerprint, None)
        return row.fingerprint

    return write(ctx, work)
