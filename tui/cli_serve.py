"""``salesdesk serve``, ``salesdesk sessions`` and the SSH key commands of ``users``."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

from core.errors import SalesdeskError
from core.i18n import _


def _cli() -> Any:
    from tui import cli

    return cli


@click.command("serve")
@click.option("--address", default=None, help="Listen address (setting serve_address).")
@click.option("--port", type=int, default=None, help="Listen port (setting serve_port).")
@click.option("--host-key", default=None, help="Host key file (setting serve_host_key).")
@click.option("--node", default=None, help="This node's name in session listings.")
@click.pass_context
def serve_command(
    click_ctx: click.Context,
    address: str | None,
    port: int | None,
    host_key: str | None,
    node: str | None,
) -> None:
    """Serve the app over SSH: each key's user gets the app, or a read-only command."""
    import asyncio
    from pathlib import Path

    from core.settings import load_settings
    from tui.serve.server import (
        Hub,
        ServeConfig,
        check_private_database,
        load_host_key,
        serve_forever,
    )

    cli = _cli()
    try:
        # The server's own account owns the data; it need not be a salesdesk user.
        runtime = cli.runtime_from(click_ctx, known_user=False)
        check_private_database(runtime.db)
        settings = runtime.settings or load_settings()
        config = ServeConfig.from_settings(
            settings,
            address=address,
            port=port,
            node=node,
            host_key=Path(host_key) if host_key else None,
        )
        key, key_path = load_host_key(config.host_key)
    except SalesdeskError as exc:
        click.echo(f"salesdesk: {exc}", err=True)
        sys.exit(1)
    url = runtime.db.engine.url.render_as_string(hide_password=False)
    hub = Hub(runtime.db, url, config)

    def ready(hub: Hub) -> None:
        click.echo(
            f"salesdesk serve on {config.address}:{config.port} "
            f"(node {hub.node}, database {runtime.db.describe()})"
        )
        click.echo(f"host key {key_path}: {key.get_fingerprint('sha256')}")
        sys.stdout.flush()

    asyncio.run(serve_forever(hub, key, ready))
    click.echo(_("salesdesk serve stopped."))


@click.group("sessions", invoke_without_command=True)
@click.option(
    "--history",
    "history",
    type=int,
    default=None,
    metavar="N",
    help="Show the latest N logins and refused attempts instead.",
)
@click.pass_context
def sessions_group(click_ctx: click.Context, history: int | None) -> None:
    """List open SSH sessions on every node (admins); 'sessions end ID' ends one."""
    if click_ctx.invoked_subcommand is not None:
        return
    from core.services import sessions

    cli = _cli()
    try:
        ctx = cli.runtime_from(click_ctx).context_for()
        rows = sessions.history(ctx, history) if history is not None else sessions.list_open(ctx)
    except SalesdeskError as exc:
        click.echo(f"salesdesk: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f"{'id':>5} {'user':<12} {'kind':<8} {'client':<21} {'node':<18} "
        f"{'started':<16} {'ended / why'}"
    )
    for s in rows:
        ended = f"{s.ended_at:%Y-%m-%d %H:%M} {s.end_reason}" if s.ended_at else s.command
        click.echo(
            f"{s.id:>5} {s.login or '-':<12} {s.kind:<8} {s.client:<21} "
            f"{s.node:<18} {s.started_at:%Y-%m-%d %H:%M} {ended}".rstrip()
        )


@sessions_group.command("end")
@click.argument("session_id", type=int)
@click.pass_context
def sessions_end(click_ctx: click.Context, session_id: int) -> None:
    """End open session SESSION_ID (its node closes it within seconds)."""
    from core.services import sessions

    cli = _cli()
    try:
        sessions.request_end(cli.runtime_from(click_ctx).context_for(), session_id)
    except SalesdeskError as exc:
        click.echo(f"salesdesk: {exc}", err=True)
        sys.exit(1)
    click.echo(_("Session {id} will end within seconds.").format(id=session_id))


