"""Piece batches (one per uploaded file, see `piece_import`): list, read with their rows, delete.

Deleting a batch deletes its piece records with one audit row, unless a LOCKED pay run paid any of
them: a locked run is immutable, so its pieces stay (a correction belongs in a later month). "Paid"
means the run has a payslip for that record's employee in that record's period. The check runs inside
the deleting transaction, with the runs of the batch's periods row-locked (PostgreSQL), so no run can
be locked between the check and the delete. An unlocked run that used the batch simply shows other
figures on its next compute.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.store import RUN_LOCKED, Employee, PayRun, Payslip, PieceBatch, PieceRecord

_USES_SHOWN = 5


class PieceBatchNotFound(GatewayError):
    pass


class PieceBatchInUse(GatewayError):
    """A locked pay run paid pieces of this batch; nothing was deleted."""


def periods_of(batch: PieceBatch) -> list[str]:
    return batch.periods.split(",") if batch.periods else []


def describe(batch: PieceBatch) -> dict[str, object]:
    """What the audit log keeps of a batch."""
    return {
        "name": batch.name,
        "sha256": batch.sha256,
        "periods": periods_of(batch),
        "rows": batch.row_count,
        "qty": batch.qty,
        "imported_by": batch.imported_by,
        "imported_at": batch.imported_at.isoformat(),
    }


def list_batches(session: Session, limit: int, before_id: int | None) -> list[PieceBatch]:
    """Newest first; `before_id` pages further back."""
    query = select(PieceBatch).order_by(PieceBatch.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(PieceBatch.id < before_id)
    return list(session.scalars(query))


def get_batch(session: Session, batch_id: int) -> PieceBatch:
    batch = session.get(PieceBatch, batch_id)
    if batch is None:
        raise PieceBatchNotFound(f"no piece batch {batch_id}: GET /api/v1/piece-batches lists them")
    return batch


def batch_rows(session: Session, batch_id: int, limit: int, after_id: int | None) -> list[tuple[PieceRecord, str]]:
    """The batch's records with their employee codes, in import order; `after_id` pages on."""
    query = (
        select(PieceRecord, Employee.code)
        .join(Employee, PieceRecord.employee_id == Employee.id)
        .where(PieceRecord.batch_id == batch_id)
        .order_by(PieceRecord.id)
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(PieceRecord.id > after_id)
    return [(record, code) for record, code in session.execute(query)]


def delete_batch(session: Session, batch_id: int, actor: str) -> tuple[PieceBatch, int]:
    """Delete the batch and its records with one audit row (the caller commits); returns (batch, rows deleted)."""
    batch = get_batch(session, batch_id)
    session.execute(select(PayRun.id).where(PayRun.period.in_(periods_of(batch))).with_for_update()).all()
    uses = session.execute(
        select(PayRun.id, PayRun.period, PayRun.scope, Employee.code)
        .join(Payslip, Payslip.payrun_id == PayRun.id)
        .join(PieceRecord, (PieceRecord.employee_id == Payslip.employee_id) & (PieceRecord.period == PayRun.period))
        .join(Employee, Employee.id == PieceRecord.employee_id)
        .where(PieceRecord.batch_id == batch.id, PayRun.status == RUN_LOCKED)
        .distinct()
        .order_by(PayRun.id, Employee.code)
        .limit(_USES_SHOWN + 1)
    ).all()
    if uses:
        shown = "; ".join(f"run {run} ({period}, scope {scope!r}) paid {code}" for run, period, scope, code in uses)
        more = " and more" if len(uses) > _USES_SHOWN else ""
        raise PieceBatchInUse(
            f"piece batch {batch.id} ({batch.name!r}) cannot be deleted: locked pay runs paid its pieces ({shown}"
            f"{more}); a locked run is immutable, so enter any correction in a later month's pieces"
        )
    before = describe(batch)
    deleted = session.scalar(select(func.count()).select_from(PieceRecord).where(PieceRecord.batch_id == batch.id))
    session.execute(delete(PieceRecord).where(PieceRecord.batch_id == batch.id))
    session.delete(batch)
    session.flush()
    append_audit(session, actor, "piece_records.delete", f"piece_batch/{batch_id}", before, None)
    return batch, int(deleted or 0)
