"""Office policy of requests (`payroll_core/rules/request-policy.toml`) and the office calendar's rest days.

The policy says how many 补卡 an employee may ask for per month, how many days late, and which requests need
HR's approval after the manager's. Rest days and holidays come from the office's rule calendar through the
employee's shift (`gateway.pay.attendance.employee_shift`), the same calendar attendance is computed from.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.pay.attendance import AttendanceError, employee_shift
from gateway.pay.rosters import resolve_roster
from gateway.store import Employee, Office
from payroll_core.calendar import DayType
from payroll_core.errors import RuleDataError

POLICY_FILE = Path(__file__).parents[2] / "payroll_core" / "rules" / "request-policy.toml"
_KEYS = {
    "correction_limit_per_month",
    "correction_deadline_days",
    "hr_step_kinds",
    "hr_step_leave_days",
    "overtime_counting",
}  # the last one read by gateway.pay.overtime_rule


class RequestError(GatewayError):
    """A request cannot be made or decided as asked; the message says what and how to fix it."""


STATUS_ZH = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回", "withdrawn": "已撤回"}


@dataclass(frozen=True)
class RequestPolicy:
    correction_limit_per_month: int
    correction_deadline_days: int
    hr_step_kinds: tuple[str, ...]
    hr_step_leave_days: int


def request_policy(office: str | None, path: Path = POLICY_FILE) -> RequestPolicy:
    """The defaults with `office`'s overrides laid over them."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    raw = dict(data["policy"])
    raw.update(data.get("offices", {}).get(office, {}) if office is not None else {})
    unknown = set(raw) - _KEYS
    if unknown:
        raise RuleDataError(f"{path}: unknown policy key(s) {', '.join(sorted(unknown))}")
    return RequestPolicy(
        int(raw["correction_limit_per_month"]), int(raw["correction_deadline_days"]),
        tuple(str(kind) for kind in raw["hr_step_kinds"]), int(raw["hr_step_leave_days"]),
    )  # fmt: skip


def policy_of(session: Session, employee: Employee) -> RequestPolicy:
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    return request_policy(office.name if office else None)


def day_types(session: Session, employee: Employee, first: date, last: date) -> dict[date, int]:
    """`DayType` of each day from `first` to `last`: the office calendar's, and on a rostered day the roster's, as
    attendance judges it (a statutory holiday stays one; a rostered shift is a workday, a rostered 休 a rest day)."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    try:
        book, index = employee_shift(session, employee)
        _bounds, types = book.day_tables([first - timedelta(days=1), *days])
    except (AttendanceError, RuleDataError) as problem:
        raise RequestError(str(problem), zh=problem.zh if isinstance(problem, GatewayError) else None) from None
    office = book.shifts[index].office
    rostered = resolve_roster(session, [employee.id], first, last).get(employee.id, {})
    kinds = {}
    for n, day in enumerate(days):
        kind = int(types[office, n + 1])
        if day in rostered and kind != DayType.HOLIDAY:
            kind = DayType.WORKDAY if rostered[day] is not None else DayType.RESTDAY
        kinds[day] = kind
    return kinds


def rest_days(session: Session, employee: Employee, first: date, last: date) -> list[date]:
    """The rest days and statutory holidays between `first` and `last`."""
    return [day for day, kind in day_types(session, employee, first, last).items() if kind != DayType.WORKDAY]
