"""Piece records: bulk upload of a CSV or XLSX file (all rows or none), and listing.

Upload the file as the request body: `curl --data-binary @march.xlsx -H 'Authorization: Bearer …'
'http://host/api/v1/piece-records?filename=march.xlsx'`. A refused file answers 422 with one line
per problem in `errors` ("row 7, column qty: 'x' is not a whole number") and imports nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from api.auth import READERS, WRITERS, require
from api.db import read, write
from api.errors import problem
from api.schemas import PayMonth
from gateway.access.tokens import Principal
from gateway.pay.piece_import import MAX_UPLOAD_BYTES, PieceImportError, import_piece_file
from gateway.store import Employee, PieceRecord

router = APIRouter(prefix="/piece-records", tags=["piece records"])


class ImportOut(BaseModel):
    source: str
    imported: int
    periods: list[str]
    qty: int


class PieceRecordOut(BaseModel):
    id: int
    employee: str
    period: str
    work_date: date | None
    item: str
    qty: int
    rejects: int
    unit_fen: int
    grade_coef: str
    source: str


@router.post("", status_code=201, response_model=ImportOut)
async def upload(
    request: Request,
    who: Annotated[Principal, require(*WRITERS)],
    filename: Annotated[
        str, Query(pattern=r"(?i)^[^/\\]+\.(csv|xlsx)$", description="the file's name; .csv or .xlsx says its format")
    ],
) -> ImportOut | JSONResponse:
    content = await request.body()
    if len(content) > MAX_UPLOAD_BYTES:
        return problem(
            413,
            "File too large",
            f"the upload has {len(content)} bytes; split it into files of at most {MAX_UPLOAD_BYTES} bytes",
            request,
        )
    try:
        result = write(request, lambda session: import_piece_file(session, filename, content, who.actor))
    except PieceImportError as exc:
        return problem(
            422,
            "Piece file refused",
            f"{exc.source}: nothing imported, {len(exc.problems)} problem(s); "
            "fix every row listed in errors and upload the whole file again",
            request,
            errors=[str(p) for p in exc.problems],
        )
    return ImportOut(source=result.source, imported=result.imported, periods=list(result.periods), qty=result.qty)


@router.get("")
def list_piece_records(
    request: Request,
    _who: Annotated[Principal, require(*READERS)],
    period: Annotated[PayMonth, Query()],
    employee: Annotated[str | None, Query(max_length=32)] = None,
) -> list[PieceRecordOut]:
    with read(request) as session:
        query = (
            select(PieceRecord, Employee.code)
            .join(Employee, PieceRecord.employee_id == Employee.id)
            .where(PieceRecord.period == period)
        )
        if employee is not None:
            query = query.where(Employee.code == employee)
        return [
            PieceRecordOut(
                id=r.id,
                employee=code,
                period=r.period,
                work_date=r.work_date,
                item=r.item,
                qty=r.qty,
                rejects=r.rejects,
                unit_fen=r.unit_fen,
                grade_coef=r.grade_coef,
                source=r.source,
            )
            for r, code in session.execute(query.order_by(Employee.code, PieceRecord.id))
        ]
