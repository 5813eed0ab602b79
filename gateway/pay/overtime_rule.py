"""The office's overtime counting method, applied to the attendance kernel's per-day overtime facts.

The kernel finds overtime in the punches (`payroll_core.attendance`: worked after the shift's end on a workday,
all of it on a rest day or holiday, rounded by the shift's `ot_min_minutes` / `ot_unit_minutes`) and puts it in
the day's bucket: workday (150 %), rest day (200 %), holiday (300 %). What of it counts is office policy,
`overtime_counting` in `payroll_core/rules/request-policy.toml` (the three methods Chinese HR systems offer):

- ``approved_hours`` (the default): the hours of the day's APPROVED overtime requests (`staff_requests.amount`),
  never more than the punches show (K, the kernel's minutes of that day);
- ``approved_window``: the punched overtime that lies inside an approved request's window, measured by the
  kernel's own interval arithmetic on the day's punches clipped to the window, rounded like the kernel's, at
  most K;
- ``punches``: K as it is, no approval needed.

Per employee-day, with P the counted minutes of requests compensated by pay and L those taken as time off in
lieu (调休, accrued to the leave ledger when the request was approved; P = K under ``punches``):
counted = min(K, P + L), in lieu = min(counted, L), paid = counted − in lieu (`payroll_core.overtime`, which the
pay case files use too). The facts keep the counted minutes
(what was worked as recognised overtime, incl. 调休), the summary's ``ot_*_minutes`` the paid ones, and
``ot_in_lieu_minutes`` the part not paid because it was taken as time off. A request counts on the day it
starts (the attendance day a shift belongs to); the day's type decides its bucket, never the request.

Limits (劳动法 art. 41, `[overtime_limits]` of the policy file): counted overtime beyond 3 hours a day or
36 hours a month is flagged, per employee-day (`over_day_limit`) and in the summary
(``ot_days_over_limit``, ``ot_minutes_over_day_limit``, ``ot_minutes_over_month_limit``), computed with numpy
over the whole month at once; the pay run's lock warns of it (`gateway.pay.lock_checks`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.store import Employee, Office, StaffRequest
from payroll_core.attendance import Fact, Period, PunchColumns, _add_interval, roster_day_type, round_overtime
from payroll_core.calendar import DayType
from payroll_core.overtime import METHODS, Method, count_overtime_minutes
from payroll_core.rules.loader import RULES_DIR
from payroll_core.shifts import Bound, Param, PunchMode, RuleBook, ShiftKind

POLICY_FILE = RULES_DIR / "request-policy.toml"
_BUCKETS = (Fact.OT_WORKDAY_MINUTES, Fact.OT_RESTDAY_MINUTES, Fact.OT_HOLIDAY_MINUTES)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class OvertimeRuleError(GatewayError):
    """The overtime policy cannot be read (an unknown method); the message names the file and the fix."""


@dataclass(frozen=True)
class OvertimePolicy:
    method: Method
    day_limit_minutes: int
    month_limit_minutes: int


@dataclass(frozen=True)
class OvertimeScope:
    """What `gateway.pay.attendance.month_attendance` computed the facts from."""

    period: Period
    employees: list[Employee]
    offices: list[Office]
    book: RuleBook
    roster: np.ndarray  # shift index per employee, as the kernel got it
    punches: PunchColumns
    roster_day: np.ndarray | None = None  # int8 [employee, day + 1]: RosterDay, as the kernel got it


@cache
def _policy_data(path: Path) -> dict[str, object]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def overtime_policy(office: str | None, path: Path | None = None) -> OvertimePolicy:
    """The office's counting method (its override of `[policy] overtime_counting`) and the legal limits."""
    path = path or POLICY_FILE
    data = _policy_data(path)
    method = data["policy"]["overtime_counting"]  # type: ignore[index]
    offices: dict[str, dict[str, object]] = data.get("offices", {})  # type: ignore[assignment]
    method = offices.get(office or "", {}).get("overtime_counting", method)
    if method not in METHODS:
        raise OvertimeRuleError(
            f"{path}: overtime_counting {method!r} for office {office!r} is not a counting method; "
            f"use one of {', '.join(METHODS)}"
        )
    limits: dict[str, int] = data["overtime_limits"]  # type: ignore[assignment]
    return OvertimePolicy(method, int(limits["day_minutes"]), int(limits["month_minutes"]))


