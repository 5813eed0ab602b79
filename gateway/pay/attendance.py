"""Attendance assembly: stored punches → numpy columns → `payroll_core.attendance` → month summaries.

Which shift an office works comes from `Office.shift_rule`, read as ``RULES/SHIFT``: the office rule
file ``payroll_core/rules/offices/RULES.toml`` and the shift named SHIFT in it (e.g. ``dongguan/day``).
``RULES`` alone takes the file's first shift, and the config default ``standard`` means the first
shift of the file named like the office's city, so a config that never mentions shifts still works.
An employee's own `Employee.shift_rule` overrides the office's: ``SHIFT`` (a shift of the office's rule
file, e.g. ``night``) or ``RULES/SHIFT`` (a rule file keeping the office's timezone), so day and night
workers share one office. Employees are grouped by (office, own shift_rule) to resolve each shift once;
the kernel gets one RuleBook with every rule file in scope and a per-employee roster, in one call.

A rostered employee (`gateway.pay.rosters`: a roster cell or a crew pattern on a day) works the rostered shift
of the office's rule file that day, and the roster decides the day's type (`payroll_core.attendance.RosterDay`):
a rostered shift makes a workday (a Saturday too), a rostered rest day a rest day (its punches are judged in the
employee's fixed shift's window, so coming in anyway is rest-day overtime), a statutory holiday stays a holiday.
Days no roster decides keep the fixed shift and the calendar, exactly as for an employee without a roster.

Days outside an employee's employment (before `hired_on`, after `left_on`) are blanked before the
month summary is made: a joiner is not absent on the days before joining. `scheduled_days` is the
month's scheduled workdays, `employed_days` the part of them while employed (the pay pipeline
prorates a joiner's base pay by the two).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, CursorResult, cast, extract, func, select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.inputs import year_problem
from gateway.pay.dated_terms import Segment, month_segments, paying_office
from gateway.pay.id_chunks import by_id_chunks
from gateway.pay.leave_days import MonthLeave, month_leave
from gateway.pay.overtime_rule import OvertimeScope, consecutive_columns, count_overtime
from gateway.pay.rosters import Cell, resolve_roster
from gateway.pay.working_time import (
    Settled,
    WorkingTime,
    apply_working_time,
    flexible_holiday_pay,
    opening_span,
    period_minutes,
)
from gateway.store import Employee, EmployeeTerms, Office, Punch, PunchCorrection, utcnow
from payroll_core.attendance import (
    N_FACTS,
    AttendanceInputError,
    Fact,
    Period,
    PunchColumns,
    RosterDay,
    compute_attendance,
    summarize,
)
from payroll_core.calendar import DayType
from payroll_core.errors import RuleDataError
from payroll_core.rules.loader import RULES_DIR
from payroll_core.shifts import RuleBook, Shift
from payroll_core.shifts import load_rules as load_office_rules

OFFICE_RULES_DIR = RULES_DIR / "offices"
DEFAULT_SHIFT_RULE = "standard"
T = TypeVar("T")
#: Punches this far either side of the month are read, so night shifts at both month ends see both
#: their punches (the kernel ignores punches outside every shift window).
_MARGIN = dt.timedelta(days=2)
_PUNCH_BATCH = 100_000


class AttendanceError(GatewayError):
    """Attendance cannot be assembled (bad period, unknown shift rule, ...); the message says how to fix it."""


@dataclass(frozen=True)
class MonthAttendance:
    """Per-employee month figures, one row per entry of `employees` (ordered by employee code)."""

    period: Period
    employees: list[Employee]
    # int32 [employee, day of the month, Fact]: the kernel's per-day facts, days outside employment
    # blanked to rest days (what the summary is made from)
    facts: np.ndarray
    # int64 columns, keys as `payroll_core.attendance.summarize` (scheduled_days: the whole month's
    # scheduled workdays) plus "employed_days", "worked_minutes" (regular, non-overtime minutes) and the
    # approved leave's paid_leave_minutes, unpaid_leave_minutes, sick_leave_minutes (pay inputs)
    summary: dict[str, np.ndarray]
    leave: MonthLeave | None = None  # approved leave per day and type (`gateway.pay.leave_days`)
    # int64 [employee, day]: the overtime minutes paid (the overtime rule's; the day's type is the bucket)
    paid_overtime: np.ndarray | None = None
    # int64 [employee, day]: comprehensive-hours overtime settled this month (`gateway.pay.working_time`), paid at
    # the workday rate whatever the day's type; None = nobody's
    settled_overtime: np.ndarray | None = None
    # per employee id, the month cut by the dated terms (`dated_terms.month_segments`): folded once per run and
    # read again by the pay side (`month_terms`); None = not cut (an empty month)
    segments: dict[int, list[Segment]] | None = None

    def row(self, i: int) -> dict[str, int]:
        return {key: int(column[i]) for key, column in self.summary.items()}


def parse_period(text: str) -> Period:
    """The pay month `text` (YYYY-MM) names; its year must pass the one year rule of `gateway.inputs`."""
    try:
        period = Period.parse(text)
    except AttendanceInputError as exc:
        raise AttendanceError(str(exc)) from None
    problem = year_problem(period.year)
    if problem is not None:
        raise AttendanceError(f"period {text!r}: {problem}")
    return period


@dataclass(frozen=True)
class ShiftRef:
    """A shift a `shift_rule` names: its office rule file, and the shift's name (None: the file's first)."""

    path: Path
    shift: str | None


def _rule_file(rules_name: str) -> Path:
    path = OFFICE_RULES_DIR / f"{rules_name}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in OFFICE_RULES_DIR.glob("*.toml")))
        raise AttendanceError(
            f"the office rule file {path} does not exist; "
            f'set shift_rule to RULES/SHIFT with RULES one of: {known} (e.g. "{known.split(", ")[0]}")'
        )
    return path


def resolve_shift_rule(office: Office) -> ShiftRef:
    """The shift that `office.shift_rule` names."""
    rule = office.shift_rule or DEFAULT_SHIFT_RULE
    if rule == DEFAULT_SHIFT_RULE:
        return ShiftRef(_rule_file(office.city), None)
    rules_name, _, shift_name = rule.partition("/")
    return ShiftRef(_rule_file(rules_name), shift_name or None)


def resolve_employee_shift(office: Office, rule: str | None) -> ShiftRef:
    """The shift an employee of `office` works: `rule` is the employee's own `shift_rule` (None: the office's).

    ``SHIFT`` is a shift of the office's rule file, ``RULES/SHIFT`` a shift of the rule file RULES.
    """
    if rule is None:
        return resolve_shift_rule(office)
    rules_name, slash, shift = rule.rpartition("/")
    if not shift:
        raise AttendanceError(
            'names no shift: give SHIFT or RULES/SHIFT, e.g. "night"',
            zh="没有写班次：请写成 班次 或 规则/班次，例如 night",
        )
    return ShiftRef(_rule_file(rules_name) if slash else resolve_shift_rule(office).path, shift)


def _shift_index(book: RuleBook, office: Office, rule: str | None) -> int:
    """Index in `book` (which holds the rule file) of the shift that `rule` names for an employee of `office`."""
    ref = resolve_employee_shift(office, rule)
    file_index = next(i for i, rules in enumerate(book.offices) if rules.source == ref.path)
    own = [i for i, s in enumerate(book.shifts) if s.office == file_index]
    zone = book.offices[file_index].timezone
    if rule is not None and "/" in rule and zone != office.timezone:
        # Punches are turned into UTC with the office's zone, shift times with the rule file's.
        raise AttendanceError(
            f"rule file {ref.path.stem!r} keeps time in {zone}, but office {office.name!r} is in "
            f"{office.timezone}: pick a shift of a rule file in the office's timezone",
            zh=f"规则文件 {ref.path.stem!r} 按 {zone} 计时，而办公地点 {office.name!r} 在 {office.timezone}："
            "请选择与办公地点同一时区的规则文件中的班次",
        )
    if ref.shift is None:
        return own[0]
    for i in own:
        if book.shifts[i].name == ref.shift:
            return i
    known = ", ".join(book.shifts[i].name for i in own)
    raise AttendanceError(
        f"rule file {ref.path.stem!r} has no shift {ref.shift!r}; its shifts are: {known}",
        zh=f"规则文件 {ref.path.stem!r} 中没有班次 {ref.shift!r}，现有班次：{known.replace(', ', '、')}",
    )


def _load(paths: set[Path]) -> RuleBook:
    try:
        return load_office_rules(sorted(paths))
    except RuleDataError as exc:
        raise AttendanceError(str(exc)) from None


def check_employee_shift(office: Office, rule: str) -> None:
    """Raise AttendanceError, saying how to fix it, unless `rule` names a shift for an employee of `office`."""
    try:
        office_path = resolve_shift_rule(office).path
    except AttendanceError as exc:
        raise AttendanceError(f"office {office.name!r} has shift_rule {office.shift_rule!r}: {exc}") from None
    try:
        _shift_index(_load({office_path, resolve_employee_shift(office, rule).path}), office, rule)
    except AttendanceError as exc:
        raise AttendanceError(
            f"shift_rule {rule!r}: {exc}; give a shift of office {office.name!r} (rule file "
            f"{office_path.stem!r}), RULES/SHIFT, or null for the office's shift",
            zh=None
            if exc.zh is None
            else f"班次 {rule!r}：{exc.zh}；请填写办公地点 {office.name!r} 的班次（规则文件 {office_path.stem!r}）、"
            "规则/班次，或留空使用办公地点的班次",
        ) from None


def office_shifts(office: Office) -> list[Shift]:
    """The shifts of `office`'s rule file, in file order: the names a roster cell of the office may hold."""
    path = resolve_shift_rule(office).path
    book = _load({path})
    return list(book.shifts)


