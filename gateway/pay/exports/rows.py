"""The payslips an export of a pay month is made from, and the one error family of the exports.

A locked run is read from its snapshot (code, name, office, department, bank account, ID document as of the
lock; the department is empty for runs locked before migration 0036),
never from the employee's or bank account's rows as they are now, so a locked month's files never change.
A computed run shows the employee as they are now; only the pay sheet accepts one (marked 草稿 / DRAFT).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.store import RUN_DRAFT, RUN_LOCKED, Department, Employee, Office, PayRun, Payslip

DEFAULT_TIMEZONE = "Asia/Shanghai"


class ExportError(GatewayError):
    """Nothing can be exported as asked; the message says what is missing and how to get it."""


@dataclass(frozen=True)
class SlipRow:
    """One payslip as an export shows it."""

    run: PayRun
    slip: Payslip
    employee: Employee
    code: str
    name: str
    office: str
    department: str
    figures: dict[str, int]
    inputs: dict[str, int]
    attendance: dict[str, int]

    @property
    def locked(self) -> bool:
        return self.run.status == RUN_LOCKED


@dataclass(frozen=True)
class PeriodRows:
    period: str
    runs: list[PayRun]
    rows: list[SlipRow]
    timezones: dict[str, str]  # office name → IANA zone, for the lock time in office time

    @property
    def locked(self) -> bool:
        return all(run.status == RUN_LOCKED for run in self.runs)

    @property
    def offices(self) -> list[str]:
        return sorted({row.office for row in self.rows})

    def locked_at(self, office: str | None) -> str:
        """When the runs were locked, on the office's clock (``YYYY-MM-DD HH:MM``; several runs: each once)."""
        zone = ZoneInfo(self.timezones.get(office or "", "") or DEFAULT_TIMEZONE)
        runs = [r for r in self.runs if office is None or r.scope in (office, "all")]
        stamps = sorted(
            {r.locked_at.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M") for r in runs if r.locked_at}
        )
        return ", ".join(stamps)

    def run_ids(self, office: str | None) -> str:
        return ", ".join(str(r.id) for r in self.runs if office is None or r.scope in (office, "all"))


def _row(run: PayRun, slip: Payslip, employee: Employee, office: str, department: str) -> SlipRow:
    locked = run.status == RUN_LOCKED
    return SlipRow(
        run,
        slip,
        employee,
        (slip.employee_code or "") if locked else employee.code,
        (slip.employee_name or "") if locked else employee.name,
        (slip.office_name or "") if locked else office,
        (slip.department_name or "") if locked else department,
        json.loads(slip.figures_json),
        json.loads(slip.inputs_json),
        json.loads(slip.attendance_json),
    )


def period_rows(session: Session, period: str, office: str | None = None) -> PeriodRows:
    """Payslips of every computed or locked run of `period` (of `office` only, if named), by employee code."""
    runs = list(
        session.scalars(select(PayRun).where(PayRun.period == period, PayRun.status != RUN_DRAFT).order_by(PayRun.id))
    )
    if not runs:
        raise ExportError(
            f"no computed pay run for {period}; create and compute one first "
            f"(punchclock payroll run --period {period})",
            zh=f"{period} 没有已计算的工资核算：请先新建并计算（punchclock payroll run --period {period}）",
        )
    offices = {o.id: o for o in session.scalars(select(Office))}
    departments = {row.id: row.name for row in session.execute(select(Department.id, Department.name))}
    result = session.execute(
        select(PayRun, Payslip, Employee)
        .join(Payslip, Payslip.payrun_id == PayRun.id)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(PayRun.id.in_([r.id for r in runs]))
    )
    rows = [
        _row(
            run,
            slip,
            emp,
            offices[emp.office_id].name if emp.office_id in offices else "",
            departments.get(emp.department_id, "") if emp.department_id is not None else "",
        )
        for run, slip, emp in result
    ]
    if office is not None:
        known = sorted({r.office for r in rows})
        if office not in known:
            raise ExportError(
                f"no payslip of office {office!r} in the pay runs of {period}; "
                f"offices paid: {', '.join(known) or 'none'}",
                zh=f"{period} 的工资核算中没有办公地点 {office!r} 的工资条；"
                f"已发薪的办公地点：{'、'.join(known) or '无'}",
            )
        rows = [r for r in rows if r.office == office]
        runs = [r for r in runs if any(row.run.id == r.id for row in rows)]
    timezones = {o.name: o.timezone for o in offices.values()}
    return PeriodRows(period, runs, sorted(rows, key=lambda r: r.code), timezones)


def locked_rows(session: Session, period: str, office: str | None, what: str) -> PeriodRows:
    """Like `period_rows`, refused while a run of the period is unlocked: `what` is a file only a lock makes."""
    found = period_rows(session, period, office)
    unlocked = [f"{r.id} ({r.scope}, {r.status})" for r in found.runs if r.status != RUN_LOCKED]
    if unlocked:
        raise ExportError(
            f"pay run(s) {', '.join(unlocked)} of {period} are not locked; "
            f"review and lock them before exporting {what}",
            zh=f"{period} 的工资核算 {'、'.join(unlocked)} 未锁定：请先复核并锁定，再导出",
        )
    return found
