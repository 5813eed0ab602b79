"""Departments, the manager role, the leave ledger, and employees' requests with their history and attachments.

- `departments` (a tree per office, `code` UNIQUE, a manager employee); `employees.department_id` (NULL = none:
  employees had no department before, so nothing is lost) and `employees.work_started_on` (参加工作日期).
- The role `manager` in `ck_users_role` / `ck_api_tokens_role`; a manager login or token belongs to an employee
  (the manager is one of the company's people), so `ck_*_employee` now reads "employee or manager ⇔ employee_id".
- `leave_ledger` (one accrual per employee, type and year: a partial UNIQUE index), `staff_requests`,
  `request_events`, `request_attachments`.

On SQLite a CHECK constraint changes only by copying the table. `users` is referenced by `login_sessions`, and
dropping a referenced table with rows pointing at it fails, so the sessions are set aside during the copy and
put back after it (ids kept).

Revision ID: 0014
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0015"
branch_labels = None
depends_on = None

_OLD_ROLES = "role IN ('admin', 'hr', 'viewer', 'employee')"
_NEW_ROLES = "role IN ('admin', 'hr', 'viewer', 'employee', 'manager')"
_OLD_BOUND = "(role = 'employee') = (employee_id IS NOT NULL)"
_NEW_BOUND = "(role IN ('employee', 'manager')) = (employee_id IS NOT NULL)"


def _roles(roles: str, bound: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE _login_sessions_aside AS SELECT * FROM login_sessions")
        op.execute("DELETE FROM login_sessions")
    for table, prefix in (("users", "ck_users"), ("api_tokens", "ck_api_tokens")):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"{prefix}_role", type_="check")
            batch.drop_constraint(f"{prefix}_employee", type_="check")
            batch.create_check_constraint(f"{prefix}_role", roles)
            batch.create_check_constraint(f"{prefix}_employee", bound)
    if sqlite:
        op.execute("INSERT INTO login_sessions SELECT * FROM _login_sessions_aside")
        op.execute("DROP TABLE _login_sessions_aside")


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("offices.id"), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("manager_employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=True),
        sa.UniqueConstraint("code", name="uq_departments_code"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # In place: Alembic's batch mode would copy `employees`, and dropping it fails on the rows referencing it.
        op.execute("ALTER TABLE employees ADD COLUMN department_id INTEGER REFERENCES departments (id)")
    else:
        op.add_column("employees", sa.Column("department_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_employees_department_id", "employees", "departments", ["department_id"], ["id"])
    op.add_column("employees", sa.Column("work_started_on", sa.Date(), nullable=True))
    _roles(_NEW_ROLES, _NEW_BOUND)
    op.create_table(
        "staff_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("leave_type", sa.String(32), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("comp", sa.String(16), nullable=True),
        sa.Column("direction", sa.String(8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("correction_id", sa.Integer(), sa.ForeignKey("punch_corrections.id"), nullable=True),
        sa.CheckConstraint("kind IN ('leave', 'overtime', 'correction', 'trip')", name="ck_staff_requests_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="ck_staff_requests_status"
        ),
        sa.CheckConstraint("comp IS NULL OR comp IN ('pay', 'time_off')", name="ck_staff_requests_comp"),
        sa.CheckConstraint("direction IS NULL OR direction IN ('in', 'out')", name="ck_staff_requests_direction"),
        sa.CheckConstraint("ends_at >= starts_at", name="ck_staff_requests_window"),
    )
    op.create_index("ix_staff_requests_employee", "staff_requests", ["employee_id", "starts_at"])
    op.create_index("ix_staff_requests_status", "staff_requests", ["status", "id"])
    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("staff_requests.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_table(
        "request_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("staff_requests.id"), nullable=False, unique=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "leave_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("employee_id", sa.Integer(), sa.ForeignKey("employees.id"), nullable=False),
        sa.Column("leave_type", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("staff_requests.id"), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('accrual', 'use', 'expiry', 'adjustment', 'carry_over')", name="ck_leave_ledger_kind"
        ),
    )
    op.create_index("ix_leave_ledger_balance", "leave_ledger", ["employee_id", "leave_type", "year"])
    op.create_index(
        "uq_leave_ledger_accrual",
        "leave_ledger",
        ["employee_id", "leave_type", "year"],
        unique=True,
        sqlite_where=sa.text("kind = 'accrual'"),
        postgresql_where=sa.text("kind = 'accrual'"),
    )


def downgrade() -> None:
    op.drop_table("leave_ledger")
    op.drop_table("request_attachments")
    op.drop_table("request_events")
    op.drop_table("staff_requests")
    _roles(_OLD_ROLES, _OLD_BOUND)
    op.drop_column("employees", "work_started_on")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_employees_department_id", "employees", type_="foreignkey")
    op.drop_column("employees", "department_id")
    op.drop_table("departments")
