"""Pay runs: create for a period and scope → compute → review → lock.

- A run covers one period (``YYYY-MM``) and one scope: an office's name, or ``all`` offices. Two runs
  may not cover the same employee-month, so ``all`` excludes every office run of that period.
- Computing assembles attendance from the stored punches (`gateway.pay.attendance`), adds salaries, piece
  records and year-to-date figures, and pays everyone in one `payroll_core.pipeline.compute` call.
  The payslips (every output column, the inputs, the attendance and the explanation lines) replace
  the run's previous ones; the run records the pay rule version used and, on a recompute, what
  changed (employee, field, old, new).
- IIT is withheld cumulatively, so year-to-date income, SI/HF, deductions and tax come from the
  employee's earlier LOCKED runs of the same year: a draft is never a basis for another month. A company
  that starts with punchclock in the middle of a tax year imports each employee's opening balance
  (`gateway.pay.opening_balances`): it covers the year's months through its `through_period` and is added
  to the locked runs' sums; a run for a month the opening balance covers is refused.
- What HR enters per employee-month (`gateway.pay.month_inputs`: the annual bonus and its taxation,
  severance with the final month, damages) and per employee (housing-fund rate, part-time) become the
  pipeline's input columns; the separate bonus taxation is once per tax year, severance needs the hire
  and leave dates, and its monthly wage is entered or the average of the locked runs of the 12 months before.
- A leaver's run (the month of `left_on`) pays the final settlement: pay to the last day (`employed_days`), the
  unused annual leave of the ledger at 200 % (`gateway.pay.final_settlement`) and severance as entered.
- A locked run is immutable: computing it again is refused (`PayRunLocked`); pay corrections go into
  a later month's run. Locking takes a snapshot into each payslip (employee code, name, office, bank
  account as stored) with its keyed digest, in one UPDATE of each, writes the run's digest
  (`gateway.access.integrity`) into the lock's audit row, and is refused while `gateway.pay.lock_checks`
  warns of something the request did not acknowledge. Database triggers refuse any later change to the run's rows.
- State transitions are serialized by the database, not decided in Python: compute and lock begin
  with `_claim`, a conditional UPDATE of the run's row whose WHERE names the states the step may start
  from. It takes the row's write lock (PostgreSQL row lock; SQLite's database write lock) for the rest
  of the transaction, and its row count is the decision: a compute that loses the race against a lock
  finds no row to claim and is refused, and a lock waits for a compute in flight and then locks exactly
  what it wrote.

Every function works inside the caller's session and transaction, and writes its audit row there,
so the change and its audit row commit together or not at all.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import Select, Table, delete, select, update
from sqlalchemy.orm import Session

from gateway.access.anchors import Anchor, pending_anchor
from gateway.access.audit import append_audit
from gateway.access.integrity import SNAPSHOT_FIELDS, SlipContent, payrun_digest, run_contents, slip_digest
from gateway.access.keys import keys_of
from gateway.errors import GatewayError
from gateway.notify.outbox import payslips_released
from gateway.pay.attendance import AttendanceError, MonthAttendance, month_attendance, parse_period
from gateway.pay.final_settlement import SettlementInputError, settlement_columns
from gateway.pay.gc_pause import with_gc_paused
from gateway.pay.id_chunks import by_id_chunks
from gateway.pay.leave_days import leave_columns
from gateway.pay.lock_checks import WARNING_CODES, LockWarning, lock_flags, lock_warnings
from gateway.pay.month_inputs import separate_bonuses_taken
from gateway.pay.month_terms import MonthTermsError, entity_filter, month_terms
from gateway.pay.payslip_lines import StoredLine, lines_text, stored_lines
from gateway.pay.stored_json import int_objects
from gateway.store import (
    RUN_COMPUTED,
    RUN_DRAFT,
    RUN_LOCKED,
    SCOPE_ALL,
    BankAccount,
    Department,
    Employee,
    Office,
    OpeningBalance,
    PayMonthInput,
    PayRun,
    Payslip,
    PayslipLine,
    PieceRecord,
)
from payroll_core.columns import INPUT_COLUMNS, OUTPUT_COLUMNS, EmployeeMonthColumns, PayResult, PieceColumns
from payroll_core.errors import PayrollCoreError
from payroll_core.lines import lines_of_rows
from payroll_core.money import MoneyError, parse_fraction, round_half_up_div
from payroll_core.pay import BONUS_METHODS, PAY_BASES
from payroll_core.pipeline import compute
from payroll_core.rules import Rules, load_rules
from payroll_core.settlement import service_for_severance

#: Attendance summary keys the pay pipeline takes as they are.
_ATTENDANCE_INPUTS = (
    "scheduled_days",
    "employed_days",
    "absent_days",
    "absent_half_days",
    "worked_minutes",
    "late_minutes",
    "ot_workday_minutes",
    "ot_restday_minutes",
    "ot_holiday_minutes",
)
_YTD_COLUMNS = (
    "ytd_months",
    "ytd_income_fen",
    "ytd_si_hf_fen",
    "ytd_special_deductions_fen",
    "ytd_other_deductions_fen",
    "ytd_tax_withheld_fen",
)


class PayRunError(GatewayError):
    """A pay run operation that cannot be done as asked."""


class PayRunNotFound(PayRunError):
    pass


_STATUS_ZH = {"draft": "草稿", "computed": "已计算", "locked": "已锁定"}  # a run's status in a Chinese refusal


class PayRunConflict(PayRunError):
    """The run's state forbids the operation (not computed yet, overlapping scope, ...)."""


