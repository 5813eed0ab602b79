"""Deciding requests: approve (a step, or the final one), reject, withdraw — each decided by the database.

A decision is a conditional `UPDATE staff_requests … WHERE id = … AND status = 'pending' AND step = …` whose
row count is the decision (as `gateway.pay.payrun._claim`): the row's write lock (PostgreSQL row lock, SQLite's
database write lock) serializes two approvers, and the one whose UPDATE finds no pending row at that step is
refused with what happened meanwhile. Who may decide: the employee's manager (`managed_employee_ids`) at step 1,
HR or admin at any step; only the employee (or HR, admin on their behalf) withdraws, and only while pending.
On the final approval, in the same transaction: a leave writes its `use` row to the ledger; a 补卡 adds a punch
correction (`record_correction`, the raw log untouched); a rest-day overtime taken as time off accrues 调休; a
resignation sets the last day, the handover checklist, the pro-rated leave and the severance input
(`gateway.people.resignations.apply_final`); a change (转正, 调薪, 调动) writes its dated record
(`gateway.people.personnel_changes.apply_final`, whose refusal refuses the approval).
Every change is a `request_events` row and an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.people import personnel_changes
from gateway.people.departments import managed_employee_ids
from gateway.people.leave_ledger import add_entry, leave_types_of
from gateway.people.notifications import request_changed
from gateway.people.punch_corrections import record_correction
from gateway.people.request_rules import STATUS_ZH, RequestError
from gateway.people.requests import check_balance, refuse_locked
from gateway.people.resignations import apply_final
from gateway.store import Employee, Office, RequestEvent, StaffRequest, utcnow

HR_ROLES = ("admin", "hr")


class RequestNotFound(RequestError):
    """No such request, or not one the caller may see (the same answer)."""


class RequestTaken(RequestError):
    """Someone decided the request first; the message says what it is now."""


@dataclass(frozen=True)
class Decider:
    actor: str
    role: str
    employee_id: int | None


def may_see(session: Session, who: Decider, row: StaffRequest) -> bool:
    if who.role in (*HR_ROLES, "viewer"):
        return True
    if row.employee_id == who.employee_id:
        return True
    return who.role == "manager" and row.employee_id in managed_employee_ids(session, who.employee_id or 0)


def find_request(session: Session, who: Decider, request_id: int) -> StaffRequest:
    row = session.get(StaffRequest, request_id)
    if row is None or not may_see(session, who, row):
        raise RequestNotFound(f"request {request_id} does not exist", zh=f"申请 {request_id} 不存在")
    return row


def _event(session: Session, row: StaffRequest, actor: str, action: str, step: int, comment: str) -> None:
    session.add(RequestEvent(request_id=row.id, at=utcnow(), actor=actor, action=action, step=step, comment=comment))
    request_changed(session, row, action, step, comment)
    append_audit(session, actor, f"request.{action}", f"request:{row.id}", {"status": "pending", "step": step},
                 {"status": row.status, "step": row.step, "comment": comment})  # fmt: skip


def _claim(session: Session, row: StaffRequest, at_step: int, /, **values: object) -> StaffRequest:
    """The conditional UPDATE (see the module doc); RequestTaken when it finds no pending row at `at_step`.

    `at_step` is positional-only so that `values` may set the `step` column itself (the first approval of two).
    """
    claimed = session.execute(
        update(StaffRequest)
        .where(StaffRequest.id == row.id, StaffRequest.status == "pending", StaffRequest.step == at_step)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    fresh = session.get_one(StaffRequest, row.id, populate_existing=True)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        state = f"{fresh.status}" if fresh.status != "pending" else f"waiting for step {fresh.step} now"
        state_zh = STATUS_ZH.get(fresh.status, fresh.status)
        state_zh = state_zh if fresh.status != "pending" else f"现待第 {fresh.step} 级审批"
        raise RequestTaken(
            f"request {row.id} was decided meanwhile (it is {state}): reload it",
            zh=f"申请 {row.id} 已被他人处理（{state_zh}）：请刷新",
        )
    return fresh


def _may_decide(session: Session, who: Decider, row: StaffRequest) -> None:
    if who.role in HR_ROLES:
        return
    if row.employee_id == who.employee_id:
        raise RequestError(
            f"request {row.id} is your own: your manager or HR decides it",
            zh=f"申请 {row.id} 是您本人的申请：由您的上级或 HR 审批",
        )
    if (
        who.role == "manager"
        and row.step == 1
        and row.employee_id in managed_employee_ids(session, who.employee_id or 0)
    ):
        return
    raise RequestError(
        f"request {row.id} waits for HR's approval (step {row.step} of {row.steps}): HR decides it",
        zh=f"申请 {row.id} 正待 HR 审批（第 {row.step} 级，共 {row.steps} 级）：由 HR 审批",
    )


def _apply(session: Session, actor: str, row: StaffRequest) -> None:
    """The final approval's effect (see the module doc), in the approval's transaction."""
    employee = session.get_one(Employee, row.employee_id)
    year = row.starts_at.year
    if row.kind == "leave" and row.leave_type is not None:
        kind = leave_types_of(session, employee)[row.leave_type]
        check_balance(session, employee, kind, year, row.amount, 0)
        add_entry(session, actor, employee, row.leave_type, year, -row.amount, "use",
                  f"request {row.id}: {row.reason}", request_id=row.id)  # fmt: skip
    elif row.kind == "overtime" and row.comp == "time_off":
        add_entry(session, actor, employee, "in_lieu", year, row.amount, "accrual",
                  f"request {row.id}: rest-day overtime taken as time off", request_id=row.id)  # fmt: skip
    elif row.kind == "correction":
        office = session.get_one(Office, employee.office_id)
        utc = row.starts_at.replace(tzinfo=ZoneInfo(office.timezone)).astimezone(UTC).replace(tzinfo=None)
        correction = record_correction(session, actor, employee, action="add", punch_id=None, ts_utc=utc,
                                       reason=f"request {row.id} ({row.direction}): {row.reason}")  # fmt: skip
        row.correction_id = correction.id
    elif row.kind == "resignation":
        apply_final(session, actor, row)
    elif row.kind == "change":
        personnel_changes.apply_final(session, actor, row)


def decide(session: Session, who: Decider, request_id: int, approve: bool, comment: str) -> StaffRequest:
    """Approve the step the request waits for (the last one applies it) or reject it."""
    row = find_request(session, who, request_id)
    if row.status != "pending":
        raise RequestTaken(
            f"request {row.id} is {row.status} already: only a pending request is decided",
            zh=f"申请 {row.id} {STATUS_ZH.get(row.status, row.status)}：只有待审批的申请可以审批",
        )
    _may_decide(session, who, row)
    step = row.step
    if not approve:
        row = _claim(session, row, step, status="rejected", decided_at=utcnow())
        _event(session, row, who.actor, "rejected", step, comment)
        return row
    refuse_locked(session, row.starts_at.date(), row.ends_at.date())
    if step < row.steps:
        row = _claim(session, row, step, step=step + 1)
        _event(session, row, who.actor, "approved", step, comment)
        return row
    row = _claim(session, row, step, status="approved", decided_at=utcnow())
    _apply(session, who.actor, row)
    _event(session, row, who.actor, "approved", step, comment)
    session.flush()
    return row


def withdraw(session: Session, who: Decider, request_id: int, comment: str) -> StaffRequest:
    """The employee takes back a pending request (HR or admin may on their behalf)."""
    row = find_request(session, who, request_id)
    if row.employee_id != who.employee_id and who.role not in HR_ROLES:
        raise RequestError(
            f"request {row.id} is not yours: only the employee (or HR) withdraws it",
            zh=f"申请 {row.id} 不是您的：只有申请人本人（或 HR）可以撤回",
        )
    if row.status != "pending":
        raise RequestTaken(
            f"request {row.id} is {row.status} already: only a pending request is withdrawn",
            zh=f"申请 {row.id} {STATUS_ZH.get(row.status, row.status)}：只有待审批的申请可以撤回",
        )
    step = row.step
    row = _claim(session, row, step, status="withdrawn", decided_at=utcnow())
    _event(session, row, who.actor, "withdrawn", step, comment)
    return row
