"""Departments (HR): the tree per office with each department's manager, and who belongs where.

A manager (role `manager`, bound to an employee) approves the requests of the people in the departments they
manage and all departments below; `gateway.people.departments` holds the rules, these routes parse and map
its errors (422) and missing rows (404).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import READERS, WRITERS, not_found, require
from api.db import read, write
from api.errors import Unprocessable
from api.routing import ApiRouter
from api.schemas import Code, DateIn, Name, _In
from gateway.access.tokens import Principal
from gateway.people import departments as service

router = ApiRouter(prefix="/departments", tags=["departments"])


class DepartmentOut(BaseModel):
    code: str
    name: str
    office: str
    parent: str | None = Field(description="the parent department's code; null at the top of the office's tree")
    manager: str | None = Field(description="the manager's employee code (their login has the role manager)")
    manager_name: str | None
    members: int = Field(description="employees in this department itself (not below)")


class DepartmentCreate(_In):
    office: Name
    code: Code
    name: Name
    parent: Code | None = None
    manager: Code | None = Field(None, description="employee code of the manager")


class DepartmentUpdate(_In):
    name: Name | None = None
    parent: Code | None = Field(None, description="a new parent (same office); see top")
    top: bool = Field(False, description="true: move to the top of the office's tree (no parent)")
    manager: Code | None = None
    no_manager: bool = Field(False, description="true: the department has no manager any more")


class Members(_In):
    employees: Annotated[list[Code], Field(min_length=1, max_length=1000)]
    effective_from: DateIn | None = Field(
        None, description="the first day in the department (default: today at the office, or the hiring day)"
    )
    reason: Annotated[str, Field(max_length=500)] = Field(
        "部门调整", description="why, shown in the employees' 变更记录 (dated terms history)"
    )


class WorkStart(_In):
    work_started_on: DateIn | None = Field(description="参加工作日期: the first day of work anywhere; null: unknown")


def _out(view: service.DepartmentView) -> DepartmentOut:
    return DepartmentOut(**view.__dict__)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except service.DepartmentError as error:
        message = str(error)
        if message.endswith("does not exist"):
            raise not_found(message.removesuffix(" does not exist")) from None
        raise Unprocessable.of(error) from None


@router.get("")
def list_departments(
    request: Request,
    who: Annotated[Principal, require(*READERS, "manager")],
    office: Annotated[str | None, Query(max_length=100)] = None,
) -> list[DepartmentOut]:
    """Every department, by office and code (a manager sees the list too, to know the tree)."""
    with read(request) as session:
        return [_out(view) for view in service.list_departments(session, office)]


@router.post("", status_code=201)
def create_department(
    request: Request, body: DepartmentCreate, who: Annotated[Principal, require(*WRITERS)]
) -> DepartmentOut:
    """A new department in an office, optionally under a parent and with a manager."""

    def work(session: Session) -> DepartmentOut:
        with _errors():
            row = service.create_department(
                session, who.actor, office=body.office, code=body.code, name=body.name, parent=body.parent,
                manager=body.manager,
            )  # fmt: skip
            return _out(service.view_of(session, row))

    return write(request, work)


@router.patch("/{code}")
def edit_department(
    request: Request, code: str, body: DepartmentUpdate, who: Annotated[Principal, require(*WRITERS)]
) -> DepartmentOut:
    """Rename, move (never under itself) or change the manager."""

    def work(session: Session) -> DepartmentOut:
        with _errors():
            row = service.edit_department(
                session, who.actor, code, name=body.name, parent=body.parent, clear_parent=body.top,
                manager=body.manager, clear_manager=body.no_manager,
            )  # fmt: skip
            return _out(service.view_of(session, row))

    return write(request, work)


@router.delete("/{code}", status_code=204)
def delete_department(request: Request, code: str, who: Annotated[Principal, require(*WRITERS)]) -> Response:
    """Delete an empty department (no sub-departments, no members)."""

    def work(session: Session) -> None:
        with _errors():
            service.delete_department(session, who.actor, code)

    write(request, work)
    return Response(status_code=204)


@router.post("/{code}/members", status_code=204)
def add_members(request: Request, code: str, body: Members, who: Annotated[Principal, require(*WRITERS)]) -> Response:
    """Move these employees into the department from `effective_from` on (all or none; each from wherever they
    were): a dated terms record each, refused like any dated change (a locked month names its pay run)."""

    def work(session: Session) -> None:
        with _errors():
            service.move_employees(session, who.actor, code, body.employees, body.effective_from, body.reason)

    write(request, work)
    return Response(status_code=204)


@router.put("/work-start/{employee}", status_code=204)
def set_work_start(
    request: Request, employee: str, body: WorkStart, who: Annotated[Principal, require(*WRITERS)]
) -> Response:
    """The employee's 参加工作日期, which sets their annual-leave entitlement (5, 10 or 15 days)."""

    def work(session: Session) -> None:
        with _errors():
            service.set_work_start(session, who.actor, employee, body.work_started_on)

    write(request, work)
    return Response(status_code=204)
