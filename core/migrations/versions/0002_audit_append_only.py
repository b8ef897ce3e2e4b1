"""audit entries are append-only: the database itself refuses UPDATE and DELETE

Revision ID: 0002_audit
Revises: 0001_core
"""

from __future__ import annotations

from alembic import op

revision = "0002_audit"
down_revision = "0001_core"
branch_labels = None
depends_on = None

MESSAGE = "audit entries are append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{verb.lower()} BEFORE {verb} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
    op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_refuse_change()")
