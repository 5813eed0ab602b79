"""Working-time systems (工时制度): what the attendance kernel's per-day facts pay as overtime under each.

An employee works under one of three systems, a dated term (`gateway.pay.dated_terms`, the one in force on the
month's last day applies to the month):

- ``standard`` (标准工时): the office's overtime rule (`gateway.pay.overtime_rule`) as it is; nothing here moves.
- ``comprehensive`` (综合计算工时, approved by the labour bureau for a ``wts_period`` of a week, month, quarter or
  year): the overtime of a period is the time worked in it beyond its standard hours (`payroll_core/rules/
  working-time.toml`: 40 h a week, 165 h 20 min a month, 496 h a quarter, 1,984 h a year, 人社部发〔2025〕2号), paid at
  150 % in the pay run of the month the period ends in; the earlier months pay none of it as workday or rest-day
  overtime and show the running balance (``wts_period_minutes`` against ``wts_standard_minutes``). A rest day is
  not 200 % (it counts into the period's hours). Work on a statutory holiday is 300 % in its own month, as the
  overtime rule counted it, and is not counted into the period's hours (it is paid once, as holiday work).
- ``flexible`` (不定时): no overtime pay (劳部发〔1994〕503号: 不定时 employees are outside the overtime pay of
  劳动法 art. 44); statutory-holiday work is paid 300 % only where the office rules say
  ``[working_time] flexible_holiday_pay = true`` (some cities, e.g. Shanghai's 企业工资支付办法 art. 13, pay it);
  the default false follows the national rule. The art. 41 overtime limits do not apply to them either.

The time worked in a period is the kernel's worked minutes (`Fact.WORKED_MINUTES`) of its non-holiday days plus
approved paid leave (leave types whose `paid` is 1 in the office's leave file: annual, marriage, bereavement, …;
unpaid and sick leave do not count), from the leave-days machinery (`gateway.pay.leave_days`, its pay minutes, on
workdays); a period that began in an earlier month needs that month's facts, which the caller computes
(`opening_span` says which days) and hands over as minutes per employee. Periods are calendar weeks
(Monday–Sunday), months, quarters and years. For someone hired or leaving inside a period, its standard is the
period's working days in employment × 8 h (the office calendar's workdays, 调休 included), and a leaver's period
ends, and settles, on the day they leave.

Legal limits (劳动法 art. 41): under comprehensive hours a day's hours are averaged over the period (劳部发〔1994〕
503号 art. 5: "平均日工作时间和平均周工作时间应与法定标准工作时间基本相同"), so the 3 h/day flag does not apply; the
36 h/month flag is on the settled overtime, averaged over the period's months (a quarter settling 120 h is 40 h a
month, 4 h over): ``ot_minutes_over_month_limit`` = settled − 36 h × the period's months (1 for a week or a
month, 3, 12), in the month it settles. Flexible hours have no limit flags.
Plain numpy over the month, one pass per employee on comprehensive hours.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from gateway.inputs import ValueRefused
from gateway.pay.leave_days import DAY_MINUTES
from payroll_core.attendance import Fact
from payroll_core.calendar import DayType, holiday_year
from payroll_core.rules.loader import RULES_DIR
from payroll_core.shifts import Office as CalendarOffice

SYSTEMS = ("standard", "comprehensive", "flexible")
PERIODS = ("week", "month", "quarter", "year")
WORKING_TIME_FILE = RULES_DIR / "working-time.toml"
#: 劳动法 art. 41: at most 36 hours of overtime a month; a comprehensive period's settled overtime is averaged
#: over its months (a week settles within a month).
MONTH_LIMIT_MINUTES = 36 * 60
_MONTHS = {"week": 1, "month": 1, "quarter": 3, "year": 12}
_LIMITS = ("ot_days_over_limit", "ot_minutes_over_day_limit", "ot_minutes_over_month_limit")


def system_problem(system: str, period: str | None, approval_no: str | None) -> ValueRefused | None:
    """Why the three working-time terms cannot stand together (None: they can), with the fix, in English and
    Chinese: a refusal the caller raises (a request's validator) or words into its own error."""
    if system == "standard":
        if period is not None:
            return ValueRefused(
                f"wts_period {period!r} is for comprehensive hours only: set it to null for standard hours",
                zh=f"结算周期 wts_period {period!r} 只用于综合计算工时：标准工时请留空（null）",
            )
        return None
    if system == "comprehensive" and period is None:
        return ValueRefused(
            "comprehensive hours (综合计算工时) need wts_period, the settlement period the labour bureau approved: "
            f"one of {', '.join(PERIODS)}",
            zh=f"综合计算工时需要 wts_period，即劳动部门批准的结算周期：{'、'.join(PERIODS)} 之一",
        )
    if system == "flexible" and period is not None:
        return ValueRefused(
            f"wts_period {period!r} is for comprehensive hours only: set it to null for flexible hours (不定时)",
            zh=f"结算周期 wts_period {period!r} 只用于综合计算工时：不定时工作制请留空（null）",
        )
    if not approval_no:
        return ValueRefused(
            f"{system} hours need wts_approval_no, the labour bureau's approval number (审批文号, e.g. "
            "沪人社综字〔2026〕123号): a comprehensive or flexible system without approval is standard hours in law",
            zh=f"{_SYSTEM_ZH[system]}需要 wts_approval_no，即劳动部门的审批文号（例如 沪人社综字〔2026〕123号）："
            "未经审批的综合计算工时或不定时工作制，在法律上按标准工时处理",
        )
    return None


_SYSTEM_ZH = {"comprehensive": "综合计算工时", "flexible": "不定时工作制"}


@dataclass(frozen=True)
class WorkingTime:
    """One employee's system for the month (`wts_period` only for comprehensive hours), the days of employment
    (None: open) and the office calendar that says which days are working days (for a prorated standard)."""

    system: str
    period: str | None = None
    hired_on: dt.date | None = None
    left_on: dt.date | None = None
    calendar: CalendarOffice | None = None

    @classmethod
    def of(
        cls,
        terms: dict[str, Any],
        hired_on: dt.date | None = None,
        left_on: dt.date | None = None,
        calendar: CalendarOffice | None = None,
    ) -> WorkingTime:
        return cls(terms.get("working_time_system") or "standard", terms.get("wts_period"), hired_on, left_on, calendar)

    def span(self, day: dt.date) -> tuple[dt.date, dt.date, bool]:
        """The period holding `day` cut to the employment, and whether it was cut (its standard is then prorated)."""
        assert self.period is not None
        first, last = period_of(self.period, day)
        start = max(first, self.hired_on) if self.hired_on else first
        end = min(last, self.left_on) if self.left_on else last
        return start, end, (start, end) != (first, last)

    def standard(self, day: dt.date) -> int:
        """The standard minutes of the period holding `day`: the table's, or for a period cut by employment its
        working days in employment × 8 h (the office calendar's day types)."""
        assert self.period is not None
        start, end, cut = self.span(day)
        if not cut:
            return standard_minutes(self.period)
        assert self.calendar is not None, "a prorated standard needs the office calendar"
        office, workdays = self.calendar, 0
        for n in range((end - start).days + 1):
            d = start + dt.timedelta(days=n)
            workdays += holiday_year(office.holidays, d.year).day_type(d, office.rest_weekdays) == DayType.WORKDAY
        return workdays * DAY_MINUTES


def period_of(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the settlement period of kind `period` that holds `day`."""
    if period == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    if period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    months = 3 if period == "quarter" else 1
    start = dt.date(day.year, (day.month - 1) // months * months + 1, 1)
    end_month = start.month + months
    after = dt.date(day.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return start, after - dt.timedelta(days=1)


def opening_span(period: str, month_first: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days before `month_first` of the period holding it (worked minutes the caller must add), or None."""
    first, _last = period_of(period, month_first)
    return (first, month_first - dt.timedelta(days=1)) if first < month_first else None


@cache
def standard_minutes(period: str, path: Path = WORKING_TIME_FILE) -> int:
    """The period's standard working time in minutes (the rule file's `[standard_minutes]`)."""
    with path.open("rb") as handle:
        return int(tomllib.load(handle)["standard_minutes"][period])


@cache
def flexible_holiday_pay(rule_file: Path) -> bool:
    """The office rules' `[working_time] flexible_holiday_pay` (default false, see the module doc)."""
    with rule_file.open("rb") as handle:
        value = tomllib.load(handle).get("working_time", {}).get("flexible_holiday_pay", False)
    return bool(value)


def period_minutes(facts: np.ndarray, paid_leave: np.ndarray | int = 0) -> np.ndarray:
    """Minutes that count into a comprehensive period, per employee-day: worked on a day that is no holiday, plus
    approved paid leave (`paid_leave`: int64 [employee, day], the leave-days machinery's paid minutes)."""
    counted: np.ndarray = (
        np.where(facts[:, :, Fact.DAY_TYPE] == DayType.HOLIDAY, 0, facts[:, :, Fact.WORKED_MINUTES]) + paid_leave
    ).astype(np.int64)
    return counted


@dataclass(frozen=True)
class Settled:
    """What `apply_working_time` changed: the summary columns, the paid minutes per employee-day, and the
    comprehensive overtime settled this month per employee-day (on the settled period's last day in the month),
    paid at the workday rate whatever that day's type."""

    summary: dict[str, np.ndarray]
    paid: np.ndarray
    settled: np.ndarray


def apply_working_time(
    systems: list[WorkingTime],
    holiday_pay: list[bool],
    days: list[dt.date],
    facts: np.ndarray,
    summary: dict[str, np.ndarray],
    paid: np.ndarray,
    before: np.ndarray,
    paid_leave: np.ndarray | int = 0,
) -> Settled:
    """The month's overtime pay under each employee's system (see the module doc). `paid` is the overtime
    rule's paid minutes per employee-day, `before` the minutes worked in each employee's open period before the
    month (`opening_span`; 0 where there is none), `paid_leave` the month's paid leave minutes per employee-day.
    Standard employees' columns come back as they were given."""
    n = len(systems)
    out = {key: column.copy() for key, column in summary.items()}
    paid = paid.astype(np.int64).copy()
    settled = np.zeros(paid.shape, dtype=np.int64)
    balance = {key: np.zeros(n, dtype=np.int64) for key in ("wts_period_minutes", "wts_standard_minutes")}
    holiday = facts[:, :, Fact.DAY_TYPE] == DayType.HOLIDAY
    counted = period_minutes(facts, paid_leave)
    ordinals = np.array([d.toordinal() for d in days])
    for i, wt in enumerate(systems):
        if wt.system == "standard":
            continue
        keep_holiday = wt.system == "comprehensive" or holiday_pay[i]
        paid[i] = np.where(holiday[i] & keep_holiday, paid[i], 0)
        out["ot_workday_minutes"][i] = 0
        out["ot_restday_minutes"][i] = 0
        out["ot_holiday_minutes"][i] = paid[i].sum()
        if wt.system == "flexible":
            for key in _LIMITS:
                out[key][i] = 0
            continue
        assert wt.period is not None  # system_problem refuses comprehensive hours without a period
        day = days[0]
        while day <= days[-1]:
            first, last, _cut = wt.span(day)
            inside = (ordinals >= first.toordinal()) & (ordinals <= last.toordinal())
            worked = int(counted[i, inside].sum()) + (int(before[i]) if first < days[0] else 0)
            standard = wt.standard(day)
            if last <= days[-1]:
                settled[i, (last - days[0]).days] = max(worked - standard, 0)
            balance["wts_period_minutes"][i], balance["wts_standard_minutes"][i] = worked, standard
            day = period_of(wt.period, day)[1] + dt.timedelta(days=1)
        out["ot_workday_minutes"][i] = settled[i].sum()
        out["ot_days_over_limit"][i] = out["ot_minutes_over_day_limit"][i] = 0  # averaged over the period
        months = _MONTHS[wt.period]
        out["ot_minutes_over_month_limit"][i] = max(int(settled[i].sum()) - MONTH_LIMIT_MINUTES * months, 0)
    out.update(balance)
    out["wts_settled_minutes"] = settled.sum(axis=1, dtype=np.int64)
    return Settled(out, paid, settled)
