"""Snapshots of the contract page (milestones, approval steps, timeline) in English and
Chinese. Update after an intended change with ``--snapshot-update``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from contracts_helpers import approved

from core.i18n import set_lang


@pytest.fixture
def contract_app(team: dict[str, Any]) -> Iterator[Any]:
    contract = approved(team, amount="300000.00")

    def build(lang: str) -> Any:
        from plugins.contracts.views import ContractDetailScreen
        from tui.app import SalesdeskApp

        set_lang(lang)
        app = SalesdeskApp(
            team["rep"], database_label="demo.db", profile="standard", load_dashboard=False
        )

        async def opened(pilot: Any) -> None:
            await pilot.app.workers.wait_for_complete()
            await pilot.app.push_screen(ContractDetailScreen(contract.id))
            for _ in range(3):  # the page is read in a worker
                await pilot.app.workers.wait_for_complete()
                await pilot.pause()

        return app, opened

    yield build
    set_lang(None)


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("lang", "size"), [("en", (100, 32)), ("zh_CN", (100, 32))])
def test_contract_page(
    snap_compare: Any, contract_app: Any, lang: str, size: tuple[int, int]
) -> None:
    """Contract page: header, milestones, the two approval steps, the timeline."""
    app, opened = contract_app(lang)
    assert snap_compare(app, terminal_size=size, run_before=opened)
