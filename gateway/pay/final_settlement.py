"""The final settlement's unused annual leave in the pay run of the leaving month (离职结算, issue 19).

- Who: the employees whose `left_on` falls in the run's period. Everyone else gets 0 days.
- Unused days come from the LEAVE LEDGER, the source of truth: the balance of annual leave of the last day's year
  (this year's accrual — pro-rated to the last day on the resignation's final approval, 实施办法 art. 12 — plus
  days carried in, less days used or expired), in whole days: the fraction of a day is not paid (art. 12), and a
  negative balance (leave taken beyond the accrual) is 0, never clawed back. `payroll_core.settlement.
  unused_annual_leave` is the same rule on given numbers (the case files); the two agree for a year without
  carry-over (tests/gateway/test_final_settlement.py).
- The leave base (art. 11: the average monthly wage of the 12 months before, overtime pay excluded): the average of
  the employee's payslips in LOCKED runs of the 12 months before the period, each gross less overtime pay,
  severance and leave pay; with no such payslip (employed under punchclock for less than a month) the monthly
  salary; an hourly worker without one is refused with what to do.
- The pipeline pays leave base ÷ 21.75 × 200 % × days (the 300 % of art. 10 less the day's pay already paid).
Nothing here writes.
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.pay.id_chunks import by_id_chunks
from gateway.store import RUN_LOCKED, Employee, LeaveEntry, Office, PayRun, Payslip
from payroll_core.leave import load_leave_types
from payroll_core.money import round_half_up_div

#: Figures of a locked payslip that are not the month's wage for the leave base (art. 11).
_NOT_WAGE = ("ot_pay_fen", "severance_fen", "leave_pay_fen")


class SettlementInputError(GatewayError):
    """A leaver's final settlement lacks what it is computed from; the message says what to enter."""


def leavers_of(employees: list[Employee], period: str) -> list[int]:
    """Indexes of the employees whose last day is in `period` (YYYY-MM)."""
    return [i for i, e in enumerate(employees) if e.left_on is not None and f"{e.left_on:%Y-%m}" == period]


def unused_leave_days(session: Session, employee: Employee) -> int:
    """Whole days of annual leave left in the ledger for the last day's year (see the module doc)."""
    assert employee.left_on is not None
    balance = session.scalar(
        select(func.coalesce(func.sum(LeaveEntry.delta), 0)).where(
            LeaveEntry.employee_id == employee.id,
            LeaveEntry.leave_type == "annual",
            LeaveEntry.year == employee.left_on.year,
        )
    )
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    per_day = load_leave_types(office.name if office else None)[0]["annual"].steps_per_day
    return max(0, int(balance or 0) // per_day)


def _wage_months(session: Session, employee_ids: list[int], period: str) -> dict[int, list[int]]:
    year, month = int(period[:4]), int(period[5:7])
    since = f"{year - 1}-{month:02d}"
    wages: dict[int, list[int]] = defaultdict(list)
    rows = by_id_chunks(
        employee_ids,
        lambda ids: session.execute(
            select(Payslip.employee_id, Payslip.figures_json)
            .join(PayRun)
            .where(
                PayRun.status == RUN_LOCKED,
                PayRun.period >= since,
                PayRun.period < period,
                Payslip.employee_id.in_(ids),
            )
        ),
    )
    for employee_id, figures_json in rows:
        figures = json.loads(figures_json)
        wages[employee_id].append(figures["gross_fen"] - sum(figures.get(name, 0) for name in _NOT_WAGE))
    return wages


def leave_base_fen(employee: Employee, months: list[int]) -> int:
    if months:
        return int(round_half_up_div(sum(months), len(months)))
    if employee.monthly_salary_fen is not None:
        return employee.monthly_salary_fen
    raise SettlementInputError(
        f"employee {employee.code} ({employee.name}) leaves on {employee.left_on} and is paid by the hour with no "
        "locked pay run in the 12 months before: the daily wage of unused leave (实施办法 art. 11) cannot be "
        "averaged; lock an earlier month first, or pay the leave by a manual adjustment"
    )


def settlement_columns(session: Session, period: str, employees: list[Employee]) -> dict[str, np.ndarray]:
    """The pipeline's `leave_days_unused` and `leave_base_fen` columns for the run's employees."""
    days = np.zeros(len(employees), dtype=np.int64)
    base = np.zeros(len(employees), dtype=np.int64)
    leavers = leavers_of(employees, period)
    wages = _wage_months(session, [employees[i].id for i in leavers], period) if leavers else {}
    for i in leavers:
        e = employees[i]
        days[i] = unused_leave_days(session, e)
        if days[i]:
            base[i] = leave_base_fen(e, wages.get(e.id, []))
    return {"leave_days_unused": days, "leave_base_fen": base}