class PayRunLocked(PayRunConflict):
    """The run is locked and therefore immutable."""


class PayRunInputError(PayRunError):
    """The data a run needs is missing or wrong (salary, office rules, period); the message says which."""


class PayRunWarnings(PayRunConflict):
    """The lock is refused: `warnings` hold what the request did not acknowledge."""

    def __init__(self, run: PayRun, warnings: list[LockWarning]) -> None:
        self.warnings = warnings
        codes = ", ".join(f'"{w.code}"' for w in warnings)
        super().__init__(
            f"pay run {run.id} ({run.period}, scope {run.scope!r}) is not locked: "
            + "; ".join(w.message for w in warnings)
            + f". Fix these, or lock with acknowledge: [{codes}] to lock anyway (recorded in the audit log)",
            zh=f"工资核算 {run.id}（{run.period}，范围 {run.scope!r}）未锁定：有 {len(warnings)} 项警告（{codes}），"
            f"详见 warnings；请先处理，或以 acknowledge: [{codes}] 确认后锁定（记入审计日志）",
        )


@dataclass(frozen=True)
class LockResult:
    run: PayRun
    digest: str
    acknowledged: list[LockWarning]
    anchor: Anchor | None


@dataclass(frozen=True)
class Change:
    """One difference between two computations: `old` None = new payslip, `new` None = payslip gone."""

    employee: str
    field: str
    old: int | None
    new: int | None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _describe(run: PayRun) -> dict[str, object]:
    return {
        "id": run.id,
        "period": run.period,
        "scope": run.scope,
        "status": run.status,
        "rules_version": run.rules_version,
        "gross_total_fen": run.gross_total_fen,
        "net_total_fen": run.net_total_fen,
    }


def get_payrun(session: Session, run_id: int) -> PayRun:
    run = session.get(PayRun, run_id)
    if run is None:
        raise PayRunNotFound(f"no pay run with id {run_id}; list the runs with GET /api/v1/payruns")
    return run


def create_payrun(session: Session, period: str, scope: str, actor: str) -> PayRun:
    """A draft run for `period` and `scope` (an office name or "all")."""
    try:
        parse_period(period)
    except AttendanceError as exc:
        raise PayRunInputError(str(exc)) from None
    office_id = None
    if scope != SCOPE_ALL:
        office = session.scalar(select(Office).where(Office.name == scope))
        if office is None:
            known = ", ".join(repr(n) for n in session.scalars(select(Office.name).order_by(Office.name)))
            raise PayRunInputError(
                f"scope {scope!r} is neither {SCOPE_ALL!r} nor an office name; offices: {known or 'none'}"
            )
        office_id = office.id
    for other in session.scalars(select(PayRun).where(PayRun.period == period)):
        if SCOPE_ALL in (other.scope, scope) or other.scope == scope:
            raise PayRunConflict(
                f"pay run {other.id} ({period}, scope {other.scope!r}, {other.status}) already covers these "
                f"employees for {period}; compute that run instead of creating another",
                zh=f"工资核算 {other.id}（{period}，范围 {other.scope!r}，"
                f"{_STATUS_ZH.get(other.status, other.status)}）"
                f"已包含这些员工的 {period} 工资：请计算那一次核算，不要再新建",
            )
    run = PayRun(
        period=period,
        scope=scope,
        office_id=office_id,
        status=RUN_DRAFT,
        rules_version="",
        created_at=_now(),
        created_by=actor,
        gross_total_fen=0,
        net_total_fen=0,
        last_diff_json="[]",
    )
    session.add(run)
    session.flush()
    append_audit(session, actor, "payrun.create", f"payrun/{run.id}", None, _describe(run))
    return run


