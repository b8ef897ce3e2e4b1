"""``salesdesk plugin new NAME``: start a plugin package (``core.scaffold``).

Needs no database and opens none: an author may run it on a machine where salesdesk
was never initialised.
"""

from __future__ import annotations

from pathlib import Path

import click

from core.failures import friendly


@click.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to create (default: ./salesdesk-NAME).",
)
@friendly
def plugin_new(name: str, folder: Path | None) -> None:
    """Write a new plugin package NAME: pyproject with the entry point, a report on the
    report kit, a Chinese catalogue, tests on salesdesk's fixtures and a README."""
    from core.i18n import _
    from core.scaffold import write_plugin

    names, files = write_plugin(name, folder)
    root = files[0].parent.resolve()
    click.echo(
        _(
            "Wrote the plugin {name} in {folder}: distribution {distribution}, "
            "module {module}, report {report}."
        ).format(
            name=names.name,
            folder=root,
            distribution=names.distribution,
            module=names.module,
            report=names.report_id,
        )
    )
    for path in files:
        click.echo(f"  {path.resolve().relative_to(root)}")
    click.echo(
        _(
            "Next: pip install -e '{folder}[test]', then run pytest in {folder}; "
            "its README says how to use it."
        ).format(folder=root)
    )