def _utc_minute(local: dt.datetime, zone: ZoneInfo) -> int:
    return int((local.replace(tzinfo=zone) - _EPOCH).total_seconds()) // 60


class _Punched:
    """The kernel's view of the punches, built once per call for the days that need `approved_window`."""

    def __init__(self, scope: OvertimeScope) -> None:
        self.scope = scope
        self.params = scope.book.params()
        days = scope.period.days
        self.bounds, self.day_type = scope.book.day_tables([days[0] - dt.timedelta(days=1), *days])
        order = np.lexsort((scope.punches.utc_minute, scope.punches.employee))
        self.employee, self.minute = scope.punches.employee[order], scope.punches.utc_minute[order]

    def window_minutes(self, e: int, d: int, windows: list[tuple[int, int]]) -> int:
        """Punched overtime of employee `e` on day `d` (0-based) inside `windows` (UTC minutes), rounded as the
        kernel rounds.

        The day's punches are the kernel's: those its shift window holds (a punch the day before's window also
        holds is that day's), double taps dropped, first..last or pairs by the shift's punch mode. Each interval
        is clipped to a window and measured by the kernel's `_add_interval`: time after the shift's end on a
        workday of a fixed shift, all worked time otherwise (rest days, holidays, flexible shifts), net of
        unpaid breaks.
        """
        roster = self.scope.roster
        shift = int(roster[e] if roster.ndim == 1 else roster[e, d + 1])
        params = self.params[shift]
        bnd, before = self.bounds[shift, d + 1], self.bounds[shift, d]
        lo_row, hi_row = np.searchsorted(self.employee, [e, e + 1])
        minutes = self.minute[lo_row:hi_row]
        low = max(int(bnd[Bound.WIN_START]), int(before[Bound.WIN_END]) + 1)
        kept: list[int] = []
        for t in minutes[(minutes >= low) & (minutes <= bnd[Bound.WIN_END])].tolist():
            if not kept or t - kept[-1] >= params[Param.DOUBLE_TAP]:
                kept.append(t)
        if params[Param.MODE] == PunchMode.PAIRS:
            intervals = list(zip(kept[0::2], kept[1::2], strict=False))
        else:
            intervals = [(kept[0], kept[-1])] if len(kept) >= 2 else []
        rostered = 0 if self.scope.roster_day is None else int(self.scope.roster_day[e, d + 1])
        workday = roster_day_type(self.day_type[params[Param.OFFICE], d + 1], rostered) == DayType.WORKDAY
        after_end = workday and params[Param.KIND] != ShiftKind.FLEX
        total = 0
        acc = np.zeros(3, dtype=np.int64)
        for start, end in windows:
            for a, b in intervals:
                if max(a, start) < min(b, end):
                    acc[:] = 0
                    _add_interval(max(a, start), min(b, end), bnd, int(params[Param.N_BREAKS]), acc)
                    total += int(acc[2] if after_end else acc[0])
        return int(round_overtime(total, int(params[Param.OT_MIN]), int(params[Param.OT_UNIT])))


def _approved(session: Session, scope: OvertimeScope) -> dict[tuple[int, int], list[StaffRequest]]:
    """The month's approved overtime requests of the employees in scope, by (employee index, day index): one query."""
    first = dt.datetime.combine(scope.period.days[0], dt.time())
    after = dt.datetime.combine(scope.period.days[-1] + dt.timedelta(days=1), dt.time())
    index = {employee.id: i for i, employee in enumerate(scope.employees)}
    found: dict[tuple[int, int], list[StaffRequest]] = defaultdict(list)
    for row in session.scalars(
        select(StaffRequest).where(
            StaffRequest.kind == "overtime",
            StaffRequest.status == "approved",
            StaffRequest.starts_at >= first,
            StaffRequest.starts_at < after,
        )
    ):
        if row.employee_id in index:
            found[(index[row.employee_id], (row.starts_at.date() - scope.period.days[0]).days)].append(row)
    return found


