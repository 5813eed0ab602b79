"""What HR must look at before a pay run is locked, since a locked run can never be changed.

A lock is refused while any of these holds, unless the request acknowledges the warning's code
(recorded in the lock's audit row):

- `net_not_positive`: a payslip with zero or negative net pay (nothing, or a debt, would be paid);
- `no_punches`: an employee of the run with no punch at all in the period (a terminal not read, a
  badge not mapped, or someone who really did not come);
- `open_quarantine`: punches of the run's offices in the period still in quarantine (unknown badges
  whose hours are missing from someone's pay);
- `stale_terminals`: terminals of the run's offices not read since the period ended (their last
  punches of the month may be missing);
- `no_bank_account`: an employee with positive net pay and no bank account: the locked snapshot would
  hold none, so the bank file could not pay them;
- `changed_since_compute`: what pay is computed from changed after the run was computed — punches of
  the period received, quarantined punches mapped, piece counts imported, the run's employees edited
  (salary, badges, corrections, bank account), their bonus/severance/damages inputs of the month entered
  or opening balances of the year imported — so the payslips HR reviewed are not what the data now
  says: recompute, review, then lock;
- `housing_fund_rate`: a payslip whose housing-fund rate (employee or employer) lies outside the legal
  5–12 % (住房公积金管理条例 art. 18): computed as given, above 12 % taxed (财税〔2006〕10号), but unusual;
- `damages_over_limit`: a damages deduction above what 工资支付暂行规定 art. 16 allows (20 % of the wages, the
  minimum wage kept): capped under the "cap" policy, deducted as entered under "flag_only";
- `overtime_over_limit`: counted overtime beyond 3 hours on a day or 36 hours in the month (劳动法 art. 41), as
  the overtime rule (`gateway.pay.overtime_rule`) stored it in the payslips' attendance: paid as counted, but
  the office answers for the excess. One SQL query over the run's payslips, no loop per employee;
- `consecutive_days`: more than 6 worked days in a row within the month (劳动法 art. 38: a rest day every week),
  from the payslips' attendance (`consecutive_days_max`), likewise one query.

The last four read the payslips' JSON, but only of the payslips the store marked (`payslips.lock_flags`, bits
`FLAGGED_*` from `lock_flags` over the computed columns; -1 on payslips computed before migration 0042): parsing
every payslip's figures and attendance cost a 100,000-employee lock 3.8 s on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import JSON, ColumnElement, Integer, Select, and_, cast, false, func, literal, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session

from gateway.pay.overtime_rule import CONSECUTIVE_DAYS
from gateway.store import (
    AuditLog,
    BankAccount,
    Device,
    Employee,
    Office,
    OpeningBalance,
    PayMonthInput,
    PayRun,
    Payslip,
    PieceRecord,
    Punch,
    Quarantine,
)
from payroll_core.money import fen_to_yuan

#: Bits of `payslips.lock_flags`: the checks a payslip's computed figures and attendance trip.
FLAGGED_HF_RATE, FLAGGED_DAMAGES, FLAGGED_OVERTIME, FLAGGED_CONSECUTIVE = 1, 2, 4, 8


def lock_flags(figures: Mapping[str, np.ndarray], attendance: Mapping[str, np.ndarray]) -> np.ndarray:
    """Each computed payslip's `lock_flags` from its output columns and attendance summary: the conditions the
    checks below test on the stored JSON, so that they read the marked payslips only."""
    overtime = (attendance["ot_days_over_limit"] > 0) | (attendance["ot_minutes_over_month_limit"] > 0)
    return (
        (figures["hf_rate_flag"] != 0) * FLAGGED_HF_RATE
        | (figures["damages_flag"] != 0) * FLAGGED_DAMAGES
        | overtime * FLAGGED_OVERTIME
        | (attendance["consecutive_days_max"] > CONSECUTIVE_DAYS) * FLAGGED_CONSECUTIVE
    ).astype(np.int64)


def _marked(bits: int) -> ColumnElement[bool]:
    """The payslips whose `lock_flags` has one of `bits` (all of them for one computed before migration 0042, -1);
    its `lock_flags <> 0` lets both databases use the partial index of the marked payslips."""
    return and_(Payslip.lock_flags != 0, Payslip.lock_flags.op("&")(bits) != 0)


WARNING_CODES = (
    "net_not_positive",
    "no_punches",
    "open_quarantine",
    "stale_terminals",
    "no_bank_account",
    "changed_since_compute",
    "housing_fund_rate",
    "damages_over_limit",
    "overtime_over_limit",
    "consecutive_days",
)
# Audited changes of an employee (target "employee:CODE") that alter what their payslip is computed from.
_PAY_INPUT_ACTIONS = (
    "employee.edit", "badge.add", "badge.remove", "punch.add", "punch.void", "punch.move",
    "employee.bank_account",
)  # fmt: skip
_SHOWN = 20  # items named per warning; the count says how many there are in all


@dataclass(frozen=True)
class LockWarning:
    code: str
    message: str
    items: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "items": self.items}


def _offices(session: Session, run: PayRun) -> list[Office]:
    query = select(Office).order_by(Office.name)
    if run.office_id is not None:
        query = query.where(Office.id == run.office_id)
    return list(session.scalars(query))


def _utc_bounds(period: str, office: Office) -> tuple[dt.datetime, dt.datetime]:
    """The period's first and next month's first midnight in the office's zone, as naive UTC."""
    year, month = int(period[:4]), int(period[5:7])
    start = dt.datetime(year, month, 1, tzinfo=ZoneInfo(office.timezone))
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=ZoneInfo(office.timezone))
    return tuple(t.astimezone(dt.UTC).replace(tzinfo=None) for t in (start, end))  # type: ignore[return-value]


