"""The pay pipeline's columns: one row per employee-month in, one row per employee-month out.

`EmployeeMonthColumns` (inputs), `PieceColumns` (piece records, CSR by row) and `PayResult` (outputs)
are plain data; `payroll_core.pipeline.compute` turns the first two into the third and
`payroll_core.lines.build_lines` explains one row of it. Every column is int64 (fen, days, minutes,
counts); the `MAX_*` bounds are what the pipeline accepts, so importers can check against them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from payroll_core.errors import PayInputError
from payroll_core.money import MoneyError, as_int64_column
from payroll_core.rules import Rules

MAX_YTD_FEN = 10**12
MAX_PIECE_QTY = 10**7
MAX_PIECE_UNIT_FEN = 10**6
MAX_COEF_DEN = 10**6


@dataclass
class EmployeeMonthColumns:
    """One row per employee-month; every column int64 (fen, days, minutes, counts)."""

    city: np.ndarray
    pay_basis: np.ndarray
    monthly_salary_fen: np.ndarray
    hourly_rate_fen: np.ndarray
    scheduled_days: np.ndarray  # scheduled workdays of the month
    employed_days: np.ndarray  # scheduled workdays while employed (joiners, leavers)
    absent_days: np.ndarray  # whole days absent
    absent_half_days: np.ndarray  # half-day absences, each deducted as 0.5 day (attendance's `absent_half_days`)
    worked_minutes: np.ndarray  # normal (non-overtime) minutes: hourly pay, piece overtime share
    late_minutes: np.ndarray
    ot_workday_minutes: np.ndarray
    ot_restday_minutes: np.ndarray
    ot_holiday_minutes: np.ndarray
    allowances_fen: np.ndarray
    night_allowance_fen: np.ndarray  # excluded from the minimum-wage test (最低工资规定 art. 12)
    si_base_fen: np.ndarray  # -1: default (see module docstring)
    hf_rate_num: np.ndarray
    hf_rate_den: np.ndarray  # 0: the city's housing-fund rate
    special_deductions_fen: np.ndarray
    other_deductions_fen: np.ndarray
    ytd_months: np.ndarray  # months already paid by this employer this year
    ytd_income_fen: np.ndarray
    ytd_si_hf_fen: np.ndarray
    ytd_special_deductions_fen: np.ndarray
    ytd_other_deductions_fen: np.ndarray
    ytd_tax_withheld_fen: np.ndarray
    leave_days_unused: np.ndarray  # final settlement: unused statutory annual leave days
    leave_base_fen: np.ndarray  # monthly wage the leave pay is based on (12-month average excl. overtime)
    part_time: np.ndarray  # 1: part-time hourly worker (非全日制): the minimum wage is the city's hourly one
    bonus_fen: np.ndarray  # annual one-off bonus (全年一次性奖金) paid this month
    bonus_method: np.ndarray  # pay.BONUS_METHODS: -1 the recommended one, 0 with the wages, 1 separately
    bonus_separate_used: np.ndarray  # 1: a bonus of this tax year was already taxed separately
    severance_half_months: np.ndarray  # 经济补偿 in half months of wage (years of service × 2), before any cap
    severance_base_fen: np.ndarray  # the monthly wage it is based on: the last 12 months' average
    damages_fen: np.ndarray  # deduction for damages the employee caused (工资支付暂行规定 art. 16), as entered
    # Approved leave on scheduled workdays, in minutes of a pay day (hours_per_day × 60 a day), by how it is paid
    # (`payroll_core.leave`'s `paid`): the per-type detail for the payslip lines is `LeaveTaken` (compute's `leave=`).
    paid_leave_minutes: np.ndarray  # paid "1": the day's wage kept (hourly and piece rows: hourly rate × time)
    unpaid_leave_minutes: np.ndarray  # paid "0": deducted like an absence, shown as the leave type
    sick_leave_minutes: np.ndarray  # paid "sick": the day's wage replaced by sick pay (`payroll_core.sick_pay`)
    sick_share_num: np.ndarray  # the city's share of the own wage for the employee's years of service
    sick_share_den: np.ndarray  # (num 0: none, the 80 % minimum-wage floor alone); 1..MAX_SHARE_DEN

    @classmethod
    def build(cls, n: int, **columns: object) -> EmployeeMonthColumns:
        """Columns from keyword arrays (or scalars, broadcast to n rows), the rest from defaults."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(columns) - names)
        if unknown:
            raise PayInputError(f"unknown input column(s) {unknown}; known: {sorted(names)}")
        missing = sorted(names - set(columns) - set(INPUT_DEFAULTS))
        if missing:
            raise PayInputError(f"input column(s) {missing} are required")
        built = {}
        for name in names:
            value = columns.get(name, INPUT_DEFAULTS.get(name))
            if value is None:  # employed_days defaults to the month's scheduled days
                value = columns["scheduled_days"]
            array = np.asarray(value)
            if array.ndim == 0:
                array = np.full(n, array)
            try:
                built[name] = as_int64_column(array, name)
            except MoneyError as exc:
                raise PayInputError(str(exc)) from None
            if built[name].shape != (n,):
                raise PayInputError(f"column {name!r} has shape {built[name].shape}; expected ({n},)")
        return cls(**built)

    def __len__(self) -> int:
        return len(self.city)


