"""PostgreSQL: the locked-run guards of `payslip_lines` check once per statement instead of once per row.

Revision 0005's guards are BEFORE … FOR EACH ROW triggers: every line inserted looked up its payslip's run, which
bound a 100,000-employee run's store (1,700,000 lines by COPY) to 1,700,000 lookups. The same three triggers (same
names) are now AFTER … FOR EACH STATEMENT triggers over the statement's transition table: one join of the rows the
statement inserted, updated or deleted with their payslips' runs, refusing the whole statement (it is rolled back)
if one of them belongs to a locked run, with the same message and error code. The guarantee is unchanged: a line of
a locked run cannot be inserted, updated or deleted (`tests/api/test_locked_runs.py`, INSERT, COPY, UPDATE and
DELETE). As before, an UPDATE is judged by the line's payslip before it. COPY fires statement triggers with their
transition tables like an INSERT.

SQLite has no statement-level triggers: its guards stay per row, unchanged.

Revision ID: 0037
Revises: 0036
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

_MESSAGE = "a locked pay run never changes"
# trigger (and function) name, event, the transition table it reads
_GUARDS = (
    ("payslip_lines_locked_insert", "INSERT", "NEW"),
    ("payslip_lines_locked_update", "UPDATE", "OLD"),
    ("payslip_lines_locked_delete", "DELETE", "OLD"),
)


def guard_statements(dialect: str) -> list[str]:
    """The DDL replacing 0005's per-row line guards on `dialect` (none on SQLite); also what the tests put back
    after 0005's when they dropped the triggers."""
    if dialect != "postgresql":
        return []
    statements = []
    for name, event, table in _GUARDS:
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON payslip_lines",
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF EXISTS (SELECT 1 FROM changed_lines l JOIN payslips s ON s.id = l.payslip_id "
            "JOIN payruns r ON r.id = s.payrun_id WHERE r.status = 'locked') "
            f"THEN RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END IF; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER {event} ON payslip_lines REFERENCING {table} TABLE AS changed_lines "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def upgrade() -> None:
    for statement in guard_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _event, _table in _GUARDS:
        op.execute(f"DROP TRIGGER {name} ON payslip_lines")
    # 0005's per-row line guards again, from 0005 itself (a revision file is not importable by name)
    path = Path(__file__).with_name("0005_payrun_integrity.py")
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = tuple(name for name, _event, _table in _GUARDS)
    for statement in module.guard_statements("postgresql"):
        if any(f" {name}" in statement for name in names):
            op.execute(statement)
