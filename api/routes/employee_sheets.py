"""Employees in bulk through the employee sheet (`gateway.people.employee_sheet`, `employee_import`): the
template, an export in the same layout, and the import (multipart, the workbook in the field `file`), all
rows or none.

A refused sheet answers 422 with one line per problem in `errors` (`row 7, column 月薪(元): …`, the Chinese
column names of the sheet) and imports nothing; `dry_run=true` checks and reports without storing.
This router is included before `/employees/{code}`, whose path would otherwise take `template.xlsx`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.auth import READERS, WRITERS, require, sees_full_numbers
from api.bodies import BodyTooLarge, read_limited
from api.db import read, write
from api.errors import Unprocessable, problem, rows_refused
from api.routing import ApiRouter
from api.schemas import Problem
from gateway.access.tokens import Principal
from gateway.people.employee_import import MAX_SHEET_BYTES, EmployeeSheetError, SheetReport, import_sheet
from gateway.people.employee_sheet import export_sheet, template

router = ApiRouter(prefix="/employees", tags=["employees"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}
_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "description": "the .xlsx"}},
                }
            }
        },
    }
}


class SheetReportOut(BaseModel):
    dry_run: bool
    rows: int = Field(description="employee rows read")
    created: list[str] = Field(description="codes of the employees added (or that would be, in a dry run)")
    updated: list[str]
    unchanged: list[str]
    badges_added: int
    bank_accounts_set: int
    remapped_punches: int = Field(description="quarantined punches given to employees through their new badges")


def _xlsx(content: bytes, name: str) -> Response:
    return Response(content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/template.xlsx", response_class=Response, responses=_XLSX_RESPONSE)
def employee_template(request: Request, _who: Annotated[Principal, require(*READERS)]) -> Response:
    """The empty employee sheet: its columns (工号 … 考勤号), lists of allowed values, and 填写说明 explaining each."""
    with read(request) as session:
        return _xlsx(template(session), "employees-template.xlsx")


@router.get("/export.xlsx", response_class=Response, responses=_XLSX_RESPONSE)
def employee_export(request: Request, who: Annotated[Principal, require(*READERS)]) -> Response:
    """Every employee in the sheet's layout; ID and account numbers in full for admin and hr, masked for a viewer."""
    with read(request) as session:
        return _xlsx(export_sheet(session, full=sees_full_numbers(who)), "employees.xlsx")


async def _upload(request: Request, body: bytes) -> tuple[str, bytes]:
    """The file of the multipart field `file`: its name and bytes."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    how = "send multipart/form-data with the .xlsx in the field 'file'"
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise Unprocessable(f"request body: Content-Type is not multipart/form-data: {how}")
    try:
        form = await MultiPartParser(request.headers, stream(), max_files=1, max_fields=10).parse()
    except MultiPartException as exc:
        raise Unprocessable(f"request body: not a readable multipart form ({exc}): {how}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Unprocessable("request body: no file in the field 'file': send the .xlsx as the form field 'file'")
    return upload.filename or "employees.xlsx", await upload.read()


@router.post(
    "/import",
    response_model=SheetReportOut,
    openapi_extra=_UPLOAD,
    responses={413: {"description": "File too large", **_PROBLEM}},
)
async def import_employees(
    request: Request,
    who: Annotated[Principal, require(*WRITERS)],
    dry_run: Annotated[bool, Query(description="check and report, store nothing")] = False,
) -> SheetReportOut | JSONResponse:
    """Create or update (by 工号) every employee of the sheet with their badges and bank accounts, or none."""
    try:
        body = await read_limited(request, MAX_SHEET_BYTES)
    except BodyTooLarge as exc:
        return problem(413, "File too large", f"{exc}: an employee sheet is at most {MAX_SHEET_BYTES:,} bytes", request)
    source, content = await _upload(request, body)

    def run() -> SheetReport:
        if dry_run:
            with read(request) as session:
                return import_sheet(session, source, content, who.actor, dry_run=True)
        return write(request, lambda session: import_sheet(session, source, content, who.actor))

    try:
        report = await run_in_threadpool(run)
    except EmployeeSheetError as exc:
        return rows_refused(request, "Employee sheet refused", exc.source, exc.problems, ("sheet", "表格"))
    return SheetReportOut(**vars(report))
