"""Resignations (离职申请) beyond the request itself: the termination reason HR marks, and the handover checklist.

The request is submitted, decided and withdrawn as any (`api.routes.requests`, kind `resignation`, `starts_at`
the last day). Here: the terms and checklist (the employee, their manager and HR see them as they see the
request), HR's termination reason (which decides severance, 劳动合同法 art. 46) and HR ticking the handover items.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import EVERYONE, WRITERS, not_found, require
from api.db import read, write
from api.errors import Unprocessable
from api.routes.requests import _decider
from api.routing import ApiRouter
from api.schemas import PathId, _In
from gateway.access.tokens import Principal
from gateway.people import approvals, resignations
from gateway.people.request_rules import RequestError
from gateway.store import Employee, StaffRequest

router = ApiRouter(tags=["resignations"])


class TerminationOut(BaseModel):
    code: str
    name: str
    law: str = Field(description="the article that ends the contract, and whether severance is owed")
    severance: bool = Field(description="劳动合同法 art. 46 owes 经济补偿 (paid by the leaving month's pay run)")


class HandoverItemOut(BaseModel):
    position: int
    item: str
    done_by: str | None
    done_at: datetime | None = Field(description="UTC")


class ResignationOut(BaseModel):
    request_id: int
    employee: str
    employee_name: str
    status: str = Field(description="the request's: pending | approved | rejected | withdrawn")
    last_day: str
    termination: TerminationOut
    handover: list[HandoverItemOut] = Field(description="created on the final approval; empty before")


class TerminationIn(_In):
    termination: Annotated[str, Field(max_length=32, description="a code of GET /resignations/terminations")]
    severance_base_fen: Annotated[int, Field(ge=0, le=10**12)] | None = Field(
        None, description="the monthly wage severance is paid from; null: the average of the last 12 locked months"
    )


class TickIn(_In):
    done: bool = Field(description="true: done (you and now are recorded); false: open again")


def _termination(code: str) -> TerminationOut:
    t = resignations.TERMINATIONS[code]
    return TerminationOut(code=code, name=t.name, law=t.law, severance=t.severance)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except approvals.RequestNotFound as error:
        raise not_found(str(error).removesuffix(" does not exist")) from None
    except RequestError as error:
        raise Unprocessable.of(error) from None


def _find(session: Session, who: Principal, request_id: int) -> StaffRequest:
    row = approvals.find_request(session, _decider(who), request_id)
    if row.kind != "resignation":
        raise approvals.RequestNotFound(f"resignation {request_id} does not exist")
    return row


def _out(session: Session, row: StaffRequest) -> ResignationOut:
    terms = resignations.resignation_of(session, row.id)
    assert terms is not None
    employee = session.get_one(Employee, row.employee_id)
    return ResignationOut(
        request_id=row.id, employee=employee.code, employee_name=employee.name, status=row.status,
        last_day=terms.last_day.isoformat(), termination=_termination(terms.termination),
        handover=[HandoverItemOut(position=i.position, item=i.item, done_by=i.done_by,
                                  done_at=i.done_at.replace(tzinfo=UTC) if i.done_at else None)
                  for i in resignations.handover_of(session, row.id)],
    )  # fmt: skip


@router.get("/resignations/terminations")
def terminations(_who: Annotated[Principal, require(*EVERYONE)]) -> list[TerminationOut]:
    """Why a contract ends, and whether severance is owed (劳动合同法 art. 46)."""
    return [_termination(code) for code in resignations.TERMINATIONS]


@router.get("/resignations/{request_id}")
def get_resignation(
    request: Request, request_id: PathId, who: Annotated[Principal, require(*EVERYONE)]
) -> ResignationOut:
    """A resignation's last day, termination reason and handover checklist."""
    with read(request) as session, _errors():
        return _out(session, _find(session, who, request_id))


@router.put("/resignations/{request_id}/termination")
def set_termination(
    request: Request, request_id: PathId, body: TerminationIn, who: Annotated[Principal, require(*WRITERS)]
) -> ResignationOut:
    """HR marks why the contract ends; once approved, the leaving month's severance input follows it."""

    def work(session: Session) -> ResignationOut:
        with _errors():
            row = _find(session, who, request_id)
            resignations.set_termination(session, who.actor, row, body.termination, body.severance_base_fen)
            return _out(session, row)

    return write(request, work)


@router.put("/resignations/{request_id}/handover/{position}")
def tick_handover(
    request: Request,
    request_id: PathId,
    position: Annotated[int, Field(ge=0, le=1000)],
    body: TickIn,
    who: Annotated[Principal, require(*WRITERS)],
) -> ResignationOut:
    """HR ticks a handover item done (or opens it again); who and when are kept."""

    def work(session: Session) -> ResignationOut:
        with _errors():
            row = _find(session, who, request_id)
            resignations.tick(session, who.actor, row, position, body.done)
            return _out(session, row)

    return write(request, work)
