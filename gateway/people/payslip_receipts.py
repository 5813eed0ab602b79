"""Payslip receipts: an employee opens a locked payslip, then confirms it (「确认无误」) or asks about it (「有疑问」).

Rules:
- Only the payslip's own employee writes its receipt, and only for a payslip of a locked run (anything else is
  `ReceiptNotFound`, the same answer as a payslip that does not exist: an employee cannot learn that another's
  payslip exists).
- The first open is recorded once (`viewed_at`, audited `payslip.viewed`); confirming or questioning counts as an
  open too. An INSERT … ON CONFLICT DO NOTHING on the UNIQUE payslip decides which open is the first.
- Each answer is a conditional UPDATE whose row count decides it, inside the caller's transaction: a confirmed
  payslip takes no further answer; a question is asked once (its text kept), and may be followed by a
  confirmation once HR has explained it. Refusals are `ReceiptRefused` naming what was recorded and when.
- HR reads the receipts of a pay run (`run_receipts`): every payslip of the run with its state, so the ones
  nobody opened are listed too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.store import RUN_LOCKED, Employee, PayRun, Payslip, PayslipReceipt, utcnow

Answer = Literal["confirmed", "questioned"]
State = Literal["unviewed", "viewed", "confirmed", "questioned"]
STATES: tuple[State, ...] = ("unviewed", "viewed", "confirmed", "questioned")


class ReceiptNotFound(GatewayError):
    """No such payslip among the caller's own payslips of locked runs."""


class ReceiptRefused(GatewayError):
    """The answer contradicts one already recorded; the message says which and when."""


@dataclass(frozen=True)
class Receipt:
    payslip_id: int
    employee: str
    name: str
    state: State
    viewed_at: datetime | None
    confirmed_at: datetime | None
    questioned_at: datetime | None
    question: str


def _state(row: PayslipReceipt | None) -> State:
    if row is None:
        return "unviewed"
    if row.confirmed_at is not None:
        return "confirmed"
    return "questioned" if row.questioned_at is not None else "viewed"


def _receipt(slip: Payslip, employee: Employee, row: PayslipReceipt | None) -> Receipt:
    return Receipt(
        payslip_id=slip.id,
        employee=slip.employee_code or employee.code,
        name=slip.employee_name or employee.name,
        state=_state(row),
        viewed_at=row.viewed_at if row else None,
        confirmed_at=row.confirmed_at if row else None,
        questioned_at=row.questioned_at if row else None,
        question=row.question if row else "",
    )


def _own_locked(session: Session, employee_id: int, payslip_id: int) -> tuple[Payslip, Employee]:
    found = session.execute(
        select(Payslip, Employee)
        .join(PayRun, Payslip.payrun_id == PayRun.id)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(Payslip.id == payslip_id, Payslip.employee_id == employee_id, PayRun.status == RUN_LOCKED)
    ).first()
    if found is None:
        raise ReceiptNotFound(f"payslip {payslip_id} does not exist")
    return found[0], found[1]


def _row(session: Session, payslip_id: int) -> PayslipReceipt:
    """The receipt as the database holds it now (after the Core statements above, not a cached object)."""
    query = select(PayslipReceipt).where(PayslipReceipt.payslip_id == payslip_id)
    return session.scalars(query.execution_options(populate_existing=True)).one()


def _mark_viewed(session: Session, actor: str, slip: Payslip, now: datetime) -> None:
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    statement = (
        insert(PayslipReceipt)
        .values(payslip_id=slip.id, employee_id=slip.employee_id, viewed_at=now, question="")
        .on_conflict_do_nothing(index_elements=["payslip_id"])
        .returning(PayslipReceipt.id)
    )
    if session.execute(statement).scalar() is not None:  # a row came back: this open was the first
        append_audit(session, actor, "payslip.viewed", f"payslip:{slip.id}", None, {"viewed_at": now.isoformat()})


def receipt_of(session: Session, employee_id: int, payslip_id: int) -> Receipt:
    """The employee's receipt of their own locked payslip (`unviewed` until it is first opened)."""
    slip, employee = _own_locked(session, employee_id, payslip_id)
    row = session.scalar(select(PayslipReceipt).where(PayslipReceipt.payslip_id == slip.id))
    return _receipt(slip, employee, row)


def record_view(session: Session, actor: str, employee_id: int, payslip_id: int) -> Receipt:
    """Record the first open of the employee's own locked payslip; later opens change nothing."""
    slip, employee = _own_locked(session, employee_id, payslip_id)
    _mark_viewed(session, actor, slip, utcnow())
    return _receipt(slip, employee, _row(session, slip.id))


def answer(
    session: Session, actor: str, employee_id: int, payslip_id: int, choice: Answer, question: str = ""
) -> Receipt:
    """Confirm the payslip or question it (with `question`, not blank), decided by a conditional UPDATE."""
    slip, employee = _own_locked(session, employee_id, payslip_id)
    text = question.strip()
    if choice == "questioned" and not text:
        raise ReceiptRefused("a question needs its text: say what looks wrong on the payslip")
    now = utcnow()
    _mark_viewed(session, actor, slip, now)
    where = [PayslipReceipt.payslip_id == slip.id, PayslipReceipt.confirmed_at.is_(None)]
    if choice == "confirmed":
        values: dict[str, object] = {"confirmed_at": now}
    else:
        where.append(PayslipReceipt.questioned_at.is_(None))
        values = {"questioned_at": now, "question": text}
    before = _state(_row(session, slip.id))
    done = session.execute(update(PayslipReceipt).where(*where).values(**values)).rowcount  # type: ignore[attr-defined]
    row = _row(session, slip.id)
    if done != 1:
        if row.confirmed_at is not None:
            raise ReceiptRefused(
                f"payslip {slip.id} was already confirmed at {row.confirmed_at:%Y-%m-%d %H:%M} UTC; "
                "if something is wrong now, ask HR directly"
            )
        raise ReceiptRefused(
            f"payslip {slip.id} was already questioned at {row.questioned_at:%Y-%m-%d %H:%M} UTC; "
            "HR will answer that question (you may confirm once it is explained)"
        )
    after = {"state": choice, "question": text} if choice == "questioned" else {"state": choice}
    append_audit(session, actor, f"payslip.{choice}", f"payslip:{slip.id}", {"state": before}, after)
    return _receipt(slip, employee, row)


def run_receipts(session: Session, run_id: int, state: State | None = None) -> list[Receipt]:
    """Every payslip of the run with its receipt, by employee code; `state` keeps only those in it."""
    rows = session.execute(
        select(Payslip, Employee, PayslipReceipt)
        .join(Employee, Payslip.employee_id == Employee.id)
        .outerjoin(PayslipReceipt, PayslipReceipt.payslip_id == Payslip.id)
        .where(Payslip.payrun_id == run_id)
        .order_by(Employee.code, Payslip.id)
    ).all()
    receipts = [_receipt(slip, employee, row) for slip, employee, row in rows]
    return [r for r in receipts if state is None or r.state == state]
