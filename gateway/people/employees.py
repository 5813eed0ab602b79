"""Writing an employee record: the office by name, the shift checked, the ID number sealed, the change audited.

`EmployeeValues` holds the editable fields as every door gives them (the API's `EmployeeFields`, a row of
the employee sheet), already checked field by field and together; `add_employee` and `edit_employee`
write them and append `employee.add` / `employee.edit` with the ID number masked, in the caller's
transaction. `fields_of` reads a record back in the same shape (the ID number opened).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.access.vault import EMPLOYEE_ID_NUMBER, mask, reveal, seal_for
from gateway.errors import GatewayError
from gateway.pay.attendance import AttendanceError, check_employee_shift
from gateway.people.employee_terms import columns_of, correct_in_force, open_terms
from gateway.store import Employee, Office


class EmployeeError(GatewayError):
    """The values cannot be written (an unknown office, a shift the office does not have); says how to fix it."""


@dataclass(frozen=True)
class EmployeeValues:
    name: str
    office: str | None = None
    pay_basis: str = "monthly"
    monthly_salary_fen: int | None = None
    hourly_rate_fen: int | None = None
    hired_on: date | None = None
    left_on: date | None = None
    si_city: str | None = None
    special_deductions_fen: int = 0
    shift_rule: str | None = None
    id_type: str | None = None
    id_number: str | None = None
    hf_rate: str | None = None  # the employee's housing-fund rate as a decimal string; None = the city's
    part_time: bool = False
    working_time_system: str = "standard"  # with wts_period and wts_approval_no: gateway.pay.working_time
    wts_period: str | None = None
    wts_approval_no: str | None = None


EMPLOYEE_FIELDS = tuple(f.name for f in fields(EmployeeValues))
_PLAIN = tuple(name for name in EMPLOYEE_FIELDS if name not in ("office", "id_number"))


def office_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Office.id, Office.name)).all())


def office_by_name(session: Session, name: str) -> Office:
    office = session.scalar(select(Office).where(Office.name == name))
    if office is None:
        known = ", ".join(repr(n) for n in session.scalars(select(Office.name).order_by(Office.name))) or "none"
        raise EmployeeError(
            f"no office named {name!r}: offices are {known}", zh=f"没有名为 {name!r} 的办公地点：现有办公地点为 {known}"
        )
    return office


def fields_of(session: Session, employee: Employee, offices: dict[int, str]) -> dict[str, Any]:
    """The editable fields as a client writes them: the office by name, the ID number opened."""
    values = {key: getattr(employee, key) for key in _PLAIN}
    values["office"] = offices.get(employee.office_id) if employee.office_id is not None else None
    values["id_number"] = (
        None if employee.id_number is None else reveal(session, EMPLOYEE_ID_NUMBER, employee.id, employee.id_number)
    )
    return values


def masked(values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the ID number masked: what the audit log and a masked reader get."""
    return {**values, "id_number": None if values["id_number"] is None else mask(values["id_number"])}


def _apply(session: Session, employee: Employee, values: EmployeeValues) -> None:
    office = office_by_name(session, values.office) if values.office is not None else None
    employee.office_id = office.id if office is not None else None
    if values.shift_rule is not None and office is not None:
        try:
            check_employee_shift(office, values.shift_rule)
        except AttendanceError as exc:
            raise EmployeeError(str(exc)) from None
    for key in _PLAIN:
        setattr(employee, key, getattr(values, key))
    if employee.id is None:  # the sealed ID number is bound to the employee's id
        session.add(employee)
        session.flush()
    employee.id_number = (
        None if values.id_number is None else seal_for(session, EMPLOYEE_ID_NUMBER, employee.id, values.id_number)
    )
    session.flush()


def add_employee(session: Session, code: str, values: EmployeeValues, actor: str) -> Employee:
    """A new employee `code` (the caller checked that the code is free), audited as `employee.add`."""
    employee = Employee(code=code)
    _apply(session, employee, values)
    open_terms(session, employee, actor, "terms on being added")
    append_audit(
        session,
        actor,
        "employee.add",
        f"employee:{code}",
        None,
        masked(fields_of(session, employee, office_names(session))),
    )
    return employee


def edit_employee(session: Session, employee: Employee, values: EmployeeValues, actor: str) -> None:
    """Replace `employee`'s fields by `values`, audited as `employee.edit` with the values before and after; the
    term fields it changes correct the dated record in force today (`employee_terms.correct_in_force`)."""
    offices = office_names(session)
    before = fields_of(session, employee, offices)
    terms_before = columns_of(session, employee)
    _apply(session, employee, values)
    correct_in_force(session, employee, terms_before, actor)
    after = fields_of(session, employee, offices)
    append_audit(session, actor, "employee.edit", f"employee:{employee.code}", masked(before), masked(after))


def values_of(record: dict[str, Any]) -> EmployeeValues:
    """`EmployeeValues` from a mapping holding (at least) every field, e.g. `fields_of(...)` merged with changes."""
    return EmployeeValues(**{key: record[key] for key in EMPLOYEE_FIELDS})