def _claim(session: Session, run_id: int, allowed: tuple[str, ...]) -> PayRun | None:
    """Take the run's row for this transaction if its status is one of `allowed` (see the module doc).

    The no-op `status = status` write is what takes the lock; the UPDATE's row count decides. Returns
    the run re-read under the lock, or None when its status is not allowed (the caller says why).
    """
    claimed = session.execute(
        update(PayRun)
        .where(PayRun.id == run_id, PayRun.status.in_(allowed))
        .values(status=PayRun.status)
        .execution_options(synchronize_session=False)
    )
    run = session.get(PayRun, run_id, populate_existing=True)
    return run if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def _locked_message(run: PayRun) -> str:
    return (
        f"pay run {run.id} ({run.period}, scope {run.scope!r}) was locked at {run.locked_at:%Y-%m-%d %H:%M} UTC "
        f"by {run.locked_by}; a locked run is immutable, so pay any correction in a later month's run"
    )


@with_gc_paused  # the run's millions of short-lived objects, without collections walking them (`gc_pause`)
def compute_payrun(session: Session, run_id: int, actor: str) -> list[Change]:
    """(Re)compute the run's payslips; returns what changed against the previous computation."""
    get_payrun(session, run_id)
    run = _claim(session, run_id, (RUN_DRAFT, RUN_COMPUTED))
    if run is None:
        locked = get_payrun(session, run_id)
        raise PayRunLocked(
            _locked_message(locked),
            zh=f"工资核算 {locked.id}（{locked.period}，范围 {locked.scope!r}）"
            f"已于 {locked.locked_at:%Y-%m-%d %H:%M} UTC 由 {locked.locked_by} 锁定；"
            "已锁定的工资核算不能再改动，更正请在之后月份的工资核算中发放",
        )
    before = _describe(run)
    office = session.get(Office, run.office_id) if run.office_id is not None else None
    try:
        attendance = month_attendance(session, parse_period(run.period), office)
    except AttendanceError as exc:
        raise PayRunInputError(f"pay run {run.id}: {exc}") from None
    if not attendance.employees:
        raise PayRunInputError(
            f"pay run {run.id}: no employee of {'any office' if office is None else repr(office.name)} is employed "
            f"in {run.period}; add employees (with an office, hired_on/left_on) first"
        )
    result = _pay(session, run, attendance)
    old = dict(_stored_figures(session, run.id))
    session.execute(  # the lines of a run computed before migration 0040, as rows
        delete(PayslipLine).where(PayslipLine.payslip_id.in_(select(Payslip.id).where(Payslip.payrun_id == run.id)))
    )
    session.execute(delete(Payslip).where(Payslip.payrun_id == run.id))
    _store_payslips(session, run, attendance, result)
    if run.status == RUN_DRAFT:
        changes = []
    else:
        changes = diff_figures(old, {e.code: result.row(i) for i, e in enumerate(attendance.employees)})
    run.status = RUN_COMPUTED
    run.rules_version = result.rules_version
    run.computed_at = _now()
    run.gross_total_fen = int(result.gross_fen.sum())
    run.net_total_fen = int(result.net_fen.sum())
    run.last_diff_json = json.dumps([asdict(c) for c in changes])
    session.flush()
    append_audit(
        session,
        actor,
        "payrun.compute",
        f"payrun/{run.id}",
        before,
        {**_describe(run), "payslips": len(attendance.employees), "changes": len(changes)},
    )
    return changes


