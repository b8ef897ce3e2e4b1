"""Demo data: the order-to-cash chain written through the services."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from core.datagen import seed_demo
from core.reports import run_report
from plugins.manufacturing.models import Document, Tender


@pytest.mark.salesdesk_sqlite_only
def test_small_demo_has_the_whole_chain(salesdesk_world: Any) -> None:
    seed_demo(salesdesk_world.admin, "small", 7)
    with salesdesk_world.runtime.db.read_session() as session:
        kinds = dict(
            session.execute(sa.select(Document.kind, sa.func.count()).group_by(Document.kind)).all()
        )
        results = {r for (r,) in session.execute(sa.select(Tender.result))}
        numbers = sorted(
            session.scalars(sa.select(Document.number).where(Document.kind == "quote"))
        )
    assert set(kinds) == {"quote", "order", "delivery", "invoice", "receipt"}
    assert results == {"won", "lost", "open"}
    assert any(n.startswith("FQ262") for n in numbers)  # the Tianjin office range
    mfg = salesdesk_world.runtime.context_for("mfg_demo")
    collection = run_report(mfg, "mfg_collection_status", {"start": "2025-01-01"}).tables[0]
    assert collection.rows and collection.totals[6] > 0
