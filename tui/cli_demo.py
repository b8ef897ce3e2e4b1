"""``salesdesk demo``: a fresh demo database with seeded data, then the app.

The demo file is thrown away and rebuilt on every run, so it never holds real work.
On a demo database ``SALESDESK_USER=rep001`` lets you look around as another user.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

DEMO_COMPANY = "精工示范集团 Precision Demo Group"
SCALES = ("small", "medium", "large")


@click.command("demo")
@click.option(
    "--scale",
    type=click.Choice(SCALES),
    default="small",
    show_default=True,
    help="small: readable demo; medium/large: benchmark-sized data.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed; the same seed gives the same data.",
)
@click.option(
    "--path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Demo database file (default: demo.db in the data directory).",
)
@click.option("--no-open", is_flag=True, help="Only build the database; do not open the app.")
def demo_command(scale: str, seed: int, path: Path | None, no_open: bool) -> None:
    """Create a fresh demo database (replacing an old one) and open it.

    The demo always uses its own SQLite file (--path), never the --database of real work.
    """
    from tui.cli import friendly  # here, not at the top: tui.cli imports this module

    runtime = friendly(build_demo)(
        path or default_demo_path(), scale, seed, verbose=scale != "small"
    )
    if not no_open:
        from core.terminal import raw_streams
        from tui.app import run_app

        with raw_streams():
            run_app(runtime)


def default_demo_path() -> Path:
    from core.settings import data_dir

    return data_dir() / "demo.db"


def build_demo(path: Path, scale: str, seed: int, *, verbose: bool = False):
    """Replace ``path`` with a migrated, seeded demo database; return its runtime."""
    from core.company import COMPANY_NAME_KEY
    from core.datagen import seed_demo
    from core.runtime import open_runtime, os_login
    from core.services.bootstrap import create_first_admin
    from core.services.company import mark_demo, set_setting
    from tui.cli import tui_specs

    path = path.expanduser().resolve()
    refuse_unless_demo(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    started = time.perf_counter()
    runtime = open_runtime(url, extra_specs=tui_specs())
    runtime.upgrade()
    login = os_login()
    create_first_admin(runtime, login, login)
    ctx = runtime.context_for(login)
    mark_demo(ctx)
    set_setting(ctx, COMPANY_NAME_KEY, DEMO_COMPANY)
    result = seed_demo(ctx, scale, seed, progress=_progress_printer() if verbose else None)
    lines = result.counts.get("sales_line", 0)
    from core.i18n import _

    click.echo(
        _(
            "Demo database ({scale}, seed {seed}) at {path}: {customers} customers, "
            "{lines} sales lines, {seconds} s. You are {login} (group admin)."
        ).format(
            scale=scale,
            seed=seed,
            path=path,
            customers=f"{result.counts.get('customer', 0):,}",
            lines=f"{lines:,}",
            seconds=f"{time.perf_counter() - started:.1f}",
            login=login,
        ),
        err=True,
    )
    click.echo(
        _(
            "Open it again with: salesdesk --database {url}   "
            "(SALESDESK_USER=rep001 to act as a rep)"
        ).format(url=url),
        err=True,
    )
    return runtime


def refuse_unless_demo(path: Path) -> None:
    """Refuse to replace ``path`` unless it is missing or a demo database: real work
    (made by ``salesdesk init``) and files that are not salesdesk databases stay."""
    from core.errors import SalesdeskError
    from core.i18n import _

    if not path.exists():
        return
    if not is_demo_file(path):
        raise SalesdeskError(
            _(
                "{path} is not a demo database, so 'salesdesk demo' will not replace it; "
                "choose another file with --path"
            ).format(path=path)
        )


def is_demo_file(path: Path) -> bool:
    """Whether ``path`` is a SQLite salesdesk database marked as a demo by this command.
    Read only; anything unreadable or unexpected counts as not a demo."""
    import json
    import sqlite3
    from contextlib import closing

    from core.company import DEMO_KEY

    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            row = conn.execute(
                "SELECT value FROM company_setting WHERE key = ?", (DEMO_KEY,)
            ).fetchone()
    except (sqlite3.Error, OSError, ValueError):
        return False
    if row is None:
        return False
    value = row[0]
    try:
        value = json.loads(value) if isinstance(value, str | bytes) else value
    except ValueError:
        return False
    return value is True or value == 1


def _progress_printer():
    """Print each table once when done, sales lines every 10%."""
    state = {"table": None, "step": 0}

    def report(table: str, done: int, expected: int) -> None:
        if table == "sales_line":
            step = done * 10 // max(expected, 1)
            if step > state["step"] or done == expected:
                state["step"] = step
                print(f"  sales_line {done:>12,} / {expected:,}", file=sys.stderr, flush=True)
        elif table != state["table"] and done >= expected > 0:
            state["table"] = table
            print(f"  {table:<12} {done:>12,}", file=sys.stderr, flush=True)

    return report