@with_gc_paused
def lock_payrun(session: Session, run_id: int, actor: str, acknowledge: Iterable[str] = ()) -> LockResult:
    """Lock a computed run: check the warnings, snapshot, digest, then mark it locked (see the module doc).

    `acknowledge` names the warning codes (`lock_checks.WARNING_CODES`) the caller has looked at and
    accepts; any other warning refuses the lock with `PayRunWarnings`.
    """
    acknowledged_codes = set(acknowledge)
    unknown = sorted(acknowledged_codes - set(WARNING_CODES))
    if unknown:
        raise PayRunInputError(f"unknown warning code(s) {', '.join(map(repr, unknown))}; codes are "
                               f"{', '.join(WARNING_CODES)}")  # fmt: skip
    current = get_payrun(session, run_id)
    run = _claim(session, run_id, (RUN_COMPUTED,))
    if run is None:
        if current.status == RUN_LOCKED:  # re-read under the claim's lock
            raise PayRunLocked(
                f"pay run {run_id} ({current.period}, scope {current.scope!r}) is already locked",
                zh=f"工资核算 {run_id}（{current.period}，范围 {current.scope!r}）已锁定",
            )
        raise PayRunConflict(
            f"pay run {run_id} ({current.period}) has not been computed; compute and review it before locking",
            zh=f"工资核算 {run_id}（{current.period}）尚未计算：请先计算并复核，再锁定",
        )
    warnings = lock_warnings(session, run, _now())
    refused = [w for w in warnings if w.code not in acknowledged_codes]
    if refused:
        raise PayRunWarnings(run, refused)
    before = _describe(run)
    key = keys_of(session).audit_key
    source = _snapshot_source(run)
    digests: dict[int, str] = {}
    for chunk in run_contents(session, run):  # each payslip read once: its snapshot taken and sealed
        taken = _snapshots(session, run, source, chunk[0][0].id, chunk[-1][0].id)
        snapped = [(slip._replace(**taken[slip.employee_id]), lines) for slip, lines in chunk]
        sealed = {slip.id: slip_digest(key, slip, lines) for slip, lines in snapped}
        _write_seals(session, [slip for slip, _lines in snapped], sealed)
        digests.update(sealed)
    run.digest = payrun_digest(key, run, list(digests.items()))
    run.status, run.locked_at, run.locked_by = RUN_LOCKED, _now(), actor
    session.flush()
    after = {
        **_describe(run),
        "payslips": len(digests),
        "digest": run.digest,
        "acknowledged": [w.as_dict() for w in warnings],
    }
    row = append_audit(session, actor, "payrun.lock", f"payrun/{run.id}", before, after)
    payslips_released(session, run)
    return LockResult(run, run.digest, warnings, pending_anchor(session, row.seq))


def _write_seals(session: Session, slips: list[SlipContent], digests: dict[int, str]) -> None:
    """Each payslip's snapshot (`SNAPSHOT_FIELDS` of `slips`) and its digest, in one rewrite of each payslip row.

    SQLite: one UPDATE by id, executemany. PostgreSQL: one UPDATE … FROM unnest of the chunk's columns, as an
    UPDATE per payslip cost the server twice the work of the update itself (3.7 s against 1.7 for 100,000).
    """
    columns = [[slip.id for slip in slips], [digests[slip.id] for slip in slips]]
    columns += [[getattr(slip, field) for slip in slips] for field in SNAPSHOT_FIELDS]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        names = ", ".join(SNAPSHOT_FIELDS)
        connection.exec_driver_sql(
            f"UPDATE payslips AS p SET digest = v.digest, {', '.join(f'{n} = v.{n}' for n in SNAPSHOT_FIELDS)} "
            f"FROM unnest(%s::integer[], {', '.join(['%s::text[]'] * (1 + len(SNAPSHOT_FIELDS)))}) "
            f"AS v(id, digest, {names}) WHERE p.id = v.id",
            tuple(columns),
        )
        return
    connection.exec_driver_sql(
        f"UPDATE payslips SET digest = ?, {', '.join(f'{n} = ?' for n in SNAPSHOT_FIELDS)} WHERE id = ?",
        [(*row[1:], row[0]) for row in zip(*columns, strict=True)],
    )


