"""People tables of the requests-and-approvals flow: departments, the leave ledger, requests and their history.

- `departments`: a tree per office (`parent_id` in the same office), `code` unique; `manager_employee_id` is the
  employee who approves the department's requests (their login has the `manager` role).
- `leave_ledger`: every change of a leave balance is a row (accrual, use, expiry, adjustment, carry-over) in the
  leave type's smallest step as an integer (days, half days or minutes); a balance is a SUM of rows, never
  stored. One accrual row per employee, leave type and year (a partial UNIQUE index), so accruing twice adds
  nothing; 调休 accrued by an approved overtime request carries its `request_id` and is outside that index.
- `staff_requests`: an employee's leave, overtime, missed-punch correction or business trip, with its status
  (`pending` → `approved` | `rejected` | `withdrawn`) and the approval step it waits for; `request_events` its
  history (who did what, with the comment); `request_attachments` the file a leave type may require.
- `onboardings` (入职申请): a new hire an office submits before they are an employee (so not a `StaffRequest`):
  `pending` → `approved` | `rejected` | `withdrawn`, decided by HR or admin other than the submitter; the ID
  number sealed (`onboardings.id_number`) with its keyed digest beside it for the duplicate check (one pending
  application per ID number: a partial UNIQUE index); `employee_id` set by the approval that created the
  employee. `onboarding_events` its history.
- `resignations` (离职申请, a `resignation` request): the last day and the termination reason HR marks (which
  decides severance); `handover_items` its handover checklist (交接清单), each item ticked by whom and when.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base

REQUEST_KINDS = ("leave", "overtime", "correction", "trip", "resignation", "change")
REQUEST_STATUSES = ("pending", "approved", "rejected", "withdrawn")
LEDGER_KINDS = ("accrual", "use", "expiry", "adjustment", "carry_over")
ONBOARDING_STATUSES = ("pending", "approved", "rejected", "withdrawn")


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("code", name="uq_departments_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    manager_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))


class LeaveEntry(Base):
    """One change of one leave balance; never updated or deleted (a mistake is undone by an adjustment row)."""

    __tablename__ = "leave_ledger"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('accrual', 'use', 'expiry', 'adjustment', 'carry_over')", name="ck_leave_ledger_kind"
        ),
        Index("ix_leave_ledger_balance", "employee_id", "leave_type", "year"),
        Index(
            "uq_leave_ledger_accrual",
            "employee_id",
            "leave_type",
            "year",
            unique=True,
            sqlite_where=text("kind = 'accrual' AND request_id IS NULL"),
            postgresql_where=text("kind = 'accrual' AND request_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    leave_type: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    delta: Mapped[int] = mapped_column(BigInteger)  # in the type's smallest step (see gateway.people.leave_types)
    kind: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("staff_requests.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class StaffRequest(Base):
    """An employee's request. Times are the office's local wall clock (naive), as the employee means them.

    leave: `leave_type`, `starts_at`/`ends_at` (a half day starts at 00:00 or 12:00, an hour unit at the minute),
    `amount` (the type's steps taken from the balance, rest days skipped where the type says so);
    overtime: `starts_at`/`ends_at` the planned window, `comp` pay | time_off; correction: `starts_at` the punch
    time, `direction` in | out; trip: `starts_at`/`ends_at` whole days; resignation: `starts_at` = `ends_at` =
    the last day at 00:00 (its terms in `resignations`); change (转正, 调薪, 调动): `starts_at` = `ends_at` = the
    day the new terms take effect, 00:00 (the terms in `personnel_changes`).
    `steps` is 1 (manager) or 2 (manager, then HR); `step` the one it waits for.
    """

    __tablename__ = "staff_requests"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('leave', 'overtime', 'correction', 'trip', 'resignation', 'change')",
            name="ck_staff_requests_kind",
        ),
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="ck_staff_requests_status"),
        CheckConstraint("comp IS NULL OR comp IN ('pay', 'time_off')", name="ck_staff_requests_comp"),
        CheckConstraint("direction IS NULL OR direction IN ('in', 'out')", name="ck_staff_requests_direction"),
        CheckConstraint("ends_at >= starts_at", name="ck_staff_requests_window"),
        Index("ix_staff_requests_employee", "employee_id", "starts_at"),
        Index("ix_staff_requests_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    kind: Mapped[str] = mapped_column(String(16))
    leave_type: Mapped[str | None] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    comp: Mapped[str | None] = mapped_column(String(16))
    direction: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    steps: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("punch_corrections.id"))


class RequestEvent(Base):
    """One step of a request's history: submitted, approved (a step), rejected, withdrawn."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staff_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    step: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)


class RequestAttachment(Base):
    """The file a request carries (a sick note); kept in the database so a backup holds it, at most 2 MiB."""

    __tablename__ = "request_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staff_requests.id"), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Onboarding(Base):
    """A new hire (入职申请) as the office submitted it; what the approval writes into the employee record.

    Money is integer fen; `monthly_salary_fen` / `hourly_rate_fen` is the regular pay, `probation_salary_fen` the
    pay during the first `probation_months` (None: the regular pay). `employee_code` and `pin` as given (None: by
    the office's policy at approval, then the ones used).
    """

    __tablename__ = "onboardings"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="ck_onboardings_status"),
        CheckConstraint("pay_basis IN ('monthly', 'hourly', 'piece')", name="ck_onboardings_pay_basis"),
        CheckConstraint("probation_months BETWEEN 0 AND 6", name="ck_onboardings_probation"),
        Index("ix_onboardings_status", "status", "id"),
        Index(
            "uq_onboardings_pending_id",
            "id_digest",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(100))
    hired_on: Mapped[date] = mapped_column(Date)
    pay_basis: Mapped[str] = mapped_column(String(16))
    monthly_salary_fen: Mapped[int | None] = mapped_column(BigInteger)
    hourly_rate_fen: Mapped[int | None] = mapped_column(BigInteger)
    probation_months: Mapped[int] = mapped_column(Integer)
    probation_salary_fen: Mapped[int | None] = mapped_column(BigInteger)
    shift_rule: Mapped[str | None] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str] = mapped_column(Text)  # sealed (gateway.access.vault, onboardings.id_number)
    id_digest: Mapped[str] = mapped_column(String(64))  # keyed HMAC of (id_type, number): equal numbers, equal digests
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    employee_code: Mapped[str | None] = mapped_column(String(32))
    pin: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))


