"""Employees (CRUD) and their badge mappings. Adding a badge re-maps the pin's quarantined punches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from api.auth import (
    EVERYONE,
    READERS,
    WRITERS,
    ensure_visible,
    leaver_grace_days,
    not_found,
    require,
    sees_full_numbers,
)
from api.db import read, write
from api.errors import Conflict, NotFound, Unprocessable
from api.routing import ApiRouter
from api.schemas import (
    BadgeAdded,
    BadgeIn,
    BadgeOut,
    BadgeUpdate,
    DateIn,
    EmployeeCreate,
    EmployeeFields,
    EmployeeOut,
    EmployeePage,
    EmployeeUpdate,
    PageOffset,
    PathId,
    TermsChangeIn,
    TermsHistoryOut,
    TermsRecordOut,
    TermsValues,
)
from gateway.access import leaver_logins
from gateway.access.audit import append_audit
from gateway.access.tokens import Principal
from gateway.people import badges as badge_records
from gateway.people import employee_terms as terms
from gateway.people import employees as records
from gateway.people.employees import EMPLOYEE_FIELDS, EmployeeError, EmployeeValues, fields_of, masked, office_names
from gateway.store import Badge, Base, Department, Employee, EmployeeTerms, Office

router = ApiRouter(prefix="/employees", tags=["employees"])
assert set(EmployeeFields.model_fields) == set(EMPLOYEE_FIELDS), "EmployeeFields must hold gateway.people's fields"


@contextmanager
def _employee_errors() -> Iterator[None]:
    """An office or shift the record names that does not exist → 422 with the service's message."""
    try:
        yield
    except EmployeeError as error:
        raise Unprocessable.of(error) from None


def _office(session: Session, name: str) -> Office:
    with _employee_errors():
        return records.office_by_name(session, name)


def find_employee(session: Session, code: str) -> Employee:
    employee = session.scalar(select(Employee).where(Employee.code == code))
    if employee is None:
        raise not_found(f"employee {code!r}")
    return employee


def _values(fields: EmployeeFields) -> EmployeeValues:
    return records.values_of({key: getattr(fields, key) for key in EMPLOYEE_FIELDS})


