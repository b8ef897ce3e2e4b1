"""The ``salesdesk`` command: the TUI without a subcommand, scripts and cron with one.

Exit codes: 0 done, 1 refused or failed (the message says why), 2 bad usage.
Heavy modules (textual, pandas, openpyxl) are imported inside the commands that need
them, so ``salesdesk --help`` and cron jobs start fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

import tui.click_words  # noqa: F401  (click's words in the reader's language, first)
from core.errors import SalesdeskError
from core.failures import friendly
from core.i18n import _, listed
from tui.cli_admin import register_admin
from tui.cli_demo import demo_command
from tui.cli_import import import_command
from tui.cli_plugin_new import plugin_new
from tui.cli_report import report_group
from tui.cli_serve import add_key_commands, files_group, serve_command, sessions_group

if TYPE_CHECKING:
    from core.plugins import PluginManager
    from core.runtime import Runtime

F = TypeVar("F", bound=Callable[..., Any])


# core.runtime (SQLAlchemy, the models) is imported when a command needs the database,
# not with this module: the app draws its first frame before it is loaded.
def open_runtime(*args: Any, **kwargs: Any) -> Runtime:
    from core.runtime import open_runtime as open_

    return open_(*args, **kwargs)


def os_login() -> str:
    from core.runtime import os_login as login

    return login()


def tui_specs() -> list[Any]:
    from tui import hookspecs

    return [hookspecs]


def runtime_from(
    click_ctx: click.Context,
    *,
    require_current: bool = True,
    known_user: bool = True,
    create: bool = False,
) -> Runtime:
    """Open the database named by --database (or settings) with its enabled plugins.

    Every command but ``init`` needs an existing database (a read never creates one) and
    is refused, before it does anything, unless the OS user is an active user there."""
    url = click_ctx.find_root().params.get("database")
    runtime = open_runtime(
        url, extra_specs=tui_specs(), require_current=require_current, create=create
    )
    click_ctx.call_on_close(runtime.save_plugin_failures)  # plugins list shows them later
    if known_user:
        runtime.require_known_user()
    return runtime


class SalesdeskGroup(click.Group):
    """The built-in commands plus those the enabled plugins contribute.

    Plugin commands depend on the database (which plugins the company enabled), so they
    are looked up lazily: only for a name that is not built in, or to list every command
    (``salesdesk --help``). A built-in command, with or without --help, never opens the
    database for this. Without a database every installed plugin's commands are there
    (help works; running one says to run ``salesdesk init``); a plugin switched off in the
    database hides its commands, and naming one says it is switched off.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Everything printed (data, messages, usage errors, logs) goes through
        core.terminal.clean: data can never send the terminal a control sequence."""
        from core.terminal import clean_streams

        with clean_streams():
            return super().main(*args, **kwargs)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            command = _plugin_commands(ctx, self).get(cmd_name)
        if command is None:
            command = _switched_off_command(ctx, self, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugin_commands(ctx, self)})


@click.group(
    cls=SalesdeskGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Eager, so `--database X --help` knows the database when it lists plugin commands.
@click.option(
    "--database",
    envvar="SALESDESK_DATABASE_URL",
    default=None,
    is_eager=True,
    help="Database URL (default: the settings file, else SQLite in the data dir).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log to stderr.")
@click.pass_context
def cli(click_ctx: click.Context, database: str | None, verbose: bool) -> None:
    """salesdesk: sales management in the terminal. Without a command, opens the app."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if not verbose:  # a failure logged with its traceback is told as one sentence
        handler.addFilter(lambda record: not record.exc_info)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    if click_ctx.invoked_subcommand is None:
        friendly(_open_tui)(click_ctx)


def _open_tui(click_ctx: click.Context) -> None:
    from core.terminal import raw_streams
    from tui import figures_ahead

    def open_(check_schema: bool = True) -> Runtime:
        return runtime_from(click_ctx, known_user=False, require_current=check_schema)

    # Home's figures are read by a child on the other core (same opener, so the same OS
    # user), forked before Textual loads; the app opens its own context as before. The
    # child leaves the schema check to the app, which refuses an out-of-date database:
    # alembic reading every migration was 0.4 s of CPU, more than the figures.
    ahead = figures_ahead.start(lambda: open_(check_schema=False).context_for())
    from tui.app import run_app

    # The database opens in a thread while the app draws Home (first frame sooner).
    # The app tells an unknown user how to get added itself, on its own screen.
    with raw_streams():
        run_app(
            open_runtime=open_,
            database_label=click_ctx.find_root().params.get("database"),
            figures_ahead=ahead,
        )


