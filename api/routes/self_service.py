"""Employee self-service: a payslip's receipt (opened, 「确认无误」, 「有疑问」), HR's view of the receipts of a pay
run, and an employee's social insurance and housing fund by month.

Only the payslip's own employee writes its receipt, only for a locked run; any other payslip answers 404 like
a payslip that does not exist (`gateway.people.payslip_receipts`). HR, admin and viewer read a run's receipts.
Contributions come from locked payslips only (`gateway.people.contributions`): an employee gets their own,
staff name the employee.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import EVERYONE, READERS, SELF, not_found, require, visible_employee_id
from api.db import read, write
from api.errors import Conflict, Unprocessable
from api.pay_errors import pay_errors
from api.routing import ApiRouter
from api.schemas import PathId, UtcOut, _In
from gateway.access.tokens import Principal
from gateway.pay.payrun import get_payrun
from gateway.people import payslip_receipts as receipts
from gateway.people.contributions import contributions

router = ApiRouter(tags=["self-service"])
Year = Annotated[str, Query(pattern=r"^20\d\d$", description="the calendar year, e.g. 2026")]


class ReceiptOut(BaseModel):
    payslip: int
    employee: str
    name: str
    state: receipts.State = Field(description="unviewed | viewed | confirmed | questioned")
    viewed_at: UtcOut | None = Field(description="the first open")
    confirmed_at: UtcOut | None
    questioned_at: UtcOut | None
    question: str = Field(description="the employee's question; empty when none was asked")


class QuestionIn(_In):
    text: Annotated[str, Field(min_length=1, max_length=1000, pattern=r"\S", description="what looks wrong")]


class ItemOut(BaseModel):
    item: str = Field(description="pension | medical | unemployment | injury | maternity | housing_fund")
    base_fen: int | None = Field(description="the base the item was computed on; null when no employee share")
    employee_fen: int
    employer_fen: int


class MonthOut(BaseModel):
    period: str
    payslip: int
    items: list[ItemOut]
    employee_fen: int = Field(description="the employee's shares together")
    employer_fen: int = Field(description="the employer's shares together")


def _out(receipt: receipts.Receipt) -> ReceiptOut:
    fields = {key: value for key, value in vars(receipt).items() if key != "payslip_id"}
    return ReceiptOut(payslip=receipt.payslip_id, **fields)


def _employee_write(request: Request, who: Principal, change: receipts.Answer | None, payslip_id: int,
                    text: str = "") -> ReceiptOut:  # fmt: skip
    def work(session: Session) -> ReceiptOut:
        employee_id = who.employee_id or 0
        if change is None:
            return _out(receipts.record_view(session, who.actor, employee_id, payslip_id))
        return _out(receipts.answer(session, who.actor, employee_id, payslip_id, change, text))

    try:
        return write(request, work)
    except receipts.ReceiptNotFound:
        raise not_found(f"payslip {payslip_id}") from None
    except receipts.ReceiptRefused as error:
        raise Conflict(str(error)) from None


@router.get("/payslips/{payslip_id}/receipt")
def show_receipt(request: Request, payslip_id: PathId, who: Annotated[Principal, require(*SELF)]) -> ReceiptOut:
    """Your receipt of your own locked payslip (`unviewed` until you first open it)."""
    with read(request) as session:
        try:
            return _out(receipts.receipt_of(session, who.employee_id or 0, payslip_id))
        except receipts.ReceiptNotFound:
            raise not_found(f"payslip {payslip_id}") from None


@router.post("/payslips/{payslip_id}/receipt/view")
def view_payslip(request: Request, payslip_id: PathId, who: Annotated[Principal, require(*SELF)]) -> ReceiptOut:
    """Record that you opened your payslip; only the first open is kept (and audited)."""
    return _employee_write(request, who, None, payslip_id)


@router.post("/payslips/{payslip_id}/receipt/confirm")
def confirm_payslip(request: Request, payslip_id: PathId, who: Annotated[Principal, require(*SELF)]) -> ReceiptOut:
    """「确认无误」: you agree with the payslip. 409 once it is confirmed."""
    return _employee_write(request, who, "confirmed", payslip_id)


@router.post("/payslips/{payslip_id}/receipt/question")
def question_payslip(
    request: Request, payslip_id: PathId, body: QuestionIn, who: Annotated[Principal, require(*SELF)]
) -> ReceiptOut:
    """「有疑问」: ask HR about the payslip, saying what looks wrong. Asked once; 409 after a confirmation."""
    return _employee_write(request, who, "questioned", payslip_id, body.text)


@router.get("/payruns/{run_id}/receipts")
def list_receipts(
    request: Request,
    run_id: PathId,
    _who: Annotated[Principal, require(*READERS)],
    state: Annotated[receipts.State | None, Query(description="only the payslips in this state")] = None,
) -> list[ReceiptOut]:
    """Who has opened, confirmed or questioned each payslip of the run (every payslip, by employee code)."""
    with read(request) as session, pay_errors():
        get_payrun(session, run_id)
        return [_out(r) for r in receipts.run_receipts(session, run_id, state)]


@router.get("/contributions")
def list_contributions(
    request: Request,
    who: Annotated[Principal, require(*EVERYONE)],
    year: Year,
    employee: Annotated[str | None, Query(max_length=32, description="employee code; an employee: your own")] = None,
) -> list[MonthOut]:
    """Social insurance and housing fund by month of `year`, from locked payslips, newest month first."""
    with read(request) as session:
        employee_id = visible_employee_id(session, who, employee)
        if employee_id is None:
            raise Unprocessable("employee: give the employee's code (employee=E001)")
        return [
            MonthOut(period=m.period, payslip=m.payslip_id, items=[ItemOut(**vars(i)) for i in m.items],
                     employee_fen=m.employee_fen, employer_fen=m.employer_fen)
            for m in contributions(session, employee_id, int(year))
        ]  # fmt: skip