def count_overtime(
    session: Session, scope: OvertimeScope, facts: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Apply each office's method to `facts` (int32 [employee, day, Fact], changed in place: the overtime
    columns become the counted minutes) and return the summary columns it decides (see the module doc) and the
    paid minutes per employee-day (int64 [employee, day]; the day's type says the bucket), which a month cut by
    a raise pays at each day's rate."""
    n, days = facts.shape[0], facts.shape[1]
    kernel = facts[:, :, list(_BUCKETS)].sum(axis=2)
    by_office = {office.id: office for office in scope.offices}
    policies = {office.id: overtime_policy(office.name) for office in scope.offices}
    punches_only = np.array([policies[e.office_id].method == "punches" for e in scope.employees], dtype=np.bool_)  # type: ignore[index]
    paid_asked = np.where(punches_only[:, None], kernel, 0).astype(np.int64)
    in_lieu_asked = np.zeros((n, days), dtype=np.int64)
    punched: _Punched | None = None
    for (e, d), rows in _approved(session, scope).items():
        if not 0 <= d < days:
            continue
        employee = scope.employees[e]
        method = policies[employee.office_id].method  # type: ignore[index]
        zone = ZoneInfo(by_office[employee.office_id].timezone)  # type: ignore[index]
        for comp, asked in (("pay", paid_asked), ("time_off", in_lieu_asked)):
            mine = [row for row in rows if row.comp == comp]
            if not mine or (method == "punches" and comp == "pay"):
                continue
            if method == "approved_window":
                windows = [(_utc_minute(r.starts_at, zone), _utc_minute(r.ends_at, zone)) for r in mine]
                punched = punched or _Punched(scope)
                asked[e, d] += punched.window_minutes(e, d, windows)
            else:
                asked[e, d] += sum(r.amount for r in mine)
    paid, in_lieu = count_overtime_minutes(kernel, paid_asked, in_lieu_asked)
    kind = facts[:, :, Fact.DAY_TYPE]
    bucket = np.where(kind == DayType.WORKDAY, 0, np.where(kind == DayType.HOLIDAY, 2, 1))
    summary: dict[str, np.ndarray] = {}
    for b, fact in enumerate(_BUCKETS):
        mine = bucket == b
        facts[:, :, fact] = np.where(mine, paid + in_lieu, 0)
        summary[fact.name.lower()] = np.where(mine, paid, 0).sum(axis=1, dtype=np.int64)
    summary["ot_in_lieu_minutes"] = in_lieu.sum(axis=1, dtype=np.int64)
    summary.update(limit_columns(facts, [policies[e.office_id] for e in scope.employees]))  # type: ignore[index]
    return summary, paid


def day_overtime(facts: np.ndarray) -> np.ndarray:
    """Counted overtime minutes per employee-day (every bucket): int64 [employee, day]."""
    total: np.ndarray = facts[..., list(_BUCKETS)].sum(axis=-1, dtype=np.int64)
    return total


def limit_columns(facts: np.ndarray, policies: list[OvertimePolicy]) -> dict[str, np.ndarray]:
    """The summary's limit columns, over every employee at once (numpy, no loop per employee)."""
    return over_limits(day_overtime(facts), policies)


def over_limits(per_day: np.ndarray, policies: list[OvertimePolicy]) -> dict[str, np.ndarray]:
    """Limit columns of counted overtime minutes per employee-day (int [employee, day]), one policy per employee."""
    daily = np.array([p.day_limit_minutes for p in policies], dtype=np.int64)
    monthly = np.array([p.month_limit_minutes for p in policies], dtype=np.int64)
    beyond = np.maximum(per_day - daily[:, None], 0)
    return {
        "ot_days_over_limit": (beyond > 0).sum(axis=1, dtype=np.int64),
        "ot_minutes_over_day_limit": beyond.sum(axis=1, dtype=np.int64),
        "ot_minutes_over_month_limit": np.maximum(per_day.sum(axis=1) - monthly, 0),
    }


def calendar_limits(office: str, minutes: list[int]) -> tuple[list[bool], dict[str, int]]:
    """For one employee's month calendar: per day whether its overtime passes the daily limit, and the limit
    columns of the month (`minutes`: counted overtime of each day counted so far, 0 for days still to come)."""
    policy = overtime_policy(office)
    columns = over_limits(np.array([minutes], dtype=np.int64), [policy])
    return [m > policy.day_limit_minutes for m in minutes], {key: int(value[0]) for key, value in columns.items()}