@cli.command()
@click.option("--name", default=None, help="Your display name (default: your login).")
@click.pass_context
@friendly
def init(click_ctx: click.Context, name: str | None) -> None:
    """Create or upgrade the database and make you its group admin."""
    from core.services.bootstrap import create_first_admin

    runtime = runtime_from(click_ctx, require_current=False, known_user=False, create=True)
    runtime.upgrade()
    login = os_login()
    create_first_admin(runtime, login, name or login)
    click.echo(
        _("Database ready at {database}; {login} is group admin.").format(
            database=runtime.db.describe(), login=login
        )
    )


# -- db --------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Upgrade or back up the database."""


@db.command("upgrade")
@click.pass_context
@friendly
def db_upgrade(click_ctx: click.Context) -> None:
    """Bring the schema (core and every enabled plugin) to the newest revision."""
    runtime = runtime_from(click_ctx, require_current=False)
    runtime.upgrade()
    click.echo(_("{database} is up to date.").format(database=runtime.db.describe()))
    for name in runtime.missing_plugins():
        click.echo(_missing_plugin_note(name), err=True)


@db.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@friendly
def db_backup(click_ctx: click.Context, path: Path) -> None:
    """Write a consistent copy of the database to PATH while others keep working."""
    from core.services.maintenance import backup_database

    runtime = runtime_from(click_ctx, require_current=False)
    written = backup_database(runtime.context_for(), path)
    click.echo(_("Backup written to {path}").format(path=written))


# -- users -----------------------------------------------------------------------------


@cli.group()
def users() -> None:
    """Add, list and change users."""


@users.command("add")
@click.argument("login")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--role", "roles", multiple=True, required=True, help="Role (repeatable).")
@click.option("--region", default=None, help="Region code.")
@click.option("--manager", default=None, help="Login of the user's manager.")
@click.option("--email", default=None)
@click.pass_context
@friendly
def users_add(
    click_ctx: click.Context,
    login: str,
    display_name: str,
    roles: tuple[str, ...],
    region: str | None,
    manager: str | None,
    email: str | None,
) -> None:
    """Add a user whose LOGIN is their operating-system user name."""
    from core.services import users as user_service

    ctx = runtime_from(click_ctx).context_for()
    data = {
        "login": login,
        "display_name": display_name,
        "roles": list(roles),
        "region_id": _region_id(ctx, region),
        "email": email,
        "manager_id": user_service.find_user(ctx, manager).id if manager else None,
    }
    user = user_service.add_user(ctx, data)
    click.echo(
        _("Added {login} ({roles}).").format(login=user.login, roles=_titles(ctx, user.roles))
    )


def _titles(ctx: Any, roles: list[str]) -> str:
    """Roles by their titles in the reader's language (销售经理), never their ids."""
    from core.access import role_title

    return listed(role_title(ctx.roles, r) for r in roles)


@users.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated users.")
@click.pass_context
@friendly
def users_list(click_ctx: click.Context, include_inactive: bool) -> None:
    """List users."""
    from core.services import users as user_service

    ctx = runtime_from(click_ctx).context_for()
    for user in user_service.list_users(ctx, include_inactive):
        state = "" if user.active else "  " + _("(deactivated)")
        click.echo(f"{user.login:<20} {user.display_name:<24} {_titles(ctx, user.roles)}{state}")


@users.command("set-role")
@click.argument("login")
@click.argument("roles", nargs=-1, required=True)
@click.pass_context
@friendly
def users_set_role(click_ctx: click.Context, login: str, roles: tuple[str, ...]) -> None:
    """Replace the roles of LOGIN with ROLES."""
    from core.services import users as user_service

    ctx = runtime_from(click_ctx).context_for()
    user = user_service.set_roles(ctx, login, list(roles))
    click.echo(
        _("{login} now has: {roles}").format(login=user.login, roles=_titles(ctx, user.roles))
    )


