"""Leave balances as a ledger: every accrual, use, expiry, carry-over and manual adjustment is a row, audited.

A balance is `SUM(delta)` of an employee's rows for a leave type and year — never a stored number that could
drift. Deltas are integers in the type's smallest step (`payroll_core.leave.STEPS_PER_DAY`: days, half days or
minutes). `accrue_year` writes one `accrual` row per employee, type and year; the partial UNIQUE index
`uq_leave_ledger_accrual` makes a second run (or two at once) add nothing. Everything works inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.store import Employee, LeaveEntry, Office, utcnow
from payroll_core.leave import LeavePolicy, LeaveType, annual_leave_days, load_leave_types
from payroll_core.rules import load_rules

#: The reason every row of days carried from an earlier year starts with (both the carry and its expiry).
_CARRIED = "carried from "


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


@dataclass(frozen=True)
class YearEndReport:
    carried: int  # employees whose unused annual leave moved (partly) into the next year
    expired: int  # employees whose unused days expired


def _annual_sums(session: Session, year: int, kind: str | None = None, reason_prefix: str = "") -> dict[int, int]:
    """Employee id → the sum of their annual-leave rows of `year` (of that kind and reason prefix, when given)."""
    query = (
        select(LeaveEntry.employee_id, func.sum(LeaveEntry.delta))
        .where(LeaveEntry.leave_type == "annual", LeaveEntry.year == year)
        .group_by(LeaveEntry.employee_id)
    )
    if kind is not None:
        query = query.where(LeaveEntry.kind == kind, LeaveEntry.reason.startswith(reason_prefix))
    return {employee_id: int(total) for employee_id, total in session.execute(query).all()}


def _with_policy(session: Session, ids: Iterable[int]) -> Iterator[tuple[Employee, int, LeavePolicy]]:
    """Each employee of `ids` (by code) with the annual type's steps per day and the office's leave policy."""
    for employee in session.scalars(select(Employee).where(Employee.id.in_(list(ids))).order_by(Employee.code)):
        office = session.get(Office, employee.office_id) if employee.office_id is not None else None
        types, policy = load_leave_types(office.name if office else None)
        yield employee, types["annual"].steps_per_day, policy


def close_year(session: Session, actor: str, year: int) -> YearEndReport:
    """Year end of annual leave: each employee's unused days of `year`, up to the office's `carry_over_days`, move
    into `year + 1` (a `carry_over` row out of `year` and one into `year + 1`); the rest expire (an `expiry` row in
    `year`). `year`'s balance ends at 0, so running it again writes nothing.

    Expiring statutory days is office policy, not law: 企业职工带薪年休假实施办法 art. 10 owes 300 % of the day's wage
    for statutory days the employer did not arrange unless the employee waived them in writing; the row says so.
    """
    unused = {employee_id: total for employee_id, total in _annual_sums(session, year).items() if total > 0}
    carried = expired = 0
    for employee, steps_per_day, policy in _with_policy(session, unused):
        left = unused[employee.id]
        keep = min(left, policy.carry_over_days * steps_per_day)
        if keep:
            add_entry(session, actor, employee, "annual", year, -keep, "carry_over", f"carried into {year + 1}")
            add_entry(session, actor, employee, "annual", year + 1, keep, "carry_over",
                      f"{_CARRIED}{year}, expires {year + 1}-{policy.carry_over_expires}")  # fmt: skip
            carried += 1
        if left > keep:
            add_entry(session, actor, employee, "annual", year, keep - left, "expiry",
                      f"unused annual leave of {year} beyond the carry-over; statutory days the employer did not "
                      "arrange are owed at 300 % unless waived in writing (实施办法 art. 10)")  # fmt: skip
            expired += 1
    return YearEndReport(carried, expired)


def expire_carried(session: Session, actor: str, year: int, today: date) -> YearEndReport:
    """Days carried into `year` still unused after the office's `carry_over_expires` date expire (an `expiry` row
    in `year`). Carried days are used first, so what is left of them is the carried amount less the year's use so
    far (and less what expired of them before: running it again writes nothing). Offices whose date has not
    passed on `today` are left alone."""
    carried_in = _annual_sums(session, year, "carry_over", _CARRIED)
    used = _annual_sums(session, year, "use")
    gone = _annual_sums(session, year, "expiry", _CARRIED)
    expired = 0
    for employee, _steps, policy in _with_policy(session, (i for i, total in carried_in.items() if total > 0)):
        month, day = (int(part) for part in policy.carry_over_expires.split("-"))
        left = carried_in[employee.id] + used.get(employee.id, 0) + gone.get(employee.id, 0)  # use, expiry < 0
        if today > date(year, month, day) and left > 0:
            add_entry(session, actor, employee, "annual", year, -left, "expiry",
                      f"{_CARRIED}{year - 1}, unused by {year}-{policy.carry_over_expires}")  # fmt: skip
            expired += 1
    return YearEndReport(0, expired)
