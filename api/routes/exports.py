"""Exports of a pay month: pay sheet CSV / XLSX (readers) and the bank transfer CSV (hr and admin only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from api.auth import READERS, WRITERS, require
from api.db import read
from api.errors import Forbidden
from api.pay_errors import pay_errors
from api.schemas import PayMonth
from gateway.access.tokens import Principal
from gateway.pay.exports import MEDIA_TYPES, bank_file, export

router = APIRouter(prefix="/exports", tags=["exports"])


@router.get(
    "/{period}/{fmt}",
    response_class=Response,
    responses={200: {"content": {media: {} for media in set(MEDIA_TYPES.values())}}},
)
def download(
    request: Request,
    period: PayMonth,
    fmt: Literal["csv", "xlsx", "bank"],
    who: Annotated[Principal, require(*READERS)],
) -> Response:
    """`csv` / `xlsx`: the pay sheet of every computed or locked run of the period; `bank`: the transfer file
    of its locked runs (409 while a run is unlocked or an employee has no bank account)."""
    if fmt == "bank" and who.role not in WRITERS:
        raise Forbidden(
            f"{who.kind} {who.name!r} has role {who.role!r}; the bank file needs one of: {', '.join(WRITERS)}"
        )
    with read(request) as session, pay_errors():
        content = export(session, period, fmt)
    suffix = "xlsx" if fmt == "xlsx" else "csv"
    name = f"bank-{period}.csv" if fmt == "bank" else f"paysheet-{period}.{suffix}"
    return Response(
        content, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


class ExcludedOut(BaseModel):
    employee: str
    name: str
    net_fen: int
    reason: str


class BankCheck(BaseModel):
    transfers: int = Field(description="rows in the bank file")
    total_fen: int = Field(description="their sum")
    excluded: list[ExcludedOut] = Field(description="payslips the file leaves out, for HR to settle another way")


@router.get("/{period}/bank/check")
def bank_check(request: Request, period: str, _who: Annotated[Principal, require(*WRITERS)]) -> BankCheck:
    """What the bank file of the period pays, and who it leaves out (zero or negative net pay, no account)."""
    with read(request) as session, pay_errors():
        bank = bank_file(session, period)
    return BankCheck(
        transfers=bank.paid,
        total_fen=bank.total_fen,
        excluded=[
            ExcludedOut(employee=e.employee, name=e.name, net_fen=e.net_fen, reason=e.reason) for e in bank.excluded
        ],
    )
