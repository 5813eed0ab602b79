"""The employee-month pay pipeline: input columns in, int64 fen pay columns and lines out.

Public API (what the gateway and the API call)::

    rules = payroll_core.rules.load_rules("2026-03", ["shanghai", "dongguan"])
    inputs = EmployeeMonthColumns.build(n, city=..., pay_basis=..., monthly_salary_fen=..., ...)
    pieces = PieceColumns.build(offsets=..., qty=..., ...)        # optional piece records
    result = compute(inputs, rules, pieces, ids=[...])            # -> PayResult
    result.gross_fen, result.net_fen, ...                          # int64 columns, one row per input row
    build_lines(result, i)                                         # explanation lines of row i (payroll_core.lines)
    result.rules_version                                           # what a pay run records

One row is one employee-month. ``city`` is an index into ``rules.cities`` (``rules.city_index(key)``),
``pay_basis`` one of ``pay.PAY_BASES``. Columns not given take the defaults in ``INPUT_DEFAULTS``.
Order of computation per row (one fused numba kernel, parallel over rows):
pieces → base pay, absence, late → overtime → unused-leave pay → social insurance and housing fund →
minimum-wage floor and top-up → gross → cumulative IIT → net.
Conventions (the rule data can change the figures, not the formulas):
- joiners/leavers: base = monthly × employed_days ÷ scheduled_days;
  absence = monthly × (absent_days + absent_half_days ÷ 2) ÷ 21.75;
  late = monthly ÷ 174 ÷ 60 × minutes beyond the month's grace; both deductions together never exceed base pay;
- hourly workers are paid worked_minutes; piece workers get piece pay plus the overtime premium on the overtime
  share of it (`pay.piece_overtime_premium`);
- the SI/HF base defaults to the monthly salary (monthly staff) or the city floor (hourly, piece), clipped per item;
  ``hf_rate_num/hf_rate_den`` (den 0: the city's rate) replace the housing-fund rate on both sides;
- minimum wage: the floor is the city minimum × (employed_days − absent_days − absent_half_days ÷ 2) ÷ scheduled_days;
  pay that counts is
  base − absence − late + pieces + allowances (not overtime, not the night-shift allowance, not leave pay), less the
  employee's SI/HF where the city says so; a shortfall is reported and, if the rule says top_up, paid; a month with a
  floor of 0 (no normal work) has none;
- unused annual leave: leave_base_fen ÷ 21.75 × the extra multiplier (200 %) × leave_days_unused.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numba
import numpy as np

from payroll_core.columns import (
    INPUT_COLUMNS,
    MAX_COEF_DEN,
    MAX_PIECE_QTY,
    MAX_PIECE_UNIT_FEN,
    MAX_YTD_FEN,
    OUTPUT_COLUMNS,
    PIECE_COLUMNS,
    EmployeeMonthColumns,
    PayResult,
    PieceColumns,
)
from payroll_core.errors import PayInputError
from payroll_core.money import round_half_up_div
from payroll_core.pay import (
    HOURLY,
    HOURS_PER_DAY,
    LATE_GRACE_MINUTES,
    LATE_PRO_RATA,
    LEAVE_EXTRA_DEN,
    LEAVE_EXTRA_NUM,
    MAX_DAYS,
    MAX_FEN,
    MAX_LEAVE_DAYS,
    MAX_MINUTES,
    MAX_PIECE_PAY_FEN,
    MIN_WAGE_EXCLUDES_SI_HF,
    MIN_WAGE_FEN,
    MIN_WAGE_TOP_UP,
    MONTHLY,
    OT_HOLIDAY_DEN,
    OT_HOLIDAY_NUM,
    OT_RESTDAY_DEN,
    OT_RESTDAY_NUM,
    OT_WORKDAY_DEN,
    OT_WORKDAY_NUM,
    PAY_DAYS_DEN,
    PAY_DAYS_NUM,
    hourly_amount,
    pay_table,
    per_pay_day,
    per_pay_minute,
    piece_overtime_premium,
    prorated,
)
from payroll_core.piece import piece_item_pay
from payroll_core.rules import Rules
from payroll_core.social import (
    CAP,
    EE_DEN,
    EE_FIXED,
    EE_NUM,
    ER_DEN,
    ER_FIXED,
    ER_NUM,
    FLOOR,
    HOUSING_FUND,
    UNIT,
    clipped_base,
    contribution,
    contribution_table,
)
from payroll_core.tax import cumulative_tax, tax_table


@numba.njit(cache=True, parallel=True)
def _pay_kernel(
    city: np.ndarray,
    pay_basis: np.ndarray,
    monthly_salary_fen: np.ndarray,
    hourly_rate_fen: np.ndarray,
    scheduled_days: np.ndarray,
    employed_days: np.ndarray,
    absent_days: np.ndarray,
    absent_half_days: np.ndarray,
    worked_minutes: np.ndarray,
    late_minutes: np.ndarray,
    ot_workday_minutes: np.ndarray,
    ot_restday_minutes: np.ndarray,
    ot_holiday_minutes: np.ndarray,
    allowances_fen: np.ndarray,
    night_allowance_fen: np.ndarray,
    si_base_fen: np.ndarray,
    hf_rate_num: np.ndarray,
    hf_rate_den: np.ndarray,
    special_deductions_fen: np.ndarray,
    other_deductions_fen: np.ndarray,
    ytd_months: np.ndarray,
    ytd_income_fen: np.ndarray,
    ytd_si_hf_fen: np.ndarray,
    ytd_special_deductions_fen: np.ndarray,
    ytd_other_deductions_fen: np.ndarray,
    ytd_tax_withheld_fen: np.ndarray,
    leave_days_unused: np.ndarray,
    leave_base_fen: np.ndarray,
    offsets: np.ndarray,
    qty: np.ndarray,
    rejects: np.ndarray,
    unit_fen: np.ndarray,
    quota: np.ndarray,
    unit_above_fen: np.ndarray,
    coef_num: np.ndarray,
    coef_den: np.ndarray,
    pay_tab: np.ndarray,
    si_tab: np.ndarray,
    tax_tab: np.ndarray,
    basic_deduction_fen: int,
    base_pay_fen: np.ndarray,
    absence_fen: np.ndarray,
    late_fen: np.ndarray,
    ot_workday_fen: np.ndarray,
    ot_restday_fen: np.ndarray,
    ot_holiday_fen: np.ndarray,
    ot_pay_fen: np.ndarray,
    piece_pay_fen: np.ndarray,
    leave_pay_fen: np.ndarray,
    min_wage_floor_fen: np.ndarray,
    min_wage_shortfall_fen: np.ndarray,
    min_wage_topup_fen: np.ndarray,
    gross_fen: np.ndarray,
    pension_employee_fen: np.ndarray,
    pension_employer_fen: np.ndarray,
    medical_employee_fen: np.ndarray,
    medical_employer_fen: np.ndarray,
    unemployment_employee_fen: np.ndarray,
    unemployment_employer_fen: np.ndarray,
    injury_employee_fen: np.ndarray,
    injury_employer_fen: np.ndarray,
    maternity_employee_fen: np.ndarray,
    maternity_employer_fen: np.ndarray,
    si_employee_fen: np.ndarray,
    si_employer_fen: np.ndarray,
    hf_employee_fen: np.ndarray,
    hf_employer_fen: np.ndarray,
    taxable_cumulative_fen: np.ndarray,
    tax_cumulative_fen: np.ndarray,
    iit_fen: np.ndarray,
    net_fen: np.ndarray,
    piece_item_pay_fen: np.ndarray,
) -> None:  # pragma: no cover - compiled; exercised through compute() and held equal to the Decimal reference
    n = city.shape[0]
    ee_items = (
        pension_employee_fen,
        medical_employee_fen,
        unemployment_employee_fen,
        injury_employee_fen,
        maternity_employee_fen,
    )
    er_items = (
        pension_employer_fen,
        medical_employer_fen,
        unemployment_employer_fen,
        injury_employer_fen,
        maternity_employer_fen,
    )
    for i in numba.prange(n):
        c = city[i]
        pt = pay_tab[c]
        pdn = pt[PAY_DAYS_NUM]
        pdd = pt[PAY_DAYS_DEN]
        hpd = pt[HOURS_PER_DAY]
        monthly = monthly_salary_fen[i]

        pieces = 0
        for j in range(offsets[i], offsets[i + 1]):
            item = piece_item_pay(
                qty[j], rejects[j], unit_fen[j], quota[j], unit_above_fen[j], coef_num[j], coef_den[j]
            )
            piece_item_pay_fen[j] = item
            pieces += item

        base = 0
        absence = 0
        late = 0
        if pay_basis[i] == MONTHLY:
            base = prorated(monthly, employed_days[i], scheduled_days[i])
            absence = min(per_pay_day(monthly, 2 * absent_days[i] + absent_half_days[i], 1, 2, pdn, pdd), base)
            late_chargeable = 0
            if pt[LATE_PRO_RATA] == 1:
                late_chargeable = max(0, late_minutes[i] - pt[LATE_GRACE_MINUTES])
            late = min(per_pay_minute(monthly, late_chargeable, 1, 1, pdn, pdd, hpd), base - absence)
            otw = per_pay_minute(monthly, ot_workday_minutes[i], pt[OT_WORKDAY_NUM], pt[OT_WORKDAY_DEN], pdn, pdd, hpd)
            otr = per_pay_minute(monthly, ot_restday_minutes[i], pt[OT_RESTDAY_NUM], pt[OT_RESTDAY_DEN], pdn, pdd, hpd)
            oth = per_pay_minute(monthly, ot_holiday_minutes[i], pt[OT_HOLIDAY_NUM], pt[OT_HOLIDAY_DEN], pdn, pdd, hpd)
        elif pay_basis[i] == HOURLY:
            hourly = hourly_rate_fen[i]
            base = hourly_amount(hourly, worked_minutes[i], 1, 1)
            otw = hourly_amount(hourly, ot_workday_minutes[i], pt[OT_WORKDAY_NUM], pt[OT_WORKDAY_DEN])
            otr = hourly_amount(hourly, ot_restday_minutes[i], pt[OT_RESTDAY_NUM], pt[OT_RESTDAY_DEN])
            oth = hourly_amount(hourly, ot_holiday_minutes[i], pt[OT_HOLIDAY_NUM], pt[OT_HOLIDAY_DEN])
        else:
            total = worked_minutes[i] + ot_workday_minutes[i] + ot_restday_minutes[i] + ot_holiday_minutes[i]
            otw = piece_overtime_premium(pieces, ot_workday_minutes[i], total, pt[OT_WORKDAY_NUM], pt[OT_WORKDAY_DEN])
            otr = piece_overtime_premium(pieces, ot_restday_minutes[i], total, pt[OT_RESTDAY_NUM], pt[OT_RESTDAY_DEN])
            oth = piece_overtime_premium(pieces, ot_holiday_minutes[i], total, pt[OT_HOLIDAY_NUM], pt[OT_HOLIDAY_DEN])
        leave = per_pay_day(leave_base_fen[i], leave_days_unused[i], pt[LEAVE_EXTRA_NUM], pt[LEAVE_EXTRA_DEN], pdn, pdd)

        raw_base = si_base_fen[i]
        if raw_base < 0:
            raw_base = monthly if pay_basis[i] == MONTHLY else 0
        si_ee = 0
        si_er = 0
        for k in range(HOUSING_FUND):
            p = si_tab[c, k]
            b = clipped_base(raw_base, p[FLOOR], p[CAP])
            ee = contribution(b, p[EE_NUM], p[EE_DEN], p[UNIT], p[EE_FIXED])
            er = contribution(b, p[ER_NUM], p[ER_DEN], p[UNIT], p[ER_FIXED])
            ee_items[k][i] = ee
            er_items[k][i] = er
            si_ee += ee
            si_er += er
        p = si_tab[c, HOUSING_FUND]
        b = clipped_base(raw_base, p[FLOOR], p[CAP])
        hf_ee_num, hf_ee_den, hf_er_num, hf_er_den = p[EE_NUM], p[EE_DEN], p[ER_NUM], p[ER_DEN]
        if hf_rate_den[i] > 0:
            hf_ee_num = hf_er_num = hf_rate_num[i]
            hf_ee_den = hf_er_den = hf_rate_den[i]
        hf_ee = contribution(b, hf_ee_num, hf_ee_den, p[UNIT], p[EE_FIXED])
        hf_er = contribution(b, hf_er_num, hf_er_den, p[UNIT], p[ER_FIXED])

        floor = round_half_up_div(
            pt[MIN_WAGE_FEN] * (2 * (employed_days[i] - absent_days[i]) - absent_half_days[i]), 2 * scheduled_days[i]
        )
        counted = base - absence - late + pieces + allowances_fen[i]
        if pt[MIN_WAGE_EXCLUDES_SI_HF] == 1:
            counted -= si_ee + hf_ee
        # No normal work in the month (floor 0): the minimum wage guarantees nothing (最低工资规定 art. 3),
        # even where the employee's own SI/HF would make the counted pay negative.
        shortfall = max(0, floor - counted) if floor > 0 else 0
        topup = shortfall if pt[MIN_WAGE_TOP_UP] == 1 else 0

        ot = otw + otr + oth
        gross = base - absence - late + ot + pieces + allowances_fen[i] + night_allowance_fen[i] + leave + topup

        months = ytd_months[i] + 1
        taxable = (
            ytd_income_fen[i]
            + gross
            - basic_deduction_fen * months
            - ytd_si_hf_fen[i]
            - si_ee
            - hf_ee
            - ytd_special_deductions_fen[i]
            - special_deductions_fen[i]
            - ytd_other_deductions_fen[i]
            - other_deductions_fen[i]
        )
        taxable = max(0, taxable)
        tax_cum = cumulative_tax(taxable, tax_tab)
        iit = max(0, tax_cum - ytd_tax_withheld_fen[i])

        base_pay_fen[i] = base
        absence_fen[i] = absence
        late_fen[i] = late
        ot_workday_fen[i] = otw
        ot_restday_fen[i] = otr
        ot_holiday_fen[i] = oth
        ot_pay_fen[i] = ot
        piece_pay_fen[i] = pieces
        leave_pay_fen[i] = leave
        min_wage_floor_fen[i] = floor
        min_wage_shortfall_fen[i] = shortfall
        min_wage_topup_fen[i] = topup
        gross_fen[i] = gross
        si_employee_fen[i] = si_ee
        si_employer_fen[i] = si_er
        hf_employee_fen[i] = hf_ee
        hf_employer_fen[i] = hf_er
        taxable_cumulative_fen[i] = taxable
        tax_cumulative_fen[i] = tax_cum
        iit_fen[i] = iit
        net_fen[i] = gross - si_ee - hf_ee - iit


_KERNEL_ARGS = tuple(inspect.signature(_pay_kernel.py_func).parameters)
assert _KERNEL_ARGS == (
    INPUT_COLUMNS
    + PIECE_COLUMNS
    + ("pay_tab", "si_tab", "tax_tab", "basic_deduction_fen")
    + OUTPUT_COLUMNS
    + ("piece_item_pay_fen",)
), "the kernel's parameters must follow the dataclass field order"


def _check(bad: np.ndarray, message: str, ids: Sequence[str] | None, **shown: np.ndarray) -> None:
    """Raise for the first row where ``bad`` holds, naming the row, the employee and the values."""
    if bad.any():
        i = int(np.argmax(bad))
        who = f" (employee {ids[i]})" if ids is not None else ""
        values = ", ".join(f"{name} = {int(col[i])}" for name, col in shown.items())
        raise PayInputError(f"row {i}{who}: {values}: {message}")


def validate_inputs(
    inputs: EmployeeMonthColumns, pieces: PieceColumns, n_cities: int, ids: Sequence[str] | None
) -> None:
    """Refuse rows the kernel cannot pay exactly, before any is paid (vectorised, one pass per rule)."""
    n = len(inputs)
    if ids is not None and len(ids) != n:
        raise PayInputError(f"{len(ids)} ids given for {n} rows")
    for name in INPUT_COLUMNS:
        if getattr(inputs, name).shape != (n,):
            raise PayInputError(f"column {name!r} has shape {getattr(inputs, name).shape}; expected ({n},)")
    col = inputs
    _check(
        (col.city < 0) | (col.city >= n_cities),
        f"city must index the {n_cities} cities of the rules",
        ids,
        city=col.city,
    )
    _check(
        (col.pay_basis < 0) | (col.pay_basis > 2),
        "pay_basis must be 0 (monthly), 1 (hourly) or 2 (piece)",
        ids,
        pay_basis=col.pay_basis,
    )
    _check(
        (col.scheduled_days < 1) | (col.scheduled_days > MAX_DAYS),
        f"scheduled_days must be 1..{MAX_DAYS}",
        ids,
        scheduled_days=col.scheduled_days,
    )
    _check(
        (col.employed_days < 0) | (col.employed_days > col.scheduled_days),
        "employed_days must be 0..scheduled_days",
        ids,
        employed_days=col.employed_days,
        scheduled_days=col.scheduled_days,
    )
    _check(
        (col.absent_days < 0) | (col.absent_days > col.employed_days),
        "absent_days must be 0..employed_days",
        ids,
        absent_days=col.absent_days,
        employed_days=col.employed_days,
    )
    _check(
        (col.absent_half_days < 0) | (2 * col.absent_days + col.absent_half_days > 2 * col.employed_days),
        "absent_half_days must be >= 0 and absent_days + absent_half_days ÷ 2 at most employed_days",
        ids,
        absent_half_days=col.absent_half_days,
        absent_days=col.absent_days,
        employed_days=col.employed_days,
    )
    for name in ("worked_minutes", "late_minutes", "ot_workday_minutes", "ot_restday_minutes", "ot_holiday_minutes"):
        values = getattr(col, name)
        _check(
            (values < 0) | (values > MAX_MINUTES),
            f"{name} must be 0..{MAX_MINUTES} (a 31-day month)",
            ids,
            **{name: values},
        )
    for name in (
        "monthly_salary_fen",
        "hourly_rate_fen",
        "allowances_fen",
        "night_allowance_fen",
        "special_deductions_fen",
        "other_deductions_fen",
        "leave_base_fen",
    ):
        values = getattr(col, name)
        _check((values < 0) | (values > MAX_FEN), f"{name} must be 0..{MAX_FEN} fen", ids, **{name: values})
    _check(
        (col.si_base_fen < -1) | (col.si_base_fen > MAX_FEN),
        f"si_base_fen must be -1 (default) or 0..{MAX_FEN} fen",
        ids,
        si_base_fen=col.si_base_fen,
    )
    _check(
        (col.hf_rate_den < 0)
        | (col.hf_rate_den > MAX_COEF_DEN)
        | (col.hf_rate_num < 0)
        | (col.hf_rate_num > col.hf_rate_den),
        "the housing-fund rate override must be 0 <= hf_rate_num <= hf_rate_den (den 0: the city's rate)",
        ids,
        hf_rate_num=col.hf_rate_num,
        hf_rate_den=col.hf_rate_den,
    )
    _check(
        (col.ytd_months < 0) | (col.ytd_months > 11),
        "ytd_months must be 0..11 (months paid before this one this year)",
        ids,
        ytd_months=col.ytd_months,
    )
    for name in (
        "ytd_income_fen",
        "ytd_si_hf_fen",
        "ytd_special_deductions_fen",
        "ytd_other_deductions_fen",
        "ytd_tax_withheld_fen",
    ):
        values = getattr(col, name)
        _check((values < 0) | (values > MAX_YTD_FEN), f"{name} must be 0..{MAX_YTD_FEN} fen", ids, **{name: values})
    _check(
        (col.leave_days_unused < 0) | (col.leave_days_unused > MAX_LEAVE_DAYS),
        f"leave_days_unused must be 0..{MAX_LEAVE_DAYS}",
        ids,
        leave_days_unused=col.leave_days_unused,
    )
    _validate_pieces(pieces, n, ids)


def _validate_pieces(pieces: PieceColumns, n: int, ids: Sequence[str] | None) -> None:
    m = len(pieces.qty)
    if pieces.offsets.shape != (n + 1,) or pieces.offsets[0] != 0 or pieces.offsets[-1] != m:
        raise PayInputError(f"piece offsets must have {n + 1} entries from 0 to {m} (the number of piece records)")
    if (np.diff(pieces.offsets) < 0).any():
        raise PayInputError("piece offsets must not decrease")
    for name in PIECE_COLUMNS[1:]:
        if getattr(pieces, name).shape != (m,):
            raise PayInputError(f"piece column {name!r} has shape {getattr(pieces, name).shape}; expected ({m},)")
    owner = np.repeat(np.arange(n), np.diff(pieces.offsets))
    item_ids = None if ids is None else [f"{ids[int(r)]}, piece record {j}" for j, r in enumerate(owner)]
    p = pieces
    _check((p.qty < 0) | (p.qty > MAX_PIECE_QTY), f"qty must be 0..{MAX_PIECE_QTY}", item_ids, qty=p.qty)
    _check((p.rejects < 0) | (p.rejects > p.qty), "rejects must be 0..qty", item_ids, rejects=p.rejects, qty=p.qty)
    for name in ("unit_fen", "unit_above_fen"):
        values = getattr(p, name)
        _check(
            (values < 0) | (values > MAX_PIECE_UNIT_FEN),
            f"{name} must be 0..{MAX_PIECE_UNIT_FEN} fen",
            item_ids,
            **{name: values},
        )
    _check(p.quota < 0, "quota must be >= 0 (0: no tier)", item_ids, quota=p.quota)
    _check(
        (p.coef_den < 1) | (p.coef_den > MAX_COEF_DEN) | (p.coef_num < 0) | (p.coef_num > 10 * p.coef_den),
        "the grade coefficient coef_num/coef_den must be 0..10 with 1 <= coef_den <= 10**6",
        item_ids,
        coef_num=p.coef_num,
        coef_den=p.coef_den,
    )
    if m:
        # Upper bound of each row's piece pay, in float64 only because it is a magnitude check, never money.
        bound = p.qty * np.maximum(p.unit_fen, p.unit_above_fen).astype(np.float64) * (p.coef_num / p.coef_den)
        running = np.concatenate(([0.0], np.cumsum(bound)))
        per_row = running[pieces.offsets[1:]] - running[pieces.offsets[:-1]]
        _check(
            per_row > MAX_PIECE_PAY_FEN,
            f"piece pay could exceed {MAX_PIECE_PAY_FEN} fen; check qty and unit prices",
            ids,
            piece_records=np.diff(pieces.offsets),
        )


def compute(
    inputs: EmployeeMonthColumns,
    rules: Rules,
    pieces: PieceColumns | None = None,
    *,
    ids: Sequence[str] | None = None,
) -> PayResult:
    """Pay every row of ``inputs`` under ``rules``; ``ids`` only make error messages and lines readable."""
    n = len(inputs)
    pieces = PieceColumns.empty(n) if pieces is None else pieces
    validate_inputs(inputs, pieces, len(rules.cities), ids)
    outputs = {name: np.empty(n, dtype=np.int64) for name in OUTPUT_COLUMNS}
    item_pay = np.empty(len(pieces.qty), dtype=np.int64)
    # One tuple in the kernel's parameter order (checked against the dataclasses at import, see _KERNEL_ARGS).
    arguments: tuple[Any, ...] = (
        *(getattr(inputs, name) for name in INPUT_COLUMNS),
        *(getattr(pieces, name) for name in PIECE_COLUMNS),
        pay_table(rules),
        contribution_table(rules),
        tax_table(rules),
        rules.tax.basic_deduction_monthly_fen,
        *outputs.values(),
        item_pay,
    )
    _pay_kernel(*arguments)
    return PayResult(
        **outputs,
        piece_item_pay_fen=item_pay,
        rules_version=rules.version,
        inputs=inputs,
        pieces=pieces,
        rules=rules,
        ids=ids,
    )
