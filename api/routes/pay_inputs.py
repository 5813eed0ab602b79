"""What HR enters per employee for a pay run's month: the annual bonus and its taxation, severance, damages.

`PUT /payruns/{run_id}/inputs/{employee}` sets (replaces) it, `GET /payruns/{run_id}/inputs` lists the run's
entries. A locked run answers 409; an employee the run does not pay, 404; a second separate bonus taxation
in one tax year, 409 naming the month that has it. The next compute of the run uses it; until then the
lock warns `changed_since_compute`.
"""

from __future__ import annotations

from typing import Annotated, Literal, cast

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy.orm import Session

from api.auth import READERS, WRITERS, require
from api.db import read, write
from api.pay_errors import pay_errors
from api.routing import ApiRouter
from api.schemas import Code, PathId, UtcOut
from gateway.access.tokens import Principal
from gateway.pay.month_inputs import month_inputs_of, set_month_input
from gateway.store import Employee, PayMonthInput
from payroll_core.pay import MAX_FEN

router = ApiRouter(prefix="/payruns", tags=["pay runs"])
InputFen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="integer fen (1/100 yuan)")]
BonusMethod = Literal["recommended", "combined", "separate"]


class PayInputIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bonus_fen: InputFen = Field(0, description="annual one-off bonus (全年一次性奖金) paid this month")
    bonus_method: BonusMethod = Field(
        "recommended",
        description="how the bonus is taxed: separately (财政部 税务总局公告2023年第30号, once a tax year), combined "
        "with the month's wages, or recommended = whichever gives the lower tax over the year (the payslip shows both)",
    )
    severance: bool = Field(False, description="pay 经济补偿 (劳动合同法 art. 47) with this final month")
    severance_base_fen: InputFen | None = Field(
        None,
        description="the monthly wage severance is paid from (average of the last 12 months); null = the average "
        "gross of the employee's locked pay runs of the 12 months before",
    )
    damages_fen: InputFen = Field(
        0, description="deduction for damages the employee caused; at most 20 % of the wages (工资支付暂行规定 art. 16)"
    )


class PayInputOut(BaseModel):
    employee: str
    period: str
    bonus_fen: int
    bonus_method: BonusMethod
    severance: bool
    severance_base_fen: int | None
    damages_fen: int
    updated_by: str
    updated_at: UtcOut


def _out(entry: PayMonthInput, employee: Employee) -> PayInputOut:
    return PayInputOut(
        employee=employee.code,
        period=entry.period,
        bonus_fen=entry.bonus_fen,
        bonus_method=cast(BonusMethod, entry.bonus_method),  # ck_pay_month_inputs_bonus_method holds it to these
        severance=entry.severance,
        severance_base_fen=entry.severance_base_fen,
        damages_fen=entry.damages_fen,
        updated_by=entry.updated_by,
        updated_at=entry.updated_at,
    )


@router.get("/{run_id}/inputs")
def list_inputs(request: Request, run_id: PathId, _who: Annotated[Principal, require(*READERS)]) -> list[PayInputOut]:
    with read(request) as session, pay_errors():
        return [_out(entry, employee) for entry, employee in month_inputs_of(session, run_id)]


@router.put("/{run_id}/inputs/{employee}")
def set_input(
    request: Request, run_id: PathId, employee: Code, body: PayInputIn, who: Annotated[Principal, require(*WRITERS)]
) -> PayInputOut:
    """Set the employee's bonus, severance and damages for the run's month (replacing what was there)."""

    def work(session: Session) -> PayInputOut:
        entry, found = set_month_input(session, run_id, employee, who.actor, **body.model_dump())
        return _out(entry, found)

    with pay_errors():
        return write(request, work)