@users.command("deactivate")
@click.argument("login")
@click.pass_context
@friendly
def users_deactivate(click_ctx: click.Context, login: str) -> None:
    """Deactivate LOGIN (their records stay; they can no longer act)."""
    from core.services import users as user_service

    ctx = runtime_from(click_ctx).context_for()
    user_service.deactivate(ctx, login)
    click.echo(_("{login} is deactivated.").format(login=login))


def _region_id(ctx: Any, code: str | None) -> int | None:
    if code is None:
        return None
    import sqlalchemy as sa

    from core.models import Region

    with ctx.reading() as session:
        region_id = session.scalar(sa.select(Region.id).where(Region.code == code))
    if region_id is None:
        raise SalesdeskError(_("there is no region with code '{code}'").format(code=code))
    return region_id


# -- plugins ---------------------------------------------------------------------------


@cli.group()
def plugins() -> None:
    """List, enable and disable plugins; start a new one."""


@plugins.command("list")
@click.pass_context
@friendly
def plugins_list(click_ctx: click.Context) -> None:
    """Show every installed plugin: version, origin, enabled, hooks, last error."""
    runtime = runtime_from(click_ctx, require_current=False)
    runtime.plugins.roles  # noqa: B018  (contribution hooks run, so their errors show)
    runtime.plugins.funnels  # noqa: B018
    plugin_commands(runtime, cli.commands)
    click.echo(f"{'plugin':<16} {'version':<9} {'origin':<12} {'enabled':<8} hooks / error")
    for info in sorted(runtime.plugins.info.values(), key=lambda i: i.name):
        state = (
            "FAILED"
            if info.enabled and info.failed
            else "yes"
            if info.enabled and info.loaded
            else "no"
        )
        detail = info.last_error or (
            ", ".join(h.removeprefix("salesdesk_") for h in info.hooks) or "-"
        )
        click.echo(f"{info.name:<16} {info.version:<9} {info.origin:<12} {state:<8} {detail}")
    for name in runtime.missing_plugins():
        click.echo(f"{name:<16} {'-':<9} {'-':<12} {'missing':<8} {_missing_plugin_note(name)}")


def _missing_plugin_note(name: str) -> str:
    from core.i18n import _

    return _(
        "plugin {name} is not installed; its data is kept in the database. Reinstall "
        "it to use the data again (see README, Plugins)"
    ).format(name=name)


@plugins.command("enable")
@click.argument("name")
@click.pass_context
@friendly
def plugins_enable(click_ctx: click.Context, name: str) -> None:
    """Switch plugin NAME on for the company."""
    _switch_plugin(click_ctx, name, True)


@plugins.command("disable")
@click.argument("name")
@click.pass_context
@friendly
def plugins_disable(click_ctx: click.Context, name: str) -> None:
    """Switch plugin NAME off for the company."""
    _switch_plugin(click_ctx, name, False)


plugins.add_command(plugin_new)
# `salesdesk plugin new NAME` reads naturally: `plugin` is `plugins` under another name
# (the same commands), kept out of the listing.
cli.add_command(click.Group("plugin", commands=plugins.commands, hidden=True, help=plugins.help))


def _switch_plugin(click_ctx: click.Context, name: str, enabled: bool) -> None:
    from core.services import company

    runtime = runtime_from(click_ctx)
    company.set_plugin_enabled(runtime.context_for(), name, enabled)
    done = (
        _("{name} enabled; run 'salesdesk db upgrade' if it brings tables.")
        if enabled
        else _("{name} disabled; run 'salesdesk db upgrade' if it brings tables.")
    )
    click.echo(done.format(name=name))


# -- plugin-contributed commands --------------------------------------------------------


PLUGIN_COMMANDS_KEY = "salesdesk.plugin_commands"
SWITCHED_OFF_KEY = "salesdesk.plugins_switched_off"


def plugin_commands(runtime: Runtime, taken: Iterable[str]) -> dict[str, click.Command]:
    """The commands enabled plugins contribute, by name; bad or clashing ones are reported
    against their plugin (``salesdesk plugins list`` shows it) and skipped."""
    return _commands_of(runtime.plugins, taken)


