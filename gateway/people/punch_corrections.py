"""Manual punch corrections (add a missed punch, void one, move one): the row and its audit, never the raw log.

Shared by HR's `POST /api/v1/punches/corrections` and an approved missed-punch request (补卡), so both write
the same row and the same audit entry (`punch.<action>`) in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.store import Employee, PunchCorrection, utcnow


def describe_correction(correction: PunchCorrection, employee_code: str) -> dict[str, Any]:
    """The correction as the API shows it (times naive UTC, marked Z) and as its audit row keeps it."""
    return {
        "id": correction.id,
        "action": correction.action,
        "employee": employee_code,
        "punch_id": correction.punch_id,
        "ts_utc": f"{correction.ts_utc.isoformat()}Z" if correction.ts_utc is not None else None,
        "reason": correction.reason,
        "created_by": correction.created_by,
        "created_at": f"{correction.created_at.isoformat()}Z",
    }


def record_correction(
    session: Session, actor: str, employee: Employee, *, action: str, punch_id: int | None, ts_utc: datetime | None,
    reason: str, before: dict[str, Any] | None = None,
) -> PunchCorrection:  # fmt: skip
    """Insert the correction (`ts_utc` naive UTC) and its audit row; `before` is the raw punch it concerns."""
    correction = PunchCorrection(
        action=action, employee_id=employee.id, punch_id=punch_id, ts_utc=ts_utc, reason=reason, created_by=actor,
        created_at=utcnow(),
    )  # fmt: skip
    session.add(correction)
    session.flush()
    after = describe_correction(correction, employee.code)
    append_audit(session, actor, f"punch.{action}", f"employee:{employee.code}", before, after)
    return correction
