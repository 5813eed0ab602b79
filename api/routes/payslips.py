"""Payslips with their explanation lines ("why is my pay this?").

An employee token sees only its own payslips, and only from locked runs (a draft may still change);
anything else answers 404, so an employee cannot learn that another payslip exists.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.auth import EVERYONE, ensure_visible, require
from api.db import read
from api.errors import NotFound
from api.schemas import PathId, PayMonth
from gateway.access.tokens import Principal
from gateway.pay.payrun import lines_of
from gateway.store import RUN_LOCKED, Employee, PayRun, Payslip

router = APIRouter(prefix="/payslips", tags=["payslips"])


class LineOut(BaseModel):
    code: str
    amount_fen: int
    quantities: dict[str, Any]
    rule: str


class PayslipOut(BaseModel):
    id: int
    payrun: int
    period: str
    status: str
    employee: str
    name: str
    gross_fen: int
    net_fen: int
    iit_fen: int
    figures: dict[str, int]
    attendance: dict[str, int]
    inputs: dict[str, int]
    lines: list[LineOut]


def _visible_query(who: Principal) -> Select[Payslip, PayRun, Employee]:
    query = select(Payslip, PayRun, Employee).join(PayRun).join(Employee, Payslip.employee_id == Employee.id)
    if who.role == "employee":
        query = query.where(Payslip.employee_id == who.employee_id, PayRun.status == RUN_LOCKED)
    return query


@router.get("")
def list_payslips(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    period: Annotated[PayMonth | None, Query()] = None,
    employee: Annotated[str | None, Query(max_length=32, description="employee code")] = None,
) -> list[PayslipOut]:
    """Payslips, newest period first; an employee token gets its own locked ones."""
    with read(request) as session:
        query = _visible_query(who)
        if period is not None:
            query = query.where(PayRun.period == period)
        if employee is not None:
            query = query.where(Employee.code == employee)
        rows = session.execute(query.order_by(PayRun.period.desc(), Employee.code)).all()
        return [_out(session, *row) for row in rows]


@router.get("/{payslip_id}")
def show_payslip(request: Request, payslip_id: PathId, who: Annotated[Principal, require(*EVERYONE)]) -> PayslipOut:
    with read(request) as session:
        row = session.execute(_visible_query(who).where(Payslip.id == payslip_id)).first()
        if row is None:
            ensure_visible(who, None, f"payslip {payslip_id}")
            raise NotFound(f"payslip {payslip_id} does not exist")
        return _out(session, *row)


def _out(session: Session, slip: Payslip, run: PayRun, employee: Employee) -> PayslipOut:
    lines = [
        LineOut(code=line.code, amount_fen=line.amount_fen, quantities=line.quantities, rule=line.rule)
        for line in lines_of(session, slip.id)
    ]
    return PayslipOut(
        id=slip.id,
        payrun=run.id,
        period=run.period,
        status=run.status,
        employee=employee.code,
        name=employee.name,
        gross_fen=slip.gross_fen,
        net_fen=slip.net_fen,
        iit_fen=slip.iit_fen,
        figures=slip.figures,
        attendance=slip.attendance,
        inputs=slip.inputs,
        lines=lines,
    )
