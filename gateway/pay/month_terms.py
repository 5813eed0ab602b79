"""The terms a pay month is paid under: per employee, the terms of the contribution day, and the month's pieces.

A month is cut where a dated record (`gateway.pay.dated_terms`) takes effect: a raise on the 16th gives two pieces,
each paid at its own rate for its own days (`payroll_core.columns.SegmentColumns`). The time columns of a piece are
the attendance kernel's per-day facts summed over the piece's days: scheduled days employed, absences, late minutes,
regular minutes, the overtime the office's rule pays (per day, bucket by the day's type) and approved leave, so the
pieces always add up to the month's summary.

What is paid once a month and not by the day — the SI/HF city and base, the pay basis, the special additional
deductions and the employing entity — comes from the terms in force on the month's contribution day (rule data,
`[social_insurance] contribution_day`, default the 1st: one contribution city per month, as Chinese practice has it).

Refused, with the fix: more than `MAX_SEGMENTS` pieces and a pay basis that changes inside the month. An office (or
shift) that changes inside the month is attendance's business: `gateway.pay.attendance` computes each piece's days
under its own office's rules, and the facts this module sums are already those.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.pay.attendance import MonthAttendance
from gateway.pay.dated_terms import Segment, month_segments, records_in_force
from payroll_core.attendance import Absence, Fact
from payroll_core.calendar import DayType
from payroll_core.columns import MAX_SEGMENTS, SEGMENT_COLUMNS, SegmentColumns
from payroll_core.rules import contribution_day


class MonthTermsError(GatewayError):
    """The dated terms of a month cannot be paid as recorded; the message names the employee and the fix."""


@dataclass(frozen=True)
class MonthTerms:
    """Per employee (in `MonthAttendance.employees` order): the terms of the contribution day and the pieces."""

    on_contribution_day: list[dict[str, Any]]
    pieces: list[list[Segment]]
    segments: SegmentColumns | None  # None: nobody's terms change inside the month (one piece each)


def month_terms(session: Session, attendance: MonthAttendance) -> MonthTerms:
    """The terms `attendance`'s month is paid under (see the module doc)."""
    employees, days = attendance.employees, attendance.period.days
    cut = attendance.segments  # folded once by attendance; a month assembled elsewhere is cut here
    if cut is None:
        cut = month_segments(session, employees, days[0], days[-1])
    pieces = [cut[e.id] for e in employees]
    day = date(days[0].year, days[0].month, contribution_day(f"{days[0]:%Y-%m}"))
    on_day = [next(s for s in mine if s.first <= day <= s.last).terms for mine in pieces]
    for e, mine in zip(employees, pieces, strict=True):
        _check(e.code, e.name, mine)
    if all(len(mine) == 1 for mine in pieces):
        return MonthTerms(on_day, pieces, None)
    return MonthTerms(on_day, pieces, _columns(attendance, pieces))


def entity_filter(session: Session, employee_ids: list[int], entities: list[str | None]) -> Callable[[int, str], bool]:
    """`same(employee_id, period)`: whether the employee was paid by this month's entity (`entities`, in the order
    of `employee_ids`) in pay month `period`, by the dated terms of that month's contribution day. Employees whose
    records never name an entity (the company's one entity) are always the same, without folding a record."""
    now = dict(zip(employee_ids, entities, strict=True))
    dated: dict[int, list[tuple[date, str | None]]] = {}  # the records setting an entity, in date order
    for employee_id, mine in records_in_force(session, employee_ids).items():
        steps = [(r.effective_from, v["entity"]) for r in mine if "entity" in (v := json.loads(r.values_json))]
        if any(entity is not None for _, entity in steps):
            dated[employee_id] = steps

    def same(employee_id: int, period: str) -> bool:
        steps = dated.get(employee_id)
        if steps is None:
            return True
        day = date(int(period[:4]), int(period[5:7]), contribution_day(period))
        then = [entity for start, entity in steps if start <= day] or [steps[0][1]]
        return then[-1] == now[employee_id]

    return same


def _check(code: str, name: str, mine: list[Segment]) -> None:
    who = f"employee {code} ({name})"
    if len(mine) > MAX_SEGMENTS:
        dates = ", ".join(f"{s.first}" for s in mine[1:])
        raise MonthTermsError(
            f"{who}: the terms change {len(mine) - 1} times in one month (from {dates}); a month is paid in at most "
            f"{MAX_SEGMENTS} pieces: merge changes into fewer dated records (correct one to a later day)"
        )
    if len({s.terms["pay_basis"] for s in mine}) > 1:
        changed = next(s for s in mine[1:] if s.terms["pay_basis"] != mine[0].terms["pay_basis"])
        raise MonthTermsError(
            f"{who}: the pay basis changes inside the month (to {changed.terms['pay_basis']!r} from {changed.first}); "
            "a month is paid on one basis (a monthly and an hourly part cannot share the month's proration): date "
            "the change on the 1st of a month"
        )


def _columns(attendance: MonthAttendance, pieces: list[list[Segment]]) -> SegmentColumns:
    facts, n = attendance.facts, len(attendance.employees)
    width = max(len(mine) for mine in pieces)
    day_numbers = np.array([d.toordinal() for d in attendance.period.days])
    piece_of_day = np.zeros((n, len(day_numbers)), dtype=np.int64)
    for i, mine in enumerate(pieces):
        for k, segment in enumerate(mine[1:], start=1):
            piece_of_day[i, day_numbers >= segment.first.toordinal()] = k
    kind = facts[:, :, Fact.DAY_TYPE]
    workday = kind == DayType.WORKDAY  # days outside employment are rest days in the facts
    absence = facts[:, :, Fact.ABSENCE]
    paid = attendance.paid_overtime if attendance.paid_overtime is not None else np.zeros(piece_of_day.shape)
    per_day: dict[str, np.ndarray] = {
        "employed_days": workday,
        "absent_days": absence == Absence.FULL,
        "absent_half_days": absence == Absence.HALF,
        "worked_minutes": np.where(workday, facts[:, :, Fact.REGULAR_MINUTES], 0),
        "late_minutes": facts[:, :, Fact.LATE_MINUTES],
        "ot_workday_minutes": np.where(workday, paid, 0)
        + (attendance.settled_overtime if attendance.settled_overtime is not None else 0),
        "ot_restday_minutes": np.where(~workday & (kind != DayType.HOLIDAY), paid, 0),
        "ot_holiday_minutes": np.where(kind == DayType.HOLIDAY, paid, 0),
    }
    if attendance.leave is not None:
        per_day.update(attendance.leave.pay_minutes_by_day())
    else:
        per_day.update(dict.fromkeys(("paid_leave_minutes", "unpaid_leave_minutes", "sick_leave_minutes"), workday * 0))
    columns = {
        name: np.stack(
            [np.where(piece_of_day == k, values, 0).sum(axis=1, dtype=np.int64) for k in range(width)], axis=1
        )
        for name, values in per_day.items()
    }
    for rate in ("monthly_salary_fen", "hourly_rate_fen"):
        columns[rate] = np.array(
            [[(mine[k].terms[rate] or 0) if k < len(mine) else 0 for k in range(width)] for mine in pieces],
            dtype=np.int64,
        )
    assert set(columns) == set(SEGMENT_COLUMNS)
    return SegmentColumns.build(n, **columns)
