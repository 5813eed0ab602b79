"""Plain-Python ``Decimal`` twin of the pay kernels, one employee-month at a time.

Written from the rules as a person would compute them on paper (daily wage = monthly ÷ 21.75,
hourly = daily ÷ 8, each line quantized once with ROUND_HALF_UP; the one legal ceiling, the 20 % limit
of a damages deduction, with ROUND_DOWN), without the kernels' integer rationals, so a slip in either
shows up as a difference in the property tests.
To keep every quotient exact, each line multiplies first and divides once, in a 60-digit context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

from payroll_core.rules import SOCIAL_ITEMS, CityRules, Rules, TaxBracket, TaxRules, parse_period

_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)
ONE_FEN = Decimal(1)


def _dec(value: Fraction | int) -> Decimal:
    value = Fraction(value)
    return Decimal(value.numerator) / Decimal(value.denominator)


def _fen(amount: Decimal, unit_fen: int = 1) -> int:
    """Round an amount in fen half up to a multiple of ``unit_fen``."""
    unit = Decimal(unit_fen)
    return int((amount / unit).quantize(ONE_FEN, rounding=ROUND_HALF_UP) * unit)


def piece_pay(item: Mapping[str, int]) -> int:
    """One piece record: good units × price (tiered above a quota) × grade coefficient."""
    good = Decimal(item["qty"] - item["rejects"])
    quota = Decimal(item["quota"])
    if quota > 0 and good > quota:
        amount = quota * item["unit_fen"] + (good - quota) * item["unit_above_fen"]
    else:
        amount = good * item["unit_fen"]
    return _fen(amount * Decimal(item["coef_num"]) / Decimal(item["coef_den"]))


def _annual_tax(taxable: int, brackets: Sequence[TaxBracket]) -> int:
    """Tax on a taxable amount by the table's bracket that holds it (0 for nothing taxable)."""
    if taxable <= 0:
        return 0
    bracket = next(b for b in brackets if b.upto_fen is None or taxable <= b.upto_fen)
    return _fen(Decimal(taxable) * _dec(bracket.rate)) - bracket.quick_deduction_fen


def _bonus_tax(bonus: int, tax: TaxRules) -> int:
    """财政部 税务总局公告2023年第30号: the monthly table's bracket for bonus ÷ 12, applied to the whole bonus."""
    if bonus <= 0:
        return 0
    monthly = Decimal(bonus) / 12
    bracket = next(b for b in tax.bonus_brackets if b.upto_fen is None or monthly <= b.upto_fen)
    return max(0, _fen(Decimal(bonus) * _dec(bracket.rate)) - bracket.quick_deduction_fen)


def _outside(rate: Decimal, low: Decimal, high: Decimal) -> bool:
    return rate < low or rate > high


def pay_month(
    emp: Mapping[str, int],
    pieces: Sequence[Mapping[str, int]],
    city: CityRules,
    tax: TaxRules,
    period: str,
    segments: Sequence[Mapping[str, int]] | None = None,
) -> dict[str, int]:
    """Every output column of one employee-month (names as in ``pipeline.PayResult``) in pay month ``period``;
    ``segments`` (the month's pieces under their own rates and days, in date order) replace the month's one rate."""
    with localcontext(_CONTEXT):
        return _pay_month(emp, pieces, city, tax, period, segments)


