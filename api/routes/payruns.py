"""Pay runs: create for a period and scope → compute (again, while unlocked) → review → lock."""

from __future__ import annotations

import json
from typing import Annotated, Literal, cast, get_args

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import READERS, WRITERS, require
from api.db import read, write
from api.pay_errors import pay_errors
from api.routing import ApiRouter
from api.schemas import LockWarningOut, PathId, PayMonth, UtcOut, WarningCode
from gateway.access.tokens import Principal
from gateway.pay.payrun import compute_payrun, create_payrun, get_payrun, lock_payrun, payslips_of
from gateway.store import PayRun

router = ApiRouter(prefix="/payruns", tags=["pay runs"])


class PayRunIn(BaseModel):
    period: PayMonth
    scope: str = Field("all", min_length=1, max_length=100, description="an office name, or 'all' offices")


class ChangeOut(BaseModel):
    employee: str
    field: str
    old: int | None
    new: int | None


class PayslipSummary(BaseModel):
    id: int
    employee: str
    name: str
    gross_fen: int
    net_fen: int
    iit_fen: int


PayRunStatus = Literal["draft", "computed", "locked"]


class PayRunOut(BaseModel):
    id: int
    period: str
    scope: str
    status: PayRunStatus
    rules_version: str
    created_at: UtcOut
    created_by: str
    computed_at: UtcOut | None
    locked_at: UtcOut | None
    locked_by: str | None
    gross_total_fen: int
    net_total_fen: int
    changes: list[ChangeOut] = Field(
        description="what the latest recompute changed (empty after the first computation)"
    )
    payslips: list[PayslipSummary] | None = None


def payrun_out(run: PayRun, payslips: list[PayslipSummary] | None = None) -> PayRunOut:
    return PayRunOut(
        id=run.id,
        period=run.period,
        scope=run.scope,
        status=cast(PayRunStatus, run.status),  # the CHECK constraint ck_payruns_status holds it to these
        rules_version=run.rules_version,
        created_at=run.created_at,
        created_by=run.created_by,
        computed_at=run.computed_at,
        locked_at=run.locked_at,
        locked_by=run.locked_by,
        gross_total_fen=run.gross_total_fen,
        net_total_fen=run.net_total_fen,
        changes=[ChangeOut(**c) for c in json.loads(run.last_diff_json)],
        payslips=payslips,
    )


@router.get("")
def list_payruns(
    request: Request,
    _who: Annotated[Principal, require(*READERS)],
    period: Annotated[PayMonth | None, Query()] = None,
) -> list[PayRunOut]:
    with read(request) as session:
        query = select(PayRun).order_by(PayRun.period.desc(), PayRun.id)
        if period is not None:
            query = query.where(PayRun.period == period)
        return [payrun_out(run) for run in session.scalars(query)]


@router.post("", status_code=201)
def add_payrun(request: Request, body: PayRunIn, who: Annotated[Principal, require(*WRITERS)]) -> PayRunOut:
    with pay_errors():
        return write(request, lambda session: payrun_out(create_payrun(session, body.period, body.scope, who.actor)))


@router.get("/{run_id}")
def show_payrun(request: Request, run_id: PathId, _who: Annotated[Principal, require(*READERS)]) -> PayRunOut:
    """The run, the changes of its latest recompute, and a summary line per payslip."""
    with read(request) as session, pay_errors():
        run = get_payrun(session, run_id)
        slips = [
            PayslipSummary(
                id=s.id,
                employee=s.employee_code or e.code,  # a locked run lists its snapshot
                name=s.employee_name or e.name,
                gross_fen=s.gross_fen,
                net_fen=s.net_fen,
                iit_fen=s.iit_fen,
            )
            for s, e in payslips_of(session, run_id)
        ]
        return payrun_out(run, slips)


@router.post("/{run_id}/compute")
def compute(request: Request, run_id: PathId, who: Annotated[Principal, require(*WRITERS)]) -> PayRunOut:
    """(Re)compute an unlocked run; `changes` lists every field that differs from the previous computation.

    A locked run answers 409: it is immutable."""

    def work(session: Session) -> PayRunOut:
        compute_payrun(session, run_id, who.actor)
        return payrun_out(get_payrun(session, run_id))

    with pay_errors():
        return write(request, work)


class LockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    acknowledge: list[WarningCode] = Field(
        default=[],
        max_length=len(get_args(WarningCode)),  # each code once
        description="warning codes a previous lock answer listed that you have checked and accept",
    )


class AnchorOut(BaseModel):
    seq: int = Field(description="the audit chain's length at the lock")
    head: str = Field(description="the keyed hash of its newest row; keep it: `audit verify` checks against it")
    at: str


class LockOut(PayRunOut):
    digest: str = Field(description="keyed digest of every payslip and line as locked")
    acknowledged: list[LockWarningOut]
    anchor: AnchorOut | None = Field(description="where the audit chain stood at the lock (written outside the DB)")


@router.post(
    "/{run_id}/lock",
    responses={409: {"description": "locked already, not computed, or warnings not acknowledged (`warnings`)"}},
)
def lock(
    request: Request, run_id: PathId, who: Annotated[Principal, require(*WRITERS)], body: LockIn | None = None
) -> LockOut:
    """Lock a computed run for good. Refused (409) while it has warnings the body does not `acknowledge`:
    zero or negative net pay, employees without punches, open quarantine, terminals not read since the
    period ended. The answer carries the run's digest and the audit anchor written at the lock."""

    def work(session: Session) -> LockOut:
        result = lock_payrun(session, run_id, who.actor, body.acknowledge if body else ())
        anchor = result.anchor
        return LockOut(
            **payrun_out(result.run).model_dump(),
            digest=result.digest,
            acknowledged=[LockWarningOut.model_validate(w.as_dict()) for w in result.acknowledged],
            anchor=AnchorOut(seq=anchor.seq, head=anchor.head, at=anchor.at) if anchor else None,
        )

    with pay_errors():
        return write(request, work)
