"""Resignations (离职申请): the last day, the final approval's effects, the termination reason, the handover.

- Submitting (`check_new`, from `gateway.people.requests.submit`): the last day is today or later (the office's
  date), the employee has no last day yet and no other pending or approved resignation; a month a locked pay
  run covers is refused as for any request. A resignation always takes two steps: the manager, then HR.
- The final approval (`apply_final`, from `gateway.people.approvals`), in its transaction: `left_on` becomes the
  last day (audited `employee.left_on`), the handover checklist is created from office policy
  (`payroll_core/rules/handover-checklist.toml`), the annual leave of the last day's year is pro-rated to the
  last day IN THE LEDGER (one row: the accrual becomes calendar days employed this year ÷ 365 × the entitlement,
  whole days, 企业职工带薪年休假实施办法 art. 12; the yearly accrual is written here when the year has none yet),
  and the month's severance input is filled from the termination reason. The ledger's balance on the last day
  is then what the final pay run pays as unused leave (`gateway.pay.final_settlement`).
- The termination reason (`TERMINATIONS`, mapped to 劳动合同法 art. 46) is 辞职 (none) unless HR marks another
  (`set_termination`) — until the pay run of the leaving month is locked; it sets the month's severance input
  (`pay_month_inputs.severance`, and the monthly wage when HR gives it).
Everything works inside the caller's transaction, audited.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.pay.piece_import import locked_periods
from gateway.people.leave_ledger import add_entry, annual_entitlement_steps
from gateway.people.request_rules import STATUS_ZH, RequestError
from gateway.store import (
    Employee,
    HandoverItem,
    LeaveEntry,
    Office,
    PayMonthInput,
    Resignation,
    StaffRequest,
    utcnow,
)
from payroll_core.errors import RuleDataError

CHECKLIST_FILE = Path(__file__).parents[2] / "payroll_core" / "rules" / "handover-checklist.toml"


@dataclass(frozen=True)
class Termination:
    name: str  # as on the 离职结算单
    law: str  # the article that ends the contract, and whether art. 46 owes severance
    severance: bool


#: Why a contract ends, and whether 劳动合同法 art. 46 owes 经济补偿 (paid per art. 47 by the pay run).
TERMINATIONS: dict[str, Termination] = {
    "resignation": Termination("员工辞职", "劳动合同法第37条; 无经济补偿", False),
    "mutual_by_employee": Termination("协商解除(员工提出)", "劳动合同法第36条; 第46条第2项仅限单位提出: 无", False),
    "mutual_by_employer": Termination("协商解除(单位提出)", "劳动合同法第36条, 第46条第2项: 支付经济补偿", True),
    "employer_fault": Termination("因单位过错解除", "劳动合同法第38条, 第46条第1项: 支付经济补偿", True),
    "no_fault_dismissal": Termination("无过失性辞退", "劳动合同法第40条, 第46条第3项: 支付经济补偿", True),
    "redundancy": Termination("经济性裁员", "劳动合同法第41条第1款, 第46条第4项: 支付经济补偿", True),
    "contract_expiry": Termination(
        "合同到期不续签(单位不续或降低条件)", "劳动合同法第44条第1项, 第46条第5项: 支付经济补偿", True
    ),
    "contract_expiry_declined": Termination(
        "合同到期, 员工拒绝同等或更优条件续订", "劳动合同法第46条第5项除外情形: 无经济补偿", False
    ),
    "closure": Termination("单位破产、吊销、关闭或解散", "劳动合同法第44条第4、5项, 第46条第6项: 支付经济补偿", True),
    "misconduct": Termination("过失性辞退", "劳动合同法第39条; 无经济补偿", False),
    "retirement": Termination("退休", "劳动合同法第44条第2项; 无经济补偿", False),
}
DEFAULT_TERMINATION = "resignation"


def checklist_items(office: str | None, path: Path = CHECKLIST_FILE) -> list[str]:
    """The office's handover items: its own list, else the defaults."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    items = data.get("offices", {}).get(office, {}).get("items") if office is not None else None
    items = items if items is not None else data["checklist"]["items"]
    if not items or not all(isinstance(i, str) and 0 < len(i) <= 100 for i in items):
        raise RuleDataError(f"{path}: items must be a non-empty list of names of at most 100 characters")
    return list(items)


def resignation_of(session: Session, request_id: int) -> Resignation | None:
    return session.scalar(select(Resignation).where(Resignation.request_id == request_id))


