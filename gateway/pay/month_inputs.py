"""What HR enters for one employee-month of a pay run: the annual bonus and its taxation, severance, damages.

- One row per employee and period (`PayMonthInput`); setting it again replaces it. It is entered for a run
  (`set_month_input(session, run_id, code, ...)`): the run must not be locked and the employee must be one the
  run covers (its office, or any for scope "all"). Every change is audited as `pay_input.set` on
  `employee:<code>`; a computed run of the period warns `changed_since_compute` until it is computed again.
- The separate taxation of an annual bonus is once per employee per tax year (财政部 税务总局公告2023年第30号):
  choosing `separate` is refused while another month of the year has it, naming that month (and its pay run);
  `recommended` lets the pay run choose, and it chooses `combined` once the year's separate taxation is used
  (`separate_bonuses_taken`, which the pay run reads too).
- Severance is paid with the final month: the pay run takes the years of service from the employee's hire
  and leave dates and the monthly wage from `severance_base_fen`, or, when none is entered, the average gross
  of the employee's locked payslips of the 12 months before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.store import RUN_LOCKED, Employee, PayMonthInput, PayRun, Payslip

_CHUNK = 5_000  # employee ids per IN (...) list


class MonthInputError(GatewayError):
    """The input cannot be set as asked (locked run, employee outside the run, a second separate bonus)."""


class MonthInputNotFound(MonthInputError):
    pass


@dataclass(frozen=True)
class SeparateBonus:
    """Where an employee's bonus of the tax year was (or is to be) taxed separately."""

    period: str
    payrun_id: int | None  # the pay run whose payslip taxed it; None: only entered for that month so far
    locked: bool

    def __str__(self) -> str:
        if self.payrun_id is None:
            return f"{self.period} (entered for that month)"
        return f"{self.period} (pay run {self.payrun_id}, {'locked' if self.locked else 'not locked yet'})"


def separate_bonuses_taken(
    session: Session, employee_ids: list[int], year: str, other_than: str
) -> dict[int, SeparateBonus]:
    """Per employee, a month of tax year `year` other than `other_than` whose bonus is taxed separately: a payslip
    that did, or an input that chose it. Payslips of any state count, so two drafts cannot both take the year's
    one. (The payslip query prefilters on the JSON text `_store_payslips` writes, then reads it properly.)"""
    found: dict[int, SeparateBonus] = {}
    in_year = (f"{year}-01", f"{year}-12")
    for chunk in range(0, len(employee_ids), _CHUNK):
        ids = employee_ids[chunk : chunk + _CHUNK]
        rows = session.execute(
            select(Payslip.employee_id, PayRun.period, PayRun.id, PayRun.status, Payslip.figures_json)
            .join(Payslip, Payslip.payrun_id == PayRun.id)
            .where(
                Payslip.employee_id.in_(ids),
                PayRun.period.between(*in_year),
                PayRun.period != other_than,
                Payslip.figures_json.like('%"bonus_separate": 1%'),
            )
            .order_by(PayRun.period)
        )
        for employee_id, period, run_id, status, figures_json in rows:
            if employee_id not in found and json.loads(figures_json).get("bonus_separate") == 1:
                found[employee_id] = SeparateBonus(period, run_id, status == RUN_LOCKED)
        chosen = session.execute(
            select(PayMonthInput.employee_id, PayMonthInput.period)
            .where(
                PayMonthInput.employee_id.in_(ids),
                PayMonthInput.period.between(*in_year),
                PayMonthInput.period != other_than,
                PayMonthInput.bonus_method == "separate",
                PayMonthInput.bonus_fen > 0,
            )
            .order_by(PayMonthInput.period)
        )
        for employee_id, period in chosen:
            found.setdefault(employee_id, SeparateBonus(period, None, False))
    return found


def _describe(entry: PayMonthInput) -> dict[str, object]:
    return {
        "period": entry.period,
        "bonus_fen": entry.bonus_fen,
        "bonus_method": entry.bonus_method,
        "severance": entry.severance,
        "severance_base_fen": entry.severance_base_fen,
        "damages_fen": entry.damages_fen,
    }


def set_month_input(
    session: Session,
    run_id: int,
    code: str,
    actor: str,
    *,
    bonus_fen: int = 0,
    bonus_method: str = "recommended",
    severance: bool = False,
    severance_base_fen: int | None = None,
    damages_fen: int = 0,
) -> tuple[PayMonthInput, Employee]:
    """Set (replace) the employee-month input of `code` for the period of pay run `run_id`, audited."""
    run = session.get(PayRun, run_id)
    if run is None:
        raise MonthInputNotFound(f"no pay run with id {run_id}; list the runs with GET /api/v1/payruns")
    if run.status == RUN_LOCKED:
        raise MonthInputError(
            f"pay run {run.id} ({run.period}, scope {run.scope!r}) is locked; a locked run is immutable, so enter "
            "this in a later month's run"
        )
    employee = session.scalar(select(Employee).where(Employee.code == code))
    if employee is None or (run.office_id is not None and employee.office_id != run.office_id):
        raise MonthInputNotFound(f"employee {code!r} is not one pay run {run.id} (scope {run.scope!r}) pays")
    if severance_base_fen is not None and not severance:
        raise MonthInputError("severance_base_fen is the monthly wage severance is paid from: give severance: true too")
    if bonus_method == "separate" and bonus_fen > 0:
        taken = separate_bonuses_taken(session, [employee.id], run.period[:4], run.period).get(employee.id)
        if taken is not None:
            raise MonthInputError(
                f"employee {code}: a bonus of {run.period[:4]} is already taxed separately in {taken}; the separate "
                "taxation is once per employee per year (财政部 税务总局公告2023年第30号): choose combined or "
                "recommended"
            )
    entry = session.scalar(
        select(PayMonthInput).where(PayMonthInput.employee_id == employee.id, PayMonthInput.period == run.period)
    )
    before = None if entry is None else _describe(entry)
    if entry is None:
        entry = PayMonthInput(employee_id=employee.id, period=run.period)
        session.add(entry)
    entry.bonus_fen, entry.bonus_method, entry.damages_fen = bonus_fen, bonus_method, damages_fen
    entry.severance, entry.severance_base_fen = severance, severance_base_fen
    entry.updated_by, entry.updated_at = actor, datetime.now(UTC).replace(tzinfo=None)
    session.flush()
    append_audit(session, actor, "pay_input.set", f"employee:{code}", before, _describe(entry))
    return entry, employee


def month_inputs_of(session: Session, run_id: int) -> list[tuple[PayMonthInput, Employee]]:
    """The inputs entered for the period of pay run `run_id` of the employees it covers, by employee code."""
    run = session.get(PayRun, run_id)
    if run is None:
        raise MonthInputNotFound(f"no pay run with id {run_id}; list the runs with GET /api/v1/payruns")
    query = (
        select(PayMonthInput, Employee)
        .join(Employee, PayMonthInput.employee_id == Employee.id)
        .where(PayMonthInput.period == run.period)
        .order_by(Employee.code)
    )
    if run.office_id is not None:
        query = query.where(Employee.office_id == run.office_id)
    return [(entry, employee) for entry, employee in session.execute(query)]
