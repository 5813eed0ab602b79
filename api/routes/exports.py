"""Exports of a pay month: the pay sheet and 考勤月报 (readers), the bank batch file and the IIT filing imports
(hr and admin only: they hold account and ID numbers in full), and the checks of who those files leave out."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from api.auth import READERS, WRITERS, require
from api.db import read
from api.errors import Forbidden, Unprocessable
from api.pay_errors import pay_errors
from api.routing import ApiRouter
from api.schemas import PayMonth
from gateway.access.tokens import Principal
from gateway.pay.exports import DEFAULT_TEMPLATE, WRITER_KINDS, XLSX, bank_batch, bank_templates, export, iit_filing

router = ApiRouter(prefix="/exports", tags=["exports"])

Kind = Literal["pay-sheet", "bank", "iit", "iit-bonus", "iit-people", "attendance", "csv", "xlsx"]
OfficeQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=100, description="one office's file (its name); all offices when left out"),
]
_MEDIA: dict[str, dict[str, object]] = {"text/csv; charset=utf-8": {}, "text/csv; charset=gbk": {}, XLSX: {}}


@router.get("/{period}/{kind}", response_class=Response, responses={200: {"content": _MEDIA}})
def download(
    request: Request,
    period: PayMonth,
    kind: Kind,
    who: Annotated[Principal, require(*READERS)],
    format: Annotated[
        Literal["xlsx", "csv"] | None, Query(description="file format; the kind's usual one when left out")
    ] = None,
    office: OfficeQuery = None,
    lang: Annotated[Literal["zh", "en"], Query(description="header language of the pay sheet and 考勤月报")] = "zh",
    template: Annotated[
        str, Query(max_length=64, description="bank template (bank_templates/*.toml)")
    ] = DEFAULT_TEMPLATE,
) -> Response:
    """`pay-sheet` (xlsx 工资表, csv in fen; an unlocked run's sheet is marked 草稿/DRAFT), `bank` (代发工资,
    locked runs; `office` for one office's file), `iit` / `iit-bonus` / `iit-people` (扣缴客户端 imports, locked runs),
    `attendance` (考勤月报). `csv` and `xlsx` are the pay sheet in that format, as before. 409 when the runs do
    not allow the file."""
    fmt: str | None = format
    if kind in ("csv", "xlsx"):
        kind, fmt = "pay-sheet", kind
    if kind in WRITER_KINDS and who.role not in WRITERS:
        raise Forbidden(
            f"{who.kind} {who.name!r} has role {who.role!r}; the {kind} export needs one of: {', '.join(WRITERS)}"
        )
    if template not in bank_templates():
        raise Unprocessable(f"template: no bank template {template!r}; known templates: {', '.join(bank_templates())}")
    company = request.app.state.settings.config.company.name
    with read(request) as session, pay_errors():
        made = export(session, period, kind, fmt, office=office, lang=lang, template=template, company=company)
    return Response(made.content, media_type=made.media_type, headers={"Content-Disposition": made.content_disposition})


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
def bank_check(
    request: Request, period: str, _who: Annotated[Principal, require(*WRITERS)], office: OfficeQuery = None
) -> BankCheck:
    """What the bank file of the period (of `office`) pays, and who it leaves out (zero or negative net pay, no
    account)."""
    with read(request) as session, pay_errors():
        bank = bank_batch(session, period, office)
    return BankCheck(
        transfers=bank.paid,
        total_fen=bank.total_fen,
        excluded=[
            ExcludedOut(employee=e.employee, name=e.name, net_fen=e.net_fen, reason=e.reason) for e in bank.excluded
        ],
    )


class MissingOut(BaseModel):
    employee: str
    name: str
    reason: str


class IitCheck(BaseModel):
    filed: int = Field(description="employees the IIT filing imports list")
    missing: list[MissingOut] = Field(description="employees they cannot list (no ID number at the lock)")


@router.get("/{period}/iit/check")
def iit_check(
    request: Request, period: PayMonth, _who: Annotated[Principal, require(*WRITERS)], office: OfficeQuery = None
) -> IitCheck:
    """Who the period's IIT filing lists, and who it cannot (no ID document number when the run was locked)."""
    with read(request) as session, pay_errors():
        filing = iit_filing(session, period, office)
    return IitCheck(
        filed=len(filing.filed),
        missing=[MissingOut(employee=m.employee, name=m.name, reason=m.reason) for m in filing.missing],
    )
