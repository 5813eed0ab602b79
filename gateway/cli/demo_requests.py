"""The demo's organisation and requests: departments with managers in both offices, two manager logins,
annual leave accrued, and requests in every state — made through the functions the API calls.

`add_organisation` builds the departments (行政部 and 财务部 at Shanghai HQ under one manager; 生产部 with its
计件班组 and 仓储部 at the Dongguan plant under another), gives every employee a first-work date (参加工作日期,
spread over 2–25 years) and accrues the year's annual leave (`leave accrue`). `add_requests` then plays a month
of requests as people would have made them: each is submitted on the day it would have been (a 补卡 the day
after the missed punch, inside the office's deadline), by the employee when they have a login, else entered by
HR on their behalf, and decided by the department's manager (and HR for a second step). In the pay month:
approved annual, sick and personal leave, overtime, a 补卡 of a real missing punch, a four-day leave approved in
two steps; a rejected overtime; a withdrawn business trip. In the month after (not locked, so still actionable):
pending leave and overtime in both managers' inboxes and one leave waiting for HR's second step. All of it runs
before the pay run is computed and locked, so the run picks up the approved ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.access.users import create_user
from gateway.pay.month_calendar import month_calendar
from gateway.people import approvals
from gateway.people.departments import assign_employees, create_department, managed_employee_ids, set_work_start
from gateway.people.leave_ledger import accrue_year
from gateway.people.request_rules import rest_days
from gateway.people.requests import Attachment, NewRequest, submit
from gateway.store import Employee, StaffRequest

DEMO_PASSWORD_MANAGER = "Manager-Demo-2026"
HR_ACTOR = "hr:user:wang.fang"
STATES = ("pending", "approved", "rejected", "withdrawn")


@dataclass(frozen=True)
class _Department:
    office: str
    code: str
    name: str
    members: str  # the employee code prefix of its people
    manager: str | None  # employee code; None: the parent's manager decides
    parent: str | None = None


@dataclass(frozen=True)
class Manager:
    username: str
    employee: str  # employee code


MANAGERS = (Manager("li.na", "DG-T1002"), Manager("zhou.min", "SH-S1002"))
# The managers' employees are named after their logins (the terminals' own user names are random).
MANAGER_NAMES = {"DG-T1002": "李娜", "SH-S1002": "周敏"}


def _departments(hq: str, plant: str) -> list[_Department]:
    return [
        _Department(hq, "SH-ADM", "行政部", "SH-S", MANAGERS[1].employee),
        _Department(hq, "SH-FIN", "财务部", "SH-P", MANAGERS[1].employee),
        _Department(plant, "DG-PROD", "生产部", "DG-T", MANAGERS[0].employee),
        _Department(plant, "DG-PIECE", "计件班组", "DG-C", None, parent="DG-PROD"),
        _Department(plant, "DG-WH", "仓储部", "DG-U", MANAGERS[0].employee),
    ]


def add_organisation(session: Session, actor: str, hq: str, plant: str, years: list[int]) -> list[Manager]:
    """Departments, members, first-work dates, the annual-leave accrual of `years`; the managers' logins."""
    codes = list(session.scalars(select(Employee.code).order_by(Employee.code)))
    for unit in _departments(hq, plant):
        create_department(session, actor, office=unit.office, code=unit.code, name=unit.name, parent=unit.parent,
                          manager=unit.manager)  # fmt: skip
        assign_employees(session, actor, unit.code, [c for c in codes if c.startswith(unit.members)])
    for k, code in enumerate(codes):
        set_work_start(session, actor, code, date(min(years) - 2 - (k * 7) % 24, 1 + k % 12, 1))
    for year in sorted(set(years)):
        accrue_year(session, actor, year)
    for manager in MANAGERS:
        employee = _employee(session, manager.employee)
        create_user(session, actor, manager.username, employee.name, "manager", DEMO_PASSWORD_MANAGER,
                    employee=employee)  # fmt: skip
    return list(MANAGERS)


def _employee(session: Session, code: str) -> Employee:
    return session.scalars(select(Employee).where(Employee.code == code)).one()


def _workdays(session: Session, employee: Employee, first: date) -> list[date]:
    """The month's workdays in the employee's office calendar (holidays and rest days left out)."""
    end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    off = set(rest_days(session, employee, first, end))
    return [first + timedelta(days=n) for n in range((end - first).days + 1) if first + timedelta(days=n) not in off]


class _Player:
    """Submits and decides the demo's requests, each as the person who would have done it."""

    def __init__(self, session: Session, logins: set[str]) -> None:
        self.session = session
        self.logins = logins
        managers = {m.employee: m for m in MANAGERS}
        self.deciders = {
            code: approvals.Decider(f"manager:user:{m.username}", "manager", _employee(session, code).id)
            for code, m in managers.items()
        }

    def submit(self, code: str, request: NewRequest, on: date) -> StaffRequest:
        actor = f"employee:user:{code}" if code in self.logins else HR_ACTOR
        return submit(self.session, actor, _employee(self.session, code), request, on)

    def decide(self, row: StaffRequest, approve: bool, comment: str) -> None:
        """The department's manager decides; a second step goes to HR."""
        manager = next(m for m in MANAGERS if row.employee_id in self._people(m))
        row = approvals.decide(self.session, self.deciders[manager.employee], row.id, approve, comment)
        if approve and row.status == "pending":
            approvals.decide(self.session, approvals.Decider(HR_ACTOR, "hr", None), row.id, True, "人事复核通过")

    def _people(self, manager: Manager) -> set[int]:
        return managed_employee_ids(self.session, self.deciders[manager.employee].employee_id or 0)