def _snapshot_source(run: PayRun) -> Select[Any]:
    """Each employee's id, then what a payslip of `run` copies at lock (`SNAPSHOT_FIELDS`, by those names): who was
    paid, where (office, department), into which account and under which ID, as of now.

    The employees outer-joined to their department, office and bank account (an employee may lack the first and
    the last): one pass, not a lookup of the payslip's employee per field. Sealed numbers are copied as they are
    stored: the vault opens a copy with the original's context.
    """
    employees, accounts = cast(Table, Employee.__table__), cast(Table, BankAccount.__table__)
    departments, offices = cast(Table, Department.__table__), cast(Table, Office.__table__)
    employee, account = employees.c, accounts.c
    paying_office = (  # an office's run: that office paid the month, even for someone who has moved since
        offices.c.name
        if run.office_id is None
        else select(offices.c.name).where(offices.c.id == run.office_id).scalar_subquery()
    )
    query = (
        select(
            employee.id,
            employee.code.label("employee_code"),
            employee.name.label("employee_name"),
            paying_office.label("office_name"),
            departments.c.name.label("department_name"),  # at the lock, by name (the pay sheet's 部门)
            account.bank_name,
            account.account_name,
            account.account_no,  # sealed: copied, never opened
            employee.id_type,
            employee.id_number,  # sealed likewise
        )
        .select_from(employees)
        .outerjoin(departments, departments.c.id == employee.department_id)
        .outerjoin(accounts, account.employee_id == employee.id)
    )
    if run.office_id is None:  # the employee's own office; an office's run names it once, above
        query = query.outerjoin(offices, offices.c.id == employee.office_id)
    return query


def _snapshots(session: Session, run: PayRun, source: Select[Any], first: int, last: int) -> dict[int, dict[str, Any]]:
    """`source`'s snapshot of the employees of `run`'s payslips `first`..`last` (ids), by employee id."""
    slips = cast(Table, Payslip.__table__)
    chunk = select(slips.c.employee_id).where(slips.c.payrun_id == run.id, slips.c.id.between(first, last))
    rows = session.execute(source.where(source.selected_columns.id.in_(chunk))).all()
    return {row.id: {f: getattr(row, f) for f in SNAPSHOT_FIELDS} for row in rows}


def run_payroll(
    session: Session, period: str, scope: str, actor: str, *, lock: bool = False, acknowledge: Iterable[str] = ()
) -> tuple[PayRun, list[Change]]:
    """Create (or reuse the unlocked run of) `period`/`scope`, compute it and optionally lock it."""
    run = session.scalar(select(PayRun).where(PayRun.period == period, PayRun.scope == scope))
    if run is None:
        run = create_payrun(session, period, scope, actor)
    changes = compute_payrun(session, run.id, actor)
    if lock:
        lock_payrun(session, run.id, actor, acknowledge)
    return run, changes


def diff_figures(old: dict[str, dict[str, int]], new: dict[str, dict[str, int]]) -> list[Change]:
    """Field-by-field differences, by employee code; a payslip that appears or goes away is one net_fen change."""
    changes = []
    for code in sorted(old.keys() | new.keys()):
        if code not in old or code not in new:
            changes.append(Change(code, "net_fen", old.get(code, {}).get("net_fen"), new.get(code, {}).get("net_fen")))
            continue
        changes.extend(
            Change(code, name, old[code][name], new[code][name])
            for name in OUTPUT_COLUMNS
            if old[code].get(name) != new[code][name]
        )
    return changes


def payslips_of(session: Session, run_id: int) -> list[tuple[Payslip, Employee]]:
    """The run's payslips with their employees, ordered by employee code."""
    rows = session.execute(
        select(Payslip, Employee)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(Payslip.payrun_id == run_id)
        .order_by(Employee.code)
    )
    return [(slip, emp) for slip, emp in rows]


def lines_of(session: Session, payslip_id: int) -> list[StoredLine]:
    return stored_lines(session, [payslip_id])[payslip_id]


# --- computing ----------------------------------------------------------------------------------


def _pay(session: Session, run: PayRun, attendance: MonthAttendance) -> PayResult:
    employees = attendance.employees
    offices = {o.name: o for o in session.scalars(select(Office))}
    try:
        terms = month_terms(session, attendance)
    except (MonthTermsError, PayrollCoreError) as exc:
        raise PayRunInputError(f"pay run {run.id} ({run.period}): {exc}") from None
    # SI/HF follow the city of the contribution day's terms (one city per month, see gateway.pay.month_terms)
    cities = [t["si_city"] or offices[t["office"]].city for t in terms.on_contribution_day]
    try:
        rules = load_rules(run.period, sorted(set(cities)))
        inputs = _inputs(session, run, attendance, rules, cities, terms.on_contribution_day)
        leave = [attendance.leave.taken(i) for i in range(len(employees))] if attendance.leave else None
        return compute(
            inputs,
            rules,
            _pieces(session, run.period, employees),
            ids=[e.code for e in employees],
            leave=leave,
            segments=terms.segments,
        )
    except PayrollCoreError as exc:
        raise PayRunInputError(f"pay run {run.id} ({run.period}): {exc}") from None


