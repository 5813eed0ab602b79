"""The dashboard's figures: today per office from the attendance kernel, and month trends from stored payslips.

**Today** (`office_today`) is each office's own date in its time zone. The figures are the attendance
kernel's facts for that one day (`gateway.pay.attendance.month_attendance(..., day=)`, which reads only
the punches around it), for the employees employed on it:

- `headcount`: employed that day (hired on or before it, not left before it);
- `absent` (缺勤): the kernel's full-day absence — a workday with no punch at all, or with less regular
  time than the shift's `absent_below_minutes`, or, once the day has ended, a missing punch under the
  office's `missing_punch = "absent"`. Before people arrive, everyone not yet in is absent;
- `present` (出勤): punched at least once and not absent (on a rest day: came in anyway);
- `late` (迟到): late minutes beyond the shift's grace. The kernel judges lateness only on a day with
  its punches paired, so someone who came in late and has not punched out yet is not counted late yet;
- `missing_punch` (缺卡): an unpaired punch. During the day everyone who has punched in but not yet out
  is "missing punch" here, although the day is not over and the pay side judges it only when the
  month is computed; the count is what a clerk must chase at the day's end;
- `on_leave` (请假): employed that day with an approved leave request covering part of it (the office's
  local day); they are not counted absent.

**Trends** (`trends`) cover the last `TREND_MONTHS` pay months that have a computed or locked pay run,
per office, from the stored payslips (their attendance and figures, never recomputed): the office of a
locked payslip is its snapshot's, of a computed one the employee's office now.

- `headcount`: payslips;
- `late_rate_bp` (迟到率): employees with any late minutes ÷ headcount, in basis points (1/10,000). A
  payslip keeps the month's late minutes, not its late days, so the rate is the share of people late at
  least once in the month — what a Chinese HR report calls 迟到人数占比;
- `absence_rate_bp` (缺勤率): absent days ÷ scheduled days while employed (应出勤天数), a half-day
  absence counting half — the complement of the attendance rate (出勤率) HR offices report;
- `ot_minutes_per_employee`: overtime minutes (workday + rest day + holiday) ÷ headcount, shown against
  the statutory limit of 36 hours a month (`OT_LIMIT_MINUTES`, Labour Law art. 41);
- `gross_fen`, `net_fen`: the month's totals.

Rates and averages are integers rounded half up (`payroll_core.money.round_half_up_div`); a month
without payslips for an office is 0 throughout.

**Caching** (`FiguresCache`, one per API process): the figures are recomputed only when what they read
changed. Before each request one select reads the inputs' version (`inputs_version`): the audit chain's head
`seq` (every state change the gateway makes to employees, terms, badges, rosters, requests and their
decisions, punch corrections, leave and pay runs is audited in the same transaction, and `seq` commits in
order because each row chains to the one before) and the count of punches stamped within three days of the
days shown (punches are only inserted; the re-mapping of quarantined punches comes with an audited badge).
The offices' own rows are part of the version as read. The time of day is part of the key where it
matters: today's figures depend on the clock only through which (shift, day) has ended (`payroll_core.attendance`'s
`as_of`), so an entry is keyed by how many of the day's possible end instants (`_day_ends`) have passed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from gateway.pay.attendance import OFFICE_RULES_DIR, month_attendance, parse_period
from gateway.store import (
    RUN_COMPUTED,
    RUN_LOCKED,
    AuditLog,
    Employee,
    Office,
    PayRun,
    Payslip,
    Punch,
    StaffRequest,
)
from payroll_core.attendance import Absence, Fact
from payroll_core.errors import RuleDataError
from payroll_core.money import round_half_up_div
from payroll_core.shifts import Bound, load_rules

TREND_MONTHS = 6
OT_LIMIT_MINUTES = 36 * 60
_BP = 10_000


@dataclass(frozen=True)
class OfficeToday:
    office: str
    timezone: str
    date: dt.date
    headcount: int
    present: int
    late: int
    absent: int
    missing_punch: int
    on_leave: int


@dataclass
class OfficeTrend:
    office: str
    headcount: list[int] = field(default_factory=list)
    late_rate_bp: list[int] = field(default_factory=list)
    absence_rate_bp: list[int] = field(default_factory=list)
    ot_minutes_per_employee: list[int] = field(default_factory=list)
    gross_fen: list[int] = field(default_factory=list)
    net_fen: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Trends:
    months: list[str]
    offices: list[OfficeTrend]
    ot_limit_minutes: int = OT_LIMIT_MINUTES


def local_today(office: Office, now_utc: dt.datetime) -> dt.date:
    """The office's own date at `now_utc` (naive UTC)."""
    return now_utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(office.timezone)).date()