def _roster(
    offices: list[Office], employees: list[Employee], rostered_offices: frozenset[int] = frozenset()
) -> tuple[RuleBook, np.ndarray]:
    """One RuleBook for every rule file in scope, and each employee's shift index in it.

    Employees are grouped by (office, own shift_rule), so each rule file is read once and each distinct
    shift resolved once. An error names the office, or for an employee's own shift_rule the first
    employee that has it. The rule files of `rostered_offices` (ids) are loaded too: their roster cells name
    their shifts.
    """
    by_id = {office.id: office for office in offices}
    groups: dict[tuple[int, str | None], list[Employee]] = {}
    for e in employees:
        groups.setdefault((e.office_id, e.shift_rule), []).append(e)  # type: ignore[arg-type]

    def failed(office_id: int, rule: str | None, exc: AttendanceError) -> AttendanceError:
        office = by_id[office_id]
        if rule is None:
            return AttendanceError(f"office {office.name!r}, shift_rule {office.shift_rule!r}: {exc}")
        first, more = groups[(office_id, rule)][0], len(groups[(office_id, rule)]) - 1
        also = f" and {more} more employee(s)" if more else ""
        return AttendanceError(
            f"employee {first.code} ({first.name}){also} of office {office.name!r}, shift_rule "
            f"{rule!r}: {exc}; correct the shift_rule, or set it to null for the office's shift"
        )

    for office_id in {
        office_id for office_id, _ in groups
    }:  # an office's own rule first, so its error names the office
        try:
            resolve_shift_rule(by_id[office_id])
        except AttendanceError as exc:
            raise failed(office_id, None, exc) from None

    def resolve(key: tuple[int, str | None], step: Callable[[Office, str | None], T]) -> T:
        try:
            return step(by_id[key[0]], key[1])
        except AttendanceError as exc:
            raise failed(*key, exc) from None

    book = _load(
        {resolve(key, resolve_employee_shift).path for key in groups}
        | {resolve_shift_rule(by_id[office_id]).path for office_id in rostered_offices}
    )
    index = {key: resolve(key, partial(_shift_index, book)) for key in groups}
    roster = np.array([index[(e.office_id, e.shift_rule)] for e in employees], dtype=np.int32)  # type: ignore[index]
    return book, roster


