"""Writing notifications into the inbox, inside the transaction of the change they tell of.

Nothing here sends anything: the row is the outbox entry the delivery worker (`gateway.notify.worker`) picks
up after the commit. So a notification is never lost once its change committed, never exists for a change
that rolled back, and a channel that is down never blocks or fails the change itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import String, Table, insert, literal, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from gateway.store import Employee, Notification, PayRun, Payslip, utcnow

HR = "hr"  # the HR team's shared inbox (hr and admin callers)
WELCOME = "employee_welcome"  # a new hire's welcome: its body and link hold the activation code until it is used
WELCOME_LINK = "/activate?code="
USED, EXPIRED = "已使用", "已过期"  # what stands where the code was, once it no longer opens anything


def post(
    session: Session,
    *,
    office_id: int | None,
    kind: str,
    title: str,
    body: str,
    employee_id: int | None = None,
    role: str | None = None,
    link: str | None = None,
    request_id: int | None = None,
) -> Notification:
    """One inbox row for an employee (`employee_id`) or for HR (`role="hr"`); exactly one of the two."""
    if (employee_id is None) == (role is None):
        raise ValueError("a notification goes to an employee or to a role, exactly one of them")
    row = Notification(
        office_id=office_id, recipient_employee_id=employee_id, recipient_role=role, kind=kind, title=title[:200],
        body=body, link=link, request_id=request_id, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    return row


def payslips_released(session: Session, run: PayRun) -> int:
    """Tell every employee of a run that was just locked that their payslip is out (one INSERT … SELECT).

    The text uses the lock's snapshot (name as paid), so it agrees with the payslip itself; the amount is not
    in it, since a message may go further than the inbox (a mail box, a group chat).
    """
    notes, slips = cast(Table, Notification.__table__), cast(Table, Payslip.__table__)
    employees = cast(Table, Employee.__table__)
    month = f"{run.period[:4]}年{int(run.period[5:7])}月"
    name = slips.c.employee_name
    query = (
        select(
            employees.c.office_id,
            slips.c.employee_id,
            literal("payslip_released"),
            literal(f"工资条已发放：{month}"),
            name + literal(f"，您{month}的工资条已发放（{run.period}），请登录查看明细；如有疑问请联系 HR。"),
            literal("/my/payslips/") + sql_cast(slips.c.id, String),
            slips.c.id,
            literal(utcnow()),
        )
        .select_from(slips.join(employees, employees.c.id == slips.c.employee_id))
        .where(slips.c.payrun_id == run.id)
    )
    columns = ["office_id", "recipient_employee_id", "kind", "title", "body", "link", "payslip_id", "created_at"]
    result = session.execute(insert(notes).from_select(columns, query))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget_welcome_code(
    session: Session, note: str, *, employee_id: int | None = None, posted_before: datetime | None = None
) -> int:
    """Take the activation code out of welcome notifications (body and link) once it no longer opens the login:
    used (`employee_id`'s, in the activation's transaction) or expired (posted before `posted_before`). `note`
    stands where the code was; the link becomes the login page. Returns how many welcomes were changed."""
    query = select(Notification).where(Notification.kind == WELCOME, Notification.link.startswith(WELCOME_LINK))
    if employee_id is not None:
        query = query.where(Notification.recipient_employee_id == employee_id)
    if posted_before is not None:
        query = query.where(Notification.created_at < posted_before)
    changed = 0
    for row in session.scalars(query):
        code = (row.link or "").removeprefix(WELCOME_LINK)
        row.body, row.link = row.body.replace(code, note), "/login"
        changed += 1
    return changed
