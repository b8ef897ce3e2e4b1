"""Alembic environment: the engine comes from the caller (``core.db.upgrade``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers the core tables on SQLModel.metadata)
from core.db import stray_revisions

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            # A plugin whose code is gone: its revision is set aside while the others
            # upgrade and put back in the same transaction, so its place is kept.
            migration = context.get_context()
            stray = stray_revisions(migration.script, migration.get_current_heads())
            versions = sa.table(
                migration.version_table,
                sa.column("version_num"),
                schema=migration.version_table_schema,
            )
            if stray:
                connection.execute(
                    versions.delete().where(versions.c.version_num.in_(sorted(stray)))
                )
            context.run_migrations()
            if stray:
                connection.execute(
                    versions.insert(), [{"version_num": rev} for rev in sorted(stray)]
                )
        connection.commit()


run_migrations_online()
