"""Snapshots of the pipeline board (funnel chart above, deals by stage) in English at
80x24 and Chinese at 120x40. Update after an intended change with
``pytest tests/plugins/funnel/test_funnel_snapshots.py --snapshot-update``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from core.i18n import set_lang
from core.services import opportunities


@pytest.fixture
def board_app(team: Any) -> Iterator[Any]:
    for n, (stage, amount) in enumerate(
        [
            ("lead", "8000"),
            ("lead", "3000"),
            ("qualified", "12000"),
            ("proposal", "25000"),
            ("negotiation", "40000"),
        ]
    ):
        customer = team.customer(team.r1 if n % 2 else team.r2, "N", name=f"华东客户{n}")
        opportunities.create_opportunity(
            team.r1 if n % 2 else team.r2,
            {
                "customer_id": customer.id,
                "title": f"Project {n}",
                "funnel": "basic",
                "stage": stage,
                "amount": amount,
            },
        )

    def build(lang: str) -> Any:
        from tui.app import SalesdeskApp

        set_lang(lang)
        return SalesdeskApp(
            team.mgr, database_label="demo.db", profile="standard", load_dashboard=False
        )

    yield build
    set_lang(None)


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"])
@pytest.mark.parametrize(("lang", "size"), [("en", (80, 24)), ("zh_CN", (120, 40))])
def test_pipeline_board(
    snap_compare: Any, board_app: Any, lang: str, size: tuple[int, int]
) -> None:
    """Pipeline board of the basic funnel: five deals of the manager's team."""
    assert snap_compare(board_app(lang), terminal_size=size, run_before=open_board)


async def open_board(pilot: Any) -> None:
    from plugins.funnel.views import PipelineBoard

    await pilot.pause()
    await pilot.app.push_screen(PipelineBoard())
    for _ in range(3):
        await pilot.pause()
