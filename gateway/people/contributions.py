"""An employee's social insurance and housing fund by month (「我的社保公积金」), read from locked payslips only.

Per month and item (养老 pension, 医疗 medical, 失业 unemployment, 工伤 injury, 生育 maternity, 公积金 housing
fund): the employee's and the employer's share in fen, as the payslip's figures hold them, and the base the
item was computed on. The base is read from the employee-share line's quantities (`base_fen`, clipped to the
city's floor and cap); an item with no employee share (工伤, 生育) has no such line, so its base is None rather
than a guess. Drafts are never shown: a computed run may still change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.pay.payslip_lines import stored_lines
from gateway.store import RUN_LOCKED, PayRun, Payslip

ITEMS = ("pension", "medical", "unemployment", "injury", "maternity", "housing_fund")


@dataclass(frozen=True)
class Item:
    item: str
    base_fen: int | None
    employee_fen: int
    employer_fen: int


@dataclass(frozen=True)
class Month:
    period: str
    payslip_id: int
    items: list[Item]
    employee_fen: int
    employer_fen: int


def _figure(figures: dict[str, int], item: str, side: str) -> int:
    return figures.get(f"{'hf' if item == 'housing_fund' else item}_{side}_fen", 0)


def contributions(session: Session, employee_id: int, year: int) -> list[Month]:
    """The employee's locked payslips of `year`, newest month first, each with its six items."""
    slips = session.execute(
        select(Payslip, PayRun.period)
        .join(PayRun, Payslip.payrun_id == PayRun.id)
        .where(Payslip.employee_id == employee_id, PayRun.status == RUN_LOCKED, PayRun.period.like(f"{year}-%"))
        .order_by(PayRun.period.desc(), Payslip.id.desc())
    ).all()
    codes = {f"{item.upper()}_EMPLOYEE": item for item in ITEMS}
    bases: dict[tuple[int, str], int] = {}
    if slips:
        for payslip_id, lines in stored_lines(session, [slip.id for slip, _ in slips], codes).items():
            for line in lines:
                base = line.quantities.get("base_fen")
                if isinstance(base, int):
                    bases[(payslip_id, codes[line.code])] = base
    months = []
    for slip, period in slips:
        figures = slip.figures
        items = [
            Item(item, bases.get((slip.id, item)), _figure(figures, item, "employee"),
                 _figure(figures, item, "employer"))
            for item in ITEMS
        ]  # fmt: skip
        months.append(
            Month(period, slip.id, items, sum(i.employee_fen for i in items), sum(i.employer_fen for i in items))
        )
    return months
