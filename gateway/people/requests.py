"""Employees' requests: leave, planned overtime, missed-punch corrections (补卡), business trips and resignations
(离职申请, checked by `gateway.people.resignations`) and personnel changes (转正, 调薪, 调动, checked by
`gateway.people.personnel_changes`), checked.

`submit` refuses, with a message naming what, a request that cannot be granted: an overlapping leave or trip
(named), a leave covering only days its type does not count (rest days and holidays, from the office
calendar), more than the balance (the ledger's SUM, less what other pending requests of the type ask for), a
month a LOCKED pay run covers (named), a 补卡 past the office's deadline or over its monthly limit. Times are
the office's local wall clock (naive). A leave's window is half-open, `[starts_at, ends_at)`, on the unit's
grid: whole days start at 00:00, half days at 00:00 or 12:00, hourly leave at any minute (at most 8 hours a
day counted). A request by someone else than the employee (HR on their behalf) is audited with both names.
Everything happens in the caller's transaction; decisions are in `gateway.people.approvals`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.pay.piece_import import locked_periods
from gateway.people import personnel_changes, resignations
from gateway.people.leave_ledger import balance_steps, leave_types_of
from gateway.people.notifications import request_changed
from gateway.people.request_rules import STATUS_ZH, RequestError, day_types, policy_of, rest_days
from gateway.store import Employee, LeaveEntry, RequestAttachment, RequestEvent, StaffRequest, utcnow
from payroll_core.calendar import DayType
from payroll_core.leave import LeaveType

MAX_ATTACHMENT = 2 * 1024 * 1024
_HOUR_DAY_MINUTES = 8 * 60


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class NewRequest:
    kind: str  # leave | overtime | correction | trip | resignation (starts_at: the last day, 00:00) | change
    starts_at: datetime
    ends_at: datetime
    reason: str
    leave_type: str | None = None
    comp: str | None = None  # overtime: pay | time_off
    direction: str | None = None  # correction: in | out
    change_type: str | None = None  # change: probation | raise | transfer (starts_at: the day it takes effect)
    terms: Mapping[str, Any] | None = None  # change: the new terms, dated-terms field names
    attachment: Attachment | None = None


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _window(request: NewRequest) -> str:
    return f"{request.starts_at:%Y-%m-%d %H:%M} to {request.ends_at:%Y-%m-%d %H:%M}"


def leave_steps(session: Session, employee: Employee, kind: LeaveType, starts_at: datetime, ends_at: datetime) -> int:
    """The steps of `kind` the window takes (see the module doc), rest days skipped where the type says so."""
    if ends_at <= starts_at:
        raise RequestError(
            f"the leave ends ({ends_at:%Y-%m-%d %H:%M}) before it starts: give an end after the start",
            zh=f"请假结束时间（{ends_at:%Y-%m-%d %H:%M}）早于开始时间：请填写晚于开始的结束时间",
        )
    grid = {"day": (time(0),), "half_day": (time(0), time(12))}.get(kind.unit)
    if grid is not None and (starts_at.time() not in grid or ends_at.time() not in grid or starts_at.second):
        starts = " or ".join(f"{t:%H:%M}" for t in grid)
        raise RequestError(
            f"{kind.name} ({kind.name_en}) is taken in {kind.unit.replace('_', ' ')}s: start and end at {starts} "
            f"(the end is exclusive: a whole day 2026-11-30 is 2026-11-30T00:00 to 2026-12-01T00:00)",
            zh=f"{kind.name}按{_UNIT_ZH[kind.unit]}请：开始和结束须在 {starts}"
            "（结束时间不含当天：请 2026-11-30 一整天即 2026-11-30T00:00 至 2026-12-01T00:00）",
        )
    last = (ends_at - timedelta(microseconds=1)).date()
    skipped = set() if kind.rest_days_count else set(rest_days(session, employee, starts_at.date(), last))
    steps = 0
    for day in _days(starts_at.date(), last):
        if day in skipped:
            continue
        midnight = datetime.combine(day, time(0))
        low, high = max(starts_at, midnight), min(ends_at, midnight + timedelta(days=1))
        minutes = int((high - low).total_seconds()) // 60
        steps += min(minutes, _HOUR_DAY_MINUTES) if kind.unit == "hour" else minutes * kind.steps_per_day // 1440
    if steps == 0:
        raise RequestError(
            f"{kind.name} from {starts_at:%Y-%m-%d %H:%M} to {ends_at:%Y-%m-%d %H:%M} covers only rest days and "
            f"holidays, which {kind.name_en} does not count: nothing to request",
            zh=f"{kind.name} {starts_at:%Y-%m-%d %H:%M} 至 {ends_at:%Y-%m-%d %H:%M} 只有休息日和节假日，"
            f"{kind.name}不计这些日子：无需申请",
        )
    return steps


def _pending_steps(session: Session, employee_id: int, leave_type: str, year: int) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(StaffRequest.amount), 0)).where(
            StaffRequest.employee_id == employee_id,
            StaffRequest.kind == "leave",
            StaffRequest.status == "pending",
            StaffRequest.leave_type == leave_type,
            func.extract("year", StaffRequest.starts_at) == year,
        )  # fmt: skip
    )
    return int(total or 0)


_UNIT_ZH = {"day": "天", "half_day": "半天", "hour": "小时"}


def _amount(steps: int, kind: LeaveType, zh: bool = False) -> str:
    if kind.unit == "hour":
        hours, minutes = steps // 60, steps % 60
        if zh:
            return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    days = steps / kind.steps_per_day  # for the message only; the check is in integers
    return f"{days:g} 天" if zh else f"{days:g} day(s)"


def check_balance(session: Session, employee: Employee, kind: LeaveType, year: int, steps: int, pending: int) -> None:
    """Refuse more than is left: the ledger's balance (annual, 调休) or the yearly quota less what was used."""
    if kind.by_service or kind.code == "in_lieu":
        left = balance_steps(session, employee.id, kind.code, year)
        what = f"the {year} balance of {kind.name} is {_amount(left, kind)}"
        what_zh = f"{year} 年{kind.name}余额为 {_amount(left, kind, zh=True)}"
    elif kind.quota_days is not None:
        used = -int(
            session.scalar(
                select(func.coalesce(func.sum(LeaveEntry.delta), 0)).where(
                    LeaveEntry.employee_id == employee.id,
                    LeaveEntry.leave_type == kind.code,
                    LeaveEntry.year == year,
                    LeaveEntry.kind == "use",
                )  # fmt: skip
            )
            or 0
        )
        left = kind.quota_days * kind.steps_per_day - used
        what = f"{kind.name} has a quota of {kind.quota_days} day(s) a year, {_amount(left, kind)} left in {year}"
        what_zh = f"{kind.name}每年额度 {kind.quota_days} 天，{year} 年还剩 {_amount(left, kind, zh=True)}"
    else:
        return
    if pending:
        what += f" and {_amount(pending, kind)} of it is asked for in pending requests"
        what_zh += f"，其中 {_amount(pending, kind, zh=True)} 已在待审批的申请中"
    if steps > left - pending:
        raise RequestError(
            f"not enough balance: this leave takes {_amount(steps, kind)}, but {what}",
            zh=f"余额不足：本次请假需 {_amount(steps, kind, zh=True)}，但{what_zh}",
        )