INPUT_DEFAULTS: dict[str, int | None] = {
    "monthly_salary_fen": 0,
    "hourly_rate_fen": 0,
    "employed_days": None,
    "absent_days": 0,
    "absent_half_days": 0,
    "worked_minutes": 0,
    "late_minutes": 0,
    "ot_workday_minutes": 0,
    "ot_restday_minutes": 0,
    "ot_holiday_minutes": 0,
    "allowances_fen": 0,
    "night_allowance_fen": 0,
    "si_base_fen": -1,
    "hf_rate_num": 0,
    "hf_rate_den": 0,
    "special_deductions_fen": 0,
    "other_deductions_fen": 0,
    "ytd_months": 0,
    "ytd_income_fen": 0,
    "ytd_si_hf_fen": 0,
    "ytd_special_deductions_fen": 0,
    "ytd_other_deductions_fen": 0,
    "ytd_tax_withheld_fen": 0,
    "leave_days_unused": 0,
    "leave_base_fen": 0,
    "part_time": 0,
    "bonus_fen": 0,
    "bonus_method": -1,
    "bonus_separate_used": 0,
    "severance_half_months": 0,
    "severance_base_fen": 0,
    "damages_fen": 0,
    "paid_leave_minutes": 0,
    "unpaid_leave_minutes": 0,
    "sick_leave_minutes": 0,
    "sick_share_num": 0,
    "sick_share_den": 1,
}


#: The most pieces a pay month can be cut into by dated changes of an employee's terms (raises, transfers).
MAX_SEGMENTS = 4