def _inputs(
    session: Session,
    run: PayRun,
    attendance: MonthAttendance,
    rules: Rules,
    cities: list[str],
    terms: list[dict[str, Any]],
) -> EmployeeMonthColumns:
    """The pipeline's columns; pay basis, rates, special deductions and SI base from `terms` (each employee's terms
    on the month's contribution day: `gateway.pay.month_terms`), not from today's `employees` row."""
    employees = attendance.employees
    for e, t in zip(employees, terms, strict=True):
        needed = {"monthly": "monthly_salary_fen", "hourly": "hourly_rate_fen"}.get(t["pay_basis"])
        if needed and t[needed] is None:
            raise PayRunInputError(
                f"employee {e.code} ({e.name}) is paid {t['pay_basis']} but has no {needed}; set it first"
            )
    ytd = _year_to_date(session, run, [e.id for e in employees], [t["entity"] for t in terms])
    columns: dict[str, object] = {key: attendance.summary[key] for key in _ATTENDANCE_INPUTS}
    columns.update(
        city=np.array([rules.city_index(c) for c in cities]),
        pay_basis=np.array([PAY_BASES[t["pay_basis"]] for t in terms]),
        monthly_salary_fen=np.array([t["monthly_salary_fen"] or 0 for t in terms]),
        hourly_rate_fen=np.array([t["hourly_rate_fen"] or 0 for t in terms]),
        special_deductions_fen=np.array([t["special_deductions_fen"] for t in terms]),
        si_base_fen=np.array([-1 if t["si_base_fen"] is None else t["si_base_fen"] for t in terms]),
        part_time=np.array([int(e.part_time) for e in employees]),
        **{name: np.array([ytd[e.id][name] for e in employees]) for name in _YTD_COLUMNS},
        **_housing_fund_rates(employees),
        **_month_columns(session, run, employees),
        **leave_columns(attendance.summary, employees, cities, rules, run.period),
    )
    try:
        columns.update(settlement_columns(session, run.period, employees))
    except SettlementInputError as exc:
        raise PayRunInputError(f"pay run {run.id}: {exc}") from None
    return EmployeeMonthColumns.build(len(employees), **columns)


def _housing_fund_rates(employees: list[Employee]) -> dict[str, np.ndarray]:
    """The employees' own housing-fund rates (`hf_rate_num/den`; den 0 = the city's rate)."""
    rates = []
    for e in employees:
        try:
            rate = parse_fraction(e.hf_rate, f"employee {e.code} hf_rate") if e.hf_rate is not None else None
        except MoneyError as exc:
            raise PayRunInputError(f"{exc}; set it to a decimal such as 0.12") from None
        rates.append((0, 0) if rate is None else (rate.numerator, rate.denominator))
    return {"hf_rate_num": np.array([r[0] for r in rates]), "hf_rate_den": np.array([r[1] for r in rates])}


_MONTH_INPUTS = (
    "bonus_fen",
    "bonus_method",
    "bonus_separate_used",
    "severance_half_months",
    "severance_base_fen",
    "damages_fen",
)


def _month_columns(session: Session, run: PayRun, employees: list[Employee]) -> dict[str, np.ndarray]:
    """The employee-month inputs HR entered for the run's period, as pipeline columns (see the module doc)."""
    entries = {
        entry.employee_id: entry
        for entry in by_id_chunks(
            (e.id for e in employees),
            lambda ids: session.scalars(
                select(PayMonthInput).where(PayMonthInput.period == run.period, PayMonthInput.employee_id.in_(ids))
            ),
        )
    }
    with_bonus = [employee_id for employee_id, entry in entries.items() if entry.bonus_fen > 0]
    taken_by = separate_bonuses_taken(session, with_bonus, run.period[:4], run.period)
    rows = []
    for e in employees:
        entry = entries.get(e.id)
        if entry is None:
            rows.append((0, BONUS_METHODS["recommended"], 0, 0, 0, 0))
            continue
        used = 0
        if entry.bonus_fen > 0:
            taken = taken_by.get(e.id)
            if taken is not None and entry.bonus_method == "separate":
                raise PayRunInputError(
                    f"pay run {run.id}: employee {e.code} ({e.name}): a bonus of {run.period[:4]} was already taxed "
                    f"separately in {taken}; the separate taxation is once per employee per year: set this month's "
                    "bonus_method to combined or recommended"
                )
            used = int(taken is not None)
        halves, base = _severance(session, run, e, entry) if entry.severance else (0, 0)
        rows.append((entry.bonus_fen, BONUS_METHODS[entry.bonus_method], used, halves, base, entry.damages_fen))
    return {name: np.array([row[k] for row in rows]) for k, name in enumerate(_MONTH_INPUTS)}