def refuse_locked(session: Session, first: date, last: date) -> None:
    periods = sorted({f"{day:%Y-%m}" for day in (first, last)})
    locked = locked_periods(session, periods)
    for period in periods:
        if period in locked:
            raise RequestError(
                f"{period} is already paid in locked pay run {locked[period]}: a request for a locked month "
                "cannot change it; ask HR to correct it in a later month's run",
                zh=f"{period} 的工资已由已锁定的工资核算 {locked[period]} 发放：申请不能再改动已锁定的工资月份；"
                "请 HR 在之后月份的工资核算中更正",
            )


def _overlap(session: Session, employee: Employee, request: NewRequest) -> None:
    other = session.scalar(
        select(StaffRequest)
        .where(
            StaffRequest.employee_id == employee.id,
            StaffRequest.kind.in_(("leave", "trip")),
            StaffRequest.status.in_(("pending", "approved")),
            StaffRequest.starts_at < request.ends_at,
            StaffRequest.ends_at > request.starts_at,
        )
        .order_by(StaffRequest.id)  # fmt: skip
    )
    if other is not None:
        what = f"{other.leave_type} leave" if other.kind == "leave" else "business trip"
        kind = leave_types_of(session, employee).get(other.leave_type or "")
        what_zh = "出差" if other.kind != "leave" else kind.name if kind is not None else f"{other.leave_type} 假"
        raise RequestError(
            f"this overlaps request {other.id} ({what}, {other.status}, {other.starts_at:%Y-%m-%d %H:%M} to "
            f"{other.ends_at:%Y-%m-%d %H:%M}): withdraw that one first or choose other days",
            zh=f"与申请 {other.id}（{what_zh}，{STATUS_ZH.get(other.status, other.status)}，"
            f"{other.starts_at:%Y-%m-%d %H:%M} 至 {other.ends_at:%Y-%m-%d %H:%M}）时间重叠：请先撤回该申请或另选日期",
        )