def _commands_of(plugins: PluginManager, taken: Iterable[str]) -> dict[str, click.Command]:
    commands: dict[str, click.Command] = {}
    taken = set(taken)
    for plugin, command in plugins.contributions("salesdesk_cli_commands"):
        if not isinstance(command, click.Command) or not command.name:
            plugins.report(
                plugin, "salesdesk_cli_commands", TypeError("expected click commands with names")
            )
        elif command.name in taken or command.name in commands:
            plugins.info[plugin].errors.append(
                f"salesdesk_cli_commands: the command name '{command.name}' is already taken"
            )
        else:
            commands[command.name] = command
    return commands


def _plugin_commands(click_ctx: click.Context, group: click.Group) -> dict[str, click.Command]:
    """Plugin commands for this invocation, found once.

    With a database, those of the plugins the company enabled. Without one (a fresh
    machine, a missing file, a server down) those of every installed plugin, as
    ``salesdesk init`` would enable them: they are listed and their help works, and running
    one tells what is missing (the command opens the database itself)."""
    root = click_ctx.find_root()
    if PLUGIN_COMMANDS_KEY not in root.meta:
        root.meta[PLUGIN_COMMANDS_KEY] = {}
        root.meta[SWITCHED_OFF_KEY] = []
        runtime = _existing_runtime(root)
        if runtime is None:
            root.meta[PLUGIN_COMMANDS_KEY] = _commands_of(_installed_plugins(), group.commands)
            return root.meta[PLUGIN_COMMANDS_KEY]
        try:
            root.meta[PLUGIN_COMMANDS_KEY] = plugin_commands(runtime, group.commands)
            root.meta[SWITCHED_OFF_KEY] = sorted(
                name for name, info in runtime.plugins.info.items() if not info.enabled
            )
        finally:
            runtime.save_plugin_failures()
            runtime.db.dispose()
    return root.meta[PLUGIN_COMMANDS_KEY]


def _installed_plugins(enabled: Callable[[str], bool] = lambda _name: True) -> PluginManager:
    """Installed plugins loaded without a database (no company settings: all on)."""
    from core.plugins import PluginManager

    plugins = PluginManager(tui_specs())
    plugins.load_installed(enabled)
    return plugins


def _switched_off_command(
    click_ctx: click.Context, group: click.Group, cmd_name: str
) -> click.Command | None:
    """A command of a plugin the company switched off: kept out of the listing, but naming
    it says so (and how to switch it back on) rather than "No such command". Only then are
    the switched-off plugins imported, to learn their command names."""
    off = click_ctx.find_root().meta.get(SWITCHED_OFF_KEY) or []
    if not off:
        return None
    plugins = _installed_plugins(lambda name: name in off)
    for plugin, command in plugins.contributions("salesdesk_cli_commands"):
        if (
            isinstance(command, click.Command)
            and command.name == cmd_name
            and cmd_name not in group.commands
        ):
            return _refusal(cmd_name, plugin)
    return None


def _refusal(cmd_name: str, plugin: str) -> click.Command:
    from core.i18n import _

    message = _(
        "The command '{command}' comes from the plugin {plugin}, which is switched "
        "off for this company: an admin can switch it on with 'salesdesk plugins "
        "enable {plugin}'"
    ).format(command=cmd_name, plugin=plugin)

    @click.pass_context
    def refuse(click_ctx: click.Context) -> None:
        click.echo(f"salesdesk: {message}", err=True)
        click_ctx.exit(1)

    # Any arguments and --help reach the refusal: it is the answer to every use.
    return click.Command(
        cmd_name,
        callback=refuse,
        add_help_option=False,
        hidden=True,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


def _existing_runtime(root: click.Context) -> Runtime | None:
    """Open the database if there is one; never create it, never fail."""
    import os

    from core.settings import load_settings

    try:
        url = (
            root.params.get("database")
            or os.environ.get("SALESDESK_DATABASE_URL")
            or load_settings().database_url
        )
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1] if "///" in url else ""
            if not path or path == ":memory:" or not Path(path).is_file():
                return None
        return open_runtime(url, extra_specs=tui_specs())
    except Exception as exc:  # no database, a bad URL, a server down: installed plugins
        logging.getLogger("salesdesk.cli").info("plugin commands from the database: %s", exc)
        return None


add_key_commands(users)
cli.add_command(import_command)
cli.add_command(serve_command)
cli.add_command(sessions_group)
cli.add_command(files_group)
cli.add_command(demo_command)
cli.add_command(report_group)
register_admin(cli)


def main() -> None:
    cli(prog_name="salesdesk")


if __name__ == "__main__":
    main()