@dataclass
class SegmentColumns:
    """A month cut into up to `MAX_SEGMENTS` pieces under different terms: int64 [row, segment], shape (n, k).

    Each row's pieces are in date order; unused ones are all 0. A rate column is the rate in force in the piece,
    a time column the piece's share of the `EmployeeMonthColumns` column of the same name (they must add up to it).
    An employee paid under one set of terms all month has one piece: `SegmentColumns.single` of the inputs.
    """

    monthly_salary_fen: np.ndarray
    hourly_rate_fen: np.ndarray
    employed_days: np.ndarray
    absent_days: np.ndarray
    absent_half_days: np.ndarray
    worked_minutes: np.ndarray
    late_minutes: np.ndarray
    ot_workday_minutes: np.ndarray
    ot_restday_minutes: np.ndarray
    ot_holiday_minutes: np.ndarray
    paid_leave_minutes: np.ndarray
    unpaid_leave_minutes: np.ndarray
    sick_leave_minutes: np.ndarray

    @classmethod
    def single(cls, inputs: EmployeeMonthColumns) -> SegmentColumns:
        """One piece per row: the month's own columns, as (n, 1) views (no copy: a run without changes pays as
        fast as before)."""
        return cls(**{f.name: getattr(inputs, f.name).reshape(-1, 1) for f in fields(cls)})

    @classmethod
    def build(cls, n: int, **columns: object) -> SegmentColumns:
        """Columns of shape (n, k), 1 <= k <= MAX_SEGMENTS, the same k for all; every one required."""
        built = {}
        for f in fields(cls):
            if f.name not in columns:
                raise PayInputError(f"segment column {f.name!r} is required")
            try:
                array = as_int64_column(columns[f.name], f.name)
            except MoneyError as exc:
                raise PayInputError(str(exc)) from None
            if array.ndim != 2 or array.shape[0] != n or not 1 <= array.shape[1] <= MAX_SEGMENTS:
                raise PayInputError(
                    f"segment column {f.name!r} has shape {array.shape}; expected ({n}, k) with 1 <= k <= "
                    f"{MAX_SEGMENTS}"
                )
            built[f.name] = array
        return cls(**built)


@dataclass(frozen=True)
class LeaveTaken:
    """One leave type an employee took in the pay month: what its payslip line shows (the kernel takes the sums).

    `minutes` are on scheduled workdays, in minutes of a pay day like the input columns; `paid` as the leave
    type's rule data ("1", "0", "sick"); `unit` day | half_day | hour says how the line counts them.
    """

    code: str
    name: str
    paid: str
    unit: str
    minutes: int
    source: str


#: The input column each `LeaveTaken.paid` adds its minutes to.
LEAVE_MINUTES_COLUMN = {"1": "paid_leave_minutes", "0": "unpaid_leave_minutes", "sick": "sick_leave_minutes"}


@dataclass
class PieceColumns:
    """Piece records, flat, with CSR offsets: row i owns items offsets[i]:offsets[i+1]."""

    offsets: np.ndarray
    qty: np.ndarray
    rejects: np.ndarray
    unit_fen: np.ndarray
    quota: np.ndarray  # 0: no tier
    unit_above_fen: np.ndarray  # unit price above the quota
    coef_num: np.ndarray  # grade coefficient = coef_num / coef_den
    coef_den: np.ndarray

    @classmethod
    def build(cls, **columns: object) -> PieceColumns:
        try:
            return cls(**{f.name: as_int64_column(columns[f.name], f.name) for f in fields(cls)})
        except KeyError as exc:
            raise PayInputError(f"piece column {exc.args[0]!r} is required") from None
        except MoneyError as exc:
            raise PayInputError(str(exc)) from None

    @classmethod
    def empty(cls, rows: int) -> PieceColumns:
        none = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(rows + 1, dtype=np.int64), none, none, none, none, none, none, none)


