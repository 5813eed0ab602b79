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
pieces → base pay, absence, leave, late → overtime → unused-leave pay → social insurance and housing fund →
minimum-wage floor and top-up → gross → cumulative IIT → net.
Conventions (the rule data can change the figures, not the formulas):
- joiners/leavers: base = monthly × employed_days ÷ scheduled_days;
  absence = monthly × (absent_days + absent_half_days ÷ 2) ÷ 21.75;
  late = monthly ÷ 174 ÷ 60 × minutes beyond the month's grace; both deductions together never exceed base pay;
- approved leave (``paid_leave_minutes``, ``unpaid_leave_minutes``, ``sick_leave_minutes``: minutes of workdays,
  hours_per_day × 60 a day) is not absence: paid leave keeps the day's wage (hourly and piece rows: hourly rate ×
  time); unpaid leave is deducted like absence, monthly ÷ 21.75 ÷ 8 × hours, at most base − absence; sick leave
  deducts the own wage of the time likewise and pays sick pay = max(own wage × ``sick_share_num/den``, minimum wage
  × the conventions' floor share (80 %)) ÷ 21.75 × days; late is then at most what remains of base pay;
- hourly workers are paid worked_minutes; piece workers get piece pay plus the overtime premium on the overtime
  share of it (`pay.piece_overtime_premium`);
- the SI/HF base defaults to the monthly salary (monthly staff) or the city floor (hourly, piece), clipped per item;
  ``hf_rate_num/hf_rate_den`` (den 0: the city's rate) replace the housing-fund rate on both sides;
- minimum wage: the floor is the city minimum × (employed_days − absent_days − absent_half_days ÷ 2 − unpaid and sick
  leave days) ÷ scheduled_days (paid leave is normal work time); pay that counts is
  base − absence − leave deductions − late + paid leave + pieces + allowances (not overtime, not the night-shift
  allowance, not unused-leave pay, not sick pay, which has its own floor), less the
  employee's SI/HF where the city says so; a shortfall is reported and, if the rule says top_up, paid; a month with a
  floor of 0 (no normal work) has none;
- unused annual leave: leave_base_fen ÷ 21.75 × the extra multiplier (200 %) × leave_days_unused;
- part-time hourly workers (``part_time``, 非全日制): the floor is the city's hourly minimum × worked_minutes ÷ 60,
  and only the contribution items the conventions' ``[part_time]`` names (work injury) are computed;
- housing fund (财税〔2006〕10号): each side is free of tax up to the iit file's deductible rate (12 %) of the
  clipped base, rounded like the contribution; the employee's excess is not deducted, the employer's is added
  to the month's income; a rate outside the conventions' legal range sets ``hf_rate_flag``;
- gross = the month's wages (the lines above) + the one-off bonus + severance;
- severance (``severance_half_months`` × ½ month of ``severance_base_fen``, at least the minimum wage):
  above 3 × the monthly average wage the wage is that cap and at most 12 years count; the part above 3 × the
  average annual wage is taxed on its own with the annual table (`tax.cumulative_tax`), outside the month's
  cumulative withholding;
- one-off bonus: taxed separately (`tax.separate_bonus_tax`) or added to the month's cumulative income; both
  year totals are projected (this month's taxable wages repeated for the months left in the year) and the
  lower one is recommended (ties keep the bonus with the wages, saving the once-a-year separate taxation);
  ``bonus_method`` -1 takes the recommendation;
- damages deduction: at most the conventions' share (20 %, rounded down) of the month's wages, and never below
  the minimum-wage floor (after the employee's SI/HF where the city tests the minimum wage so); policy "cap"
  deducts at most that, "flag_only" deducts what was entered; ``damages_flag`` says it was more;
- net = gross − employee SI/HF − IIT − separate bonus tax − severance tax − damages deducted.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numba
import numpy as np

from payroll_core.columns import (
    INPUT_COLUMNS,
    LEAVE_MINUTES_COLUMN,
    MAX_COEF_DEN,
    MAX_PIECE_QTY,
    MAX_PIECE_UNIT_FEN,
    MAX_SEGMENTS,
    MAX_YTD_FEN,
    OUTPUT_COLUMNS,
    PIECE_COLUMNS,
    SEGMENT_COLUMNS,
    EmployeeMonthColumns,
    LeaveTaken,
    PayResult,
    PieceColumns,
    SegmentColumns,
)
from payroll_core.errors import PayInputError
from payroll_core.money import round_down_div, round_half_up_div, round_to_unit
from payroll_core.pay import (
    AVERAGE_WAGE_ANNUAL_FEN,
    BONUS_RECOMMENDED,
    BONUS_SEPARATE,
    DAMAGES_CAPPED,
    DAMAGES_SHARE_DEN,
    DAMAGES_SHARE_NUM,
    HF_LEGAL_MAX_DEN,
    HF_LEGAL_MAX_NUM,
    HF_LEGAL_MIN_DEN,
    HF_LEGAL_MIN_NUM,
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
    MAX_SEVERANCE_HALF_MONTHS,
    MAX_SHARE_DEN,
    MIN_WAGE_EXCLUDES_SI_HF,
    MIN_WAGE_FEN,
    MIN_WAGE_HOURLY_FEN,
    MIN_WAGE_TOP_UP,
    MONTHLY,
    OT_HOLIDAY_DEN,
    OT_HOLIDAY_NUM,
    OT_RESTDAY_DEN,
    OT_RESTDAY_NUM,
    OT_WORKDAY_DEN,
    OT_WORKDAY_NUM,
    PART_TIME_ITEMS,
    PAY_DAYS_DEN,
    PAY_DAYS_NUM,
    SEVERANCE_CAP_MULTIPLE,
    SEVERANCE_CAPPED_YEARS,
    SICK_FLOOR_DEN,
    SICK_FLOOR_NUM,
    UNKNOWN,
    hourly_amount,
    pay_table,
    per_pay_day,
    per_pay_minute,
    piece_overtime_premium,
    prorated,
)
from payroll_core.piece import piece_item_pay
from payroll_core.rules import Rules, parse_period
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
from payroll_core.tax import bonus_table, cumulative_tax, separate_bonus_tax, tax_table


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
    part_time: np.ndarray,
    bonus_fen: np.ndarray,
    bonus_method: np.ndarray,
    bonus_separate_used: np.ndarray,
    severance_half_months: np.ndarray,
    severance_base_fen: np.ndarray,
    damages_fen: np.ndarray,
    paid_leave_minutes: np.ndarray,
    unpaid_leave_minutes: np.ndarray,
    sick_leave_minutes: np.ndarray,
    sick_share_num: np.ndarray,
    sick_share_den: np.ndarray,
    offsets: np.ndarray,
    qty: np.ndarray,
    rejects: np.ndarray,
    unit_fen: np.ndarray,
    quota: np.ndarray,
    unit_above_fen: np.ndarray,
    coef_num: np.ndarray,
    coef_den: np.ndarray,
    seg_monthly_salary_fen: np.ndarray,
    seg_hourly_rate_fen: np.ndarray,
    seg_employed_days: np.ndarray,
    seg_absent_days: np.ndarray,
    seg_absent_half_days: np.ndarray,
    seg_worked_minutes: np.ndarray,
    seg_late_minutes: np.ndarray,
    seg_ot_workday_minutes: np.ndarray,
    seg_ot_restday_minutes: np.ndarray,
    seg_ot_holiday_minutes: np.ndarray,
    seg_paid_leave_minutes: np.ndarray,
    seg_unpaid_leave_minutes: np.ndarray,
    seg_sick_leave_minutes: np.ndarray,
    seg_count: np.ndarray,
    pay_tab: np.ndarray,
    si_tab: np.ndarray,
    tax_tab: np.ndarray,
    bonus_tab: np.ndarray,
    basic_deduction_fen: int,
    hf_deductible_num: int,
    hf_deductible_den: int,
    severance_exempt_multiple: int,
    bonus_separate_allowed: int,
    months_remaining: int,
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
    hf_deductible_fen: np.ndarray,
    hf_employee_excess_fen: np.ndarray,
    hf_employer_excess_fen: np.ndarray,
    hf_rate_flag: np.ndarray,
    si_hf_deductible_fen: np.ndarray,
    cumulative_income_fen: np.ndarray,
    bonus_tax_fen: np.ndarray,
    bonus_separate: np.ndarray,
    bonus_recommended_separate: np.ndarray,
    bonus_year_tax_separate_fen: np.ndarray,
    bonus_year_tax_combined_fen: np.ndarray,
    severance_fen: np.ndarray,
    severance_exempt_fen: np.ndarray,
    severance_tax_fen: np.ndarray,
    damages_deducted_fen: np.ndarray,
    damages_limit_fen: np.ndarray,
    damages_flag: np.ndarray,
    paid_leave_fen: np.ndarray,
    unpaid_leave_fen: np.ndarray,
    sick_wage_fen: np.ndarray,
    sick_pay_fen: np.ndarray,
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
        paid_leave = 0
        unpaid_leave = 0
        sick_wage = 0
        sick_minutes = sick_leave_minutes[i]
        # Each line is Σ over the month's pieces (segments) of the piece's rate × its days or minutes, rounded once:
        # the sums below are those numerators, handed to the one rounding helper with a quantity of 1.
        n_base = 0
        n_absence = 0
        n_unpaid = 0
        n_sick = 0
        n_late = 0
        n_otw = 0
        n_otr = 0
        n_oth = 0
        n_paid = 0
        n_hourly_sick = 0
        grace = pt[LATE_GRACE_MINUTES] if pt[LATE_PRO_RATA] == 1 else 0
        if pay_basis[i] == MONTHLY:
            for k in range(seg_count[i]):
                rate = seg_monthly_salary_fen[i, k]
                n_base += rate * seg_employed_days[i, k]
                n_absence += rate * (2 * seg_absent_days[i, k] + seg_absent_half_days[i, k])
                n_unpaid += rate * seg_unpaid_leave_minutes[i, k]
                n_sick += rate * seg_sick_leave_minutes[i, k]
                excused = min(seg_late_minutes[i, k], grace)  # the month's grace is used up in date order
                grace -= excused
                n_late += rate * (seg_late_minutes[i, k] - excused)
                n_otw += rate * seg_ot_workday_minutes[i, k]
                n_otr += rate * seg_ot_restday_minutes[i, k]
                n_oth += rate * seg_ot_holiday_minutes[i, k]
        else:
            for k in range(seg_count[i]):
                rate = seg_hourly_rate_fen[i, k]
                n_base += rate * seg_worked_minutes[i, k]
                n_otw += rate * seg_ot_workday_minutes[i, k]
                n_otr += rate * seg_ot_restday_minutes[i, k]
                n_oth += rate * seg_ot_holiday_minutes[i, k]
                n_paid += rate * seg_paid_leave_minutes[i, k]
                n_hourly_sick += rate * seg_sick_leave_minutes[i, k]
        # Sick pay: the larger of the own wage × the share and 80 % of the minimum wage, per time; rounding is
        # monotonic, so the larger of the two rounded amounts is the larger amount rounded once.
        sick_pay = per_pay_minute(pt[MIN_WAGE_FEN], sick_minutes, pt[SICK_FLOOR_NUM], pt[SICK_FLOOR_DEN], pdn, pdd, hpd)
        if pay_basis[i] == MONTHLY:
            base = prorated(n_base, 1, scheduled_days[i])
            absence = min(per_pay_day(n_absence, 1, 1, 2, pdn, pdd), base)
            unpaid_leave = min(per_pay_minute(n_unpaid, 1, 1, 1, pdn, pdd, hpd), base - absence)
            sick_wage = min(per_pay_minute(n_sick, 1, 1, 1, pdn, pdd, hpd), base - absence - unpaid_leave)
            own = per_pay_minute(n_sick, 1, sick_share_num[i], sick_share_den[i], pdn, pdd, hpd)
            sick_pay = max(sick_pay, own)
            if pt[LATE_PRO_RATA] != 1:
                n_late = 0
            late = min(
                per_pay_minute(n_late, 1, 1, 1, pdn, pdd, hpd),
                base - absence - unpaid_leave - sick_wage,
            )
            otw = per_pay_minute(n_otw, 1, pt[OT_WORKDAY_NUM], pt[OT_WORKDAY_DEN], pdn, pdd, hpd)
            otr = per_pay_minute(n_otr, 1, pt[OT_RESTDAY_NUM], pt[OT_RESTDAY_DEN], pdn, pdd, hpd)
            oth = per_pay_minute(n_oth, 1, pt[OT_HOLIDAY_NUM], pt[OT_HOLIDAY_DEN], pdn, pdd, hpd)
        elif pay_basis[i] == HOURLY:
            base = hourly_amount(n_base, 1, 1, 1)
            otw = hourly_amount(n_otw, 1, pt[OT_WORKDAY_NUM], pt[OT_WORKDAY_DEN])
            otr = hourly_amount(n_otr, 1, pt[OT_RESTDAY_NUM], pt[OT_RESTDAY_DEN])
            oth = hourly_amount(n_oth, 1, pt[OT_HOLIDAY_NUM], pt[OT_HOLIDAY_DEN])
        else:
            total = worked_minutes[i] + ot_workday_minutes[i] + ot_restday_minutes[i] + ot_holiday_minutes[i]
            otw = piece_overtime_premium(pieces, ot_workday_minutes[i], total, pt[OT_WORKDAY_NUM], pt[OT_WORKDAY_DEN])
            otr = piece_overtime_premium(pieces, ot_restday_minutes[i], total, pt[OT_RESTDAY_NUM], pt[OT_RESTDAY_DEN])
            oth = piece_overtime_premium(pieces, ot_holiday_minutes[i], total, pt[OT_HOLIDAY_NUM], pt[OT_HOLIDAY_DEN])
        if pay_basis[i] != MONTHLY:  # paid leave at the hourly rate, sick pay on it (piece rows: rate 0, the floor)
            paid_leave = hourly_amount(n_paid, 1, 1, 1)
            own = hourly_amount(n_hourly_sick, 1, sick_share_num[i], sick_share_den[i])
            sick_pay = max(sick_pay, own)
        leave = per_pay_day(leave_base_fen[i], leave_days_unused[i], pt[LEAVE_EXTRA_NUM], pt[LEAVE_EXTRA_DEN], pdn, pdd)

        raw_base = si_base_fen[i]
        if raw_base < 0:
            raw_base = monthly if pay_basis[i] == MONTHLY else 0
        # A part-time row computes only the items the conventions name (work injury); the others are 0.
        items = pt[PART_TIME_ITEMS] if part_time[i] == 1 else -1
        si_ee = 0
        si_er = 0
        for k in range(HOUSING_FUND):
            p = si_tab[c, k]
            b = clipped_base(raw_base, p[FLOOR], p[CAP])
            ee = 0
            er = 0
            if (items >> k) & 1 == 1:
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
        hf_ee = 0
        hf_er = 0
        if (items >> HOUSING_FUND) & 1 == 1:
            hf_ee = contribution(b, hf_ee_num, hf_ee_den, p[UNIT], p[EE_FIXED])
            hf_er = contribution(b, hf_er_num, hf_er_den, p[UNIT], p[ER_FIXED])
        hf_limit = round_to_unit(b * hf_deductible_num, hf_deductible_den, p[UNIT])
        hf_deductible = min(hf_ee, hf_limit)
        hf_er_excess = max(0, hf_er - hf_limit)
        low_num, low_den = pt[HF_LEGAL_MIN_NUM], pt[HF_LEGAL_MIN_DEN]
        high_num, high_den = pt[HF_LEGAL_MAX_NUM], pt[HF_LEGAL_MAX_DEN]
        hf_flag = 0
        if (items >> HOUSING_FUND) & 1 == 1 and (
            hf_ee_num * low_den < low_num * hf_ee_den
            or hf_ee_num * high_den > high_num * hf_ee_den
            or hf_er_num * low_den < low_num * hf_er_den
            or hf_er_num * high_den > high_num * hf_er_den
        ):
            hf_flag = 1

        if part_time[i] == 1:
            floor = round_half_up_div(pt[MIN_WAGE_HOURLY_FEN] * worked_minutes[i], 60)
        else:
            # Unpaid and sick leave reduce the days due like absence; paid leave is normal work time.
            day = hpd * 60
            due = (2 * (employed_days[i] - absent_days[i]) - absent_half_days[i]) * day
            due -= 2 * (unpaid_leave_minutes[i] + sick_minutes)
            floor = round_half_up_div(pt[MIN_WAGE_FEN] * due, 2 * scheduled_days[i] * day)
        counted = base - absence - unpaid_leave - sick_wage - late + paid_leave + pieces + allowances_fen[i]
        excluded = si_ee + hf_ee if pt[MIN_WAGE_EXCLUDES_SI_HF] == 1 else 0
        counted -= excluded
        # No normal work in the month (floor 0): the minimum wage guarantees nothing (最低工资规定 art. 3),
        # even where the employee's own SI/HF would make the counted pay negative.
        shortfall = max(0, floor - counted) if floor > 0 else 0
        topup = shortfall if pt[MIN_WAGE_TOP_UP] == 1 else 0

        ot = otw + otr + oth
        wages = base - absence - unpaid_leave - sick_wage - late + ot + pieces + allowances_fen[i]
        wages += night_allowance_fen[i] + leave + paid_leave + sick_pay + topup

        severance = 0
        severance_exempt = 0
        severance_tax = 0
        halves = severance_half_months[i]
        if halves > 0:
            annual = pt[AVERAGE_WAGE_ANNUAL_FEN]
            multiple = pt[SEVERANCE_CAP_MULTIPLE]
            wage = max(severance_base_fen[i], pt[MIN_WAGE_FEN])
            if wage * 12 > annual * multiple:  # above 3 × the monthly average: that cap, at most 12 years
                halves = min(halves, 2 * pt[SEVERANCE_CAPPED_YEARS])
                severance = round_half_up_div(annual * multiple * halves, 24)
            else:
                severance = round_half_up_div(wage * halves, 2)
            severance_exempt = min(severance, annual * severance_exempt_multiple)
            severance_tax = cumulative_tax(severance - severance_exempt, tax_tab)

        bonus = bonus_fen[i]
        gross = wages + bonus + severance
        # The month's contribution to the cumulative taxable income, without the bonus.
        month_taxable = (
            wages
            + hf_er_excess
            - basic_deduction_fen
            - si_ee
            - hf_deductible
            - special_deductions_fen[i]
            - other_deductions_fen[i]
        )
        before = (
            ytd_income_fen[i]
            - basic_deduction_fen * ytd_months[i]
            - ytd_si_hf_fen[i]
            - ytd_special_deductions_fen[i]
            - ytd_other_deductions_fen[i]
        )
        wage_taxable = before + month_taxable
        separate = 0
        recommended = 0
        year_separate = 0
        year_combined = 0
        bonus_tax = 0
        if bonus > 0:
            bonus_tax = separate_bonus_tax(bonus, bonus_tab)
            projected = wage_taxable + months_remaining * month_taxable
            year_separate = cumulative_tax(max(0, projected), tax_tab) + bonus_tax
            year_combined = cumulative_tax(max(0, projected + bonus), tax_tab)
            if bonus_separate_allowed == 1 and bonus_separate_used[i] == 0 and year_separate < year_combined:
                recommended = 1
            separate = recommended if bonus_method[i] == BONUS_RECOMMENDED else int(bonus_method[i] == BONUS_SEPARATE)
            if separate == 0:
                bonus_tax = 0
        taxable = max(0, wage_taxable + (0 if separate == 1 else bonus))
        tax_cum = cumulative_tax(taxable, tax_tab)
        iit = max(0, tax_cum - ytd_tax_withheld_fen[i])

        share_cap = round_down_div(wages * pt[DAMAGES_SHARE_NUM], pt[DAMAGES_SHARE_DEN])
        damages_limit = max(0, min(share_cap, wages - excluded - floor))
        requested = damages_fen[i]
        damages = min(requested, damages_limit) if pt[DAMAGES_CAPPED] == 1 else requested

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
        net_fen[i] = gross - si_ee - hf_ee - iit - bonus_tax - severance_tax - damages
        hf_deductible_fen[i] = hf_deductible
        hf_employee_excess_fen[i] = hf_ee - hf_deductible
        hf_employer_excess_fen[i] = hf_er_excess
        hf_rate_flag[i] = hf_flag
        si_hf_deductible_fen[i] = si_ee + hf_deductible
        cumulative_income_fen[i] = wages + hf_er_excess + (0 if separate == 1 else bonus)
        bonus_tax_fen[i] = bonus_tax
        bonus_separate[i] = separate
        bonus_recommended_separate[i] = recommended
        bonus_year_tax_separate_fen[i] = year_separate
        bonus_year_tax_combined_fen[i] = year_combined
        severance_fen[i] = severance
        severance_exempt_fen[i] = severance_exempt
        severance_tax_fen[i] = severance_tax
        damages_deducted_fen[i] = damages
        damages_limit_fen[i] = damages_limit
        damages_flag[i] = int(requested > damages_limit)
        paid_leave_fen[i] = paid_leave
        unpaid_leave_fen[i] = unpaid_leave
        sick_wage_fen[i] = sick_wage
        sick_pay_fen[i] = sick_pay


_KERNEL_ARGS = tuple(inspect.signature(_pay_kernel.py_func).parameters)
assert (
    INPUT_COLUMNS
    + PIECE_COLUMNS
    + tuple(f"seg_{name}" for name in SEGMENT_COLUMNS)
    + ("seg_count", "pay_tab", "si_tab", "tax_tab", "bonus_tab", "basic_deduction_fen", "hf_deductible_num")
    + ("hf_deductible_den",)
    + ("severance_exempt_multiple", "bonus_separate_allowed", "months_remaining")
    + OUTPUT_COLUMNS
    + ("piece_item_pay_fen",)
) == _KERNEL_ARGS, "the kernel's parameters must follow the dataclass field order"


def _check(bad: np.ndarray, message: str, ids: Sequence[str] | None, **shown: np.ndarray) -> None:
    """Raise for the first row where ``bad`` holds, naming the row, the employee and the values."""
    if bad.any():
        i = int(np.argmax(bad))
        who = f" (employee {ids[i]})" if ids is not None else ""
        values = ", ".join(f"{name} = {int(col[i])}" for name, col in shown.items())
        raise PayInputError(f"row {i}{who}: {values}: {message}")


def validate_inputs(
    inputs: EmployeeMonthColumns, pieces: PieceColumns, rules: Rules, ids: Sequence[str] | None
) -> None:
    """Refuse rows the kernel cannot pay exactly, before any is paid (vectorised, one pass per rule)."""
    n = len(inputs)
    n_cities = len(rules.cities)
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
    _validate_year_to_date(col, rules.period, ids)
    _check(
        (col.leave_days_unused < 0) | (col.leave_days_unused > MAX_LEAVE_DAYS),
        f"leave_days_unused must be 0..{MAX_LEAVE_DAYS}",
        ids,
        leave_days_unused=col.leave_days_unused,
    )
    _validate_one_offs(col, rules, ids)
    _validate_leave(col, rules, ids)
    _validate_pieces(pieces, n, ids)


def validate_segments(inputs: EmployeeMonthColumns, segments: SegmentColumns, ids: Sequence[str] | None) -> np.ndarray:
    """Pieces of a month the kernel can pay exactly: rates within the limits, nothing negative, and each time column
    adding up to the month's (so every sum of rate × time stays below the int64 bound of one month's column).
    Returns each row's number of pieces in use (1 + the last piece with a non-zero value; at least 1)."""
    n = len(inputs)
    width = segments.employed_days.shape[1] if segments.employed_days.ndim == 2 else 0
    used = np.zeros((n, width), dtype=np.bool_)
    for name in SEGMENT_COLUMNS:
        values = getattr(segments, name)
        if values.shape != (n, width) or not 1 <= width <= MAX_SEGMENTS:
            raise PayInputError(
                f"segment column {name!r} has shape {values.shape}; expected ({n}, k), the same k <= {MAX_SEGMENTS} "
                "for every segment column"
            )
        low = (values < 0).any(axis=1)
        used |= values != 0
        if name in ("monthly_salary_fen", "hourly_rate_fen"):
            _check(low | (values > MAX_FEN).any(axis=1), f"segment {name} must be 0..{MAX_FEN} fen", ids)
            continue
        total = getattr(inputs, name)
        _check(
            low | (values.sum(axis=1) != total),
            f"the segments' {name} must be >= 0 and add up to the month's {name}",
            ids,
            **{name: total, f"segments' {name}": values.sum(axis=1)},
        )
    last = width - np.argmax(used[:, ::-1], axis=1)
    count: np.ndarray = np.where(used.any(axis=1), last, 1).astype(np.int64)
    return count


def _validate_leave(col: EmployeeMonthColumns, rules: Rules, ids: Sequence[str] | None) -> None:
    """Leave minutes a month can hold (at most the employed time not absent) and a sick-pay share of 0..1."""
    for name in ("paid_leave_minutes", "unpaid_leave_minutes", "sick_leave_minutes"):
        values = getattr(col, name)
        _check((values < 0) | (values > MAX_MINUTES), f"{name} must be 0..{MAX_MINUTES}", ids, **{name: values})
    _check(
        (col.sick_share_den < 1)
        | (col.sick_share_den > MAX_SHARE_DEN)
        | (col.sick_share_num < 0)
        | (col.sick_share_num > col.sick_share_den),
        f"the sick-pay share must be 0 <= sick_share_num <= sick_share_den with 1 <= sick_share_den <= {MAX_SHARE_DEN}",
        ids,
        sick_share_num=col.sick_share_num,
        sick_share_den=col.sick_share_den,
    )
    day = pay_table(rules)[:, HOURS_PER_DAY][col.city] * 60
    leave = col.paid_leave_minutes + col.unpaid_leave_minutes + col.sick_leave_minutes
    _check(
        2 * leave > (2 * (col.employed_days - col.absent_days) - col.absent_half_days) * day,
        "leave (paid + unpaid + sick minutes) cannot exceed the employed workdays not absent, "
        "(employed_days − absent_days − absent_half_days ÷ 2) × hours_per_day × 60 minutes",
        ids,
        paid_leave_minutes=col.paid_leave_minutes,
        unpaid_leave_minutes=col.unpaid_leave_minutes,
        sick_leave_minutes=col.sick_leave_minutes,
        employed_days=col.employed_days,
        absent_days=col.absent_days,
        absent_half_days=col.absent_half_days,
    )


#: How a row's leave is shown when the caller gives no per-type detail: one line per way it is paid.
_UNNAMED_LEAVE = {"1": "带薪假", "0": "无薪假", "sick": "病假"}


def leave_detail(
    inputs: EmployeeMonthColumns, leave: Sequence[Sequence[LeaveTaken]] | None, ids: Sequence[str] | None
) -> list[list[LeaveTaken]]:
    """The per-type leave of every row, checked to add up to the input columns (or made from them when None)."""
    n = len(inputs)
    if leave is None:
        return [
            [
                LeaveTaken(paid, _UNNAMED_LEAVE[paid], paid, "hour", int(getattr(inputs, column)[i]), "")
                for paid, column in LEAVE_MINUTES_COLUMN.items()
                if getattr(inputs, column)[i] > 0
            ]
            for i in range(n)
        ]
    if len(leave) != n:
        raise PayInputError(f"leave detail has {len(leave)} rows for {n} input rows")
    for i, taken in enumerate(leave):
        for column in LEAVE_MINUTES_COLUMN.values():
            given = sum(t.minutes for t in taken if LEAVE_MINUTES_COLUMN.get(t.paid) == column)
            if given != int(getattr(inputs, column)[i]):
                who = f" (employee {ids[i]})" if ids is not None else ""
                raise PayInputError(
                    f"row {i}{who}: {column} = {int(getattr(inputs, column)[i])}, but the leave detail adds up to "
                    f"{given} minutes: give the per-type leave the column was summed from"
                )
        unknown = [t.paid for t in taken if t.paid not in LEAVE_MINUTES_COLUMN]
        if unknown:
            raise PayInputError(f"row {i}: leave paid {unknown[0]!r}: use one of {', '.join(LEAVE_MINUTES_COLUMN)}")
    return [list(taken) for taken in leave]


_YTD_FEN_COLUMNS = (
    "ytd_income_fen",
    "ytd_si_hf_fen",
    "ytd_special_deductions_fen",
    "ytd_other_deductions_fen",
    "ytd_tax_withheld_fen",
)


def _validate_year_to_date(col: EmployeeMonthColumns, period: str, ids: Sequence[str] | None) -> None:
    """Year-to-date figures a real tax year can hold: no more months than the period has before it, no
    negative sums, no sums without months, no more tax withheld than income."""
    _, month = parse_period(period)
    _check(
        (col.ytd_months < 0) | (col.ytd_months > month - 1),
        f"ytd_months must be 0..{month - 1}: months paid by this employer in the tax year before {period}",
        ids,
        ytd_months=col.ytd_months,
    )
    for name in _YTD_FEN_COLUMNS:
        values = getattr(col, name)
        _check((values < 0) | (values > MAX_YTD_FEN), f"{name} must be 0..{MAX_YTD_FEN} fen", ids, **{name: values})
        _check(
            (col.ytd_months == 0) & (values != 0),
            f"{name} must be 0 when ytd_months is 0: nothing is paid in a tax year before its first month",
            ids,
            **{name: values, "ytd_months": col.ytd_months},
        )
    _check(
        col.ytd_tax_withheld_fen > col.ytd_income_fen,
        "ytd_tax_withheld_fen cannot exceed ytd_income_fen: the tax withheld is a part of the income",
        ids,
        ytd_tax_withheld_fen=col.ytd_tax_withheld_fen,
        ytd_income_fen=col.ytd_income_fen,
    )


def _validate_one_offs(col: EmployeeMonthColumns, rules: Rules, ids: Sequence[str] | None) -> None:
    """Part-time workers, the one-off bonus, severance and damages: values the rule data can pay."""
    table = pay_table(rules)
    no_hourly_minimum = (table[:, MIN_WAGE_HOURLY_FEN] == UNKNOWN)[col.city]
    no_average_wage = (table[:, AVERAGE_WAGE_ANNUAL_FEN] == UNKNOWN)[col.city]
    _check((col.part_time < 0) | (col.part_time > 1), "part_time must be 0 or 1", ids, part_time=col.part_time)
    _check(
        (col.part_time == 1) & (col.pay_basis != HOURLY),
        "a part-time (非全日制) worker is paid by the hour: pay_basis must be 1 (hourly)",
        ids,
        part_time=col.part_time,
        pay_basis=col.pay_basis,
    )
    _check(
        (col.part_time == 1) & no_hourly_minimum,
        f"the rule data of this city has no hourly minimum wage (hourly_yuan) in force for {rules.period}; add it "
        "to its [[minimum_wage]] entry before paying part-time workers there",
        ids,
        city=col.city,
    )
    for name in ("bonus_fen", "severance_base_fen", "damages_fen"):
        values = getattr(col, name)
        _check((values < 0) | (values > MAX_FEN), f"{name} must be 0..{MAX_FEN} fen", ids, **{name: values})
    _check(
        (col.bonus_method < -1) | (col.bonus_method > 1),
        "bonus_method must be -1 (the recommended one), 0 (with the wages) or 1 (separately)",
        ids,
        bonus_method=col.bonus_method,
    )
    _check(
        (col.bonus_separate_used < 0) | (col.bonus_separate_used > 1),
        "bonus_separate_used must be 0 or 1",
        ids,
        bonus_separate_used=col.bonus_separate_used,
    )
    _check(
        (col.bonus_fen > 0) & (col.bonus_method == BONUS_SEPARATE) & (col.bonus_separate_used == 1),
        "a bonus of this tax year was already taxed separately: the separate taxation is once per employee per "
        "year (财政部 税务总局公告2023年第30号); tax this bonus with the wages",
        ids,
        bonus_fen=col.bonus_fen,
    )
    _check(
        (col.bonus_fen > 0) & (col.bonus_method == BONUS_SEPARATE) & (rules.period > rules.tax.bonus_valid_until),
        f"the separate taxation of an annual bonus ends with {rules.tax.bonus_valid_until} (rule data); tax this "
        "bonus with the wages",
        ids,
        bonus_fen=col.bonus_fen,
    )
    _check(
        (col.severance_half_months < 0) | (col.severance_half_months > MAX_SEVERANCE_HALF_MONTHS),
        f"severance_half_months must be 0..{MAX_SEVERANCE_HALF_MONTHS} (half months of wage, 2 per year of service)",
        ids,
        severance_half_months=col.severance_half_months,
    )
    _check(
        (col.severance_half_months > 0) & no_average_wage,
        f"the rule data of this city has no local average wage ([[average_wage]]) in force for {rules.period}, "
        "which severance is capped and taxed by; add it before paying severance there",
        ids,
        city=col.city,
    )


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
    leave: Sequence[Sequence[LeaveTaken]] | None = None,
    segments: SegmentColumns | None = None,
) -> PayResult:
    """Pay every row of ``inputs`` under ``rules``; ``ids`` only make error messages and lines readable, ``leave``
    (per row, the leave types taken) only the leave lines: the kernel takes the leave columns' sums. ``segments``
    cut rows into pieces under different terms (a raise on the 16th); None: one piece per row."""
    n = len(inputs)
    pieces = PieceColumns.empty(n) if pieces is None else pieces
    validate_inputs(inputs, pieces, rules, ids)
    if segments is None:
        segments, count = SegmentColumns.single(inputs), np.ones(n, dtype=np.int64)
    else:
        count = validate_segments(inputs, segments, ids)
    detail = leave_detail(inputs, leave, ids)
    outputs = {name: np.empty(n, dtype=np.int64) for name in OUTPUT_COLUMNS}
    item_pay = np.empty(len(pieces.qty), dtype=np.int64)
    # One tuple in the kernel's parameter order (checked against the dataclasses at import, see _KERNEL_ARGS).
    arguments: tuple[Any, ...] = (
        *(getattr(inputs, name) for name in INPUT_COLUMNS),
        *(getattr(pieces, name) for name in PIECE_COLUMNS),
        *(getattr(segments, name) for name in SEGMENT_COLUMNS),
        count,
        pay_table(rules),
        contribution_table(rules),
        tax_table(rules),
        bonus_table(rules),
        rules.tax.basic_deduction_monthly_fen,
        rules.tax.hf_deductible_rate.numerator,
        rules.tax.hf_deductible_rate.denominator,
        rules.tax.severance_exempt_multiple,
        int(rules.period <= rules.tax.bonus_valid_until),
        12 - parse_period(rules.period)[1],
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
        leave=detail,
        rules=rules,
        ids=ids,
        segments=segments,
    )