def office_today(session: Session, office: Office, day: dt.date, now_utc: dt.datetime | None = None) -> OfficeToday:
    """`office`'s attendance on `day` as of `now_utc` (see the module docstring for each figure)."""
    result = month_attendance(session, parse_period(f"{day:%Y-%m}"), office, day=day, now=now_utc)
    employed = np.array(
        [
            (e.hired_on is None or e.hired_on <= day) and (e.left_on is None or e.left_on >= day)
            for e in result.employees
        ],
        dtype=bool,
    )
    facts = result.facts[:, day.day - 1, :][employed]
    on_leave = _on_leave(session, [e.id for e in result.employees], day)[employed]
    absent = (facts[:, Fact.ABSENCE] == Absence.FULL) & ~on_leave
    return OfficeToday(
        office=office.name,
        timezone=office.timezone,
        date=day,
        headcount=int(employed.sum()),
        present=int(((facts[:, Fact.PUNCHES] > 0) & ~absent).sum()),
        late=int((facts[:, Fact.LATE_MINUTES] > 0).sum()),
        absent=int(absent.sum()),
        missing_punch=int((facts[:, Fact.MISSING_PUNCH] > 0).sum()),
        on_leave=int(on_leave.sum()),
    )


def _on_leave(session: Session, employee_ids: list[int], day: dt.date) -> np.ndarray:
    """Per employee: an approved leave request's window (office wall clock) overlaps `day`."""
    start = dt.datetime.combine(day, dt.time())
    found = set(
        session.scalars(
            select(StaffRequest.employee_id).where(
                StaffRequest.kind == "leave",
                StaffRequest.status == "approved",
                StaffRequest.starts_at < start + dt.timedelta(days=1),
                StaffRequest.ends_at > start,
            )
        )
    )
    return np.array([i in found for i in employee_ids], dtype=bool)


def offices_today(session: Session, now_utc: dt.datetime, day: dt.date | None = None) -> list[OfficeToday]:
    """Every office on its own today (or on `day`, the same date for every office), by office name."""
    return [
        office_today(session, office, day or local_today(office, now_utc), now_utc)
        for office in session.scalars(select(Office).order_by(Office.name))
    ]


@dataclass
class _Month:
    headcount: int = 0
    late: int = 0
    absent_half_days: int = 0  # absent days count 2, half days 1
    employed_half_days: int = 0
    ot_minutes: int = 0
    gross_fen: int = 0
    net_fen: int = 0


def _rate(part: int, whole: int) -> int:
    return int(round_half_up_div(part, whole)) if whole else 0


def trends(session: Session) -> Trends:
    """The last `TREND_MONTHS` months with a computed or locked run, per office (see the module docstring)."""
    done = (RUN_COMPUTED, RUN_LOCKED)
    months = sorted(
        session.scalars(
            select(PayRun.period)
            .distinct()
            .where(PayRun.status.in_(done))
            .order_by(PayRun.period.desc())
            .limit(TREND_MONTHS)
        )
    )
    if not months:
        return Trends(months=[], offices=[])
    names: dict[int | None, str] = dict(session.execute(select(Office.id, Office.name)).all())
    figures: dict[tuple[str, str], _Month] = defaultdict(_Month)
    rows = session.execute(
        select(
            PayRun.period,
            Payslip.office_name,
            Employee.office_id,
            Payslip.gross_fen,
            Payslip.net_fen,
            Payslip.attendance_json,
        )
        .join(PayRun, Payslip.payrun_id == PayRun.id)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(PayRun.status.in_(done), PayRun.period.in_(months))
    )
    for period, snapshot_office, office_id, gross, net, attendance_json in rows:
        office = snapshot_office or names.get(office_id) or ""
        attendance = json.loads(attendance_json)
        month = figures[(office, period)]
        month.headcount += 1
        month.late += attendance["late_minutes"] > 0
        month.absent_half_days += 2 * attendance["absent_days"] + attendance["absent_half_days"]
        month.employed_half_days += 2 * attendance["employed_days"]
        month.ot_minutes += (
            attendance["ot_workday_minutes"] + attendance["ot_restday_minutes"] + attendance["ot_holiday_minutes"]
        )
        month.gross_fen += gross
        month.net_fen += net
    offices = []
    for office in sorted({office for office, _period in figures}):
        trend = OfficeTrend(office)
        for period in months:
            month = figures.get((office, period), _Month())
            trend.headcount.append(month.headcount)
            trend.late_rate_bp.append(_rate(month.late * _BP, month.headcount))
            trend.absence_rate_bp.append(_rate(month.absent_half_days * _BP, month.employed_half_days))
            trend.ot_minutes_per_employee.append(_rate(month.ot_minutes, month.headcount))
            trend.gross_fen.append(month.gross_fen)
            trend.net_fen.append(month.net_fen)
        offices.append(trend)
    return Trends(months=months, offices=offices)


# Punches this far around a shown day are what its figures can read (the attendance reads ±2 days).
_PUNCH_REACH = dt.timedelta(days=3)
_MAX_ENTRIES = 256  # (office, day, phase) entries per version: a few days browsed; beyond that start afresh