def _pay_month(
    emp: Mapping[str, int],
    pieces: Sequence[Mapping[str, int]],
    city: CityRules,
    tax: TaxRules,
    period: str,
    segments: Sequence[Mapping[str, int]] | None,
) -> dict[str, int]:
    conv = city.conventions
    pay_days = _dec(conv.pay_days_per_month)  # 21.75
    hours = Decimal(conv.hours_per_day)
    multipliers = {
        "workday": _dec(conv.ot_workday),
        "restday": _dec(conv.ot_restday),
        "holiday": _dec(conv.ot_holiday),
    }
    out: dict[str, int] = {}
    item_pay = [piece_pay(item) for item in pieces]
    pieces_total = sum(item_pay)

    base = absence = late = paid_leave = unpaid_leave = sick_wage = sick_pay = 0
    ot: dict[str, int] = {}
    # The month in pieces under their own terms (a raise on the 16th): each line is the sum of the pieces'
    # exact amounts, each at the rate of its piece, quantized once.
    pieces_of_month = segments if segments is not None else [emp]
    day = hours * 60

    def summed(amount: Any) -> Decimal:
        return sum((amount(seg) for seg in pieces_of_month), Decimal(0))

    # Sick pay = max(own wage × share, 80 % of the minimum wage) per day of hours_per_day; every amount below is an
    # exact product divided once, so an amount of exactly x.5 fen is seen as such.
    sick_minutes = emp["sick_leave_minutes"]
    sick_share_num, sick_share_den = emp["sick_share_num"], emp["sick_share_den"]
    sick_floor = Decimal(city.minimum_wage_fen) * _dec(conv.sick_pay_floor_share) * sick_minutes / (day * pay_days)
    if emp["pay_basis"] == 0:  # monthly: a piece's days at its own monthly salary
        base = _fen(summed(lambda g: Decimal(g["monthly_salary_fen"]) * g["employed_days"]) / emp["scheduled_days"])
        absent_halves = summed(
            lambda g: Decimal(g["monthly_salary_fen"]) * (2 * g["absent_days"] + g["absent_half_days"])
        )
        absence = min(_fen(absent_halves / (2 * pay_days)), base)
        unpaid = summed(lambda g: Decimal(g["monthly_salary_fen"]) * g["unpaid_leave_minutes"])
        unpaid_leave = min(_fen(unpaid / (day * pay_days)), base - absence)
        own_sick = summed(lambda g: Decimal(g["monthly_salary_fen"]) * g["sick_leave_minutes"])
        sick_wage = min(_fen(own_sick / (day * pay_days)), base - absence - unpaid_leave)
        sick_pay = _fen(max(own_sick * sick_share_num / (sick_share_den * day * pay_days), sick_floor))
        late_amount = Decimal(0)
        if conv.late_method == "pro_rata_minutes":
            grace = conv.late_grace_minutes  # used up by the first late minutes of the month
            for seg in pieces_of_month:
                excused = min(seg["late_minutes"], grace)
                grace -= excused
                late_amount += Decimal(seg["monthly_salary_fen"]) * (seg["late_minutes"] - excused)
        late = min(_fen(late_amount / (pay_days * day)), base - absence - unpaid_leave - sick_wage)
        for kind, mult in multipliers.items():
            worked = summed(lambda g, kind=kind: Decimal(g["monthly_salary_fen"]) * g[f"ot_{kind}_minutes"])
            ot[kind] = _fen(worked * mult / (pay_days * day))
    elif emp["pay_basis"] == 1:  # hourly: a piece's minutes at its own hourly rate
        base = _fen(summed(lambda g: Decimal(g["hourly_rate_fen"]) * g["worked_minutes"]) / 60)
        for kind, mult in multipliers.items():
            worked = summed(lambda g, kind=kind: Decimal(g["hourly_rate_fen"]) * g[f"ot_{kind}_minutes"])
            ot[kind] = _fen(worked * mult / 60)
    else:  # piece: premium on the overtime share of piece pay
        total = emp["worked_minutes"] + sum(emp[f"ot_{kind}_minutes"] for kind in multipliers)
        for kind, mult in multipliers.items():
            minutes = emp[f"ot_{kind}_minutes"]
            ot[kind] = _fen(Decimal(pieces_total) * (mult - 1) * minutes / total) if total else 0
    if emp["pay_basis"] != 0:  # hourly, piece: paid leave at the hourly rate; sick pay on the hourly rate too
        paid_leave = _fen(summed(lambda g: Decimal(g["hourly_rate_fen"]) * g["paid_leave_minutes"]) / 60)
        own_sick = summed(lambda g: Decimal(g["hourly_rate_fen"]) * g["sick_leave_minutes"])
        sick_pay = _fen(max(own_sick * sick_share_num / (sick_share_den * 60), sick_floor))
    leave = _fen(
        Decimal(emp["leave_base_fen"]) * _dec(conv.leave_extra_multiplier) * emp["leave_days_unused"] / pay_days
    )

    raw_base = emp["si_base_fen"]
    if raw_base < 0:
        raw_base = emp["monthly_salary_fen"] if emp["pay_basis"] == 0 else 0

    # A part-time (非全日制) worker has only the items the conventions name (work injury, paid by the employer).
    def contributes(name: str) -> bool:
        return not emp["part_time"] or name in conv.part_time_items

    si_ee = si_er = 0
    for name in SOCIAL_ITEMS:
        item = city.items[name]
        b = Decimal(min(max(raw_base, item.base_floor_fen), item.base_cap_fen))
        ee = er = 0
        if contributes(name):
            ee = _fen(b * _dec(item.employee_rate), item.unit_fen) + item.employee_fixed_fen
            er = _fen(b * _dec(item.employer_rate), item.unit_fen) + item.employer_fixed_fen
        out[f"{name}_employee_fen"], out[f"{name}_employer_fen"] = ee, er
        si_ee += ee
        si_er += er
    hf = city.items["housing_fund"]
    hf_base = Decimal(min(max(raw_base, hf.base_floor_fen), hf.base_cap_fen))
    ee_rate, er_rate = _dec(hf.employee_rate), _dec(hf.employer_rate)
    if emp["hf_rate_den"] > 0:
        ee_rate = er_rate = Decimal(emp["hf_rate_num"]) / Decimal(emp["hf_rate_den"])
    hf_ee = hf_er = 0
    if contributes("housing_fund"):
        hf_ee = _fen(hf_base * ee_rate, hf.unit_fen) + hf.employee_fixed_fen
        hf_er = _fen(hf_base * er_rate, hf.unit_fen) + hf.employer_fixed_fen
    # 财税〔2006〕10号: tax-free up to 12 % of the base on each side, rounded like the contribution itself.
    free = _fen(hf_base * _dec(tax.hf_deductible_rate), hf.unit_fen)
    hf_deductible = min(hf_ee, free)
    hf_er_excess = max(0, hf_er - free)
    low, high = _dec(conv.hf_legal_rate_min), _dec(conv.hf_legal_rate_max)
    hf_flag = int(contributes("housing_fund") and (_outside(ee_rate, low, high) or _outside(er_rate, low, high)))

    if emp["part_time"]:
        floor = _fen(Decimal(city.minimum_wage_hourly_fen or 0) * emp["worked_minutes"] / 60)
    else:
        # Paid leave is normal work time for the floor; unpaid and sick leave reduce the days due like absence.
        # In minutes, so the one division is the last (7/30 of a day is no finite decimal, and a floor of exactly
        # x.5 fen must not round the wrong way).
        due = (emp["employed_days"] - emp["absent_days"] - Decimal(emp["absent_half_days"]) / 2) * day
        due -= emp["unpaid_leave_minutes"] + emp["sick_leave_minutes"]
        floor = _fen(Decimal(city.minimum_wage_fen) * due / (emp["scheduled_days"] * day))
    counted = base - absence - unpaid_leave - sick_wage - late + paid_leave + pieces_total + emp["allowances_fen"]
    own_si_hf = si_ee + hf_ee if city.minimum_wage_excludes_si_hf else 0
    counted -= own_si_hf
    shortfall = 0 if floor == 0 else max(0, floor - counted)  # no normal work: no minimum-wage guarantee
    topup = shortfall if conv.minimum_wage_top_up else 0

    ot_total = sum(ot.values())
    wages = (
        base
        - absence
        - unpaid_leave
        - sick_wage
        - late
        + paid_leave
        + sick_pay
        + ot_total
        + pieces_total
        + emp["allowances_fen"]
        + emp["night_allowance_fen"]
        + leave
        + topup
    )

    # 经济补偿: half_months × ½ month's wage; above 3 × the monthly average wage: that cap and at most 12 years.
    severance = severance_exempt = severance_tax = 0
    if emp["severance_half_months"]:
        annual = Decimal(city.average_wage_annual_fen or 0)
        wage = Decimal(max(emp["severance_base_fen"], city.minimum_wage_fen))
        halves = emp["severance_half_months"]
        if wage * 12 > annual * conv.severance_wage_cap_multiple:  # wage > 3 × (annual ÷ 12)
            halves = min(halves, 2 * conv.severance_capped_years)
            severance = _fen(annual * conv.severance_wage_cap_multiple * halves / 24)
        else:
            severance = _fen(wage * halves / 2)
        severance_exempt = min(severance, (city.average_wage_annual_fen or 0) * tax.severance_exempt_multiple)
        severance_tax = _annual_tax(severance - severance_exempt, tax.brackets)

    # Cumulative withholding of the wages; the bonus either joins them or is taxed on its own.
    month_deductions = tax.basic_deduction_monthly_fen + si_ee + hf_deductible
    month_deductions += emp["special_deductions_fen"] + emp["other_deductions_fen"]
    earlier = (
        emp["ytd_income_fen"]
        - tax.basic_deduction_monthly_fen * emp["ytd_months"]
        - emp["ytd_si_hf_fen"]
        - emp["ytd_special_deductions_fen"]
        - emp["ytd_other_deductions_fen"]
    )
    this_month = wages + hf_er_excess - month_deductions
    bonus = emp["bonus_fen"]
    separate = recommended = year_separate = year_combined = bonus_tax = 0
    if bonus:
        alone = _bonus_tax(bonus, tax)
        months_left = 12 - parse_period(period)[1]
        year = earlier + this_month * (1 + months_left)
        year_separate = _annual_tax(year, tax.brackets) + alone
        year_combined = _annual_tax(year + bonus, tax.brackets)
        may_separate = period <= tax.bonus_valid_until and not emp["bonus_separate_used"]
        recommended = int(may_separate and year_separate < year_combined)
        separate = recommended if emp["bonus_method"] == -1 else int(emp["bonus_method"] == 1)
        bonus_tax = alone if separate else 0
    taxable = max(0, earlier + this_month + (0 if separate else bonus))
    tax_cum = _annual_tax(taxable, tax.brackets)
    iit = max(0, tax_cum - emp["ytd_tax_withheld_fen"])

    # 工资支付暂行规定 art. 16: at most 20 % of the wages (never rounded up), and the minimum wage stays.
    share = (Decimal(wages) * _dec(conv.damages_max_share)).to_integral_value(rounding=ROUND_DOWN)
    limit = max(0, min(int(share), wages - own_si_hf - floor))
    damages = min(emp["damages_fen"], limit) if conv.damages_policy == "cap" else emp["damages_fen"]

    out.update(
        base_pay_fen=base,
        absence_fen=absence,
        late_fen=late,
        ot_workday_fen=ot["workday"],
        ot_restday_fen=ot["restday"],
        ot_holiday_fen=ot["holiday"],
        ot_pay_fen=ot_total,
        piece_pay_fen=pieces_total,
        leave_pay_fen=leave,
        min_wage_floor_fen=floor,
        min_wage_shortfall_fen=shortfall,
        min_wage_topup_fen=topup,
        gross_fen=wages + bonus + severance,
        si_employee_fen=si_ee,
        si_employer_fen=si_er,
        hf_employee_fen=hf_ee,
        hf_employer_fen=hf_er,
        taxable_cumulative_fen=taxable,
        tax_cumulative_fen=tax_cum,
        iit_fen=iit,
        net_fen=wages + bonus + severance - si_ee - hf_ee - iit - bonus_tax - severance_tax - damages,
        hf_deductible_fen=hf_deductible,
        hf_employee_excess_fen=hf_ee - hf_deductible,
        hf_employer_excess_fen=hf_er_excess,
        hf_rate_flag=hf_flag,
        si_hf_deductible_fen=si_ee + hf_deductible,
        cumulative_income_fen=wages + hf_er_excess + (0 if separate else bonus),
        bonus_tax_fen=bonus_tax,
        bonus_separate=separate,
        bonus_recommended_separate=recommended,
        bonus_year_tax_separate_fen=year_separate,
        bonus_year_tax_combined_fen=year_combined,
        severance_fen=severance,
        severance_exempt_fen=severance_exempt,
        severance_tax_fen=severance_tax,
        damages_deducted_fen=damages,
        damages_limit_fen=limit,
        damages_flag=int(emp["damages_fen"] > limit),
        paid_leave_fen=paid_leave,
        unpaid_leave_fen=unpaid_leave,
        sick_wage_fen=sick_wage,
        sick_pay_fen=sick_pay,
    )
    return out


def pay_rows(inputs: Any, pieces: Any, rules: Rules, rows: Sequence[int], segments: Any = None) -> list[dict[str, int]]:
    """The reference over chosen rows of pipeline-shaped columns (objects with one array per field); `segments`
    (an object with one [row, piece] array per field) cut rows into pieces, unused (all 0) pieces dropped."""
    columns = vars(inputs)
    piece_columns = {k: v for k, v in vars(pieces).items() if k != "offsets"}
    results = []
    for i in rows:
        emp = {name: int(col[i]) for name, col in columns.items()}
        start, stop = int(pieces.offsets[i]), int(pieces.offsets[i + 1])
        items = [{k: int(v[j]) for k, v in piece_columns.items()} for j in range(start, stop)]
        cut = None
        if segments is not None:
            per = {name: [int(v) for v in col[i]] for name, col in vars(segments).items()}
            cut = [{name: per[name][k] for name in per} for k in range(len(per["employed_days"]))]
            cut = [g for g in cut if any(g.values())]
        results.append(pay_month(emp, items, rules.cities[emp["city"]], rules.tax, rules.period, cut))
    return results
