"""Personnel changes (转正, 调薪, 调动): a request of kind `change` whose final approval writes a dated record.

- Who submits (`check_submitter`): HR, admin, or the employee's manager — never the employee themself (a change of
  one's own pay or place is asked of the manager). Two steps always: the manager, then HR.
- What (`check_new`, from `gateway.people.requests.submit`): `change_type` probation | raise | transfer, the new
  terms in the dated-terms field names (`gateway.pay.dated_terms.TERM_FIELDS`) and the day they take effect. A
  raise names a pay field, a transfer a place field. 转正 without a salary takes the regular pay agreed at
  onboarding (`onboardings`, the pay of its basis) when the employee came through onboarding. The change is
  tried at submit exactly as the approval will write it (`change_terms` inside a SAVEPOINT rolled back), so a
  request the approval would refuse — a locked month, a day before hiring, an unknown field — is refused up front
  with `change_terms`' own message.
- The final approval (`apply_final`, from `gateway.people.approvals`), in its transaction: `change_terms` writes
  the dated record; a refusal now (a month locked meanwhile) refuses the approval with its message, nothing
  written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.people.departments import managed_employee_ids
from gateway.people.employee_terms import TermsError, change_terms
from gateway.people.request_rules import RequestError
from gateway.store import Employee, Onboarding, PersonnelChange, StaffRequest

#: The change types, their names on the request, and the fields at least one of which each must set.
CHANGE_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "probation": ("转正", ()),
    "raise": ("调薪", ("monthly_salary_fen", "hourly_rate_fen")),
    "transfer": ("调动", ("office", "department", "entity", "shift_rule", "si_city")),
}
HR_ROLES = ("admin", "hr")


def change_of(session: Session, request_id: int) -> PersonnelChange | None:
    return session.scalar(select(PersonnelChange).where(PersonnelChange.request_id == request_id))


def terms_of(change: PersonnelChange) -> dict[str, Any]:
    return dict(json.loads(change.terms_json))


def check_submitter(session: Session, role: str, own_employee_id: int | None, employee: Employee) -> None:
    """HR, admin or the employee's manager submits a change; the employee never their own."""
    if employee.id == own_employee_id:
        raise RequestError(
            f"a change of your own terms (转正, 调薪, 调动) is not asked by you, {employee.code}: your manager or HR "
            "submits it for you",
            zh=f"本人的人事变动（转正、调薪、调动）不能由您 {employee.code} 自己申请：由您的上级或 HR 代为提交",
        )
    if role in HR_ROLES:
        return
    if role == "manager" and employee.id in managed_employee_ids(session, own_employee_id or 0):
        return
    raise RequestError(
        f"only HR or the manager of {employee.code} submits a change (转正, 调薪, 调动) for them",
        zh=f"只有 HR 或 {employee.code} 的上级可以为其提交人事变动（转正、调薪、调动）",
    )


def agreed_pay(session: Session, employee: Employee) -> dict[str, int]:
    """The regular pay agreed at onboarding, in the field of its basis (empty: not onboarded, or piece work)."""
    hire = session.scalar(
        select(Onboarding).where(Onboarding.employee_id == employee.id, Onboarding.status == "approved")
    )
    if hire is None:
        return {}
    field = {"monthly": "monthly_salary_fen", "hourly": "hourly_rate_fen"}.get(hire.pay_basis)
    value = getattr(hire, field) if field is not None else None
    return {field: value} if field is not None and value is not None else {}


def complete(
    session: Session, employee: Employee, change_type: str | None, terms: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The terms the change asks for, 转正's default salary filled in (see the module doc)."""
    if change_type not in CHANGE_TYPES:
        raise RequestError(
            f"unknown change_type {change_type!r}: use probation (转正), raise (调薪) or transfer (调动)",
            zh=f"未知的变动类型 {change_type!r}：请使用 probation（转正）、raise（调薪）或 transfer（调动）",
        )
    values = dict(terms or {})
    name, needs = CHANGE_TYPES[change_type]
    if change_type == "probation" and not {"monthly_salary_fen", "hourly_rate_fen"} & set(values):
        values = {**agreed_pay(session, employee), **values}
    if needs and not set(needs) & set(values):
        raise RequestError(
            f"a {change_type} ({name}) of {employee.code} sets at least one of {', '.join(needs)}",
            zh=f"{employee.code} 的{name}须至少填写 {', '.join(needs)} 中的一项",
        )
    return values


def _write(session: Session, actor: str, employee: Employee, change_type: str, day: date,
           values: Mapping[str, Any], request_id: int | str) -> None:  # fmt: skip
    try:
        change_terms(session, employee, day, values, f"{CHANGE_TYPES[change_type][0]}: request {request_id}", actor)
    except TermsError as error:
        raise RequestError(str(error), zh=error.zh) from None


def check_new(session: Session, actor: str, employee: Employee, change_type: str, day: date,
              values: Mapping[str, Any]) -> None:  # fmt: skip
    """Refuse now what the approval would refuse: the dated record tried and rolled back."""
    savepoint = session.begin_nested()
    try:
        _write(session, actor, employee, change_type, day, values, "(new)")
    finally:
        savepoint.rollback()


def record_new(session: Session, row: StaffRequest, change_type: str, values: Mapping[str, Any]) -> PersonnelChange:
    change = PersonnelChange(request_id=row.id, employee_id=row.employee_id, change_type=change_type,
                             terms_json=json.dumps(dict(values), ensure_ascii=False, sort_keys=True),
                             effective_from=row.starts_at.date())  # fmt: skip
    session.add(change)
    session.flush()
    return change


def apply_final(session: Session, actor: str, row: StaffRequest) -> None:
    """The final approval's effect: the dated record, in the approval's transaction."""
    change = change_of(session, row.id)
    assert change is not None
    employee = session.get_one(Employee, row.employee_id)
    _write(session, actor, employee, change.change_type, change.effective_from, terms_of(change), row.id)
