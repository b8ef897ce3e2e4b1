"""The plugin's Alembic branch builds exactly the tables its models describe, and goes
down and up again cleanly."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core import db as dbmod
from plugins.forecast import models

TABLES = (
    models.ForecastRun,
    models.ForecastSeries,
    models.ForecastValue,
    models.Allocation,
    models.AllocationLine,
    models.ForecastOverride,
)


def _columns(runtime: Any) -> dict[str, set[str]]:
    inspector = sa.inspect(runtime.db.engine)
    return {
        t.__tablename__: {c["name"] for c in inspector.get_columns(t.__tablename__)}
        for t in TABLES
        if inspector.has_table(t.__tablename__)
    }


def test_migration_matches_the_models_and_downgrades(salesdesk_runtime: Any) -> None:
    expected = {t.__tablename__: set(t.__table__.columns.keys()) for t in TABLES}
    assert _columns(salesdesk_runtime) == expected
    locations = salesdesk_runtime.plugins.migration_locations()
    dbmod.downgrade(salesdesk_runtime.db, "forecast@base", locations)
    assert _columns(salesdesk_runtime) == {}
    salesdesk_runtime.upgrade()
    assert _columns(salesdesk_runtime) == expected
