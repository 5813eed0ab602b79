"""The inbox rows a request's state change writes, in Chinese, in the change's own transaction.

Who hears of what:
- submitted → whoever decides step 1: the manager of the nearest department above the employee that has one
  (not the employee themself), else HR;
- approved at a step with another to come → HR (`request_step`: the second step is HR's);
- approved at the last step, rejected → the employee;
- withdrawn → whoever it was waiting for (the manager at step 1, HR at step 2).
Texts carry the employee's name, the kind (the leave type's Chinese name), the dates and days (or hours), the
status and the decider's comment; the link is the web app's notifications page.
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy.orm import Session

from gateway.notify.outbox import HR, post
from gateway.people.leave_ledger import leave_types_of
from gateway.store import Department, Employee, StaffRequest

LINK = "/notifications"
_KIND_NAMES = {"overtime": "加班申请", "correction": "补卡申请", "trip": "出差申请", "resignation": "离职申请"}


def _label(session: Session, employee: Employee, row: StaffRequest) -> str:
    if row.kind == "leave" and row.leave_type is not None:
        kind = leave_types_of(session, employee).get(row.leave_type)
        return f"{kind.name if kind else row.leave_type}申请"
    return _KIND_NAMES.get(row.kind, row.kind)


def _number(value: float) -> str:
    return f"{value:g}"


def _what(session: Session, employee: Employee, row: StaffRequest) -> str:
    """The request in words: "2026-12-07 至 2026-12-09，共 2.5 天"."""
    if row.kind == "correction":
        return f"{row.starts_at:%Y-%m-%d %H:%M} {'上班' if row.direction == 'in' else '下班'}卡"
    if row.kind == "resignation":
        return f"最后工作日 {row.starts_at:%Y-%m-%d}"
    whole_days = row.starts_at.time() == time(0) and row.ends_at.time() == time(0)
    if whole_days:
        last = row.ends_at - timedelta(days=1)
        span = f"{row.starts_at:%Y-%m-%d}" if last <= row.starts_at else f"{row.starts_at:%Y-%m-%d} 至 {last:%Y-%m-%d}"
    else:
        span = f"{row.starts_at:%Y-%m-%d %H:%M} 至 {row.ends_at:%Y-%m-%d %H:%M}"
    if row.kind == "overtime":
        comp = "调休" if row.comp == "time_off" else "加班费"
        return f"{span}，共 {_number(row.amount / 60)} 小时（{comp}）"
    if row.kind == "trip":
        return f"{span}，共 {row.amount} 天"
    kind = leave_types_of(session, employee).get(row.leave_type or "")
    if kind is not None and kind.unit == "hour":
        hours, minutes = divmod(row.amount, 60)
        return f"{span}，共 {hours} 小时" + (f" {minutes} 分钟" if minutes else "")
    per_day = kind.steps_per_day if kind is not None else 1
    return f"{span}，共 {_number(row.amount / per_day)} 天"


def _step_one_approver(session: Session, employee: Employee) -> int | None:
    """The manager of the nearest department above the employee that has one other than them, or None (HR)."""
    department_id = employee.department_id
    seen: set[int] = set()
    while department_id is not None and department_id not in seen:
        seen.add(department_id)
        department = session.get_one(Department, department_id)
        if department.manager_employee_id not in (None, employee.id):
            return department.manager_employee_id
        department_id = department.parent_id
    return None


def request_changed(session: Session, row: StaffRequest, action: str, step: int, comment: str) -> None:
    """The inbox row for `action` (submitted, approved, rejected, withdrawn) at `step` of `row` (see the doc)."""
    employee = session.get_one(Employee, row.employee_id)
    label, what, name = _label(session, employee, row), _what(session, employee, row), employee.name
    said = f"审批意见：{comment}" if comment.strip() and action != "submitted" else ""

    def approvers_of(at_step: int) -> tuple[int | None, str | None]:
        """(manager's employee id, None) or (None, "hr"): who decides `at_step`."""
        manager = _step_one_approver(session, employee) if at_step == 1 else None
        return (manager, None) if manager is not None else (None, HR)

    if action == "submitted":
        to, kind = approvers_of(1), "request_submitted"
        title, body = f"待审批：{name}的{label}", f"{name}提交了{label}：{what}。事由：{row.reason}"
    elif action == "approved" and row.status == "pending":
        to, kind = (None, HR), "request_step"
        title = f"待 HR 审批：{name}的{label}"
        body = f"{name}的{label}（{what}）已通过第 {step} 步审批，等待 HR 审批（第 {row.step} 步，共 {row.steps} 步）。"
    elif action in ("approved", "rejected"):
        to, kind = (employee.id, None), f"request_{action}"
        verdict = "已批准" if action == "approved" else "已驳回"
        title, body = f"{verdict}：您的{label}", f"{name}，您的{label}（{what}）{verdict}。"
    elif action == "withdrawn":
        to, kind = approvers_of(step), "request_withdrawn"
        title, body = f"已撤回：{name}的{label}", f"{name}撤回了{label}（{what}），无需再审批。"
    else:
        raise ValueError(f"unknown request action {action!r}")
    post(session, office_id=employee.office_id, kind=kind, title=title, body=body + said, link=LINK,
         request_id=row.id, employee_id=to[0], role=to[1])  # fmt: skip