def _named(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def lock_warnings(session: Session, run: PayRun, now: dt.datetime) -> list[LockWarning]:
    """Every warning that holds for `run` now (`now` is naive UTC)."""
    warnings: list[LockWarning] = []
    slips = session.execute(
        select(Employee.code, Employee.name, Employee.office_id, Payslip.employee_id, Payslip.net_fen)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(Payslip.payrun_id == run.id)
        .order_by(Employee.code)
    ).all()
    negative = [f"{code} {name} ({fen_to_yuan(net)} yuan)" for code, name, _o, _e, net in slips if net <= 0]
    if negative:
        warnings.append(
            LockWarning(
                "net_not_positive",
                f"{len(negative)} payslip(s) with zero or negative net pay: "
                f"{_named(negative)}; the bank file leaves them out",
                negative,
            )
        )
    accounts = set(session.scalars(select(BankAccount.employee_id)))
    unpayable = [f"{code} {name}" for code, name, _o, e, net in slips if net > 0 and e not in accounts]
    if unpayable:
        warnings.append(
            LockWarning(
                "no_bank_account",
                f"{len(unpayable)} employee(s) with net pay but no bank account: {_named(unpayable)}; add their "
                "accounts first, or the bank file leaves them out",
                unpayable,
            )
        )
    offices = _offices(session, run)
    bounds = {office.id: _utc_bounds(run.period, office) for office in offices}
    punched: set[int] = set()
    for office in offices:
        low, high = bounds[office.id]
        punched.update(
            session.scalars(
                select(Punch.employee_id)
                .join(Employee, Punch.employee_id == Employee.id)
                .where(Employee.office_id == office.id, Punch.ts_utc >= low, Punch.ts_utc < high)
                .distinct()
            )
        )
    silent = [f"{code} {name}" for code, name, _o, employee_id, _net in slips if employee_id not in punched]
    if silent:
        warnings.append(
            LockWarning(
                "no_punches",
                f"{len(silent)} employee(s) without a single punch in {run.period}: {_named(silent)}",
                silent,
            )
        )
    open_items = []
    for office in offices:
        low, high = bounds[office.id]
        rows = session.execute(
            select(Punch.pin, func.count())
            .join(Device, Device.sn == Punch.device_sn)
            .where(Device.office_id == office.id, Punch.id.in_(_open_quarantine()))
            .where(Punch.ts_utc >= low, Punch.ts_utc < high)
            .group_by(Punch.pin)
            .order_by(Punch.pin)
        ).all()
        open_items += [f"{office.name}: badge {pin} ({count} punches)" for pin, count in rows]
    if open_items:
        warnings.append(
            LockWarning(
                "open_quarantine",
                f"{len(open_items)} unknown badge(s) with punches of "
                f"{run.period} still in quarantine: {_named(open_items)}; map them to "
                "employees (or dismiss them) first",
                open_items,
            )
        )
    stale = []
    for office in offices:
        _low, high = bounds[office.id]
        for device in session.scalars(select(Device).where(Device.office_id == office.id).order_by(Device.name)):
            if device.last_success_at is None or device.last_success_at < high:
                when = (
                    "never" if device.last_success_at is None else f"last {device.last_success_at:%Y-%m-%d %H:%M} UTC"
                )
                stale.append(f"{device.name} ({office.name}, read {when})")
    if stale and now >= max(high for _low, high in bounds.values()):
        warnings.append(
            LockWarning(
                "stale_terminals",
                f"{len(stale)} terminal(s) not read since {run.period} "
                f"ended: {_named(stale)}; read them (sync) so the month's last punches "
                "are in",
                stale,
            )
        )
    elif stale:
        warnings.append(
            LockWarning(
                "stale_terminals",
                f"{run.period} has not ended yet: the terminals of "
                f"{_named([o.name for o in offices])} can still record punches of it",
                stale,
            )
        )
    warnings += _flagged_payslips(session, run)
    warnings += _overtime_over_limit(session, run)
    warnings += _consecutive_days(session, run)
    changed = _changed_since_compute(session, run, bounds)
    if changed:
        warnings.append(
            LockWarning(
                "changed_since_compute",
                f"the data changed after run {run.id} was computed ({_named(changed)}): recompute it and review "
                "the changes before locking",
                changed,
            )
        )
    return warnings


def _flagged_payslips(session: Session, run: PayRun) -> list[LockWarning]:
    """The payslips the pay rules flagged: a housing-fund rate outside the legal range, damages above the limit."""
    rate, damages = [], []
    figures_of = _json_of(session, Payslip.figures_json)
    rows = session.execute(
        select(Employee.code, Employee.name, Payslip.figures_json, Payslip.inputs_json)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(Payslip.payrun_id == run.id, _marked(FLAGGED_HF_RATE | FLAGGED_DAMAGES))
        .where(
            or_(*(func.coalesce(figures_of[flag].as_integer(), 0) != 0 for flag in ("hf_rate_flag", "damages_flag")))
        )
        .order_by(Employee.code)
    )
    for code, name, figures_json, inputs_json in rows:
        figures = json.loads(figures_json)
        if figures.get("hf_rate_flag"):
            rate.append(f"{code} {name}")
        if figures.get("damages_flag"):
            asked = json.loads(inputs_json)["damages_fen"]
            damages.append(
                f"{code} {name} ({fen_to_yuan(asked)} yuan entered, at most {fen_to_yuan(figures['damages_limit_fen'])}"
                f", {fen_to_yuan(figures['damages_deducted_fen'])} deducted)"
            )
    warnings = []
    if rate:
        warnings.append(
            LockWarning(
                "housing_fund_rate",
                f"{len(rate)} payslip(s) with a housing-fund rate outside the legal 5–12 % "
                f"(住房公积金管理条例 art. 18): {_named(rate)}; check the employees' hf_rate (above 12 % the excess is "
                "taxed as wages)",
                rate,
            )
        )
    if damages:
        warnings.append(
            LockWarning(
                "damages_over_limit",
                f"{len(damages)} damages deduction(s) above 20 % of the wages or below the minimum wage "
                f"(工资支付暂行规定 art. 16): {_named(damages)}",
                damages,
            )
        )
    return warnings


def _attendance_int(session: Session, key: str) -> ColumnElement[int]:
    """`Payslip.attendance_json[key]` as an integer in SQL (0 where a payslip computed before the key has none)."""
    if session.get_bind().dialect.name == "postgresql":
        value = cast(Payslip.attendance_json, JSONB)[key].astext
    else:
        value = func.json_extract(Payslip.attendance_json, f"$.{key}")
    return func.coalesce(cast(value, Integer), 0)


def _clock(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes % 60 else f"{minutes // 60} h"


def _overtime_over_limit(session: Session, run: PayRun) -> list[LockWarning]:
    """Employees whose counted overtime passes 劳动法 art. 41's limits, from the payslips' attendance (one query)."""
    days = _attendance_int(session, "ot_days_over_limit")
    day_excess = _attendance_int(session, "ot_minutes_over_day_limit")
    month_excess = _attendance_int(session, "ot_minutes_over_month_limit")
    total = sum(
        (_attendance_int(session, f"ot_{kind}_minutes") for kind in ("workday", "restday", "holiday", "in_lieu")),
        start=literal(0),
    )
    rows = session.execute(
        select(Employee.code, Employee.name, days, day_excess, month_excess, total)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(Payslip.payrun_id == run.id, _marked(FLAGGED_OVERTIME), or_(days > 0, month_excess > 0))
        .order_by(Employee.code)
    ).all()
    if not rows:
        return []
    items = []
    for code, name, n_days, beyond_days, beyond_month, month in rows:
        over = [f"{n_days} day(s) over 3 h, {_clock(beyond_days)} beyond"] if n_days else []
        over += [f"{_clock(month)} in the month, {_clock(beyond_month)} over 36 h"] if beyond_month else []
        items.append(f"{code} {name} ({'; '.join(over)})")
    return [
        LockWarning(
            "overtime_over_limit",
            f"{len(items)} employee(s) with overtime beyond 3 hours a day or 36 hours a month (劳动法 art. 41): "
            f"{_named(items)}; it is paid as counted, but check the approvals and the schedule",
            items,
        )
    ]


def _consecutive_days(session: Session, run: PayRun) -> list[LockWarning]:
    """Employees who worked more than 6 days in a row in the month, from the payslips' attendance (one query)."""
    longest = _attendance_int(session, "consecutive_days_max")
    rows = session.execute(
        select(Employee.code, Employee.name, longest)
        .join(Employee, Payslip.employee_id == Employee.id)
        .where(Payslip.payrun_id == run.id, _marked(FLAGGED_CONSECUTIVE), longest > CONSECUTIVE_DAYS)
        .order_by(Employee.code)
    ).all()
    if not rows:
        return []
    items = [f"{code} {name} ({days} days in a row)" for code, name, days in rows]
    return [
        LockWarning(
            "consecutive_days",
            f"{len(items)} employee(s) worked more than {CONSECUTIVE_DAYS} days in a row without a rest day "
            f"(劳动法 art. 38): {_named(items)}; counted within {run.period} only (a run begun the month before "
            "is not seen): paid as worked, but check the roster",
            items,
        )
    ]


def _json_of(session: Session, column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[Any]:
    """`column` (JSON text) as JSON the database reads, so a query can test a key of every payslip without sending
    each one's figures to Python: SQLite's JSON functions read text as it is, PostgreSQL needs a cast."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, JSONB)
    return type_coerce(column, JSON)


def _open_quarantine() -> Select[int]:
    """The ids of the punches still in quarantine: a few, so a query of the month's punches starts from them (a
    join lets the planner walk the month's millions of punches by time and look each one up in the quarantine)."""
    return select(Quarantine.punch_id).where(Quarantine.resolved_at.is_(None))


def _changed_since_compute(
    session: Session, run: PayRun, bounds: dict[int, tuple[dt.datetime, dt.datetime]]
) -> list[str]:
    since = run.computed_at
    if since is None:
        return []
    # Punches of each office's month received after the compute, in one query that starts from the few received
    # since (one pass over `received_at`), not from the office's month of punches walked by time.
    late = dict(
        session.execute(
            select(Device.office_id, func.count())
            .select_from(Punch)
            .join(Device, Device.sn == Punch.device_sn)
            .where(Punch.id.in_(select(Punch.id).where(Punch.received_at > since)))
            .where(
                or_(
                    false(),
                    *(
                        and_(Device.office_id == office_id, Punch.ts_utc >= low, Punch.ts_utc < high)
                        for office_id, (low, high) in bounds.items()
                    ),
                )
            )
            .group_by(Device.office_id)
        ).all()
    )
    items = [f"{late[office_id]} punches of {run.period} received" for office_id in bounds if late.get(office_id)]
    resolved = session.scalar(select(func.count()).select_from(Quarantine).where(Quarantine.resolved_at > since))
    if resolved:
        items.append(f"{resolved} quarantined punches mapped or dismissed")
    pieces = session.scalar(
        select(func.count())
        .select_from(PieceRecord)
        .where(PieceRecord.period == run.period, PieceRecord.imported_at > since)
    )
    if pieces:
        items.append(f"{pieces} piece records of {run.period} imported")
    targets = select(literal("employee:").concat(Employee.code)).join(Payslip, Payslip.employee_id == Employee.id)
    actions = session.execute(
        select(AuditLog.action, func.count())
        .where(AuditLog.at > since, AuditLog.action.in_(_PAY_INPUT_ACTIONS))
        .where(AuditLog.target.in_(targets.where(Payslip.payrun_id == run.id)))
        .group_by(AuditLog.action)
        .order_by(AuditLog.action)
    ).all()
    items += [f"{count} × {action}" for action, count in actions]
    paid = select(Payslip.employee_id).where(Payslip.payrun_id == run.id)
    entered = session.scalar(
        select(func.count())
        .select_from(PayMonthInput)
        .where(PayMonthInput.period == run.period, PayMonthInput.updated_at > since)
        .where(PayMonthInput.employee_id.in_(paid))
    )
    if entered:
        items.append(f"{entered} pay inputs of {run.period} (bonus, severance, damages) entered")
    balances = session.scalar(
        select(func.count())
        .select_from(OpeningBalance)
        .where(OpeningBalance.tax_year == int(run.period[:4]), OpeningBalance.imported_at > since)
        .where(OpeningBalance.employee_id.in_(paid))
    )
    if balances:
        items.append(f"{balances} opening balances of {run.period[:4]} imported")
    return items
