"""Requests and approvals: employees' leave, overtime, 补卡 and business trips; managers' and HR's decisions.

A personnel change (kind `change`: 转正, 调薪, 调动) is entered by HR or the employee's manager for an employee
(`employee=`), never by the employee; its final approval writes the dated terms record.

An employee sees and withdraws their own; a manager also sees and decides (step 1) their people's — 404 for
anyone else's, like the employee rule; HR and admin see and decide all (any step) and may enter a request on
someone's behalf (`employee=`). `gateway.people.requests` checks a request, `gateway.people.approvals` decides
it; their refusals are 422 (409 when someone decided first). Times in and out are the office's wall clock:
input without an offset is read in the employee's office zone, output carries the zone's offset.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.auth import EVERYONE, not_found, require
from api.db import read, write
from api.errors import Conflict, Unprocessable
from api.languages import wording
from api.routes.employees import find_employee
from api.routing import ApiRouter
from api.schemas import Code, PathId, PayMonth, _In
from gateway.access.tokens import Principal
from gateway.pay.dashboard import local_today
from gateway.people import approvals, personnel_changes
from gateway.people import requests as service
from gateway.people.departments import find_department, managed_employee_ids, subtree_ids
from gateway.people.employee_terms import terms_as_of
from gateway.people.leave_ledger import leave_types_of
from gateway.people.request_rules import RequestError
from gateway.store import (
    Department,
    Employee,
    Office,
    PersonnelChange,
    RequestAttachment,
    RequestEvent,
    StaffRequest,
    utcnow,
)

router = ApiRouter(prefix="/requests", tags=["requests"])
Kind = Literal["leave", "overtime", "correction", "trip", "resignation", "change"]
Status = Literal["pending", "approved", "rejected", "withdrawn"]
Comment = Annotated[str, Field(max_length=1000, description="the decider's comment, shown in the history")]


class AttachmentIn(_In):
    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=1, max_length=100, description="e.g. image/jpeg")]
    data: Annotated[str, Field(max_length=2_796_204, description="the file, base64 (at most 2 MiB decoded)")]


class RequestIn(_In):
    kind: Kind = Field(
        description="leave | overtime | correction (补卡) | trip | resignation (离职申请) | change (转正, 调薪, 调动)"
    )
    employee: Code | None = Field(
        None, description="HR and admin (and a manager, for a change): the employee this is entered for; else yourself"
    )
    starts_at: datetime | None = Field(
        None,
        description="office wall clock: leave/trip start, overtime start, 补卡 punch time, resignation: the last "
        "day at 00:00; omit for a change",
    )
    ends_at: datetime | None = Field(
        None, description="exclusive end (leave, overtime, trip); omit for a 补卡 and a resignation"
    )
    leave_type: Annotated[str, Field(max_length=32)] | None = Field(None, description="leave: a code of GET /leave")
    comp: Literal["pay", "time_off"] | None = Field(None, description="overtime: 200 % pay or time off in lieu")
    direction: Literal["in", "out"] | None = Field(None, description="补卡: the missed punch was in or out")
    reason: Annotated[str, Field(min_length=1, max_length=1000, pattern=r"\S")]
    attachment: AttachmentIn | None = Field(None, description="required by some leave types (a doctor's note)")
    change_type: Literal["probation", "raise", "transfer"] | None = Field(
        None, description="change: probation (转正), raise (调薪) or transfer (调动)"
    )
    effective_from: date | None = Field(None, description="change: the day the new terms take effect")
    terms: dict[str, Any] | None = Field(
        None,
        description="change: the new terms in the fields of POST /employees/{code}/changes (e.g. "
        '{"monthly_salary_fen": 950000}); 转正 without a salary takes the pay agreed at onboarding',
    )


class EventOut(BaseModel):
    at: str = Field(description="office time, ISO with offset")
    actor: str
    action: str = Field(description="submitted | approved | rejected | withdrawn")
    step: int = Field(description="the approval step acted on (0: submission)")
    comment: str


class ChangeOut(BaseModel):
    change_type: str = Field(description="probation (转正) | raise (调薪) | transfer (调动)")
    effective_from: date
    terms: dict[str, Any] = Field(description="the new terms (written as a dated record on the final approval)")
    current: dict[str, Any] = Field(
        default_factory=dict, description="the same fields' terms in force the day before effective_from (旧 → 新)"
    )


class RequestOut(BaseModel):
    id: int
    employee: str
    employee_name: str
    department: str | None = Field(description="the employee's department's name (null: none)")
    kind: Kind
    status: Status
    leave_type: str | None
    starts_at: str = Field(description="office time, ISO with offset")
    ends_at: str
    amount: int = Field(description="leave: steps of the type's unit; overtime: minutes; trip: days; 补卡: 0")
    unit: str | None = Field(description="leave: the type's unit, day | half_day | hour (minutes); else null")
    comp: str | None
    direction: str | None
    reason: str
    steps: int = Field(description="1: the manager approves; 2: the manager, then HR")
    step: int = Field(description="the step a pending request waits for")
    created_by: str = Field(description="who entered it (HR when on the employee's behalf)")
    attachment: str | None = Field(description="the attached file's name")
    history: list[EventOut] = Field(default_factory=list, description="only in the detail")
    change: ChangeOut | None = Field(None, description="a change's type, day and new terms; else null")


class Decisions(_In):
    ids: Annotated[list[PathId], Field(min_length=1, max_length=200)]
    approve: bool = Field(description="true: approve the step each waits for; false: reject")
    comment: Comment = ""


class DecisionOut(BaseModel):
    id: int
    ok: bool
    status: str | None = Field(description="the request's status after (null when not found)")
    step: int | None
    detail: str = Field(description="why it was refused; empty when done")


class Withdrawal(_In):
    comment: Comment = ""


def _decider(who: Principal) -> approvals.Decider:
    return approvals.Decider(who.actor, who.role, who.employee_id)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except approvals.RequestNotFound as error:
        raise not_found(str(error).removesuffix(" does not exist")) from None
    except approvals.RequestTaken as error:
        raise Conflict.of(error) from None
    except RequestError as error:
        raise Unprocessable.of(error) from None


def _zone(session: Session, employee: Employee) -> ZoneInfo:
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    return ZoneInfo(office.timezone if office else "Asia/Shanghai")


def _out(session: Session, row: StaffRequest, history: bool = False) -> RequestOut:
    employee = session.get_one(Employee, row.employee_id)
    zone = _zone(session, employee)

    def local(at: datetime) -> str:
        return at.replace(tzinfo=zone).isoformat()

    def utc(at: datetime) -> str:
        return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).isoformat()

    change = personnel_changes.change_of(session, row.id) if row.kind == "change" else None
    events = session.scalars(select(RequestEvent).where(RequestEvent.request_id == row.id).order_by(RequestEvent.id))
    return RequestOut(
        id=row.id, employee=employee.code, employee_name=employee.name,
        department=session.scalar(select(Department.name).where(Department.id == employee.department_id)),
        kind=row.kind, status=row.status,  # type: ignore[arg-type]
        leave_type=row.leave_type, starts_at=local(row.starts_at), ends_at=local(row.ends_at), amount=row.amount,
        unit=leave_types_of(session, employee)[row.leave_type].unit if row.leave_type is not None else None,
        comp=row.comp, direction=row.direction, reason=row.reason, steps=row.steps, step=row.step,
        created_by=row.created_by,
        attachment=session.scalar(select(RequestAttachment.filename).where(RequestAttachment.request_id == row.id)),
        history=[EventOut(at=utc(e.at), actor=e.actor, action=e.action, step=e.step, comment=e.comment)
                 for e in events] if history else [],
        change=_change_out(session, employee, change) if change is not None else None,
    )  # fmt: skip


def _change_out(session: Session, employee: Employee, change: PersonnelChange) -> ChangeOut:
    terms = personnel_changes.terms_of(change)
    before = terms_as_of(session, employee, change.effective_from - timedelta(days=1))
    return ChangeOut(change_type=change.change_type, effective_from=change.effective_from, terms=terms,
                     current={key: before.get(key) for key in terms})  # fmt: skip


def _visible(session: Session, who: Principal, query: Select[StaffRequest]) -> Select[StaffRequest]:
    if who.role in ("admin", "hr", "viewer"):
        return query
    own = {who.employee_id} if who.employee_id is not None else set()
    people = own | (managed_employee_ids(session, who.employee_id or 0) if who.role == "manager" else set())
    return query.where(StaffRequest.employee_id.in_(people))


def _page(session: Session, query: Select[StaffRequest]) -> list[RequestOut]:
    return [_out(session, row) for row in session.scalars(query.order_by(StaffRequest.id.desc()).limit(500))]


@router.get("")
def list_requests(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    status: Status | None = None,
    kind: Kind | None = None,
    employee: Annotated[str | None, Query(max_length=32, description="employee code")] = None,
    month: Annotated[PayMonth | None, Query(description="requests starting in this month, YYYY-MM")] = None,
    department: Annotated[
        str | None, Query(max_length=32, description="department code: its people and those of the ones below it")
    ] = None,
) -> list[RequestOut]:
    """Requests the caller may see, newest first (at most 500): yours; a manager's people's; HR everyone's."""
    with read(request) as session:
        query = _visible(session, who, select(StaffRequest))
        if status is not None:
            query = query.where(StaffRequest.status == status)
        if kind is not None:
            query = query.where(StaffRequest.kind == kind)
        if employee is not None:
            found = session.scalar(select(Employee.id).where(Employee.code == employee))
            if found is None:
                raise not_found(f"employee {employee!r}")
            query = query.where(StaffRequest.employee_id == found)
        if department is not None:
            unit = find_department(session, department)
            if unit is None:
                raise not_found(f"department {department!r}")
            members = select(Employee.id).where(Employee.department_id.in_(subtree_ids(session, {unit.id})))
            query = query.where(StaffRequest.employee_id.in_(members))
        if month is not None:
            year, number = int(month[:4]), int(month[5:7])
            first = datetime(year, number, 1)
            query = query.where(StaffRequest.starts_at >= first,
                                StaffRequest.starts_at < datetime(year + number // 12, number % 12 + 1, 1))  # fmt: skip
        return _page(session, query)


@router.get("/mine")
def my_requests(request: Request, who: Annotated[Principal, require(*EVERYONE)]) -> list[RequestOut]:
    """The caller's own requests, newest first."""
    with read(request) as session:
        return _page(session, select(StaffRequest).where(StaffRequest.employee_id == (who.employee_id or 0)))


@router.get("/inbox")
def inbox(request: Request, who: Annotated[Principal, require("admin", "hr", "manager")]) -> list[RequestOut]:
    """Pending requests the caller may decide now: a manager's people's at step 1; for HR and admin, all."""
    with read(request) as session:
        query = select(StaffRequest).where(StaffRequest.status == "pending")
        if who.role == "manager":
            people = managed_employee_ids(session, who.employee_id or 0)
            query = query.where(StaffRequest.step == 1, StaffRequest.employee_id.in_(people))
        return _page(session, query)


@router.get("/{request_id}")
def get_request(request: Request, request_id: PathId, who: Annotated[Principal, require(*EVERYONE)]) -> RequestOut:
    """One request with its history (who did what, with the comment)."""
    with read(request) as session, _errors():
        return _out(session, approvals.find_request(session, _decider(who), request_id), history=True)


def _attachment(body: AttachmentIn | None) -> service.Attachment | None:
    if body is None:
        return None
    try:
        data = base64.b64decode(body.data, validate=True)
    except (binascii.Error, ValueError):
        raise Unprocessable(f"attachment {body.filename!r}: data is not base64; encode the file's bytes") from None
    return service.Attachment(body.filename, body.content_type, data)


def _changed_employee(session: Session, who: Principal, code: str | None) -> Employee:
    """The employee a change is for: HR may name anyone, a manager their people (404 for others)."""
    if code is None:
        raise Unprocessable("a change (转正, 调薪, 调动) is entered for an employee: give employee=CODE")
    employee = find_employee(session, code)
    visible = who.role in ("admin", "hr") or employee.id == who.employee_id
    if not visible and not (
        who.role == "manager" and employee.id in managed_employee_ids(session, who.employee_id or 0)
    ):
        raise not_found(f"employee {code!r}")
    with _errors():
        personnel_changes.check_submitter(session, who.role, who.employee_id, employee)
    return employee


def _starts_at(body: RequestIn) -> datetime:
    if body.kind == "change":
        if body.effective_from is None:
            raise Unprocessable("a change names the day its terms take effect: give effective_from (e.g. 2026-03-16)")
        return datetime.combine(body.effective_from, datetime.min.time())
    if body.starts_at is None:
        raise Unprocessable(f"a {body.kind} request needs starts_at (office wall clock, e.g. 2026-07-20T09:00)")
    return body.starts_at


@router.post("", status_code=201)
def create_request(request: Request, body: RequestIn, who: Annotated[Principal, require(*EVERYONE)]) -> RequestOut:
    """Submit a request (pending; the manager decides, then HR where the office's policy says so)."""
    attachment = _attachment(body.attachment)

    def work(session: Session) -> RequestOut:
        if body.kind == "change":
            employee = _changed_employee(session, who, body.employee)
        elif body.employee is not None and who.role in ("admin", "hr"):
            employee = find_employee(session, body.employee)
        elif (
            body.employee is not None
            and session.scalar(
                select(func.count()).where(Employee.code == body.employee, Employee.id == who.employee_id)
            )
            != 1
        ):
            raise not_found(f"employee {body.employee!r}")
        elif who.employee_id is None:
            raise Unprocessable("your login is not an employee's: give employee=CODE (HR enters it on their behalf)")
        else:
            employee = session.get_one(Employee, who.employee_id)
        zone = _zone(session, employee)

        def wall(at: datetime) -> datetime:
            return at.astimezone(zone).replace(tzinfo=None) if at.tzinfo is not None else at

        office = session.get(Office, employee.office_id) if employee.office_id is not None else None
        today = local_today(office, utcnow()) if office is not None else date.today()
        starts_at = _starts_at(body)
        new = service.NewRequest(
            kind=body.kind, starts_at=wall(starts_at), ends_at=wall(body.ends_at or starts_at),
            reason=body.reason, leave_type=body.leave_type, comp=body.comp, direction=body.direction,
            attachment=attachment, change_type=body.change_type, terms=body.terms,
        )  # fmt: skip
        with _errors():
            return _out(session, service.submit(session, who.actor, employee, new, today), history=True)

    return write(request, work)


@router.post("/decisions")
def decide_requests(
    request: Request, body: Decisions, who: Annotated[Principal, require(*EVERYONE)]
) -> list[DecisionOut]:
    """Approve or reject many at once with one comment; each request all-or-nothing on its own, one result per id."""
    results = []
    for request_id in dict.fromkeys(body.ids):

        def work(session: Session, request_id: int = request_id) -> DecisionOut:
            row = approvals.decide(session, _decider(who), request_id, body.approve, body.comment)
            return DecisionOut(id=row.id, ok=True, status=row.status, step=row.step, detail="")

        try:
            results.append(write(request, work))
        except approvals.RequestNotFound as error:
            results.append(
                DecisionOut(
                    id=request_id, ok=False, status=None, step=None, detail=wording(request, str(error), error.zh)[0]
                )
            )
        except RequestError as error:
            with read(request) as session:
                row = session.get(StaffRequest, request_id)
                status, step = (row.status, row.step) if row is not None else (None, None)
            results.append(
                DecisionOut(
                    id=request_id, ok=False, status=status, step=step, detail=wording(request, str(error), error.zh)[0]
                )
            )
    return results


@router.post("/{request_id}/withdraw")
def withdraw_request(
    request: Request, request_id: PathId, body: Withdrawal, who: Annotated[Principal, require(*EVERYONE)]
) -> RequestOut:
    """Take back a pending request (before its final approval)."""

    def work(session: Session) -> RequestOut:
        with _errors():
            return _out(session, approvals.withdraw(session, _decider(who), request_id, body.comment), history=True)

    return write(request, work)
