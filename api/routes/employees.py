"""Employees (CRUD) and their badge mappings. Adding a badge re-maps the pin's quarantined punches."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api.auth import EVERYONE, READERS, WRITERS, ensure_visible, not_found, require, sees_full_numbers
from api.db import read, write
from api.errors import Conflict, NotFound, Unprocessable
from api.schemas import (
    BadgeAdded,
    BadgeIn,
    BadgeOut,
    EmployeeCreate,
    EmployeeFields,
    EmployeeOut,
    EmployeePage,
    EmployeeUpdate,
    PageOffset,
    PathId,
)
from gateway.access.audit import append_audit
from gateway.access.tokens import Principal
from gateway.access.vault import EMPLOYEE_ID_NUMBER, mask, reveal, seal_for
from gateway.devices.ingest import remap_quarantine
from gateway.pay.attendance import AttendanceError, check_employee_shift
from gateway.store import Badge, Base, Device, Employee, Office

router = APIRouter(prefix="/employees", tags=["employees"])
_FIELDS = tuple(EmployeeFields.model_fields)


def find_employee(session: Session, code: str) -> Employee:
    employee = session.scalar(select(Employee).where(Employee.code == code))
    if employee is None:
        raise not_found(f"employee {code!r}")
    return employee


def _offices(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Office.id, Office.name)).all())


def _office_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    office_id = session.scalar(select(Office.id).where(Office.name == name))
    if office_id is None:
        known = ", ".join(repr(n) for n in session.scalars(select(Office.name).order_by(Office.name))) or "none"
        raise Unprocessable(f"no office named {name!r}: offices are {known}")
    return office_id


def _fields(session: Session, employee: Employee, offices: dict[int, str]) -> dict[str, Any]:
    """The editable fields as a client writes them: the office by name, the ID number opened."""
    values = {key: getattr(employee, key) for key in _FIELDS if key not in ("office", "id_number")}
    values["office"] = offices.get(employee.office_id) if employee.office_id is not None else None
    values["id_number"] = (
        None if employee.id_number is None else reveal(session, EMPLOYEE_ID_NUMBER, employee.id, employee.id_number)
    )
    return values


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the ID number masked: what the audit log and a masked reader get."""
    return {**values, "id_number": None if values["id_number"] is None else mask(values["id_number"])}


def _out(
    session: Session, employee: Employee, offices: dict[int, str], badges: list[Badge], *, full: bool
) -> EmployeeOut:
    values = _fields(session, employee, offices)
    return EmployeeOut(
        code=employee.code,
        **(values if full else _masked(values)),
        badges=[BadgeOut(id=b.id, pin=b.pin, device_sn=b.device_sn) for b in badges],
    )


def _badges(session: Session, employee_ids: list[int]) -> dict[int, list[Badge]]:
    found: dict[int, list[Badge]] = defaultdict(list)
    for badge in session.scalars(select(Badge).where(Badge.employee_id.in_(employee_ids)).order_by(Badge.id)):
        found[badge.employee_id].append(badge)
    return found


def _apply(session: Session, employee: Employee, fields: EmployeeFields) -> None:
    employee.office_id = _office_id(session, fields.office)
    if fields.shift_rule is not None:
        try:
            check_employee_shift(session.get_one(Office, employee.office_id), fields.shift_rule)
        except AttendanceError as exc:
            raise Unprocessable(str(exc)) from None
    for key in _FIELDS:
        if key not in ("office", "id_number"):
            setattr(employee, key, getattr(fields, key))
    if employee.id is None:  # the sealed ID number is bound to the employee's id
        session.add(employee)
        session.flush()
    employee.id_number = (
        None if fields.id_number is None else seal_for(session, EMPLOYEE_ID_NUMBER, employee.id, fields.id_number)
    )