def _severance(session: Session, run: PayRun, employee: Employee, entry: PayMonthInput) -> tuple[int, int]:
    """(half months of service, monthly wage) of a leaver's severance, paid with the final month."""
    who = f"pay run {run.id}: employee {employee.code} ({employee.name})"
    if employee.hired_on is None or employee.left_on is None or f"{employee.left_on:%Y-%m}" != run.period:
        raise PayRunInputError(
            f"{who}: severance is paid with the final month, from the years of service: set hired_on, and left_on "
            f"to the last day worked in {run.period} (now hired_on {employee.hired_on}, left_on {employee.left_on})"
        )
    half_months = service_for_severance(employee.hired_on, employee.left_on).half_months
    if entry.severance_base_fen is not None:
        return half_months, entry.severance_base_fen
    year, month = int(run.period[:4]), int(run.period[5:7])
    since = f"{year - 1}-{month:02d}"
    months = [
        json.loads(figures)
        for figures in session.scalars(
            select(Payslip.figures_json)
            .join(PayRun)
            .where(
                PayRun.status == RUN_LOCKED,
                Payslip.employee_id == employee.id,
                PayRun.period >= since,
                PayRun.period < run.period,
            )
        )
    ]
    if not months:
        raise PayRunInputError(
            f"{who}: no locked pay run of the 12 months before {run.period} to average the monthly wage over; enter "
            "severance_base_fen (the average monthly wage of the last 12 months) with the severance"
        )
    total = sum(f["gross_fen"] - f.get("severance_fen", 0) for f in months)
    return half_months, int(round_half_up_div(total, len(months)))


