"""A leaver's login closes after a grace period: `[people] leaver_login_grace_days` after the last day.

The employee (or manager) keeps their own screens after `left_on` for the grace period — the next payday, the
离职结算单, the payslip, and the 15 days of 劳动合同法 art. 50 for the 离职证明 and the transfer of records —
and from `closes_on` (= `left_on` + grace + 1 day, the office's local date) on, their login is refused, and so
are their open sessions and their employee tokens. Nothing is written when it closes: every request decides it
from `left_on` in the database (`ensure_open`), so no job has to run and a corrected `left_on` takes effect at
once. A later `left_on`, or none, opens it again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.store import Employee, Office, utcnow

#: Where an employee has no office, their day is China's (all the offices this is built for are UTC+8).
FALLBACK_TIMEZONE = "Asia/Shanghai"


class LoginClosed(GatewayError):
    """A leaver's login after the grace period; the message says since when and whom to ask."""

    def __init__(self, closed_on: date, left_on: date) -> None:
        self.closed_on = closed_on
        super().__init__(
            f"this login closed on {closed_on} (the last day was {left_on}): ask HR for your payslips, the "
            "离职证明 or anything else you need",
            zh=f"此账号已于 {closed_on} 关闭（最后工作日为 {left_on}）：工资条、离职证明或其他所需材料请向 HR 索取",
        )


def closes_on(left_on: date, grace_days: int) -> date:
    """The first day a leaver's login is refused."""
    return left_on + timedelta(days=grace_days + 1)


def local_today(session: Session, employee: Employee, now: datetime) -> date:
    """`now` (naive UTC) as the date in the employee's office."""
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    return zone_today(office.timezone if office is not None else None, now)


def zone_today(timezone: str | None, now: datetime) -> date:
    """`now` (naive UTC) as the date in `timezone` (None: the employee has no office, FALLBACK_TIMEZONE)."""
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone or FALLBACK_TIMEZONE)).date()


def ensure_open_at(left_on: date | None, timezone: str | None, grace_days: int, now: datetime | None = None) -> None:
    """`ensure_open` from columns a caller already selected: the employee's `left_on` and office time zone.

    The token check reads them in its own select (`gateway.access.tokens.authenticate`), so a request
    costs one query, not three.
    """
    if left_on is None:
        return
    closed_on = closes_on(left_on, grace_days)
    if zone_today(timezone, now or utcnow()) >= closed_on:
        raise LoginClosed(closed_on, left_on)


def closing(session: Session, employee: Employee, grace_days: int, now: datetime | None = None) -> tuple[date, bool]:
    """A leaver's `closes_on` and whether that day has come (`now` naive UTC, default the clock's)."""
    assert employee.left_on is not None
    closed_on = closes_on(employee.left_on, grace_days)
    return closed_on, local_today(session, employee, now or utcnow()) >= closed_on


def ensure_open(session: Session, employee_id: int | None, grace_days: int, now: datetime | None = None) -> None:
    """Raise `LoginClosed` when the login bound to `employee_id` is past its grace period (None: not bound)."""
    employee = session.get(Employee, employee_id) if employee_id is not None else None
    if employee is None or employee.left_on is None:
        return
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    ensure_open_at(employee.left_on, office.timezone if office is not None else None, grace_days, now)