def fixed_shifts(office: Office, employees: list[Employee]) -> tuple[RuleBook, np.ndarray]:
    """The shift index each of `office`'s `employees` works without a roster, in a RuleBook that also holds the
    office's own rule file (the shifts its roster cells name)."""
    return _roster([office], employees, frozenset({office.id}))


def _apply_roster(
    book: RuleBook,
    offices: list[Office],
    employees: list[Employee],
    fixed: np.ndarray,
    cells: dict[int, dict[dt.date, Cell]],
    days: list[dt.date],
) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's `[n, days + 1]` roster and `roster_day` from the fixed shift indices (`fixed`, one per row)
    and the rostered days of `employees` (`cells`, by employee id; `days` the day before the month, then the
    month). Rows after `employees` (a transfer's copies) keep their fixed shift. A rostered shift is looked up in
    the office's rule file; a rest day keeps the fixed shift's window."""
    roster = np.repeat(fixed[:, None], len(days), axis=1).astype(np.int32)
    roster_day = np.zeros(roster.shape, dtype=np.int8)
    by_id = {office.id: office for office in offices}
    for row, e in enumerate(employees):
        mine = cells.get(e.id)
        if not mine:
            continue
        office = by_id[e.office_id]  # type: ignore[index]
        rule_file = book.shifts[_shift_index(book, office, None)].office
        if book.shifts[int(fixed[row])].office != rule_file:
            raise AttendanceError(
                f"employee {e.code} ({e.name}) is rostered with shifts of office {office.name!r}, but their "
                f"shift_rule {e.shift_rule!r} is a shift of another rule file: set it to a shift of the office's "
                "rule file, or to null"
            )
        named = {s.name: i for i, s in enumerate(book.shifts) if s.office == rule_file}
        for d, day in enumerate(days):
            if day not in mine:
                continue
            shift = mine[day]
            if shift is None:
                roster_day[row, d] = RosterDay.REST
            elif shift in named:
                roster[row, d], roster_day[row, d] = named[shift], RosterDay.SHIFT
            else:
                raise AttendanceError(
                    f"employee {e.code} ({e.name}) is rostered on {day} for shift {shift!r}, which office "
                    f"{office.name!r} has no longer; its shifts are: {', '.join(named)}; correct the roster cell"
                )
    return roster, roster_day


def employees_in_scope(
    session: Session, period: Period, office: Office | None, *, only: int | None = None
) -> list[Employee]:
    """Employees of `office` (None: of every office) employed on at least one day of `period`;
    with `only` (an employee id), that employee alone if they are in scope.

    An employee is of `office` for the month when the dated terms hold that office on their last employed day
    of it (`paying_office`), whatever their office today: a past month's run after a transfer pays the person
    where they were. Only the row's office and employees with dated records are read as candidates."""
    first, last = period.days[0], period.days[-1]
    query = select(Employee).where(Employee.office_id.is_not(None))
    if office is not None:
        dated = select(EmployeeTerms.employee_id)
        query = query.where((Employee.office_id == office.id) | Employee.id.in_(dated))
    if only is not None:
        query = query.where(Employee.id == only)
    query = query.where((Employee.hired_on.is_(None)) | (Employee.hired_on <= last))
    query = query.where((Employee.left_on.is_(None)) | (Employee.left_on >= first))
    employees = list(session.scalars(query.order_by(Employee.code)))
    if office is None:
        return employees
    paid_by = paying_office(session, employees, last)
    return [e for e in employees if paid_by[e.id] == office.name]


def _punch_columns(session: Session, employees: list[Employee], first: dt.date, last: dt.date) -> PunchColumns:
    """Raw punches of `employees` around the days `first`..`last`, with the manual corrections applied on top.

    A `void` drops its raw punch, a `move` puts it at the corrected time, an `add` adds one; for a
    punch corrected twice the later correction counts. The raw log itself is never changed. The punches are
    read `_PUNCH_BATCH` at a time into numpy columns (the row tuples of a 100,000-employee month held gigabytes).
    """
    index = {e.id: i for i, e in enumerate(employees)}
    low = dt.datetime.combine(first, dt.time()) - _MARGIN
    high = dt.datetime.combine(last, dt.time()) + _MARGIN
    corrected: dict[int, tuple[int, dt.datetime | None]] = {}
    added: list[tuple[int, dt.datetime]] = []
    for c in by_id_chunks(
        index,
        lambda ids: session.scalars(
            select(PunchCorrection).where(PunchCorrection.employee_id.in_(ids)).order_by(PunchCorrection.id)
        ),
        order=lambda c: c.id,
    ):
        if c.action == "add":
            added.append((c.employee_id, c.ts_utc))  # type: ignore[arg-type]
        else:
            corrected[c.punch_id] = (c.employee_id, c.ts_utc)  # type: ignore[index]
    # A punch's id only matters to drop a corrected one: without corrections 4,000,000 ids are not read at all.
    minute = _punch_minute(session.get_bind().dialect.name)
    read = (Punch.id,) * bool(corrected) + (Punch.employee_id, minute, Punch.direction)
    raw = by_id_chunks(
        index,
        lambda ids: _driver_batches(
            session.connection().execute(
                select(*read).where(
                    Punch.employee_id.in_(ids),
                    Punch.ts_utc >= low,
                    Punch.ts_utc < high,
                    Punch.is_double_tap.is_(False),
                )
            )
        ),
    )
    ids = np.fromiter(index, dtype=np.int64, count=len(index))
    order = np.argsort(ids)
    void = np.fromiter(corrected, dtype=np.int64, count=len(corrected))
    employees_of, minutes, directions = [], [], []
    for batch in raw:
        *punch_id, employee_id, ts, direction = zip(*batch, strict=True)
        kept = ~np.isin(np.array(punch_id[0], dtype=np.int64), void) if corrected else slice(None)
        at = np.searchsorted(ids, np.array(employee_id, dtype=np.int64), sorter=order)
        employees_of.append(order[at][kept])
        minutes.append(_minutes(ts)[kept])
        directions.append(np.array(direction, dtype=np.int8)[kept])
    moved = [(employee_id, ts) for employee_id, ts in corrected.values() if ts is not None]
    extra = [(employee_id, ts) for employee_id, ts in added + moved if low <= ts < high]
    employees_of.append(np.fromiter((index[e] for e, _ in extra), dtype=np.int64, count=len(extra)))
    minutes.append(_minutes([ts for _, ts in extra]))
    directions.append(np.zeros(len(extra), dtype=np.int8))  # a correction says no direction: Direction.ANY
    return PunchColumns(
        np.concatenate(employees_of).astype(np.int32), np.concatenate(minutes), np.concatenate(directions)
    )


def _driver_batches(result: CursorResult[Any]) -> Iterator[Sequence[Any]]:
    """`result`'s rows as the driver returns them (tuples; SQLite's times as ISO text), `_PUNCH_BATCH` at a time:
    SQLAlchemy's row objects for the 4,000,000 punches of a 100,000-employee month cost more than the kernel.
    `result` is a plain (not `yield_per`) result, whose cursor SQLAlchemy has not read from: SQLite steps through
    the rows as they are fetched; psycopg holds one id chunk's rows (`id_chunks.ID_CHUNK` employees) at a time."""
    try:
        while batch := result.cursor.fetchmany(_PUNCH_BATCH):
            yield batch
    finally:
        result.close()


def _punch_minute(dialect: str) -> ColumnElement[Any]:
    """A punch's time as `_minutes` reads it fastest: on PostgreSQL the minute since the epoch, counted by the
    server (psycopg would build a datetime per punch, which cost a 100,000-employee month more than the count), on
    SQLite the ISO text it stores."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", Punch.ts_utc) / 60), BigInteger)
    return Punch.ts_utc.expression


def _minutes(times: Sequence[str | dt.datetime | int]) -> np.ndarray:
    """Minutes since the epoch (int64) of naive UTC times, as datetimes, as SQLite stores them (ISO text, which
    numpy parses without a datetime object per punch) or already as minutes (`_punch_minute`); datetime64[m]
    truncates the seconds: a punch at 08:59:59 is at minute 08:59, as the floor of PostgreSQL's count."""
    return np.array(times, dtype="datetime64[m]").astype(np.int64).reshape(-1)


def _employed_mask(employees: list[Employee], days: list[dt.date]) -> np.ndarray:
    mask = np.ones((len(employees), len(days)), dtype=bool)
    day_numbers = np.array([d.toordinal() for d in days])
    for i, e in enumerate(employees):
        if e.hired_on is not None:
            mask[i] &= day_numbers >= e.hired_on.toordinal()
        if e.left_on is not None:
            mask[i] &= day_numbers <= e.left_on.toordinal()
    return mask


def _after(employees: list[Employee], days: list[dt.date], through: dict[int, dt.date]) -> np.ndarray:
    """Per employee and day: the day lies after its office's `through` date."""
    day_numbers = np.array([d.toordinal() for d in days])
    limits = np.array([through[e.office_id].toordinal() for e in employees])  # type: ignore[index]
    after: np.ndarray = day_numbers[None, :] > limits[:, None]
    return after


def _moved_days(
    session: Session, period: Period, employees: list[Employee], segments: dict[int, list[Segment]]
) -> list[tuple[Employee, np.ndarray]]:
    """The days of the month an employee worked under another office or shift than the `employees` row's, by the
    dated terms (a transfer Shanghai → Dongguan on the 10th): per such piece, a transient copy of the employee
    with that office and shift (never added to the session) and the piece's days (bool [day]). The attendance
    kernel computes the copy like any employee, from the same punches, and its facts replace those days."""
    days = np.array([d.toordinal() for d in period.days])
    offices = {o.name: o for o in session.scalars(select(Office))}
    moved = []
    for e in employees:
        for segment in segments[e.id]:
            office = offices.get(segment.terms["office"])
            if office is None or (office.id, segment.terms["shift_rule"]) == (e.office_id, e.shift_rule):
                continue
            copy = Employee(
                id=e.id, code=e.code, name=e.name, office_id=office.id, shift_rule=segment.terms["shift_rule"]
            )
            moved.append((copy, (days >= segment.first.toordinal()) & (days <= segment.last.toordinal())))
    return moved


def _with_copies(
    punches: PunchColumns, employees: list[Employee], moved: list[tuple[Employee, np.ndarray]]
) -> PunchColumns:
    """`punches` plus, for each copy in `moved` (row len(employees) + k), its employee's punches again."""
    if not moved:
        return punches
    index = {e.id: i for i, e in enumerate(employees)}
    assert punches.direction is not None  # _punch_columns always reads it
    rows, minutes, directions = [punches.employee], [punches.utc_minute], [punches.direction]
    for k, (copy, _days) in enumerate(moved):
        mine = punches.employee == index[copy.id]
        rows.append(np.full(int(mine.sum()), len(employees) + k, dtype=np.int32))
        minutes.append(punches.utc_minute[mine])
        directions.append(punches.direction[mine])
    return PunchColumns(np.concatenate(rows).astype(np.int32), np.concatenate(minutes), np.concatenate(directions))


def month_attendance(
    session: Session,
    period: Period,
    office: Office | None,
    *,
    only: int | None = None,
    day: dt.date | None = None,
    through: dict[int, dt.date] | None = None,
    working_time: bool = True,
    now: dt.datetime | None = None,
) -> MonthAttendance:
    """Attendance of every employee in scope for `period`, computed by the payroll_core kernel.

    `only` (an employee id) limits the scope to that employee before anything is read, so one
    employee's month costs one employee's punches, not the office's. `day` (a date of `period`) reads
    only the punches around that day: its facts are exact (every punch a shift window of that day can
    hold is read) and the other days' are not (they see no punches), which is what a dashboard of one
    day needs at the cost of a few days' punches instead of a month's. `through` (office id → its date
    today) counts a month in progress up to that day: later days count like days outside employment
    (neither worked nor absent), so a view of the current month does not call the days to come absences.
    `working_time` False leaves out the working-time systems (the facts of an earlier month of a comprehensive
    period need only the kernel's worked minutes).
    A day not ended at `now` (naive UTC, default the moment of computing) only flags a missing punch, whatever the
    office's `missing_punch` policy: who clocked in this morning is not absent for the out punch still to come.
    """
    employees = employees_in_scope(session, period, office, only=only)
    # the rows' offices too: a past month's run may pay someone whose office today is another one
    office_ids = {e.office_id for e in employees} | ({office.id} if office is not None else set())
    offices = list(session.scalars(select(Office).where(Office.id.in_(office_ids))))
    if not employees:
        return MonthAttendance(period, [], np.zeros((0, len(period.days), N_FACTS), dtype=np.int32), {})
    segments = month_segments(session, employees, period.days[0], period.days[-1])
    moved = _moved_days(session, period, employees, segments)
    if moved:  # the offices the transferred worked in, too
        offices = list(
            session.scalars(
                select(Office).where(Office.id.in_({e.office_id for e, _ in moved} | {o.id for o in offices}))
            )
        )
    days = [period.days[0] - dt.timedelta(days=1), *period.days]
    cells = resolve_roster(session, [e.id for e in employees], days[0], days[-1])
    rostered_offices = frozenset(e.office_id for e in employees if cells.get(e.id))
    everyone = employees + [copy for copy, _ in moved]
    book, fixed = _roster(offices, everyone, rostered_offices)  # type: ignore[arg-type]
    roster, roster_day = _apply_roster(book, offices, employees, fixed, cells, days)
    try:
        first, last = (day, day) if day is not None else (period.days[0], period.days[-1])
        punches = _punch_columns(session, employees, first, last)
        as_of = int(_minutes([now or utcnow()])[0])
        result = compute_attendance(
            _with_copies(punches, employees, moved), roster, book, period, roster_day, as_of=as_of
        )
    except RuleDataError as exc:  # e.g. no holiday calendar for the period's year yet
        raise AttendanceError(str(exc)) from None
    facts = result.facts[: len(employees)].copy()
    row_of = {e.id: i for i, e in enumerate(employees)}
    for k, (copy, days_under) in enumerate(moved):  # a transferred employee's days under the other office's rules
        facts[row_of[copy.id], days_under] = result.facts[len(employees) + k, days_under]
    roster, roster_day = roster[: len(employees)], roster_day[: len(employees)]
    workday = facts[:, :, Fact.DAY_TYPE] == DayType.WORKDAY
    outside = ~_employed_mask(employees, period.days)
    if through is not None:
        outside |= _after(employees, period.days, through)
    facts[outside] = 0
    facts[:, :, Fact.DAY_TYPE][outside] = DayType.RESTDAY
    leave = month_leave(session, period, employees, facts, outside)  # approved leave: not absent, not late
    summary = summarize(facts) | leave.summary()
    summary["employed_days"] = summary["scheduled_days"]
    summary["scheduled_days"] = workday.sum(axis=1, dtype=np.int64)
    # Regular minutes of workdays only: time worked on a rest day or holiday is all overtime, paid once as such.
    summary["worked_minutes"] = np.where(workday & ~outside, facts[:, :, Fact.REGULAR_MINUTES], 0).sum(
        axis=1, dtype=np.int64
    )
    # The office's overtime rule (approved requests, 调休, the art. 41 limits): counted overtime into the facts.
    counted, paid = count_overtime(
        session, OvertimeScope(period, employees, offices, book, roster, punches, roster_day), facts
    )
    summary.update(counted)
    summary.update(consecutive_columns(facts))
    if not working_time:
        return MonthAttendance(period, employees, facts, summary, leave, paid.astype(np.int64), segments=segments)
    applied = _working_time(session, period, office, employees, offices, segments, facts, summary, paid, leave, only)
    return MonthAttendance(period, employees, facts, applied.summary, leave, applied.paid, applied.settled, segments)


def _working_time(
    session: Session,
    period: Period,
    office: Office | None,
    employees: list[Employee],
    offices: list[Office],
    segments: dict[int, list[Segment]],
    facts: np.ndarray,
    summary: dict[str, np.ndarray],
    paid: np.ndarray,
    leave: MonthLeave | None,
    only: int | None,
) -> Settled:
    """Each employee's working-time system (`gateway.pay.working_time`) applied to the month's overtime, by the
    terms of the month's last day (the last of `segments`); the minutes a comprehensive period worked in earlier
    months come from those months' facts, computed here."""
    path_of = {o.id: resolve_shift_rule(o).path for o in offices}  # per office, not per employee: a file lookup each
    paths = [path_of[e.office_id] for e in employees]  # type: ignore[index]
    calendars = {path: load_office_rules([path]).offices[0] for path in set(paths)}
    systems = [
        WorkingTime.of(segments[e.id][-1].terms, e.hired_on, e.left_on, calendars[path])
        for e, path in zip(employees, paths, strict=True)
    ]
    holiday_pay = [
        wt.system == "flexible" and flexible_holiday_pay(path) for wt, path in zip(systems, paths, strict=True)
    ]
    before = np.zeros(len(employees), dtype=np.int64)
    spans = {
        i: span
        for i, wt in enumerate(systems)
        if wt.system == "comprehensive" and (span := opening_span(wt.period, period.days[0])) is not None  # type: ignore[arg-type]
    }
    if spans:
        first = min(span[0] for span in spans.values())
        month = Period(first.year, first.month)
        row_of = {e.id: i for i, e in enumerate(employees)}
        while (month.year, month.month) < (period.year, period.month):
            earlier = month_attendance(session, month, office, only=only, working_time=False)
            minutes = period_minutes(earlier.facts, _paid_leave(earlier))
            ordinals = np.array([d.toordinal() for d in month.days])
            for k, e in enumerate(earlier.employees):
                span = spans.get(row_of.get(e.id, -1))
                if span is not None:
                    inside = (ordinals >= span[0].toordinal()) & (ordinals <= span[1].toordinal())
                    before[row_of[e.id]] += int(minutes[k, inside].sum())
            month = Period(month.year + month.month // 12, month.month % 12 + 1)
    paid_leave = _paid_leave(MonthAttendance(period, employees, facts, summary, leave))
    return apply_working_time(systems, holiday_pay, period.days, facts, summary, paid, before, paid_leave)


def _paid_leave(attendance: MonthAttendance) -> np.ndarray | int:
    """The month's approved paid leave minutes per employee-day (0: nobody has leave), which count into a
    comprehensive period's hours."""
    if attendance.leave is None:
        return 0
    return attendance.leave.pay_minutes_by_day()["paid_leave_minutes"]


def employee_shift(session: Session, employee: Employee) -> tuple[RuleBook, int]:
    """The rules of `employee`'s shift (the office's, or the employee's own `shift_rule`) and its index in them."""
    if employee.office_id is None:
        raise AttendanceError(f"employee {employee.code} has no office, so no shift: set the employee's office")
    book, roster = _roster([session.get_one(Office, employee.office_id)], [employee])
    return book, int(roster[0])