@router.get("")
def list_employees(
    request: Request,
    who: Annotated[Principal, require(*READERS)],
    office: Annotated[str | None, Query(max_length=100, description="only this office")] = None,
    q: Annotated[str | None, Query(max_length=100, description="code or name contains this")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: PageOffset = 0,
) -> EmployeePage:
    with read(request) as session:
        query = select(Employee)
        if office is not None:
            query = query.where(Employee.office_id == _office_id(session, office))
        if q:
            pattern = f"%{q}%"
            query = query.where(or_(Employee.code.like(pattern), Employee.name.like(pattern)))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        employees = list(session.scalars(query.order_by(Employee.code).limit(limit).offset(offset)))
        offices, badges = _offices(session), _badges(session, [e.id for e in employees])
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
        return _out(
            session,
            employee,
            _offices(session),
            _badges(session, [employee.id])[employee.id],
            full=sees_full_numbers(who),
        )


@router.post("", status_code=201)
def add_employee(request: Request, body: EmployeeCreate, who: Annotated[Principal, require(*WRITERS)]) -> EmployeeOut:
    def work(session: Session) -> EmployeeOut:
        if session.scalar(select(Employee.id).where(Employee.code == body.code)) is not None:
            raise Conflict(f"employee code {body.code!r} is already used: pick another code or edit that employee")
        employee = Employee(code=body.code)
        _apply(session, employee, body)
        session.flush()
        offices = _offices(session)
        append_audit(
            session,
            who.actor,
            "employee.add",
            f"employee:{body.code}",
            None,
            _masked(_fields(session, employee, offices)),
        )
        return _out(session, employee, offices, [], full=True)

    return write(request, work)


@router.patch("/{code}")
def edit_employee(
    request: Request, code: str, body: EmployeeUpdate, who: Annotated[Principal, require(*WRITERS)]
) -> EmployeeOut:
    """Change the given fields (null clears an optional one); the result is checked as a whole."""

    def work(session: Session) -> EmployeeOut:
        employee = find_employee(session, code)
        offices = _offices(session)
        before = _fields(session, employee, offices)
        try:
            merged = EmployeeFields.model_validate({**before, **body.model_dump(exclude_unset=True)})
        except ValidationError as error:
            raise Unprocessable(
                "; ".join(
                    (f"{'.'.join(map(str, e['loc']))}: " if e["loc"] else "")
                    + str(e["msg"]).removeprefix("Value error, ")
                    for e in error.errors()
                )
            ) from None
        _apply(session, employee, merged)
        session.flush()
        after = _fields(session, employee, offices)
        append_audit(session, who.actor, "employee.edit", f"employee:{code}", _masked(before), _masked(after))
        return _out(session, employee, offices, _badges(session, [employee.id])[employee.id], full=True)

    return write(request, work)


@router.delete("/{code}", status_code=204)
def delete_employee(request: Request, code: str, who: Annotated[Principal, require(*WRITERS)]) -> Response:
    """Only an employee with no punches, corrections or tokens can be deleted; otherwise set `left_on`."""

    def work(session: Session) -> None:
        employee = find_employee(session, code)
        for table in Base.metadata.sorted_tables:  # every table that refers to employees, pay tables included
            for key in table.foreign_keys:
                if key.column.table.name != "employees" or table.name == "badges":
                    continue
                if session.scalar(select(func.count()).select_from(table).where(key.parent == employee.id)):
                    raise Conflict(
                        f"employee {code!r} has {table.name.replace('_', ' ')}, which must stay "
                        "attributable: set left_on instead of deleting"
                    )
        before = _masked(_fields(session, employee, _offices(session)))
        badges = list(session.scalars(select(Badge).where(Badge.employee_id == employee.id)))
        for badge in badges:
            session.delete(badge)
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
        return [
            BadgeOut(id=b.id, pin=b.pin, device_sn=b.device_sn) for b in _badges(session, [employee.id])[employee.id]
        ]


@router.post("/{code}/badges", status_code=201)
def add_badge(request: Request, code: str, body: BadgeIn, who: Annotated[Principal, require(*WRITERS)]) -> BadgeAdded:
    """Map a badge pin to this employee (on one terminal, or company-wide) and re-map its quarantined punches."""

    def work(session: Session) -> BadgeAdded:
        employee = find_employee(session, code)
        if body.device_sn is not None and session.scalar(select(Device.id).where(Device.sn == body.device_sn)) is None:
            raise Unprocessable(
                f"no device with serial number {body.device_sn!r}: omit device_sn for a company-wide badge"
            )
        clash = session.execute(
            select(Employee.code)
            .join(Badge, Badge.employee_id == Employee.id)
            .where(
                Badge.pin == body.pin,
                Badge.device_sn.is_(None) if body.device_sn is None else Badge.device_sn == body.device_sn,
            )
        ).scalar()
        if clash is not None:
            where = f"on device {body.device_sn}" if body.device_sn else "company-wide"
            raise Conflict(f"pin {body.pin!r} {where} already belongs to employee {clash!r}: remove that badge first")
        badge = Badge(pin=body.pin, employee_id=employee.id, device_sn=body.device_sn)
        session.add(badge)
        session.flush()
        remapped = remap_quarantine(session, body.pin, employee.id, body.device_sn)
        append_audit(
            session,
            who.actor,
            "badge.add",
            f"employee:{code}",
            None,
            {"pin": body.pin, "device_sn": body.device_sn, "remapped_punches": remapped},
        )
        return BadgeAdded(
            badge=BadgeOut(id=badge.id, pin=badge.pin, device_sn=badge.device_sn), remapped_punches=remapped
        )

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
