"""Opening balances: year-to-date figures of the months paid before the company used punchclock.

Upload HR's spreadsheet as the request body: `curl --data-binary @期初数据.xlsx -H 'Authorization: Bearer …'
'http://host/api/v1/opening-balances?filename=期初数据.xlsx'` (columns and rules in
`gateway.pay.opening_balances`). A refused file answers 422 with one line per problem in `errors` and stores
nothing. `GET /opening-balances` lists what is stored, by tax year and employee.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import READERS, WRITERS, require
from api.bodies import BodyTooLarge, read_limited
from api.db import read, write
from api.errors import problem, rows_refused
from api.routing import ApiRouter
from api.schemas import Code, Problem, SpreadsheetName, UtcOut
from gateway.access.tokens import Principal
from gateway.pay.opening_balances import (
    MAX_UPLOAD_BYTES,
    OpeningBalanceImportError,
    import_opening_balances,
    opening_balances,
)

router = ApiRouter(prefix="/opening-balances", tags=["pay runs"])
_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}


class OpeningImportOut(BaseModel):
    source: str
    imported: int
    replaced: int = Field(description="rows that replaced an earlier opening balance of the same employee and year")
    tax_years: list[int]
    sha256: str


class OpeningBalanceOut(BaseModel):
    employee: str
    name: str
    tax_year: int
    through: str = Field(description="the last month paid before punchclock")
    months: int
    income_fen: int
    si_hf_fen: int
    special_deductions_fen: int
    other_deductions_fen: int
    tax_withheld_fen: int
    source: str
    imported_by: str
    imported_at: UtcOut


@router.post(
    "",
    status_code=201,
    response_model=OpeningImportOut,
    responses={413: {"description": "File too large", **_PROBLEM}},
)
async def upload(
    request: Request,
    who: Annotated[Principal, require(*WRITERS)],
    filename: SpreadsheetName,
) -> OpeningImportOut | JSONResponse:
    try:
        content = await read_limited(request, MAX_UPLOAD_BYTES)
    except BodyTooLarge as exc:
        return problem(413, "File too large", f"{exc}: split the file by office", request)

    def work(session: Session) -> OpeningImportOut:
        result = import_opening_balances(session, filename, content, who.actor)
        return OpeningImportOut(
            source=result.source,
            imported=result.imported,
            replaced=result.replaced,
            tax_years=list(result.tax_years),
            sha256=result.sha256,
        )

    try:
        return write(request, work)
    except OpeningBalanceImportError as exc:
        return rows_refused(request, "Opening balances refused", exc.source, exc.problems)


@router.get("")
def list_opening_balances(
    request: Request,
    _who: Annotated[Principal, require(*READERS)],
    year: Annotated[str | None, Query(pattern=r"^20\d\d$", description="tax year, e.g. 2026")] = None,
    employee: Annotated[Code | None, Query()] = None,
) -> list[OpeningBalanceOut]:
    with read(request) as session:
        return [
            OpeningBalanceOut(
                employee=e.code,
                name=e.name,
                tax_year=b.tax_year,
                through=b.through_period,
                months=b.months,
                income_fen=b.income_fen,
                si_hf_fen=b.si_hf_fen,
                special_deductions_fen=b.special_deductions_fen,
                other_deductions_fen=b.other_deductions_fen,
                tax_withheld_fen=b.tax_withheld_fen,
                source=b.source,
                imported_by=b.imported_by,
                imported_at=b.imported_at,
            )
            for b, e in opening_balances(session, None if year is None else int(year), employee)
        ]
