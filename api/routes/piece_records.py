"""Piece records: bulk upload of a CSV or XLSX file as one batch (all rows or none), and listing.

Upload the file as the request body: `curl --data-binary @march.xlsx -H 'Authorization: Bearer …'
'http://host/api/v1/piece-records?filename=march.xlsx'`. A refused file answers 422 with one line
per problem in `errors` ("row 7, column qty: 'x' is not a whole number") and imports nothing; the
same file again answers 409 naming the earlier batch (`/piece-batches` lists, shows and deletes them).
`POST /piece-records/preview` reads a file the same way and stores nothing: the rows, totals per
employee and the row report, for HR to look at before importing.

The body is read under `MAX_UPLOAD_BYTES` (413 before reading when Content-Length says more), and
parsing and storing run in worker threads, so the event loop — every other request, and the terminals'
`/iclock` pushes — keeps being served during a large import.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.auth import READERS, WRITERS, require
from api.bodies import BodyTooLarge, read_limited
from api.db import read, write
from api.errors import problem, row_lines, rows_refused
from api.languages import wording
from api.pay_errors import pay_errors
from api.routing import ApiRouter
from api.schemas import PayMonth, Problem, SpreadsheetName
from gateway.access.tokens import Principal
from gateway.pay.piece_import import (
    MAX_UPLOAD_BYTES,
    PieceImportError,
    PreparedImport,
    commit_import,
    prepare_import,
)
from gateway.pay.piece_preview import SHOWN_ROWS, PiecePreview, preview_piece_file
from gateway.store import Employee, PieceRecord

router = ApiRouter(prefix="/piece-records", tags=["piece records"])
_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}


async def _piece_file(request: Request) -> bytes | JSONResponse:
    """The uploaded piece file, or the 413 problem when it is over the limit."""
    try:
        return await read_limited(request, MAX_UPLOAD_BYTES)
    except BodyTooLarge as exc:
        return problem(
            413, "File too large", f"{exc}: split it into files of at most {MAX_UPLOAD_BYTES:,} bytes", request
        )


class ImportOut(BaseModel):
    source: str
    imported: int
    periods: list[str]
    qty: int
    batch_id: int
    name: str = Field(description="the batch's name: the `name` given, or the file's name")
    sha256: str = Field(description="SHA-256 of the file's bytes; the same file again is refused")


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
    batch_id: int


def piece_record_out(record: PieceRecord, employee: str) -> PieceRecordOut:
    return PieceRecordOut(
        id=record.id,
        employee=employee,
        period=record.period,
        work_date=record.work_date,
        item=record.item,
        qty=record.qty,
        rejects=record.rejects,
        unit_fen=record.unit_fen,
        grade_coef=record.grade_coef,
        source=record.source,
        batch_id=record.batch_id,
    )


@router.post(
    "",
    status_code=201,
    response_model=ImportOut,
    responses={413: {"description": "File too large", **_PROBLEM}},
)
async def upload(
    request: Request,
    who: Annotated[Principal, require(*WRITERS)],
    filename: SpreadsheetName,
    name: Annotated[
        str | None, Query(min_length=1, max_length=255, description="the batch's name (default: the file's name)")
    ] = None,
) -> ImportOut | JSONResponse:
    content = await _piece_file(request)
    if isinstance(content, JSONResponse):
        return content

    def prepare() -> PreparedImport:
        with read(request) as session:
            return prepare_import(session, filename, content, name)

    try:
        with pay_errors():
            prepared = await run_in_threadpool(prepare)
            result = await run_in_threadpool(
                write, request, lambda session: commit_import(session, prepared, who.actor)
            )
    except PieceImportError as exc:
        return rows_refused(request, "Piece file refused", exc.source, exc.problems)
    return ImportOut(
        source=result.source,
        imported=result.imported,
        periods=list(result.periods),
        qty=result.qty,
        batch_id=result.batch_id,
        name=result.name,
        sha256=result.sha256,
    )


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
        return [piece_record_out(r, code) for r, code in session.execute(query.order_by(Employee.code, PieceRecord.id))]


class PreviewRowOut(BaseModel):
    row: int = Field(description="the spreadsheet's row number (the header is row 1)")
    employee: str
    period: str
    work_date: date | None
    item: str
    qty: int
    rejects: int
    unit_fen: int
    grade_coef: str


class EmployeeTotalOut(BaseModel):
    employee: str
    name: str
    rows: int
    qty: int
    rejects: int


class PiecePreviewOut(BaseModel):
    source: str
    sha256: str
    importable: bool = Field(description="no problem and not imported before: POST /piece-records would take it")
    rows_read: int = Field(description="rows that passed every check")
    rows: list[PreviewRowOut] = Field(description=f"the first {SHOWN_ROWS} of those rows")
    totals: list[EmployeeTotalOut] = Field(description="per employee (by code), over every row that passed")
    periods: list[str]
    errors: list[str] = Field(description="the row report: one line per problem, as the import would refuse it")
    duplicate_of_batch: int | None = Field(description="the piece batch these exact bytes were imported as")
    notes: list[str]


@router.post(
    "/preview",
    response_model=PiecePreviewOut,
    responses={413: {"description": "File too large", **_PROBLEM}},
)
async def preview(
    request: Request,
    _who: Annotated[Principal, require(*WRITERS)],
    filename: SpreadsheetName,
) -> PiecePreviewOut | JSONResponse:
    """Read the file (the body, as for the import) with the import's own parser and checks, and store nothing:
    the rows as read, totals per employee and the row report."""
    content = await _piece_file(request)
    if isinstance(content, JSONResponse):
        return content

    def run() -> PiecePreview:
        with read(request) as session:
            return preview_piece_file(session, filename, content)

    seen = await run_in_threadpool(run)
    return PiecePreviewOut(
        source=seen.source,
        sha256=seen.sha256,
        importable=not seen.problems and seen.duplicate_of is None,
        rows_read=seen.rows_read,
        rows=[PreviewRowOut(**vars(r)) for r in seen.rows],
        totals=[EmployeeTotalOut(**vars(t)) for t in seen.totals],
        periods=seen.periods,
        errors=row_lines(request, seen.problems),
        duplicate_of_batch=None if seen.duplicate_of is None else seen.duplicate_of.id,
        notes=[wording(request, en, zh)[0] for en, zh in seen.notes],
    )
