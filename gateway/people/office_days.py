"""The kind of each day of a month in an office's calendar — workday, rest day, statutory holiday or make-up
workday (调休上班) — for screens that mark the days, such as the roster's head row.

It reads the office's own rule file (`shift_rule`), as an employee of the office on its shift would: the same
reading `gateway.pay.month_calendar` gives each day of an employee's month. A year without a published calendar
is a `RosterError` naming what to add.
"""

from __future__ import annotations

from gateway.pay.attendance import AttendanceError, resolve_shift_rule
from gateway.pay.month_calendar import DayKind
from gateway.people.rosters import RosterError
from gateway.store import Office
from payroll_core.attendance import Period
from payroll_core.calendar import DayType, holiday_year
from payroll_core.errors import RuleDataError
from payroll_core.shifts import load_rules

_KINDS: dict[DayType, DayKind] = {DayType.WORKDAY: "workday", DayType.RESTDAY: "rest_day", DayType.HOLIDAY: "holiday"}


def office_day_kinds(office: Office, period: Period) -> list[DayKind]:
    """One kind per day of `period`, in order."""
    try:
        rules = load_rules([resolve_shift_rule(office).path]).offices[0]
        year = holiday_year(rules.holidays, period.year)
    except (AttendanceError, RuleDataError) as exc:
        raise RosterError(f"office {office.name!r}: {exc}") from None
    kinds: list[DayKind] = []
    for day in period.days:
        kind = _KINDS[year.day_type(day, rules.rest_weekdays)]
        kinds.append("makeup_workday" if kind == "workday" and day in year.makeup_workdays else kind)
    return kinds