def _check_correction(session: Session, employee: Employee, request: NewRequest, today: date) -> None:
    policy = policy_of(session, employee)
    day = request.starts_at.date()
    if request.direction not in ("in", "out"):
        raise RequestError(
            "a missed-punch correction says whether the punch was in or out: direction in | out",
            zh="补卡须说明是上班卡还是下班卡：direction 填 in 或 out",
        )
    if day > today:
        raise RequestError(
            f"a missed-punch correction is for a past punch: {day} is after today ({today})",
            zh=f"补卡只能补过去的打卡：{day} 晚于今天（{today}）",
        )
    if (today - day).days > policy.correction_deadline_days:
        raise RequestError(
            f"a missed punch is corrected within {policy.correction_deadline_days} days: {day} was "
            f"{(today - day).days} days ago, so ask HR to correct it",
            zh=f"补卡须在 {policy.correction_deadline_days} 天内申请：{day} 已是 {(today - day).days} 天前，"
            "请联系 HR 更正",
        )
    first = datetime(day.year, day.month, 1)
    after = datetime(day.year + day.month // 12, day.month % 12 + 1, 1)
    used = session.scalar(
        select(func.count())
        .select_from(StaffRequest)
        .where(
            StaffRequest.employee_id == employee.id,
            StaffRequest.kind == "correction",
            StaffRequest.status.in_(("pending", "approved")),
            StaffRequest.starts_at >= first,
            StaffRequest.starts_at < after,
        )  # fmt: skip
    )
    if (used or 0) >= policy.correction_limit_per_month:
        raise RequestError(
            f"{day:%Y-%m} already has {used} missed-punch correction(s), the office's limit per month: "
            "ask HR to correct further punches",
            zh=f"{day:%Y-%m} 已有 {used} 次补卡，达到本办公地点每月上限：更多打卡请联系 HR 更正",
        )


def _check_overtime(session: Session, employee: Employee, request: NewRequest) -> int:
    if request.ends_at <= request.starts_at:
        raise RequestError(
            "the overtime window ends before it starts: give an end after the start",
            zh="加班结束时间早于开始时间：请填写晚于开始的结束时间",
        )
    if request.comp not in ("pay", "time_off"):
        raise RequestError(
            "overtime is compensated by pay or by time off in lieu: comp pay | time_off",
            zh="加班以加班费或调休补偿：comp 填 pay 或 time_off",
        )
    if request.comp == "time_off":
        day = request.starts_at.date()
        if day_types(session, employee, day, day)[day] != DayType.RESTDAY:
            raise RequestError(
                f"{request.starts_at:%Y-%m-%d} is not a rest day: only rest-day overtime may be taken as time off "
                "in lieu (劳动法 art. 44 (2)); workday and holiday overtime is paid, so choose comp pay",
                zh=f"{request.starts_at:%Y-%m-%d} 不是休息日：只有休息日加班可以调休（劳动法第四十四条第二项）；"
                "工作日和法定节假日加班须支付加班费，请选择 comp pay",
            )
    return int((request.ends_at - request.starts_at).total_seconds()) // 60


def _steps_needed(session: Session, employee: Employee, request: NewRequest, kind: LeaveType | None) -> int:
    policy = policy_of(session, employee)
    if request.kind in policy.hr_step_kinds or request.kind in ("resignation", "change"):
        return 2
    if kind is not None and policy.hr_step_leave_days:
        days = (request.ends_at - request.starts_at).total_seconds() / 86400
        return 2 if days > policy.hr_step_leave_days else 1
    return 1


def submit(session: Session, actor: str, employee: Employee, request: NewRequest, today: date) -> StaffRequest:
    """Check and store a new pending request with its `submitted` event and audit row (see the module doc)."""
    if not request.reason.strip():
        raise RequestError("a request needs a reason (what it is for)", zh="申请须填写事由（用途）")
    kind: LeaveType | None = None
    amount = 0
    if request.kind == "leave":
        types = leave_types_of(session, employee)
        if request.leave_type not in types:
            raise RequestError(
                f"unknown leave type {request.leave_type!r}: use one of {', '.join(types)}",
                zh=f"未知的假期类型 {request.leave_type!r}：请使用 {', '.join(types)} 之一",
            )
        kind = types[request.leave_type]
        if kind.attachment_required and request.attachment is None:
            raise RequestError(
                f"{kind.name} ({kind.name_en}) needs an attachment (e.g. a doctor's note): attach it",
                zh=f"{kind.name}须附证明材料（如病假条）：请上传附件",
            )
        amount = leave_steps(session, employee, kind, request.starts_at, request.ends_at)
        _overlap(session, employee, request)
        year = request.starts_at.year
        check_balance(session, employee, kind, year, amount, _pending_steps(session, employee.id, kind.code, year))
    elif request.kind == "overtime":
        amount = _check_overtime(session, employee, request)
    elif request.kind == "correction":
        _check_correction(session, employee, request, today)
        request = NewRequest(**{**request.__dict__, "ends_at": request.starts_at})
    elif request.kind == "trip":
        if {request.starts_at.time(), request.ends_at.time()} != {time(0)} or request.ends_at <= request.starts_at:
            raise RequestError(
                "a business trip is whole days: start and end at 00:00, the end after the start (exclusive)",
                zh="出差按整天申请：开始和结束都在 00:00，结束晚于开始（结束当天不含）",
            )
        amount = (request.ends_at - request.starts_at).days
        _overlap(session, employee, request)
    elif request.kind == "resignation":
        if request.starts_at.time() != time(0):
            raise RequestError(
                "a resignation names its last day: starts_at is that day at 00:00 (e.g. 2026-07-20T00:00)",
                zh="离职申请须写明最后工作日：starts_at 为当天 00:00（如 2026-07-20T00:00）",
            )
        resignations.check_new(session, employee, request.starts_at.date(), today)
        request = NewRequest(**{**request.__dict__, "ends_at": request.starts_at})
    elif request.kind == "change":
        if request.starts_at.time() != time(0):
            raise RequestError(
                "a change names the day it takes effect: effective_from, a date (e.g. 2026-03-16)",
                zh="人事变动须写明生效日期：effective_from 填日期（如 2026-03-16）",
            )
        new_terms = personnel_changes.complete(session, employee, request.change_type, request.terms)
        personnel_changes.check_new(session, actor, employee, request.change_type or "", request.starts_at.date(),
                                    new_terms)  # fmt: skip
        request = NewRequest(**{**request.__dict__, "ends_at": request.starts_at, "terms": new_terms})
    else:
        raise RequestError(
            f"unknown request kind {request.kind!r}: use leave, overtime, correction, trip, resignation or change",
            zh=f"未知的申请类型 {request.kind!r}：请使用 leave（请假）、overtime（加班）、correction（补卡）、"
            "trip（出差）、resignation（离职）或 change（人事变动）",
        )
    if request.attachment is not None and len(request.attachment.data) > MAX_ATTACHMENT:
        raise RequestError(
            f"the attachment {request.attachment.filename!r} is {len(request.attachment.data)} bytes; at most "
            f"{MAX_ATTACHMENT} (2 MiB) — send a smaller scan or photo",
            zh=f"附件 {request.attachment.filename!r} 有 {len(request.attachment.data)} 字节，"
            f"最多 {MAX_ATTACHMENT}（2 MiB）：请上传更小的扫描件或照片",
        )
    refuse_locked(session, request.starts_at.date(), request.ends_at.date())
    now = utcnow()
    steps = _steps_needed(session, employee, request, kind)
    row = StaffRequest(
        employee_id=employee.id, kind=request.kind, leave_type=request.leave_type if kind else None,
        starts_at=request.starts_at, ends_at=request.ends_at, amount=amount,
        comp=request.comp if request.kind == "overtime" else None,
        direction=request.direction if request.kind == "correction" else None, reason=request.reason,
        status="pending", steps=steps, step=1, created_by=actor, created_at=now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if request.kind == "resignation":
        resignations.record_new(session, actor, row)
    if request.kind == "change":
        personnel_changes.record_new(session, row, request.change_type or "", request.terms or {})
    if request.attachment is not None:
        a = request.attachment
        session.add(RequestAttachment(request_id=row.id, filename=a.filename, content_type=a.content_type,
                                      size=len(a.data), data=a.data))  # fmt: skip
    session.add(
        RequestEvent(request_id=row.id, at=now, actor=actor, action="submitted", step=0, comment=request.reason)
    )
    request_changed(session, row, "submitted", 0, request.reason)
    after = {"kind": row.kind, "leave_type": row.leave_type, "starts_at": row.starts_at.isoformat(),
             "ends_at": row.ends_at.isoformat(), "amount": amount, "steps": steps, "employee": employee.code,
             "entered_by": actor}  # fmt: skip
    append_audit(session, actor, "request.submit", f"request:{row.id}", None, after)
    session.flush()
    return row
