"""Onboarding (入职申请): an office submits a new hire, HQ approves; the approval answers the activation code once.

HR, admin and a department's manager submit; HR and admin other than the submitter decide (four eyes); viewers
read. `gateway.people.onboarding` checks and decides; its refusals are 422 with one `errors` line per field
(`field: message`), 409 when someone decided first. The ID number is shown in full to HR and admin, masked to
others. The approval's answer carries the activation code and link — the one time they are shown besides the
welcome in the new employee's inbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import not_found, require
from api.db import read, write
from api.errors import Conflict, Unprocessable
from api.languages import reads_chinese
from api.routing import ApiRouter
from api.schemas import Code, DateIn, Fen, Name, PathId, ShiftRule, _In
from gateway.access.tokens import Principal
from gateway.access.vault import mask
from gateway.people import onboarding as service
from gateway.store import Department, Office, Onboarding, OnboardingEvent

router = ApiRouter(prefix="/onboarding", tags=["onboarding"])
READERS = ("admin", "hr", "viewer", "manager")
SUBMITTERS = ("admin", "hr", "manager")
DECIDERS = ("admin", "hr")
Status = Literal["pending", "approved", "rejected", "withdrawn"]
Comment = Annotated[str, Field(max_length=1000, description="shown in the history")]


class OnboardingIn(_In):
    name: Name
    office: Name = Field(description="the office's name, as GET /dashboard lists them")
    department: Code | None = Field(None, description="department code (a manager: one they manage)")
    position: Annotated[str, Field(max_length=100)] = Field(description="岗位, e.g. 装配工")
    hired_on: DateIn = Field(description="入职日期")
    pay_basis: Literal["monthly", "hourly", "piece"]
    monthly_salary_fen: Fen | None = Field(None, description="monthly: the agreed monthly salary")
    hourly_rate_fen: Fen | None = Field(None, description="hourly: the agreed hourly rate")
    probation_months: Annotated[int, Field(ge=0, le=12)] = Field(0, description="试用期, 0-6 months")
    probation_salary_fen: Fen | None = Field(None, description="pay during probation, in the basis' unit")
    shift_rule: ShiftRule | None = None
    id_type: Annotated[str, Field(max_length=32)] = Field(description="resident_id, passport, …")
    id_number: Annotated[str, Field(min_length=1, max_length=40)]
    mobile: Annotated[str, Field(max_length=20)] | None = None
    email: Annotated[str, Field(max_length=320)] | None = None
    employee_code: Code | None = Field(None, description="omit for the office's next code")
    pin: Annotated[str, Field(max_length=32)] | None = Field(None, description="badge number; omit for the next")


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str = Field(description="submitted | approved | rejected | withdrawn")
    comment: str


class OnboardingOut(BaseModel):
    id: int
    status: Status
    name: str
    office: str
    department: str | None = Field(description="department code")
    department_name: str | None
    position: str
    hired_on: date
    pay_basis: str
    monthly_salary_fen: int | None
    hourly_rate_fen: int | None
    probation_months: int
    probation_salary_fen: int | None
    shift_rule: str | None
    id_type: str
    id_number: str = Field(description="in full for HR and admin, else masked")
    mobile: str | None
    email: str | None
    employee_code: str | None = Field(description="as given, or the one the approval used")
    pin: str | None
    created_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    comment: str
    yours: bool = Field(description="submitted by the caller: the caller does not decide it (four eyes)")
    history: list[EventOut] = Field(default_factory=list, description="only in the detail")


class DecisionIn(_In):
    approve: bool = Field(description="true: create the employee, badge, login and welcome; false: reject")
    comment: Comment = ""


class WithdrawIn(_In):
    comment: Comment = ""


class ActivationOut(BaseModel):
    code: str = Field(description="shown once: only its hash is stored")
    link: str = Field(description="the web app's route that opens the login with it")
    expires_at: datetime


class WelcomeOut(BaseModel):
    title: str
    body: str = Field(description="the welcome as the new hire's inbox has it, for HR to forward; shown once")


class DecisionOut(BaseModel):
    onboarding: OnboardingOut
    employee: str | None = Field(description="the new employee's code (approved)")
    pin: str | None = Field(description="the new badge (approved)")
    activation: ActivationOut | None = Field(description="approved: the code of the welcome message")
    welcome: WelcomeOut | None = Field(None, description="approved: the welcome's text with the code")


def _actor(who: Principal) -> service.Actor:
    return service.Actor(who.actor, who.role, who.employee_id)


def _utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.replace(tzinfo=UTC)


@contextmanager
def _errors(request: Request) -> Iterator[None]:
    try:
        yield
    except service.OnboardingNotFound as error:
        raise not_found(str(error).removesuffix(" does not exist")) from None
    except service.OnboardingTaken as error:
        raise Conflict.of(error) from None
    except service.OnboardingError as error:
        chinese = reads_chinese(request)
        lines = [problem.line(chinese) for problem in error.problems]
        raise Unprocessable.of(error, extra={"errors": lines}) from None


def _out(session: Session, who: Principal, row: Onboarding, history: bool = False) -> OnboardingOut:
    department = session.get(Department, row.department_id) if row.department_id is not None else None
    number = service.id_number_of(session, row)
    query = select(OnboardingEvent).where(OnboardingEvent.onboarding_id == row.id).order_by(OnboardingEvent.id)
    events: list[OnboardingEvent] = list(session.scalars(query)) if history else []
    return OnboardingOut(
        id=row.id, status=row.status,  # type: ignore[arg-type]  # the table's check constraint
        name=row.name, office=session.get_one(Office, row.office_id).name,
        department=department.code if department else None, department_name=department.name if department else None,
        position=row.position, hired_on=row.hired_on, pay_basis=row.pay_basis,
        monthly_salary_fen=row.monthly_salary_fen, hourly_rate_fen=row.hourly_rate_fen,
        probation_months=row.probation_months, probation_salary_fen=row.probation_salary_fen,
        shift_rule=row.shift_rule, id_type=row.id_type,
        id_number=number if who.role in DECIDERS else mask(number), mobile=row.mobile, email=row.email,
        employee_code=row.employee_code, pin=row.pin, created_by=row.created_by,
        created_at=row.created_at.replace(tzinfo=UTC), decided_by=row.decided_by, decided_at=_utc(row.decided_at),
        comment=row.comment, yours=row.created_by == who.actor,
        history=[EventOut(at=e.at.replace(tzinfo=UTC), actor=e.actor, action=e.action, comment=e.comment)
                 for e in events],
    )  # fmt: skip


@router.get("")
def list_onboardings(
    request: Request,
    who: Annotated[Principal, require(*READERS)],
    status: Status | None = None,
    office: Annotated[str | None, Query(max_length=100, description="the office's name")] = None,
    department: Annotated[str | None, Query(max_length=32, description="department code")] = None,
) -> list[OnboardingOut]:
    """New hires the caller may see, newest first (at most 500): a manager those of the departments they manage."""
    with read(request) as session:
        query = select(Onboarding).order_by(Onboarding.id.desc()).limit(500)
        if status is not None:
            query = query.where(Onboarding.status == status)
        if office is not None:
            query = query.where(Onboarding.office_id.in_(select(Office.id).where(Office.name == office)))
        if department is not None:
            in_department = select(Department.id).where(Department.code == department)
            query = query.where(Onboarding.department_id.in_(in_department))
        actor = _actor(who)
        return [_out(session, who, row) for row in session.scalars(query) if service.may_see(session, actor, row)]


@router.get("/{onboarding_id}")
def show_onboarding(
    request: Request, onboarding_id: PathId, who: Annotated[Principal, require(*READERS)]
) -> OnboardingOut:
    with read(request) as session, _errors(request):
        return _out(session, who, service.find_onboarding(session, _actor(who), onboarding_id), history=True)


@router.post("", status_code=201)
def submit_onboarding(
    request: Request, body: OnboardingIn, who: Annotated[Principal, require(*SUBMITTERS)]
) -> OnboardingOut:
    """Submit a new hire for HQ's approval; every field problem at once in `errors`, nothing stored."""
    hire = service.NewHire(**body.model_dump())

    def work(session: Session) -> OnboardingOut:
        with _errors(request):
            return _out(session, who, service.submit(session, _actor(who), hire), history=True)

    return write(request, work)


