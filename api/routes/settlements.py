"""The final settlement document (离职结算单) of a leaver, as JSON for the web page and as an XLSX download.

HR, admin and viewer see anyone's; an employee (or manager) only their own (404 for anyone else's, like the
payslips). The figures are the payslip of the leaving month's pay run (`gateway.pay.settlement_sheet`): 409 until
that run has computed it; `locked` says whether it is final.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import EVERYONE, ensure_visible, not_found, require
from api.db import read
from api.errors import Conflict
from api.routes.resignations import TerminationOut, _termination
from api.routing import ApiRouter
from gateway.access.tokens import Principal
from gateway.pay.settlement_sheet import Settlement, SettlementNotReady, final_settlement, settlement_xlsx
from gateway.people.resignations import DEFAULT_TERMINATION
from gateway.store import Employee, Resignation

router = ApiRouter(tags=["settlements"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SettlementLineOut(BaseModel):
    code: str = Field(description="the payslip line code (BASE_PAY, ANNUAL_LEAVE_PAY, SEVERANCE, IIT, NET …)")
    name: str = Field(description="its Chinese name")
    amount_fen: int = Field(description="signed: deductions negative")
    rule: str = Field(description="how it was computed")


class SettlementOut(BaseModel):
    employee: str
    employee_name: str
    office: str
    hired_on: str | None
    last_day: str
    period: str
    payrun_id: int
    locked: bool = Field(description="false: the run is a draft, the figures may still change")
    termination: TerminationOut
    lines: list[SettlementLineOut]
    net_fen: int


def _employee(session: Session, who: Principal, code: str) -> Employee:
    employee = session.scalar(select(Employee).where(Employee.code == code))
    ensure_visible(who, employee.id if employee is not None else None, f"employee {code!r}")
    if employee is None:
        raise not_found(f"employee {code!r}")
    return employee


def _load(session: Session, who: Principal, code: str) -> tuple[Settlement, str]:
    employee = _employee(session, who, code)
    try:
        settlement = final_settlement(session, employee)
    except SettlementNotReady as error:
        raise Conflict(str(error)) from None
    termination = session.scalar(
        select(Resignation.termination)
        .where(Resignation.employee_id == employee.id, Resignation.last_day == employee.left_on)
        .order_by(Resignation.id.desc())
    )
    return settlement, termination or DEFAULT_TERMINATION


@router.get("/settlements/{code}")
def get_settlement(request: Request, code: str, who: Annotated[Principal, require(*EVERYONE)]) -> SettlementOut:
    """The leaver's 离职结算单: each amount of the final payslip with its rule."""
    with read(request) as session:
        s, termination = _load(session, who, code)
        return SettlementOut(
            employee=s.employee, employee_name=s.employee_name, office=s.office, hired_on=s.hired_on,
            last_day=s.last_day, period=s.period, payrun_id=s.payrun_id, locked=s.locked,
            termination=_termination(termination),
            lines=[SettlementLineOut(code=x.code, name=x.name, amount_fen=x.amount_fen, rule=x.rule) for x in s.lines],
            net_fen=s.net_fen,
        )  # fmt: skip


@router.get("/settlements/{code}/xlsx", response_class=Response)
def settlement_file(request: Request, code: str, who: Annotated[Principal, require(*EVERYONE)]) -> Response:
    """The same document as an XLSX sheet (yuan with two decimals)."""
    with read(request) as session:
        s, termination = _load(session, who, code)
        content = settlement_xlsx(s, _termination(termination).name)
    name = f"离职结算单_{s.employee}_{s.last_day}.xlsx"
    disposition = f"attachment; filename=\"settlement_{s.employee}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
