"""A locked pay run is a snapshot that cannot change, and the audit log is append-only and sequenced.

- `audit_log.seq`: the row's position in the chain (1, 2, 3, … without gaps, unique), covered by the
  row's keyed hash, so a row deleted from the middle shows as a gap even where ids skip (PostgreSQL
  sequences do). Existing rows get their position by id.
- `payslips`: the snapshot taken at lock (employee code, name, office, bank, holder, account number and
  identity document as stored) and `digest`, the keyed hash of the payslip and its lines;
  `payruns.digest` covers them all.
- Triggers, on SQLite and PostgreSQL: the audit log refuses UPDATE and DELETE; a locked pay run, its
  payslips and their lines refuse INSERT, UPDATE and DELETE. The application never tries either; the
  triggers stop a bug or a hand-typed statement (someone who drops them is still caught by
  `punchclock audit verify`).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SNAPSHOT = (
    ("employee_code", sa.String(32)),
    ("employee_name", sa.String(100)),
    ("office_name", sa.String(100)),
    ("bank_name", sa.String(100)),
    ("account_name", sa.String(100)),
    ("account_no", sa.Text()),
    ("id_type", sa.String(32)),
    ("id_number", sa.Text()),
    ("digest", sa.String(64)),
)

# (name, table, event, condition on the row) — the row is OLD for UPDATE/DELETE, NEW for INSERT.
_RUN_OF_SLIP = "(SELECT status FROM payruns WHERE id = {row}.payrun_id) = 'locked'"
_RUN_OF_LINE = (
    "(SELECT r.status FROM payruns r JOIN payslips s ON s.payrun_id = r.id WHERE s.id = {row}.payslip_id) = 'locked'"
)
_GUARDS = (
    ("audit_log_append_only_update", "audit_log", "UPDATE", None, "the audit log is append-only"),
    ("audit_log_append_only_delete", "audit_log", "DELETE", None, "the audit log is append-only"),
    ("payruns_locked_update", "payruns", "UPDATE", "{row}.status = 'locked'", "a locked pay run never changes"),
    ("payruns_locked_delete", "payruns", "DELETE", "{row}.status = 'locked'", "a locked pay run never changes"),
    ("payslips_locked_insert", "payslips", "INSERT", _RUN_OF_SLIP, "a locked pay run never changes"),
    ("payslips_locked_update", "payslips", "UPDATE", _RUN_OF_SLIP, "a locked pay run never changes"),
    ("payslips_locked_delete", "payslips", "DELETE", _RUN_OF_SLIP, "a locked pay run never changes"),
    ("payslip_lines_locked_insert", "payslip_lines", "INSERT", _RUN_OF_LINE, "a locked pay run never changes"),
    ("payslip_lines_locked_update", "payslip_lines", "UPDATE", _RUN_OF_LINE, "a locked pay run never changes"),
    ("payslip_lines_locked_delete", "payslip_lines", "DELETE", _RUN_OF_LINE, "a locked pay run never changes"),
)
TRIGGER_NAMES = tuple(name for name, *_ in _GUARDS)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as table:
        table.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE audit_log SET seq = (SELECT COUNT(*) FROM audit_log AS earlier WHERE earlier.id <= audit_log.id)"
    )
    with op.batch_alter_table("audit_log") as table:
        table.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        table.create_unique_constraint("uq_audit_log_seq", ["seq"])
    with op.batch_alter_table("payslips") as table:
        for name, kind in _SNAPSHOT:
            table.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("payruns") as table:
        table.add_column(sa.Column("digest", sa.String(64), nullable=True))
    # Triggers last: on SQLite a batch operation that rebuilds a table drops its triggers.
    for statement in guard_statements(op.get_bind().dialect.name):
        op.execute(statement)


def guard_statements(dialect: str) -> list[str]:
    """The DDL creating the guard triggers on `dialect` ("sqlite" or "postgresql")."""
    statements = []
    if dialect == "postgresql":
        statements.append(
            "CREATE OR REPLACE FUNCTION punchclock_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
    for name, table_name, event, condition, message in _GUARDS:
        row = "NEW" if event == "INSERT" else "OLD"
        if dialect != "postgresql":
            when = f" WHEN ({condition.format(row=row)})" if condition else ""
            statements.append(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table_name}{when} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        elif condition:
            # PostgreSQL allows no sub-query in WHEN: test it inside the function instead.
            statements.append(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF {condition.format(row=row)} THEN RAISE EXCEPTION '{message}' "
                "USING ERRCODE = 'integrity_constraint_violation'; END IF; "
                f"RETURN {'OLD' if event == 'DELETE' else 'NEW'}; END $$"
            )
            statements.append(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table_name} FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            statements.append(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table_name} "
                f"FOR EACH ROW EXECUTE FUNCTION punchclock_refuse('{message}')"
            )
    return statements


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table_name, _event, condition, _message in _GUARDS:
        op.execute(f"DROP TRIGGER {name} ON {table_name}" if postgres else f"DROP TRIGGER {name}")
        if postgres and condition:
            op.execute(f"DROP FUNCTION {name}()")
    if postgres:
        op.execute("DROP FUNCTION punchclock_refuse()")
    with op.batch_alter_table("payruns") as table:
        table.drop_column("digest")
    with op.batch_alter_table("payslips") as table:
        for name, _kind in reversed(_SNAPSHOT):
            table.drop_column(name)
    with op.batch_alter_table("audit_log") as table:
        table.drop_constraint("uq_audit_log_seq", type_="unique")
        table.drop_column("seq")