@router.post("/{onboarding_id}/decision")
def decide_onboarding(
    request: Request, onboarding_id: PathId, body: DecisionIn, who: Annotated[Principal, require(*DECIDERS)]
) -> DecisionOut:
    """Approve (the employee, badge, login, activation code and welcome, in one transaction) or reject."""
    days = request.app.state.settings.config.onboarding.activation_days

    def work(session: Session) -> DecisionOut:
        with _errors(request):
            row, approved = service.decide(
                session, _actor(who), onboarding_id, body.approve, body.comment, activation_days=days
            )
        activation = None
        if approved is not None:
            code = approved.activation.code
            activation = ActivationOut(code=code, link=service.ACTIVATE_LINK + code,
                                       expires_at=approved.activation.expires_at.replace(tzinfo=UTC))  # fmt: skip
        welcome = None if approved is None else WelcomeOut(title=approved.welcome[0], body=approved.welcome[1])
        return DecisionOut(
            onboarding=_out(session, who, row, history=True),
            employee=approved.employee.code if approved else None,
            pin=approved.pin if approved else None,
            activation=activation,
            welcome=welcome,
        )

    return write(request, work)


@router.post("/{onboarding_id}/withdraw")
def withdraw_onboarding(
    request: Request, onboarding_id: PathId, body: WithdrawIn, who: Annotated[Principal, require(*SUBMITTERS)]
) -> OnboardingOut:
    def work(session: Session) -> OnboardingOut:
        with _errors(request):
            return _out(session, who, service.withdraw(session, _actor(who), onboarding_id, body.comment), True)

    return write(request, work)