def inputs_version(session: Session, days: list[dt.date]) -> tuple[int | None, int]:
    """(the audit chain's head `seq`, the punches stamped within `_PUNCH_REACH` of `days`) in one select.

    Both come from an index (`audit_log.seq` UNIQUE, `ix_punches_ts_utc_id`). A punch's id is no marker on
    PostgreSQL (two gateways' transactions may commit their ids out of order), its count in the window is."""
    low = dt.datetime.combine(min(days), dt.time()) - _PUNCH_REACH
    high = dt.datetime.combine(max(days), dt.time()) + _PUNCH_REACH
    seq, punches = session.connection().execute(_INPUTS_VERSION, {"low": low, "high": high}).one()
    return seq, punches


# Built once: every dashboard request runs it, and building it cost as much as running it.
_INPUTS_VERSION = select(
    select(func.max(AuditLog.seq)).scalar_subquery(),
    select(func.count()).where(Punch.ts_utc >= bindparam("low"), Punch.ts_utc < bindparam("high")).scalar_subquery(),
)


@cache
def _day_ends(day: dt.date) -> tuple[int, ...]:
    """Every UTC minute at which a (shift, day) of `day` or the day before can end, over every shift of every
    office rule file: the kernel's `in_progress` for those days is the same between two consecutive ones."""
    ends: set[int] = set()
    for path in sorted(OFFICE_RULES_DIR.glob("*.toml")):
        try:
            book = load_rules([path])
        except RuleDataError:  # a broken file serves no office: month_attendance says so where it is used
            continue
        for d in (day - dt.timedelta(days=1), day):
            bounds, _types = book.day_tables([d])  # the first day is the day before: no holiday lookup
            for i, shift in enumerate(book.shifts):
                tz = ZoneInfo(book.offices[shift.office].timezone)
                midnight = dt.datetime.combine(d + dt.timedelta(days=1), dt.time(), tz)
                ends.add(max(int(midnight.timestamp()) // 60, int(bounds[i, 0, Bound.WIN_END])))
    return tuple(sorted(ends))


def _phase(day: dt.date, now_utc: dt.datetime) -> int:
    """How many of `day`'s end instants have passed at `now_utc` (naive UTC), at the kernel's minute."""
    minute = int(now_utc.replace(tzinfo=dt.UTC).timestamp()) // 60
    return bisect.bisect_right(_day_ends(day), minute)


class FiguresCache:
    """The dashboard's figures of one process, exact: recomputed only when `inputs_version` or the key moved.

    Thread-safe (FastAPI runs sync routes in a thread pool). Figures are computed after the version is read,
    inside the same read, so they are never older than the version they are stored under. One computation at a
    time (`_computing`): requests that miss while another computes wait for it, their pooled connection given
    back meanwhile, and take its figures when their version is the same, so fifty clients arriving after a punch
    cost one computation, not fifty at once each fifty times slower (on PostgreSQL that herd held every pooled
    connection for over 30 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._computing = threading.Lock()
        self._version: object = None
        self._today: dict[tuple[int, dt.date, int], OfficeToday] = {}
        self._trends: Trends | None = None

    def figures(
        self, session: Session, now_utc: dt.datetime, day: dt.date | None = None
    ) -> tuple[list[OfficeToday], Trends]:
        """(`offices_today(session, now_utc, day)`, `trends(session)`), from the cache where still exact."""
        offices = list(session.scalars(select(Office).order_by(Office.name)))
        days = [day or local_today(office, now_utc) for office in offices]
        version = (inputs_version(session, days or [now_utc.date()]), tuple(map(_office_row, offices)))
        keys = [
            (office.id, office_day, _phase(office_day, now_utc))
            for office, office_day in zip(offices, days, strict=True)
        ]
        known, trend = self._cached(version)
        if trend is None or any(key not in known for key in keys):
            if not self._computing.acquire(blocking=False):
                # Wait for the other computation without holding a pooled connection: ten waiters holding
                # theirs left none for the requests behind them (503 on PostgreSQL's cold dashboard). What
                # this request computes after the wait is read afresh, so never older than `version`.
                session.rollback()
                self._computing.acquire()
            try:
                known, trend = self._cached(version)  # what the computation just before this one stored
                fresh = {
                    key: office_today(session, office, office_day, now_utc)
                    for key, office, office_day in zip(keys, offices, days, strict=True)
                    if key not in known
                }
                if trend is None:
                    trend = trends(session)
                with self._lock:
                    if version == self._version:
                        if len(self._today) + len(fresh) > _MAX_ENTRIES:
                            self._today = {}
                        self._today.update(fresh)
                        self._trends = trend
                known = known | fresh
            finally:
                self._computing.release()
        return [known[key] for key in keys], trend

    def _cached(self, version: object) -> tuple[dict[tuple[int, dt.date, int], OfficeToday], Trends | None]:
        """The figures stored under `version` (a new version empties the cache first)."""
        with self._lock:
            if version != self._version:
                self._version, self._today, self._trends = version, {}, None
            return dict(self._today), self._trends


def _office_row(office: Office) -> tuple[object, ...]:
    """The office row as read (offices come from the config, unaudited): a zone or shift rule changed by a
    config sync is a new version."""
    return tuple(getattr(office, column.key) for column in Office.__table__.columns)
