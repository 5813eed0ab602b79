"""Payslips with their explanation lines ("why is my pay this?").

An employee token sees only its own payslips, and only from locked runs (a draft may still change);
anything else answers 404, so an employee cannot learn that another payslip exists.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from api.auth import EVERYONE, SELF, ensure_visible, require
from api.cursor import bad_cursor, decode_cursor, encode_cursor
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
    if who.role in SELF:
        query = query.where(Payslip.employee_id == who.employee_id, PayRun.status == RUN_LOCKED)
    return query


class PayslipPage(BaseModel):
    items: list[PayslipOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


@router.get("")
def list_payslips(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    period: Annotated[PayMonth | None, Query()] = None,
    employee: Annotated[str | None, Query(max_length=32, description="employee code")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many payslips")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous page")] = None,
) -> PayslipPage:
    """Payslips, newest period first, then by employee code, a page at a time; an employee token gets its own
    locked ones."""
    with read(request) as session:
        query = _visible_query(who)
        if period is not None:
            query = query.where(PayRun.period == period)
        if employee is not None:
            query = query.where(Employee.code == employee)
        if cursor is not None:
            last_period, last_code, last_id = decode_cursor(cursor, 3)
            if not last_id.isdigit():
                raise bad_cursor(cursor)
            query = query.where(
                or_(
                    PayRun.period < last_period,
                    and_(
                        PayRun.period == last_period,
                        or_(Employee.code > last_code, and_(Employee.code == last_code, Payslip.id > int(last_id))),
                    ),
                )
            )
        rows = session.execute(query.order_by(PayRun.period.desc(), Employee.code, Payslip.id).limit(limit + 1)).all()
        items = [_out(session, *row) for row in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        return PayslipPage(
            items=items,
            next_cursor=encode_cursor(last[1].period, last[2].code, last[0].id) if last is not None else None,
        )


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
        # A locked payslip shows who was paid as of the lock (its snapshot), not later renames.
        employee=slip.employee_code or employee.code if run.status == RUN_LOCKED else employee.code,
        name=slip.employee_name or employee.name if run.status == RUN_LOCKED else employee.name,
        gross_fen=slip.gross_fen,
        net_fen=slip.net_fen,
        iit_fen=slip.iit_fen,
        figures=slip.figures,
        attendance=slip.attendance,
        inputs=slip.inputs,
        lines=lines,
    )