def _department(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        known = ", ".join(repr(c) for c in session.scalars(select(Department.code).order_by(Department.code)))
        raise Unprocessable(f"no department with code {code!r}: departments are {known or 'none'}")
    return department


def _out(
    session: Session, employee: Employee, offices: dict[int, str], badges: list[Badge], *, full: bool
) -> EmployeeOut:
    """The department is shown here but set through `POST /departments/{code}/members`, not by PATCH."""
    values = fields_of(session, employee, offices)
    department = session.get(Department, employee.department_id) if employee.department_id is not None else None
    return EmployeeOut(
        code=employee.code,
        **(values if full else masked(values)),
        department=department.code if department else None,
        department_name=department.name if department else None,
        badges=[_badge_out(b) for b in badges],
    )


def _badge_out(badge: Badge) -> BadgeOut:
    return BadgeOut(
        id=badge.id,
        pin=badge.pin,
        device_sn=badge.device_sn,
        card=str(badge.card) if badge.card else None,
        device_privilege=badge.device_privilege,  # type: ignore[arg-type]  # the table's check constraint
    )


def _badges(session: Session, employee_ids: list[int]) -> dict[int, list[Badge]]:
    found: dict[int, list[Badge]] = defaultdict(list)
    for badge in session.scalars(select(Badge).where(Badge.employee_id.in_(employee_ids)).order_by(Badge.id)):
        found[badge.employee_id].append(badge)
    return found


@router.get("")
def list_employees(
    request: Request,
    who: Annotated[Principal, require(*READERS)],
    office: Annotated[str | None, Query(max_length=100, description="only this office")] = None,
    q: Annotated[str | None, Query(max_length=100, description="code or name contains this")] = None,
    department: Annotated[
        str | None, Query(max_length=32, description="only this department's own members (by code)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: PageOffset = 0,
) -> EmployeePage:
    with read(request) as session:
        query = select(Employee)
        if office is not None:
            query = query.where(Employee.office_id == _office(session, office).id)
        if department is not None:
            query = query.where(Employee.department_id == _department(session, department).id)
        if q:
            pattern = f"%{q}%"
            query = query.where(or_(Employee.code.like(pattern), Employee.name.like(pattern)))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        employees = list(session.scalars(query.order_by(Employee.code).limit(limit).offset(offset)))
        offices, badges = office_names(session), _badges(session, [e.id for e in employees])
        full = sees_full_numbers(who)
        return EmployeePage(items=[_out(session, e, offices, badges[e.id], full=full) for e in employees], total=total)


@router.get("/{code}")
def get_employee(request: Request, code: str, who: Annotated[Principal, require(*EVERYONE)]) -> EmployeeOut:
    """An employee token sees only its own record (404 for anyone else)."""
    with read(request) as session:
        employee = session.scalar(select(Employee).where(Employee.code == code))
        ensure_visible(who, employee.id if employee else None, f"employee {code!r}")
        if employee is None:
            raise not_found(f"employee {code!r}")
        out = _out(
            session,
            employee,
            office_names(session),
            _badges(session, [employee.id])[employee.id],
            full=sees_full_numbers(who),
        )
        if employee.left_on is None:
            return out
        closes, closed = leaver_logins.closing(session, employee, leaver_grace_days(request))
        return out.model_copy(update={"login_closes_on": closes, "login_closed": closed})


@router.post("", status_code=201)
def add_employee(request: Request, body: EmployeeCreate, who: Annotated[Principal, require(*WRITERS)]) -> EmployeeOut:
    def work(session: Session) -> EmployeeOut:
        if session.scalar(select(Employee.id).where(Employee.code == body.code)) is not None:
            raise Conflict(
                f"employee code {body.code!r} is already used: pick another code or edit that employee",
                zh=f"工号 {body.code!r} 已被使用：请换一个工号，或编辑该员工",
            )
        with _employee_errors():
            employee = records.add_employee(session, body.code, _values(body), who.actor)
        return _out(session, employee, office_names(session), [], full=True)

    return write(request, work)


@router.patch("/{code}")
def edit_employee(
    request: Request, code: str, body: EmployeeUpdate, who: Annotated[Principal, require(*WRITERS)]
) -> EmployeeOut:
    """Change the given fields (null clears an optional one); the result is checked as a whole."""

    def work(session: Session) -> EmployeeOut:
        employee = find_employee(session, code)
        offices = office_names(session)
        try:
            merged = EmployeeFields.model_validate(
                {**fields_of(session, employee, offices), **body.model_dump(exclude_unset=True)}
            )
        except ValidationError as error:
            raise Unprocessable(
                "; ".join(
                    (f"{'.'.join(map(str, e['loc']))}: " if e["loc"] else "")
                    + str(e["msg"]).removeprefix("Value error, ")
                    for e in error.errors()
                )
            ) from None
        with _employee_errors():
            records.edit_employee(session, employee, _values(merged), who.actor)
        return _out(session, employee, offices, _badges(session, [employee.id])[employee.id], full=True)

    return write(request, work)


@router.delete("/{code}", status_code=204)
def delete_employee(request: Request, code: str, who: Annotated[Principal, require(*WRITERS)]) -> Response:
    """Only an employee with no punches, corrections or tokens can be deleted; otherwise set `left_on`."""

    def work(session: Session) -> None:
        employee = find_employee(session, code)
        for table in Base.metadata.sorted_tables:  # every table that refers to employees, pay tables included
            for key in table.foreign_keys:
                if key.column.table.name != "employees" or table.name in ("badges", "employee_terms"):
                    continue
                if session.scalar(select(func.count()).select_from(table).where(key.parent == employee.id)):
                    raise Conflict(
                        f"employee {code!r} has {table.name.replace('_', ' ')}, which must stay "
                        "attributable: set left_on instead of deleting"
                    )
        before = masked(fields_of(session, employee, office_names(session)))
        badges = list(session.scalars(select(Badge).where(Badge.employee_id == employee.id)))
        for badge in badges:
            session.delete(badge)
        session.execute(delete(EmployeeTerms).where(EmployeeTerms.employee_id == employee.id))  # one statement
        session.delete(employee)
        append_audit(
            session,
            who.actor,
            "employee.delete",
            f"employee:{code}",
            {**before, "badges": [(b.pin, b.device_sn) for b in badges]},
            None,
        )

    write(request, work)
    return Response(status_code=204)


@router.get("/{code}/badges")
def list_badges(request: Request, code: str, who: Annotated[Principal, require(*EVERYONE)]) -> list[BadgeOut]:
    with read(request) as session:
        employee = session.scalar(select(Employee).where(Employee.code == code))
        ensure_visible(who, employee.id if employee else None, f"employee {code!r}")
        if employee is None:
            raise not_found(f"employee {code!r}")
        return [_badge_out(b) for b in _badges(session, [employee.id])[employee.id]]


@router.post("/{code}/badges", status_code=201)
def add_badge(request: Request, code: str, body: BadgeIn, who: Annotated[Principal, require(*WRITERS)]) -> BadgeAdded:
    """Map a badge pin to this employee (on one terminal, or company-wide) with its card number and device
    privilege, and re-map its quarantined punches. 409 when the pin or the card is another badge's."""

    def work(session: Session) -> BadgeAdded:
        employee = find_employee(session, code)
        try:
            added = badge_records.add_badge(
                session,
                employee,
                body.pin,
                body.device_sn,
                who.actor,
                card=body.card or 0,
                privilege=body.device_privilege,
            )
        except badge_records.BadgeError as error:
            raise (Conflict if error.conflict else Unprocessable).of(error) from None
        return BadgeAdded(badge=_badge_out(added.badge), remapped_punches=added.remapped)

    return write(request, work)


@router.patch("/{code}/badges/{badge_id}")
def edit_badge(
    request: Request, code: str, badge_id: PathId, body: BadgeUpdate, who: Annotated[Principal, require(*WRITERS)]
) -> BadgeOut:
    """Set or clear (null) the badge's card number and set its device privilege; fields left out are kept.
    Audited old → new; the next user sync writes it to the office's terminals. 409 when another badge of the
    office holds the card."""

    def work(session: Session) -> BadgeOut:
        employee = find_employee(session, code)
        badge = session.scalar(select(Badge).where(Badge.id == badge_id, Badge.employee_id == employee.id))
        if badge is None:
            raise NotFound(f"employee {code!r} has no badge with id {badge_id}")
        given = body.model_fields_set
        card = (body.card or 0) if "card" in given else badge.card
        privilege = body.device_privilege if "device_privilege" in given else badge.device_privilege
        try:
            badge_records.edit_badge(session, employee, badge, card, privilege, who.actor)  # type: ignore[arg-type]
        except badge_records.BadgeError as error:
            raise Conflict.of(error) from None
        return _badge_out(badge)

    return write(request, work)


@router.delete("/{code}/badges/{badge_id}", status_code=204)
def remove_badge(
    request: Request, code: str, badge_id: PathId, who: Annotated[Principal, require(*WRITERS)]
) -> Response:
    """Unmap a badge. Punches already attributed keep their employee; later ones with this pin are quarantined."""

    def work(session: Session) -> None:
        employee = find_employee(session, code)
        badge = session.scalar(select(Badge).where(Badge.id == badge_id, Badge.employee_id == employee.id))
        if badge is None:
            raise NotFound(f"employee {code!r} has no badge with id {badge_id}")
        session.delete(badge)
        append_audit(
            session,
            who.actor,
            "badge.remove",
            f"employee:{code}",
            {"pin": badge.pin, "device_sn": badge.device_sn},
            None,
        )

    write(request, work)
    return Response(status_code=204)


def _record_out(record: terms.TermsRecord) -> TermsRecordOut:
    return TermsRecordOut(
        id=record.id,
        effective_from=record.effective_from,
        values=record.values,
        before=record.before,
        reason=record.reason,
        corrects=record.corrects,
        superseded_by=record.superseded_by,
        created_by=record.created_by,
        created_at=record.created_at,
    )


@router.get("/{code}/history")
def terms_history(
    request: Request,
    code: str,
    who: Annotated[Principal, require(*READERS)],
    as_of: Annotated[DateIn | None, Query(description="also give the terms in force on this day")] = None,
) -> TermsHistoryOut:
    """Every dated record of the employee's terms (corrected ones too, with the record that replaced them), who
    wrote it, when and why, and what it replaced; `as_of` adds the terms of that day."""
    with read(request) as session:
        employee = find_employee(session, code)
        return TermsHistoryOut(
            code=code,
            records=[_record_out(r) for r in terms.history(session, employee)],
            as_of=as_of,
            terms=terms.terms_as_of(session, employee, as_of) if as_of is not None else None,
        )


@router.post("/{code}/changes", status_code=201)
def change_terms(
    request: Request, code: str, body: TermsChangeIn, who: Annotated[Principal, require(*WRITERS)]
) -> TermsRecordOut:
    """A dated change "from `effective_from` on" (a raise, a transfer, a new entity), never an overwrite; with
    `corrects`, a correction of that record, which stays in the history. Refused (422) inside or before the month
    of a locked pay run of the employee (that run never changes), before hiring, or for an unknown field."""

    def work(session: Session) -> TermsRecordOut:
        employee = find_employee(session, code)
        values = body.model_dump(include=set(TermsValues.model_fields) & body.model_fields_set)
        try:
            if body.corrects is not None:
                record = terms.correct_terms(
                    session, employee, body.corrects, values, body.reason, who.actor, effective_from=body.effective_from
                )
            elif body.effective_from is None:
                raise Unprocessable("effective_from: give the first day of the change (YYYY-MM-DD)")
            else:
                record = terms.change_terms(session, employee, body.effective_from, values, body.reason, who.actor)
        except terms.TermsError as error:
            raise Unprocessable.of(error) from None
        return _record_out(next(r for r in terms.history(session, employee) if r.id == record.id))

    return write(request, work)