def _year_to_date(
    session: Session, run: PayRun, employee_ids: list[int], entities: list[str | None]
) -> dict[int, dict[str, int]]:
    """Sums over each employee's payslips in LOCKED runs of the same year before `run.period`, plus the opening
    balance of the year (months paid before punchclock); a run for a month an opening balance covers is refused.
    Only months paid by the same employing entity count (`entities`: each employee's this month, from the dated
    terms): cumulative withholding is per withholding agent (国家税务总局公告2018年第61号), so a new entity starts
    the year's sums, and its months, again; a past month's entity is the one in force on its contribution day.

    Income is what the month's cumulative withholding counted (`cumulative_income_fen`: without a bonus taxed
    separately or severance, with the employer's housing fund above 12 %), SI/HF what it deducted
    (`si_hf_deductible_fen`); payslips computed before those columns existed had neither, and their gross and
    SI + HF were exactly that."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_YTD_COLUMNS, 0))
    same_entity = entity_filter(session, employee_ids, entities)
    for balance, code in by_id_chunks(
        employee_ids,
        lambda ids: session.execute(
            select(OpeningBalance, Employee.code)
            .join(Employee, OpeningBalance.employee_id == Employee.id)
            .where(OpeningBalance.tax_year == int(run.period[:4]), OpeningBalance.employee_id.in_(ids))
        ),
    ):
        if not same_entity(balance.employee_id, balance.through_period):
            continue
        if balance.through_period >= run.period:
            raise PayRunInputError(
                f"pay run {run.id} ({run.period}): employee {code} has an opening balance through "
                f"{balance.through_period}: {run.period} was paid before punchclock; pay the months after it"
            )
        t = totals[balance.employee_id]
        t["ytd_months"] += balance.months
        t["ytd_income_fen"] += balance.income_fen
        t["ytd_si_hf_fen"] += balance.si_hf_fen
        t["ytd_special_deductions_fen"] += balance.special_deductions_fen
        t["ytd_other_deductions_fen"] += balance.other_deductions_fen
        t["ytd_tax_withheld_fen"] += balance.tax_withheld_fen
    rows = by_id_chunks(
        employee_ids,
        lambda ids: session.execute(
            select(Payslip.employee_id, Payslip.figures_json, Payslip.inputs_json, PayRun.period)
            .join(PayRun)
            .where(
                PayRun.status == RUN_LOCKED,
                PayRun.period >= f"{run.period[:4]}-01",
                PayRun.period < run.period,
                Payslip.employee_id.in_(ids),
            )
        ),
    )
    for employee_id, figures_json, inputs_json, period in rows:
        if not same_entity(employee_id, period):
            continue
        figures, inputs = json.loads(figures_json), json.loads(inputs_json)
        t = totals[employee_id]
        t["ytd_months"] += 1
        t["ytd_income_fen"] += figures.get("cumulative_income_fen", figures["gross_fen"])
        si_hf = figures["si_employee_fen"] + figures["hf_employee_fen"]
        t["ytd_si_hf_fen"] += figures.get("si_hf_deductible_fen", si_hf)
        t["ytd_special_deductions_fen"] += inputs["special_deductions_fen"]
        t["ytd_other_deductions_fen"] += inputs["other_deductions_fen"]
        t["ytd_tax_withheld_fen"] += figures["iit_fen"]
    return totals


def _pieces(session: Session, period: str, employees: list[Employee]) -> PieceColumns:
    index = {e.id: i for i, e in enumerate(employees)}
    records = sorted(
        by_id_chunks(
            index,
            lambda ids: session.scalars(
                select(PieceRecord).where(PieceRecord.period == period, PieceRecord.employee_id.in_(ids))
            ),
        ),
        key=lambda r: (index[r.employee_id], r.id),
    )
    counts = np.bincount(np.array([index[r.employee_id] for r in records], dtype=np.int64), minlength=len(employees))

    def column(name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in records], dtype=np.int64)

    zeros = np.zeros(len(records), dtype=np.int64)
    return PieceColumns.build(
        offsets=np.concatenate(([0], np.cumsum(counts))),
        qty=column("qty"),
        rejects=column("rejects"),
        unit_fen=column("unit_fen"),
        quota=zeros,
        unit_above_fen=zeros,
        coef_num=column("coef_num"),
        coef_den=column("coef_den"),
    )


def _stored_figures(session: Session, run_id: int) -> list[tuple[str, dict[str, int]]]:
    return [(emp.code, slip.figures) for slip, emp in payslips_of(session, run_id)]


_STORE_CHUNK = 5_000  # employees whose payslips are built and inserted at a time


#: The payslip columns the store writes, in the order of `_insert_payslips`' rows.
_STORED = (
    "payrun_id",
    "employee_id",
    "gross_fen",
    "net_fen",
    "iit_fen",
    "figures_json",
    "inputs_json",
    "attendance_json",
    "lines_json",
    "lock_flags",
)


def _store_payslips(session: Session, run: PayRun, attendance: MonthAttendance, result: PayResult) -> None:
    """Insert the payslips (`_insert_payslips`), each with its lines as one text (`gateway.pay.payslip_lines`),
    `_STORE_CHUNK` employees at a time so a 100,000-employee month never holds all its rows at once. The figures,
    inputs and attendance are `json.dumps`' text byte for byte (`gateway.pay.stored_json`): it is what the
    digests seal."""
    inputs = result.inputs
    assert inputs is not None
    employees = attendance.employees
    given = {name: getattr(inputs, name) for name in INPUT_COLUMNS}
    outputs = {name: getattr(result, name) for name in OUTPUT_COLUMNS}
    gross, net, iit = result.gross_fen.tolist(), result.net_fen.tolist(), result.iit_fen.tolist()
    flags = lock_flags(outputs, attendance.summary).tolist()
    for start in range(0, len(employees), _STORE_CHUNK):
        chunk = range(start, min(start + _STORE_CHUNK, len(employees)))
        texts = zip(
            int_objects(outputs, chunk),
            int_objects(given, chunk),
            int_objects(attendance.summary, chunk),
            map(lines_text, lines_of_rows(result, chunk)),
            strict=True,
        )
        _insert_payslips(
            session,
            [
                (run.id, employees[i].id, gross[i], net[i], iit[i], figures, given_text, days, lines, flags[i])
                for i, (figures, given_text, days, lines) in zip(chunk, texts, strict=True)
            ],
        )


def _insert_payslips(session: Session, rows: list[tuple[object, ...]]) -> None:
    """Payslip rows (`_STORED`) by the driver itself, past SQLAlchemy's per-parameter processing: SQLite's
    executemany, PostgreSQL's COPY (as `gateway.devices.ingest` writes punches)."""
    connection = session.connection()
    columns = ", ".join(_STORED)
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY payslips ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    connection.exec_driver_sql(f"INSERT INTO payslips ({columns}) VALUES ({', '.join('?' * len(_STORED))})", rows)
