"""Dated employee terms: every change of pay, place or employer is a record "from this day on", never an overwrite.

A record (`EmployeeTerms`) sets some of the `TERM_FIELDS` from its `effective_from` day on; the terms on a day D
are the employee's row (`employees`) overlaid, in date order, by every record in force from on or before D (the
records before the first one's day use the first: nobody is paid before hiring). A correction is its own record
whose `corrects_id` names the record it replaces: the replaced one stays, superseded, and the history shows both
with who wrote them, when and why.

The `employees` columns stay what the many readers use (user sync, lists, the employee sheet): `sync_current`
writes the terms in force today into them in the same transaction as each change. A change dated in the future
reaches them at the next change or correction; pay reads the records themselves (`gateway.pay.dated_terms`).

Refused, with the reason and the fix: a change from a day inside or before a month of a LOCKED pay run that paid
the employee (that run never changes: a correction goes into a later month), a day before `hired_on`, an unknown
field, a value the field cannot hold. Every write appends `employee.change` / `employee.terms_correct` to the audit
log in the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.inputs import check_name, year_problem
from gateway.pay.attendance import AttendanceError, check_employee_shift
from gateway.pay.dated_terms import MIRRORED as _MIRRORED
from gateway.pay.dated_terms import TERM_FIELDS, fold, names, records_in_force, row_terms
from gateway.pay.working_time import PERIODS, SYSTEMS, system_problem
from gateway.store import RUN_LOCKED, Department, Employee, EmployeeTerms, Office, PayRun, Payslip

_MONEY = ("monthly_salary_fen", "hourly_rate_fen", "si_base_fen", "special_deductions_fen")
MAX_TERMS_FEN = 10**10  # the pay pipeline's limit for a salary or base (`payroll_core.pay.MAX_FEN`)
#: The first day of an employee's opening record when the hiring day is not known.
OPENING_DAY = date(2000, 1, 1)


class TermsError(GatewayError):
    """A dated change that cannot be written as asked; the message says what, where and how to fix it."""


@dataclass(frozen=True)
class TermsRecord:
    """One stored record with what it replaced: `before` the terms of its first day without it."""

    id: int
    effective_from: date
    values: dict[str, Any]
    reason: str
    corrects: int | None
    superseded_by: int | None
    created_by: str
    created_at: datetime
    before: dict[str, Any]


def today_of(session: Session, employee: Employee) -> date:
    """The day it is at the employee's office (UTC without an office)."""
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    return datetime.now(ZoneInfo(office.timezone) if office is not None else UTC).date()


def columns_of(session: Session, employee: Employee) -> dict[str, Any]:
    """The terms the `employees` row holds (what an employee without records has on every day)."""
    return row_terms(employee, *names(session))


def terms_as_of(session: Session, employee: Employee, day: date) -> dict[str, Any]:
    """The employee's terms on `day` (see the module doc)."""
    return fold(columns_of(session, employee), records_in_force(session, [employee.id])[employee.id], day)


def history(session: Session, employee: Employee) -> list[TermsRecord]:
    """Every record of the employee, superseded ones included, in (effective_from, id) order."""
    rows = list(
        session.scalars(
            select(EmployeeTerms)
            .where(EmployeeTerms.employee_id == employee.id)
            .order_by(EmployeeTerms.effective_from, EmployeeTerms.id)
        )
    )
    base = columns_of(session, employee)
    superseded_by = {r.corrects_id: r.id for r in rows if r.corrects_id is not None}
    in_force = [r for r in rows if r.id not in superseded_by]
    out = []
    for row in rows:
        others = [r for r in in_force if r.id != row.id]
        # what the record changed: the terms of its day as the records before it left them
        earlier = [r for r in others if (r.effective_from, r.id) < (row.effective_from, row.id)]
        before = fold(base, earlier, row.effective_from) if earlier else {}
        out.append(
            TermsRecord(
                id=row.id,
                effective_from=row.effective_from,
                values=json.loads(row.values_json),
                reason=row.reason,
                corrects=row.corrects_id,
                superseded_by=superseded_by.get(row.id),
                created_by=row.created_by,
                created_at=row.created_at,
                before=before,
            )
        )
    return out