@dataclass
class PayResult:
    """Output columns (int64 fen unless named otherwise), one row per input row."""

    base_pay_fen: np.ndarray
    absence_fen: np.ndarray
    late_fen: np.ndarray
    ot_workday_fen: np.ndarray
    ot_restday_fen: np.ndarray
    ot_holiday_fen: np.ndarray
    ot_pay_fen: np.ndarray
    piece_pay_fen: np.ndarray
    leave_pay_fen: np.ndarray
    min_wage_floor_fen: np.ndarray
    min_wage_shortfall_fen: np.ndarray
    min_wage_topup_fen: np.ndarray
    gross_fen: np.ndarray
    pension_employee_fen: np.ndarray
    pension_employer_fen: np.ndarray
    medical_employee_fen: np.ndarray
    medical_employer_fen: np.ndarray
    unemployment_employee_fen: np.ndarray
    unemployment_employer_fen: np.ndarray
    injury_employee_fen: np.ndarray
    injury_employer_fen: np.ndarray
    maternity_employee_fen: np.ndarray
    maternity_employer_fen: np.ndarray
    si_employee_fen: np.ndarray
    si_employer_fen: np.ndarray
    hf_employee_fen: np.ndarray
    hf_employer_fen: np.ndarray
    taxable_cumulative_fen: np.ndarray
    tax_cumulative_fen: np.ndarray
    iit_fen: np.ndarray  # cumulative withholding of the month (wages, and a bonus taxed with them)
    net_fen: np.ndarray
    hf_deductible_fen: np.ndarray  # the employee's HF up to the 12 % limit (财税〔2006〕10号): deducted before tax
    hf_employee_excess_fen: np.ndarray  # the employee's HF above it: not deducted
    hf_employer_excess_fen: np.ndarray  # the employer's HF above it: taxable wages of the employee
    hf_rate_flag: np.ndarray  # 1: a housing-fund rate outside the legal range (住房公积金管理条例 art. 18)
    si_hf_deductible_fen: np.ndarray  # employee SI + hf_deductible: the month's 专项扣除
    cumulative_income_fen: np.ndarray  # the month's income under cumulative withholding
    bonus_tax_fen: np.ndarray  # tax on a bonus taxed separately (0 when taxed with the wages)
    bonus_separate: np.ndarray  # 1: the bonus was taxed separately
    bonus_recommended_separate: np.ndarray  # 1: separately is the lower year total (the recommendation)
    bonus_year_tax_separate_fen: np.ndarray  # projected tax of the year, bonus taxed separately
    bonus_year_tax_combined_fen: np.ndarray  # projected tax of the year, bonus with the wages
    severance_fen: np.ndarray  # 经济补偿金 paid (劳动合同法 art. 47)
    severance_exempt_fen: np.ndarray  # its tax-free part (财税〔2018〕164号 art. 5)
    severance_tax_fen: np.ndarray  # tax on the rest, annual table, outside cumulative withholding
    damages_deducted_fen: np.ndarray  # damages deduction applied
    damages_limit_fen: np.ndarray  # the most art. 16 allows this month
    damages_flag: np.ndarray  # 1: the damages entered exceed that limit
    paid_leave_fen: np.ndarray  # pay for paid leave beyond base pay (hourly and piece rows; monthly staff keep base)
    unpaid_leave_fen: np.ndarray  # deduction for unpaid leave (monthly staff), like an absence
    sick_wage_fen: np.ndarray  # the own wage of the sick-leave time, deducted (monthly staff)
    sick_pay_fen: np.ndarray  # sick pay paid instead: max(own wage × share, 80 % of the minimum wage) per time
    piece_item_pay_fen: np.ndarray = field(repr=False)  # per piece record, aligned with PieceColumns
    rules_version: str = ""
    inputs: EmployeeMonthColumns | None = field(default=None, repr=False)
    pieces: PieceColumns | None = field(default=None, repr=False)
    leave: Sequence[Sequence[LeaveTaken]] | None = field(default=None, repr=False)  # per row, for the lines
    rules: Rules | None = field(default=None, repr=False)
    ids: Sequence[str] | None = None
    segments: SegmentColumns | None = field(default=None, repr=False)

    def row(self, i: int) -> dict[str, int]:
        """Every output column of row i as plain ints."""
        return {name: int(getattr(self, name)[i]) for name in OUTPUT_COLUMNS}


OUTPUT_COLUMNS = tuple(f.name for f in fields(PayResult) if f.type == "np.ndarray" and f.name != "piece_item_pay_fen")
INPUT_COLUMNS = tuple(f.name for f in fields(EmployeeMonthColumns))
PIECE_COLUMNS = tuple(f.name for f in fields(PieceColumns))
SEGMENT_COLUMNS = tuple(f.name for f in fields(SegmentColumns))