def add_key_commands(users: click.Group) -> None:
    @users.command("add-key")
    @click.argument("login")
    @click.argument("file", type=click.File("r"))
    @click.option("--comment", default=None, help="A note (default: the key's comment).")
    @click.pass_context
    def users_add_key(click_ctx: click.Context, login: str, file: Any, comment: str | None) -> None:
        """Let LOGIN log in to 'salesdesk serve' with the public key in FILE (- : stdin)."""
        from core.services import keys

        def run() -> None:
            ctx = _cli().runtime_from(click_ctx).context_for()
            row = keys.add_key(ctx, login, file.read(), comment)
            click.echo(_("Added key {key} for {login}.").format(key=row.fingerprint, login=login))

        _friendly(run)

    @users.command("keys")
    @click.argument("login")
    @click.pass_context
    def users_keys(click_ctx: click.Context, login: str) -> None:
        """List LOGIN's SSH keys: fingerprint, comment, added when and by whom, last used."""
        from core.services import keys

        def run() -> None:
            ctx = _cli().runtime_from(click_ctx).context_for()
            rows = keys.list_keys(ctx, login)
            if not rows:
                click.echo(
                    f"{login} has no SSH keys; add one with: salesdesk users add-key "
                    f"{login} FILE.pub"
                )
            for k in rows:
                used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
                click.echo(
                    f"{k.fingerprint}  {k.comment or '-'}  added "
                    f"{k.added_at:%Y-%m-%d %H:%M} by {k.added_by or '-'}  "
                    f"last used {used}"
                )

        _friendly(run)

    @users.command("remove-key")
    @click.argument("login")
    @click.argument("fingerprint")
    @click.pass_context
    def users_remove_key(click_ctx: click.Context, login: str, fingerprint: str) -> None:
        """Remove LOGIN's key FINGERPRINT; its open sessions end within seconds."""
        from core.services import keys

        def run() -> None:
            keys.remove_key(_cli().runtime_from(click_ctx).context_for(), login, fingerprint)
            click.echo(_("Removed the key {key} of {login}.").format(key=fingerprint, login=login))

        _friendly(run)


def _friendly(run: Any) -> None:
    try:
        run()
    except SalesdeskError as exc:
        click.echo(f"salesdesk: {exc}", err=True)
        sys.exit(1)


# -- files of a served user ----------------------------------------------------------------

PUT_LIMIT = 1 << 30  # one upload at most 1 GiB: the server's disk is everyone's


@click.group("files")
def files_group() -> None:
    """Your own folder on the server, over SSH: 'files list', 'files get NAME > FILE',
    'files put NAME < FILE'. The app's import and export screens use the same folder."""


def _served_folder() -> Any:
    from core.i18n import _
    from core.served import is_served, user_folder

    if not is_served():
        raise SalesdeskError(
            _(
                "The files commands are for SSH sessions of 'salesdesk "
                "serve'; here, use your own files directly."
            )
        )
    return user_folder()


@files_group.command("list")
def files_list() -> None:
    """List the files in your folder: size, when changed, name."""
    import datetime as dt

    def run() -> None:
        folder = _served_folder()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = path.stat()
            changed = dt.datetime.fromtimestamp(info.st_mtime)
            click.echo(f"{info.st_size:>14,} {changed:%Y-%m-%d %H:%M} {path.relative_to(folder)}")

    _friendly(run)


@files_group.command("get")
@click.argument("name")
def files_get(name: str) -> None:
    """Write file NAME of your folder to standard output."""
    import shutil

    from core.i18n import _
    from core.served import user_path

    def run() -> None:
        _served_folder()
        path = user_path(name)
        if not path.is_file():
            raise SalesdeskError(_("There is no file {name} in your folder.").format(name=name))
        try:
            with path.open("rb") as source:
                shutil.copyfileobj(source, sys.stdout.buffer, 1 << 16)
        except OSError as exc:
            raise SalesdeskError(
                _("could not read {name}: {why}").format(name=name, why=exc.strerror or exc)
            ) from exc
        sys.stdout.buffer.flush()

    _friendly(run)


@files_group.command("put")
@click.argument("name")
def files_put(name: str) -> None:
    """Store standard input as file NAME in your folder (replacing it)."""
    import os
    import tempfile

    from core.i18n import _
    from core.served import user_path

    def run() -> None:
        _served_folder()
        path = user_path(name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            written = 0
            with os.fdopen(fd, "wb") as out:
                while chunk := sys.stdin.buffer.read(1 << 16):
                    written += len(chunk)
                    if written > PUT_LIMIT:
                        raise SalesdeskError(
                            _("{name} is larger than {limit} MB; nothing was stored.").format(
                                name=name, limit=PUT_LIMIT >> 20
                            )
                        )
                    out.write(chunk)
            os.replace(scratch, path)  # a half upload never replaces a whole file
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(scratch)
            if isinstance(exc, OSError):  # a folder by that name, a full disk
                raise SalesdeskError(
                    _("could not store {name}: {why}").format(name=name, why=exc.strerror or exc)
                ) from exc
            raise
        click.echo(
            _("Stored {name} ({size} bytes).").format(name=name, size=f"{written:,}"), err=True
        )

    _friendly(run)