class OnboardingEvent(Base):
    """One step of a new hire's application: submitted, approved, rejected, withdrawn."""

    __tablename__ = "onboarding_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboardings.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text)


class Resignation(Base):
    """A 离职申请's terms: the last day worked and the termination reason (`gateway.people.resignations`)."""

    __tablename__ = "resignations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staff_requests.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    last_day: Mapped[date] = mapped_column(Date)
    termination: Mapped[str] = mapped_column(String(32))  # a code of gateway.people.resignations.TERMINATIONS
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class HandoverItem(Base):
    """One line of a leaver's handover checklist; `done_by`/`done_at` NULL while open."""

    __tablename__ = "handover_items"
    __table_args__ = (UniqueConstraint("request_id", "position", name="uq_handover_items_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staff_requests.id"))
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(100))
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(DateTime)


class PersonnelChange(Base):
    """A 转正 / 调薪 / 调动 request's new terms (`gateway.people.personnel_changes`), in the dated-terms field names
    (`gateway.pay.dated_terms.TERM_FIELDS`) as JSON; written as a dated record on the final approval."""

    __tablename__ = "personnel_changes"
    __table_args__ = (
        CheckConstraint("change_type IN ('probation', 'raise', 'transfer')", name="ck_personnel_changes_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staff_requests.id"), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    change_type: Mapped[str] = mapped_column(String(16))
    terms_json: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