def check_values(session: Session, employee: Employee, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` checked field by field (unknown fields, types, ranges, office, department, shift)."""
    unknown = sorted(set(values) - set(TERM_FIELDS))
    if unknown:
        raise TermsError(
            f"unknown field(s) {', '.join(map(repr, unknown))} for a dated change of employee {employee.code}: "
            f"the fields are {', '.join(TERM_FIELDS)}"
        )
    if not values:
        raise TermsError(f"a dated change of employee {employee.code} needs at least one of {', '.join(TERM_FIELDS)}")
    checked: dict[str, Any] = {}
    for key, value in values.items():
        where = f"employee {employee.code}: {key}"
        if key in _MONEY:
            if value is None and key in ("monthly_salary_fen", "hourly_rate_fen", "si_base_fen"):
                checked[key] = None
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TERMS_FEN:
                raise TermsError(
                    f"{where} = {value!r}: give whole fen 0..{MAX_TERMS_FEN} (9500.00 yuan = 950000)",
                    zh=f"员工 {employee.code}：{key} = {value!r}："
                    f"请填写 0 到 {MAX_TERMS_FEN} 的整数分（9500.00 元 = 950000）",
                )
        elif key == "pay_basis":
            if value not in ("monthly", "hourly", "piece"):
                raise TermsError(f"{where} = {value!r}: use monthly, hourly or piece")
        elif key == "office":
            if not isinstance(value, str) or session.scalar(select(Office.id).where(Office.name == value)) is None:
                known = ", ".join(repr(n) for n in session.scalars(select(Office.name).order_by(Office.name)))
                raise TermsError(
                    f"{where}: no office named {value!r}: offices are {known or 'none'}",
                    zh=f"员工 {employee.code}：{key}：没有名为 {value!r} 的办公地点：现有办公地点为 {known or '无'}",
                )
        elif key == "working_time_system":
            if value not in SYSTEMS:
                raise TermsError(f"{where} = {value!r}: use {', '.join(SYSTEMS)}")
        elif key == "wts_period":
            if value is not None and value not in PERIODS:
                raise TermsError(f"{where} = {value!r}: use {', '.join(PERIODS)}, or null")
        elif key == "department":
            if value is not None and (
                not isinstance(value, str)
                or session.scalar(select(Department.id).where(Department.code == value)) is None
            ):
                raise TermsError(
                    f"{where}: no department with code {value!r}; create it or give an existing code",
                    zh=f"员工 {employee.code}：{key}：没有编码为 {value!r} 的部门；请先创建，或填写已有的部门编码",
                )
        elif value is not None:  # shift_rule, si_city, entity, wts_approval_no: optional text
            if not isinstance(value, str) or not 1 <= len(value) <= 100:
                raise TermsError(f"{where} = {value!r}: give 1 to 100 characters, or null")
            try:
                check_name(value)
            except ValueError as exc:
                raise TermsError(f"{where}: {exc}") from None
        checked[key] = value
    return checked


def _check_day(session: Session, employee: Employee, day: date) -> None:
    problem = year_problem(day.year)
    if problem is not None:
        raise TermsError(f"employee {employee.code}: effective_from {day}: {problem}")
    if employee.hired_on is not None and day < employee.hired_on:
        raise TermsError(
            f"employee {employee.code} was hired on {employee.hired_on}: a change cannot take effect on {day}, "
            "before hiring; give a day on or after the hiring day",
            zh=f"员工 {employee.code} 的入职日期为 {employee.hired_on}：变动不能在入职前的 {day} 生效；"
            "请填写入职日期当天或之后的日期",
        )
    locked = session.execute(
        select(PayRun.id, PayRun.period, PayRun.scope)
        .join(Payslip, Payslip.payrun_id == PayRun.id)
        .where(Payslip.employee_id == employee.id, PayRun.status == RUN_LOCKED, PayRun.period >= f"{day:%Y-%m}")
        .order_by(PayRun.period.desc())
        .limit(1)
    ).first()
    if locked is not None:
        raise TermsError(
            f"employee {employee.code}: a change from {day} would alter {locked.period}, which locked pay run "
            f"{locked.id} (scope {locked.scope!r}) paid; a locked run never changes: date the change in the month "
            f"after {locked.period}, and pay what is owed for the past as a correction in that month's run",
            zh=f"员工 {employee.code}：自 {day} 起的变动会改动 {locked.period}，而该月已由已锁定的工资核算 {locked.id}"
            f"（范围 {locked.scope!r}）发放；已锁定的工资月份不能再改动：请把生效日期定在 {locked.period} 之后的月份，"
            "过去应补的款项在该月工资核算中作为更正发放",
        )


def _check_whole(session: Session, employee: Employee, day: date, values: Mapping[str, Any]) -> None:
    """The terms the change makes, on its first day, must be payable: the salary of the basis, a shift of the office."""
    terms = {**terms_as_of(session, employee, day), **values}
    needed = {"monthly": "monthly_salary_fen", "hourly": "hourly_rate_fen"}.get(terms["pay_basis"])
    if needed is not None and terms.get(needed) is None:
        raise TermsError(
            f"employee {employee.code}: from {day} the pay basis is {terms['pay_basis']} but {needed} is not set; "
            f"give {needed} in the same change"
        )
    problem = system_problem(terms["working_time_system"], terms["wts_period"], terms["wts_approval_no"])
    if problem is not None:
        raise TermsError(
            f"employee {employee.code}, from {day}: {problem}", zh=f"员工 {employee.code}，自 {day} 起：{problem.zh}"
        )
    if terms.get("shift_rule") is not None and terms.get("office") is not None:
        office = session.scalar(select(Office).where(Office.name == terms["office"]))
        try:
            check_employee_shift(office, terms["shift_rule"])  # type: ignore[arg-type]
        except AttendanceError as exc:
            raise TermsError(f"employee {employee.code}, from {day}: {exc}") from None


def _dumps(values: Mapping[str, Any]) -> str:
    return json.dumps(dict(values), ensure_ascii=False, sort_keys=True)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def open_terms(session: Session, employee: Employee, actor: str, reason: str) -> EmployeeTerms | None:
    """The employee's opening record (every field, from `hired_on`), written when they have none yet."""
    if session.scalar(select(EmployeeTerms.id).where(EmployeeTerms.employee_id == employee.id).limit(1)) is not None:
        return None
    record = EmployeeTerms(
        employee_id=employee.id,
        effective_from=employee.hired_on or OPENING_DAY,
        values_json=_dumps({k: v for k, v in columns_of(session, employee).items() if k != "department"}),
        reason=reason,
        created_by=actor,
        created_at=_now(),
    )
    session.add(record)
    session.flush()
    return record


def change_terms(
    session: Session,
    employee: Employee,
    effective_from: date,
    values: Mapping[str, Any],
    reason: str,
    actor: str,
    *,
    today: date | None = None,
) -> EmployeeTerms:
    """A new dated record "from `effective_from` on, `values`", audited as `employee.change`."""
    checked = check_values(session, employee, values)
    reason = _reason(employee, reason)
    _check_day(session, employee, effective_from)
    _check_whole(session, employee, effective_from, checked)
    open_terms(session, employee, actor, "terms held before the first dated change")
    if "department" in checked:
        _pin_department(session, employee, actor, today)
    before = terms_as_of(session, employee, effective_from)
    record = EmployeeTerms(
        employee_id=employee.id,
        effective_from=effective_from,
        values_json=_dumps(checked),
        reason=reason,
        created_by=actor,
        created_at=_now(),
    )
    session.add(record)
    session.flush()
    sync_current(session, employee, today)
    append_audit(
        session,
        actor,
        "employee.change",
        f"employee:{employee.code}",
        {"effective_from": effective_from.isoformat(), "terms": before},
        {
            "effective_from": effective_from.isoformat(),
            "record": record.id,
            "terms": terms_as_of(session, employee, effective_from),
            "reason": reason,
        },
    )
    return record


def _pin_department(session: Session, employee: Employee, actor: str, today: date | None) -> None:
    """Before the first record that sets `department`, the row's department goes into the first record in force (a
    correction, like an edit's: not refused in a locked month, a department pays nothing). The opening record leaves
    the department out (it was the members endpoint's alone), and the row is rewritten by `sync_current`: without
    this, every day before the move would read as the new department."""
    mine = records_in_force(session, [employee.id])[employee.id]
    if any("department" in json.loads(r.values_json) for r in mine):
        return
    code = session.scalar(select(Department.code).where(Department.id == employee.department_id))
    correct_terms(session, employee, mine[0].id, {"department": code},
                  "the department held before its first dated change", actor, today=today, from_edit=True)  # fmt: skip


def correct_terms(
    session: Session,
    employee: Employee,
    record_id: int,
    values: Mapping[str, Any],
    reason: str,
    actor: str,
    *,
    effective_from: date | None = None,
    today: date | None = None,
    from_edit: bool = False,
) -> EmployeeTerms:
    """Replace record `record_id` by a new one holding its values updated by `values` (and its day, or
    `effective_from`); the old one stays, superseded. Audited as `employee.terms_correct`, except `from_edit` (the
    correction an edit of the `employees` row makes: not refused in a locked month, and its `employee.edit` audit
    row records the values, see `correct_in_force`)."""
    old = session.get(EmployeeTerms, record_id)
    if old is None or old.employee_id != employee.id:
        raise TermsError(
            f"employee {employee.code} has no terms record {record_id}: see GET …/history for the ids",
            zh=f"员工 {employee.code} 没有编号为 {record_id} 的薪资条件记录：编号见 GET …/history",
        )
    if session.scalar(select(EmployeeTerms.id).where(EmployeeTerms.corrects_id == record_id)) is not None:
        raise TermsError(
            f"terms record {record_id} of employee {employee.code} was already corrected: correct the record that "
            "replaced it (see GET …/history)",
            zh=f"员工 {employee.code} 的薪资条件记录 {record_id} 已被更正：请更正取代它的那条记录（见 GET …/history）",
        )
    checked = check_values(session, employee, values) if values else {}
    reason = _reason(employee, reason)
    day = effective_from or old.effective_from
    if not from_edit:
        _check_day(session, employee, min(day, old.effective_from))
    record = EmployeeTerms(
        employee_id=employee.id,
        effective_from=day,
        values_json=_dumps({**json.loads(old.values_json), **checked}),
        reason=reason,
        corrects_id=old.id,
        created_by=actor,
        created_at=_now(),
    )
    session.add(record)
    session.flush()
    sync_current(session, employee, today)
    if from_edit:
        return record
    append_audit(
        session,
        actor,
        "employee.terms_correct",
        f"employee:{employee.code}",
        {"record": old.id, "effective_from": old.effective_from.isoformat(), "values": json.loads(old.values_json)},
        {"record": record.id, "effective_from": day.isoformat(), "values": json.loads(record.values_json),
         "reason": reason},
    )  # fmt: skip
    return record


def correct_in_force(
    session: Session, employee: Employee, before: Mapping[str, Any], actor: str, *, today: date | None = None
) -> EmployeeTerms | None:
    """After an edit of the `employees` row (PATCH, the employee sheet): the term fields it changed correct the
    record in force today, so the dated records and the row agree. None when nothing dated changed or the
    employee has no records (their terms are the row). Not refused inside a locked month: a locked run keeps
    its payslips whatever the records say; the edit is a correction of what was entered, and its audit row is the
    edit's own `employee.edit` (before and after), so an edit stays one audit row."""
    if session.scalar(select(EmployeeTerms.id).where(EmployeeTerms.employee_id == employee.id).limit(1)) is None:
        return None
    now = columns_of(session, employee)
    changed = {key: now[key] for key in (*_MIRRORED, "office") if before.get(key) != now[key]}
    if not changed:
        return None
    day = today or today_of(session, employee)
    mine = records_in_force(session, [employee.id])[employee.id]
    in_force = [r for r in mine if r.effective_from <= day] or mine[:1]
    return correct_terms(
        session,
        employee,
        in_force[-1].id,
        changed,
        "edited on the employee record (PATCH /employees or the employee sheet)",
        actor,
        today=day,
        from_edit=True,
    )


def sync_current(session: Session, employee: Employee, today: date | None = None) -> None:
    """Write the terms in force today into the `employees` columns (see the module doc)."""
    terms = terms_as_of(session, employee, today or today_of(session, employee))
    for key in _MIRRORED:
        setattr(employee, key, terms[key])
    office = session.scalar(select(Office).where(Office.name == terms["office"])) if terms["office"] else None
    employee.office_id = office.id if office is not None else None
    day = today or today_of(session, employee)
    dated = [r for r in records_in_force(session, [employee.id])[employee.id] if r.effective_from <= day]
    if any("department" in json.loads(r.values_json) for r in dated):  # else the members endpoint's alone
        code = terms["department"]
        department = session.scalar(select(Department).where(Department.code == code)) if code else None
        employee.department_id = department.id if department is not None else None
    session.flush()


def _reason(employee: Employee, reason: str) -> str:
    text = reason.strip()
    if not text:
        raise TermsError(
            f"a change of employee {employee.code} needs a reason (e.g. 调薪 2026年度, 调动 上海→东莞)",
            zh=f"员工 {employee.code} 的变动需要填写原因（如 调薪 2026年度、调动 上海→东莞）",
        )
    try:
        return check_name(text)
    except ValueError as exc:
        raise TermsError(f"employee {employee.code}: reason: {exc}") from None
