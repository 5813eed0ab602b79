"""Leave balances as a ledger: every accrual, use, expiry, carry-over and manual adjustment is a row, audited.

A balance is `SUM(delta)` of an employee's rows for a leave type and year — never a stored number that could
drift. Deltas are integers in the type's smallest step (`payroll_core.leave.STEPS_PER_DAY`: days, half days or
minutes). `accrue_year` writes one `accrual` row per employee, type and year; the partial UNIQUE index
`uq_leave_ledger_accrual` makes a second run (or two at once) add nothing. Everything works inside the
caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.store import Employee, LeaveEntry, Office, utcnow
from payroll_core.leave import LeaveType, annual_leave_days, load_leave_types
from payroll_core.rules import load_rules


class LeaveError(GatewayError):
    """A ledger change cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Balance:
    leave_type: str
    name: str
    unit: str
    year: int
    steps: int  # in the unit's smallest step
    steps_per_day: int


def leave_types_of(session: Session, employee: Employee) -> dict[str, LeaveType]:
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    return load_leave_types(office.name if office else None)[0]


def add_entry(
    session: Session, actor: str, employee: Employee, leave_type: str, year: int, delta: int, kind: str, reason: str,
    *, request_id: int | None = None,
) -> LeaveEntry:  # fmt: skip
    entry = LeaveEntry(employee_id=employee.id, leave_type=leave_type, year=year, delta=delta, kind=kind,
                       request_id=request_id, created_by=actor, reason=reason, created_at=utcnow())  # fmt: skip
    session.add(entry)
    session.flush()
    after = {"leave_type": leave_type, "year": year, "delta": delta, "request": request_id, "reason": reason}
    append_audit(session, actor, f"leave.{kind}", f"employee:{employee.code}", None, after)
    return entry


def balance_steps(session: Session, employee_id: int, leave_type: str, year: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LeaveEntry.delta), 0)).where(
            LeaveEntry.employee_id == employee_id, LeaveEntry.leave_type == leave_type, LeaveEntry.year == year
        )
    )
    return int(total or 0)


def balances(session: Session, employee: Employee, year: int) -> list[Balance]:
    """Every leave type with a ledger or a quota, in the file's order."""
    types = leave_types_of(session, employee)
    sums = dict(
        session.execute(
            select(LeaveEntry.leave_type, func.sum(LeaveEntry.delta))
            .where(LeaveEntry.employee_id == employee.id, LeaveEntry.year == year)
            .group_by(LeaveEntry.leave_type)
        ).all()
    )
    return [Balance(code, t.name, t.unit, year, int(sums.get(code, 0)), t.steps_per_day) for code, t in types.items()]


def adjust(
    session: Session, actor: str, employee: Employee, leave_type: str, year: int, delta: int, reason: str
) -> LeaveEntry:
    """HR's manual correction of a balance; the reason is required and kept with the row."""
    if leave_type not in leave_types_of(session, employee):
        raise LeaveError(
            f"unknown leave type {leave_type!r}: use one of {', '.join(leave_types_of(session, employee))}"
        )
    if not reason.strip():
        raise LeaveError("an adjustment needs a reason (what it corrects), e.g. 'carried over from the old system'")
    if delta == 0:
        raise LeaveError("an adjustment of 0 changes nothing: give a positive or negative amount")
    return add_entry(session, actor, employee, leave_type, year, delta, "adjustment", reason)


def annual_entitlement_steps(session: Session, employee: Employee, year: int) -> int | None:
    """The year's statutory annual leave in the type's steps; None without a work start date or an office."""
    if employee.work_started_on is None or employee.office_id is None:
        return None
    office = session.get(Office, employee.office_id)
    assert office is not None
    conventions = load_rules(f"{year}-01", [office.city]).cities[0].conventions
    days = annual_leave_days(
        year, work_started_on=employee.work_started_on, hired_on=employee.hired_on, left_on=employee.left_on,
        conventions=conventions,
    )  # fmt: skip
    return days * leave_types_of(session, employee)["annual"].steps_per_day


@dataclass(frozen=True)
class AccrualReport:
    added: int
    already: int
    skipped: list[str]  # employee codes without a work start date (参加工作日期)


def accrue_year(session: Session, actor: str, year: int) -> AccrualReport:
    """One annual-leave accrual row per employee employed in `year` (idempotent). Fixed-quota types (婚假, 产假 …)
    are not accrued: they are granted per event and checked against the quota when requested."""
    existing = set(
        session.scalars(
            select(LeaveEntry.employee_id).where(
                LeaveEntry.kind == "accrual", LeaveEntry.leave_type == "annual", LeaveEntry.year == year
            )
        )
    )
    added, already, skipped = 0, 0, []
    start, end = date(year, 1, 1), date(year, 12, 31)
    employees = session.scalars(
        select(Employee)
        .where((Employee.hired_on.is_(None)) | (Employee.hired_on <= end))
        .where((Employee.left_on.is_(None)) | (Employee.left_on >= start))
        .order_by(Employee.code)
    )
    for employee in employees:
        if employee.id in existing:
            already += 1
            continue
        steps = annual_entitlement_steps(session, employee, year)
        if steps is None:
            skipped.append(employee.code)
            continue
        add_entry(session, actor, employee, "annual", year, steps, "accrual",
                  f"statutory annual leave {year} (职工带薪年休假条例 art. 3)")  # fmt: skip
        added += 1
    return AccrualReport(added, already, skipped)