def _at(days: list[date], index: int) -> date:
    """The `index`-th workday, or the last one of a short month (a Spring Festival February)."""
    return days[min(index, len(days) - 1)]


def _day(at: date, start: time = time(0)) -> tuple[datetime, datetime]:
    """One whole day, or from `start` to the end of the day's office hours."""
    if start == time(0):
        return datetime.combine(at, start), datetime.combine(at + timedelta(days=1), start)
    return datetime.combine(at, start), datetime.combine(at, time(18))


def _missed_punch(session: Session, prefix: str, period: str, today: date) -> tuple[Employee, date, time, str] | None:
    """The first day-shift employee of `prefix` with a morning in (or an evening out) missing in `period`: who,
    the day, the planned time of the missing punch, and whether it was in or out. A missing lunch punch is
    left alone: which of the two it was, nobody could tell from the log."""
    managers = [m.employee for m in MANAGERS]  # a manager's own request goes up, past the demo's deciders
    query = select(Employee).where(Employee.code.like(f"{prefix}%"), Employee.shift_rule.is_(None),
                                   Employee.code.not_in(managers))  # fmt: skip
    for employee in session.scalars(query.order_by(Employee.code)):
        for day in month_calendar(session, employee, period, today).days:
            if day.status != "missing_punch" or not day.punches or not (day.planned_start and day.planned_end):
                continue
            if day.punches[0].time >= "10:00":
                return employee, day.date, time.fromisoformat(day.planned_start), "in"
            if day.punches[-1].time < "14:00":
                return employee, day.date, time.fromisoformat(day.planned_end), "out"
    return None


def add_requests(session: Session, first: date, today: date, logins: set[str]) -> dict[str, int]:
    """The requests of the module doc; the count of each state."""
    play = _Player(session, logins)
    after = (first + timedelta(days=32)).replace(day=1)
    dg, sh = _employee(session, "DG-T1001"), _employee(session, "SH-P1001")
    dg_days, sh_days = _workdays(session, dg, first), _workdays(session, sh, first)
    note = Attachment("病假证明-demo.txt", "text/plain", "demo: a doctor's note (病假证明)".encode())

    def leave(code: str, kind: str, window: tuple[datetime, datetime], reason: str, **extra: object) -> StaffRequest:
        return play.submit(code, NewRequest("leave", *window, reason, leave_type=kind, **extra), window[0].date())  # type: ignore[arg-type]

    def overtime(code: str, at: date, reason: str) -> StaffRequest:
        window = datetime.combine(at, time(17, 30)), datetime.combine(at, time(19, 30))
        return play.submit(code, NewRequest("overtime", *window, reason, comp="pay"), at)

    play.decide(leave("DG-T1001", "annual", _day(_at(dg_days, 2)), "回老家办事"), True, "同意")
    play.decide(leave("DG-T1003", "sick", _day(_at(dg_days, 4)), "发烧就医", attachment=note), True, "好好休息")
    play.decide(leave("SH-S1003", "personal", _day(_at(sh_days, 5), time(14)), "孩子学校开家长会"), True, "同意")
    play.decide(overtime("DG-T1005", _at(dg_days, 8), "赶出口订单"), True, "同意，注意安全")
    play.decide(overtime("DG-T1006", _at(dg_days, 9), "整理仓库"), False, "本周产量已完成，无需加班")
    four = _day(_at(sh_days, 10))[0], _day(_at(sh_days, 13))[1]
    play.decide(leave("SH-S1004", "annual", four, "家庭旅行"), True, "已安排同事代班")
    missed = _missed_punch(session, "DG-T", f"{first:%Y-%m}", today)
    if missed is not None:
        employee, day, at, direction = missed
        fix = NewRequest("correction", datetime.combine(day, at), datetime.combine(day, at), "忘记打卡",
                         direction=direction)  # fmt: skip
        play.decide(play.submit(employee.code, fix, day + timedelta(days=1)), True, "核实属实")
    trip_start = datetime.combine(_at(sh_days, 15), time(0))
    trip = play.submit("SH-P1001", NewRequest("trip", trip_start, trip_start + timedelta(days=2), "去苏州见客户"),
                       _at(sh_days, 15))  # fmt: skip
    approvals.withdraw(session, approvals.Decider("employee:user:SH-P1001", "employee", sh.id), trip.id, "客户改期")

    dg_next, sh_next = _workdays(session, dg, after), _workdays(session, sh, after)
    leave("DG-T1001", "annual", _day(dg_next[-3]), "陪家人看病")
    leave("DG-C1002", "personal", _day(dg_next[-4], time(16)), "去银行办事")
    overtime("DG-T1007", dg_next[-5], "设备检修")
    leave("SH-S1005", "annual", _day(sh_next[-2]), "搬家")
    long = _day(sh_next[-7])[0], _day(sh_next[-3])[1]
    first_step = leave("SH-P1003", "annual", long, "年底回老家")
    approvals.decide(session, play.deciders["SH-S1002"], first_step.id, True, "同意，请人事复核")
    counts = dict(session.execute(select(StaffRequest.status, func.count()).group_by(StaffRequest.status)).all())
    return {state: int(counts.get(state, 0)) for state in STATES}
