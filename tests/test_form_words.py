"""Every field of a plugin's entry form and of a report's parameters is labelled, and
says what to type, in Chinese on a Chinese screen: a label made from the field's name
("Months", "Unit no") or a description ("Units to sign") with no catalogue entry showed
English. Codes a person types (mtd, RFM, YYYY-MM-DD) may stay as they are, beside
Chinese words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.i18n import _, set_lang

CJK = re.compile(r"[\u4e00-\u9fff]")
FORMAT_ONLY = re.compile(r"^(YYYY-MM(-DD)?|HH:MM)$")


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from core.runtime import open_runtime

    path: Path = tmp_path_factory.mktemp("words") / "words.db"
    runtime = open_runtime(f"sqlite:///{path}")
    set_lang("zh_CN")
    yield runtime
    set_lang(None)
    runtime.db.dispose()


def english_left(model: Any) -> list[str]:
    from tui.screens.reports import param_specs

    specs, _values = param_specs(model)
    left = []
    for spec in specs:
        for text in (spec.title, spec.placeholder):
            if text and not FORMAT_ONLY.match(text) and not CJK.search(_(text)):
                left.append(f"{spec.name}: {text!r}")
    return left


def test_every_plugin_forms_fields_read_in_chinese(everything: Any) -> None:
    from core.forms import form_registry

    left = {
        form_id: words
        for form_id, form in form_registry(everything.plugins).items()
        if (words := english_left(form.model))
    }
    assert not left, f"add these to the plugin's locale/zh_CN.json: {left}"


def test_every_report_parameter_reads_in_chinese(everything: Any) -> None:
    from core.reports import report_registry

    left = {
        report_id: words
        for report_id, report in report_registry(everything.plugins).items()
        if (words := english_left(report.Params))
    }
    assert not left, f"add these to the plugin's locale/zh_CN.json: {left}"
