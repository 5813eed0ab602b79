"""Piece batches: every piece upload is one (name, SHA-256, periods, rows, who, when); list, show with rows, delete.

`DELETE /piece-batches/{id}` removes the batch and its piece records (audited), and is refused with 409
when a locked pay run paid any of them (see `gateway.pay.piece_batches`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request
from pydantic import BaseModel, Field

from api.auth import READERS, WRITERS, require
from api.db import read, write
from api.pay_errors import pay_errors
from api.routes.piece_records import PieceRecordOut, piece_record_out
from api.routing import ApiRouter
from api.schemas import BeforeId, PageLimit, UtcOut
from gateway.access.tokens import Principal
from gateway.inputs import MAX_ID
from gateway.pay.piece_batches import batch_rows, delete_batch, get_batch, list_batches, periods_of
from gateway.store import PieceBatch

router = ApiRouter(prefix="/piece-batches", tags=["piece records"])
BatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="the batch's id")]


class PieceBatchOut(BaseModel):
    id: int
    name: str
    sha256: str | None = Field(description="SHA-256 of the uploaded file; null for imports made before batches")
    periods: list[str]
    rows: int
    qty: int
    imported_by: str
    imported_at: UtcOut


class PieceBatchDetail(BaseModel):
    batch: PieceBatchOut
    rows: list[PieceRecordOut]
    next_after_id: int | None = Field(description="pass as `after_id` for the next rows; null on the last page")


class PieceBatchDeleted(BaseModel):
    batch: PieceBatchOut
    deleted_rows: int


def batch_out(batch: PieceBatch) -> PieceBatchOut:
    return PieceBatchOut(
        id=batch.id,
        name=batch.name,
        sha256=batch.sha256,
        periods=periods_of(batch),
        rows=batch.row_count,
        qty=batch.qty,
        imported_by=batch.imported_by,
        imported_at=batch.imported_at,
    )


@router.get("")
def list_piece_batches(
    request: Request,
    _who: Annotated[Principal, require(*READERS)],
    limit: PageLimit = 100,
    before_id: BeforeId = None,
) -> list[PieceBatchOut]:
    """Newest first."""
    with read(request) as session:
        return [batch_out(b) for b in list_batches(session, limit, before_id)]


@router.get("/{batch_id}")
def show_piece_batch(
    request: Request,
    batch_id: BatchId,
    _who: Annotated[Principal, require(*READERS)],
    limit: PageLimit = 1000,
    after_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="only rows after this id (paging)")] = None,
) -> PieceBatchDetail:
    """The batch and its piece records in import order, `limit` at a time."""
    with read(request) as session, pay_errors():
        batch = get_batch(session, batch_id)
        rows = batch_rows(session, batch_id, limit + 1, after_id)  # one more: is there a next page?
        page = rows[:limit]
        return PieceBatchDetail(
            batch=batch_out(batch),
            rows=[piece_record_out(r, code) for r, code in page],
            next_after_id=page[-1][0].id if len(rows) > limit else None,
        )


@router.delete("/{batch_id}")
def delete_piece_batch(
    request: Request, batch_id: BatchId, who: Annotated[Principal, require(*WRITERS)]
) -> PieceBatchDeleted:
    """Delete the batch and its records; 409 when a locked pay run paid any of them."""
    with pay_errors():
        batch, deleted = write(request, lambda session: delete_batch(session, batch_id, who.actor))
    return PieceBatchDeleted(batch=batch_out(batch), deleted_rows=deleted)
