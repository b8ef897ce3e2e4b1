"""Every registered report, given dates and years far outside any business, ends cleanly
through ``salesdesk report run``: exit 0, or 1 with one sentence; never a traceback."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest
from click.testing import CliRunner
from reports_helpers import build

from core.reports import report_registry
from tui.cli import cli

CASES = {
    "as_of=0001-01-01": ("date", "0001-01-01"),
    "as_of=9999-12-31": ("date", "9999-12-31"),
    "year=99999": ("year", "99999"),
}


def _fields(report: Any, kind: str) -> list[str]:
    """The report's date fields (or its year fields)."""
    names = []
    for name, field in report.Params.model_fields.items():
        types = typing.get_args(field.annotation) or (field.annotation,)
        if (kind == "date" and dt.date in types) or (kind == "year" and name.endswith("year")):
            names.append(name)
    return names


def _params(names: list[str], kind: str, value: str) -> list[str]:
    """``-p`` options setting every such field; ``as_of``/``year`` when the report has
    none (then it must refuse the unknown parameter cleanly)."""
    names = names or ["as_of" if kind == "date" else "year"]
    return [option for name in names for option in ("-p", f"{name}={value}")]


@pytest.mark.parametrize("case", list(CASES))
def test_every_report_survives_extreme_dates(
    world: Any, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(world)
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    kind, value = CASES[case]
    reports = report_registry(world.runtime.plugins)
    assert len(reports) >= 15
    unclean = {}
    for report_id, report in reports.items():
        fields = _fields(report, kind)
        args = [
            "--database",
            world.runtime.db.url,
            "report",
            "run",
            report_id,
            *_params(fields, kind, value),
        ]
        result = CliRunner().invoke(cli, args)
        lines = [line for line in result.output.splitlines() if line.strip()]
        clean = result.exit_code == 0 or (
            result.exit_code == 1 and lines and lines[0].startswith("salesdesk: ")
        )
        if fields:  # the shared parameter check refuses them, naming the field by its title
            named = f"{fields[0].replace('_', ' ')}: got" in result.output.lower()
            clean = clean and result.exit_code == 1 and named
        if (
            not clean
            or "Traceback" in result.output
            or (result.exception is not None and not isinstance(result.exception, SystemExit))
        ):
            unclean[report_id] = (result.exit_code, repr(result.exception), result.output[-300:])
    assert not unclean, unclean