def check_new(session: Session, employee: Employee, last_day: date, today: date) -> None:
    """Refuse a resignation that cannot be (see the module doc); the locked month is checked by `submit`."""
    if last_day < today:
        raise RequestError(
            f"the last day {last_day} is before today ({today}): a resignation names today or a later day; "
            "HR corrects a past leave date on the employee record",
            zh=f"最后工作日 {last_day} 早于今天（{today}）：离职申请须填今天或之后的日期；"
            "过去的离职日期由 HR 在员工档案中更正",
        )
    if employee.left_on is not None:
        raise RequestError(
            f"employee {employee.code} already has a last day ({employee.left_on}): nothing to resign",
            zh=f"员工 {employee.code} 已有最后工作日（{employee.left_on}）：无需再申请离职",
        )
    if employee.hired_on is not None and last_day < employee.hired_on:
        raise RequestError(
            f"the last day {last_day} is before the hire date {employee.hired_on}: check the date",
            zh=f"最后工作日 {last_day} 早于入职日期 {employee.hired_on}：请检查日期",
        )
    other = session.scalar(
        select(StaffRequest.id).where(
            StaffRequest.employee_id == employee.id,
            StaffRequest.kind == "resignation",
            StaffRequest.status.in_(("pending", "approved")),
        )
    )
    if other is not None:
        raise RequestError(
            f"resignation request {other} is already open for {employee.code}: withdraw it first",
            zh=f"{employee.code} 已有未结的离职申请 {other}：请先撤回",
        )


def record_new(session: Session, actor: str, row: StaffRequest) -> Resignation:
    terms = Resignation(request_id=row.id, employee_id=row.employee_id, last_day=row.starts_at.date(),
                        termination=DEFAULT_TERMINATION, updated_by=actor, updated_at=utcnow())  # fmt: skip
    session.add(terms)
    session.flush()
    return terms


def apply_final(session: Session, actor: str, row: StaffRequest) -> None:
    """The final approval's effects (see the module doc), in the approval's transaction."""
    employee = session.get_one(Employee, row.employee_id)
    terms = resignation_of(session, row.id)
    assert terms is not None
    before = {"left_on": employee.left_on.isoformat() if employee.left_on else None}
    employee.left_on = terms.last_day
    session.flush()
    append_audit(session, actor, "employee.left_on", f"employee:{employee.code}", before,
                 {"left_on": terms.last_day.isoformat(), "request": row.id})  # fmt: skip
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    for position, item in enumerate(checklist_items(office.name if office else None)):
        session.add(HandoverItem(request_id=row.id, position=position, item=item))
    _prorate_annual_leave(session, actor, employee, row.id)
    _fill_severance(session, actor, employee, terms, None)
    session.flush()


def _prorate_annual_leave(session: Session, actor: str, employee: Employee, request_id: int) -> None:
    """The year's annual-leave accrual made what it is with the last day (`left_on` set already)."""
    year = (employee.left_on or date.min).year
    due = annual_entitlement_steps(session, employee, year)
    if due is None:  # no 参加工作日期 or office: no statutory leave can be worked out (the settlement shows 0)
        return
    accrued = session.scalar(
        select(func.sum(LeaveEntry.delta)).where(
            LeaveEntry.employee_id == employee.id,
            LeaveEntry.leave_type == "annual",
            LeaveEntry.year == year,
            LeaveEntry.kind == "accrual",
            LeaveEntry.request_id.is_(None),
        )  # fmt: skip
    )
    rule = f"pro-rated to the last day {employee.left_on} (企业职工带薪年休假实施办法 art. 12: days employed ÷ 365)"
    if accrued is None:
        add_entry(session, actor, employee, "annual", year, due, "accrual",
                  f"statutory annual leave {year} (职工带薪年休假条例 art. 3), {rule}")  # fmt: skip
    elif due != accrued:
        add_entry(session, actor, employee, "annual", year, due - int(accrued), "adjustment",
                  f"resignation request {request_id}: annual leave {year} {rule}", request_id=request_id)  # fmt: skip


def _refuse_locked(session: Session, day: date) -> None:
    period = f"{day:%Y-%m}"
    locked = locked_periods(session, [period])
    if period in locked:
        raise RequestError(
            f"{period} is already paid in locked pay run {locked[period]}: the final settlement of a last day in "
            "that month cannot change any more; pay a correction in a later month's run",
            zh=f"{period} 的工资已由已锁定的工资核算 {locked[period]} 发放：最后工作日在该月的离职结算不能再改动；"
            "请在之后月份的工资核算中补发更正",
        )


def _fill_severance(session: Session, actor: str, employee: Employee, terms: Resignation, base_fen: int | None) -> None:
    """The leaving month's severance input as the termination reason says (kept as it is when nothing changes)."""
    owed = TERMINATIONS[terms.termination].severance
    period = f"{terms.last_day:%Y-%m}"
    entry = session.scalar(
        select(PayMonthInput).where(PayMonthInput.employee_id == employee.id, PayMonthInput.period == period)
    )
    if entry is None and not owed:
        return
    before = None if entry is None else {"severance": entry.severance, "severance_base_fen": entry.severance_base_fen}
    if entry is None:
        entry = PayMonthInput(employee_id=employee.id, period=period, bonus_fen=0, bonus_method="recommended",
                              damages_fen=0)  # fmt: skip
        session.add(entry)
    base = base_fen if owed else None
    if before == {"severance": owed, "severance_base_fen": base}:
        return
    entry.severance, entry.severance_base_fen = owed, base
    entry.updated_by, entry.updated_at = actor, utcnow()
    session.flush()
    append_audit(session, actor, "pay_input.set", f"employee:{employee.code}", before,
                 {"period": period, "severance": owed, "severance_base_fen": base,
                  "termination": terms.termination})  # fmt: skip


def set_termination(
    session: Session, actor: str, row: StaffRequest, code: str, severance_base_fen: int | None = None
) -> Resignation:
    """HR marks why the contract ends; an approved resignation's month gets its severance input at once."""
    if code not in TERMINATIONS:
        raise RequestError(
            f"unknown termination reason {code!r}: use one of {', '.join(TERMINATIONS)}",
            zh=f"未知的解除/终止原因 {code!r}：请使用 {', '.join(TERMINATIONS)} 之一",
        )
    termination = TERMINATIONS[code]
    if severance_base_fen is not None and not termination.severance:
        raise RequestError(
            f"{code} ({termination.name}) owes no severance ({termination.law}): leave severance_base_fen out",
            zh=f"{code}（{termination.name}）无需支付经济补偿（{termination.law}）：请不要填写 severance_base_fen",
        )
    if row.status not in ("pending", "approved"):
        raise RequestError(
            f"request {row.id} is {row.status}: there is no resignation to mark",
            zh=f"申请 {row.id} {STATUS_ZH.get(row.status, row.status)}：没有可标记的离职",
        )
    if severance_base_fen is not None and row.status != "approved":
        raise RequestError(
            f"request {row.id} is not approved yet: mark the reason now, and give severance_base_fen once HR has "
            "approved it (the month's pay inputs are set then)",
            zh=f"申请 {row.id} 尚未批准：现在可以先标记原因，待 HR 批准后再填写 severance_base_fen"
            "（届时设定该月工资录入项）",
        )
    terms = resignation_of(session, row.id)
    assert terms is not None
    _refuse_locked(session, terms.last_day)
    before = {"termination": terms.termination}
    terms.termination, terms.updated_by, terms.updated_at = code, actor, utcnow()
    session.flush()
    append_audit(session, actor, "resignation.termination", f"request:{row.id}", before,
                 {"termination": code, "severance": termination.severance})  # fmt: skip
    if row.status == "approved":
        employee = session.get_one(Employee, row.employee_id)
        _fill_severance(session, actor, employee, terms, severance_base_fen)
    return terms


def handover_of(session: Session, request_id: int) -> list[HandoverItem]:
    return list(
        session.scalars(
            select(HandoverItem).where(HandoverItem.request_id == request_id).order_by(HandoverItem.position)
        )
    )


def tick(session: Session, actor: str, row: StaffRequest, position: int, done: bool) -> HandoverItem:
    """HR ticks (or unticks) one handover item; who and when are kept, and audited."""
    item = session.scalar(
        select(HandoverItem).where(HandoverItem.request_id == row.id, HandoverItem.position == position)
    )
    if item is None:
        raise RequestError(
            f"request {row.id} has no handover item {position}: the checklist is created on the final approval",
            zh=f"申请 {row.id} 没有第 {position} 项交接事项：交接清单在最终批准时生成",
        )
    before = {"item": item.item, "done_by": item.done_by}
    now: datetime | None = utcnow() if done else None
    item.done_by, item.done_at = (actor if done else None), now
    session.flush()
    append_audit(session, actor, "resignation.handover", f"request:{row.id}", before,
                 {"item": item.item, "done_by": item.done_by})  # fmt: skip
    return item
