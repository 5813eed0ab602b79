"""Plain-Python ``Decimal`` twin of the pay kernels, one employee-month at a time.

Written from the rules as a person would compute them on paper (daily wage = monthly ÷ 21.75,
hourly = daily ÷ 8, each line quantized once with ROUND_HALF_UP), without the kernels' integer
rationals, so a slip in either shows up as a difference in the property tests.
To keep every quotient exact, each line multiplies first and divides once, in a 60-digit context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

from payroll_core.rules import SOCIAL_ITEMS, CityRules, Rules, TaxRules

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


def pay_month(
    emp: Mapping[str, int], pieces: Sequence[Mapping[str, int]], city: CityRules, tax: TaxRules
) -> dict[str, int]:
    """Every output column of one employee-month (names as in ``pipeline.PayResult``)."""
    with localcontext(_CONTEXT):
        return _pay_month(emp, pieces, city, tax)


def _pay_month(
    emp: Mapping[str, int], pieces: Sequence[Mapping[str, int]], city: CityRules, tax: TaxRules
) -> dict[str, int]:
    conv = city.conventions
    pay_days = _dec(conv.pay_days_per_month)  # 21.75
    hours = Decimal(conv.hours_per_day)
    multipliers = {
        "workday": _dec(conv.ot_workday),
        "restday": _dec(conv.ot_restday),
        "holiday": _dec(conv.ot_holiday),
    }
    monthly = Decimal(emp["monthly_salary_fen"])
    out: dict[str, int] = {}
    item_pay = [piece_pay(item) for item in pieces]
    pieces_total = sum(item_pay)

    base = absence = late = 0
    ot: dict[str, int] = {}
    if emp["pay_basis"] == 0:  # monthly
        base = _fen(monthly * emp["employed_days"] / emp["scheduled_days"])
        absent = Decimal(emp["absent_days"]) + Decimal(emp["absent_half_days"]) / 2
        absence = min(_fen(monthly * absent / pay_days), base)
        chargeable = 0
        if conv.late_method == "pro_rata_minutes":
            chargeable = max(0, emp["late_minutes"] - conv.late_grace_minutes)
        late = min(_fen(monthly * chargeable / (pay_days * hours * 60)), base - absence)
        for kind, mult in multipliers.items():
            ot[kind] = _fen(monthly * mult * emp[f"ot_{kind}_minutes"] / (pay_days * hours * 60))
    elif emp["pay_basis"] == 1:  # hourly
        hourly = Decimal(emp["hourly_rate_fen"])
        base = _fen(hourly * emp["worked_minutes"] / 60)
        for kind, mult in multipliers.items():
            ot[kind] = _fen(hourly * mult * emp[f"ot_{kind}_minutes"] / 60)
    else:  # piece: premium on the overtime share of piece pay
        total = emp["worked_minutes"] + sum(emp[f"ot_{kind}_minutes"] for kind in multipliers)
        for kind, mult in multipliers.items():
            minutes = emp[f"ot_{kind}_minutes"]
            ot[kind] = _fen(Decimal(pieces_total) * (mult - 1) * minutes / total) if total else 0
    leave = _fen(
        Decimal(emp["leave_base_fen"]) * _dec(conv.leave_extra_multiplier) * emp["leave_days_unused"] / pay_days
    )

    raw_base = emp["si_base_fen"]
    if raw_base < 0:
        raw_base = emp["monthly_salary_fen"] if emp["pay_basis"] == 0 else 0
    si_ee = si_er = 0
    for name in SOCIAL_ITEMS:
        item = city.items[name]
        b = Decimal(min(max(raw_base, item.base_floor_fen), item.base_cap_fen))
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
    hf_ee = _fen(hf_base * ee_rate, hf.unit_fen) + hf.employee_fixed_fen
    hf_er = _fen(hf_base * er_rate, hf.unit_fen) + hf.employer_fixed_fen

    due_days = emp["employed_days"] - emp["absent_days"] - Decimal(emp["absent_half_days"]) / 2
    floor = _fen(Decimal(city.minimum_wage_fen) * due_days / emp["scheduled_days"])
    counted = base - absence - late + pieces_total + emp["allowances_fen"]
    if city.minimum_wage_excludes_si_hf:
        counted -= si_ee + hf_ee
    shortfall = 0 if floor == 0 else max(0, floor - counted)  # no normal work: no minimum-wage guarantee
    topup = shortfall if conv.minimum_wage_top_up else 0

    ot_total = sum(ot.values())
    gross = (
        base
        - absence
        - late
        + ot_total
        + pieces_total
        + emp["allowances_fen"]
        + emp["night_allowance_fen"]
        + leave
        + topup
    )

    months = emp["ytd_months"] + 1
    deductions = (
        tax.basic_deduction_monthly_fen * months
        + emp["ytd_si_hf_fen"]
        + si_ee
        + hf_ee
        + emp["ytd_special_deductions_fen"]
        + emp["special_deductions_fen"]
        + emp["ytd_other_deductions_fen"]
        + emp["other_deductions_fen"]
    )
    taxable = max(0, emp["ytd_income_fen"] + gross - deductions)
    tax_cum = 0
    if taxable > 0:
        bracket = next(b for b in tax.brackets if b.upto_fen is None or taxable <= b.upto_fen)
        tax_cum = _fen(Decimal(taxable) * _dec(bracket.rate)) - bracket.quick_deduction_fen
    iit = max(0, tax_cum - emp["ytd_tax_withheld_fen"])

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
        gross_fen=gross,
        si_employee_fen=si_ee,
        si_employer_fen=si_er,
        hf_employee_fen=hf_ee,
        hf_employer_fen=hf_er,
        taxable_cumulative_fen=taxable,
        tax_cumulative_fen=tax_cum,
        iit_fen=iit,
        net_fen=gross - si_ee - hf_ee - iit,
    )
    return out


def pay_rows(inputs: Any, pieces: Any, rules: Rules, rows: Sequence[int]) -> list[dict[str, int]]:
    """The reference over chosen rows of pipeline-shaped columns (objects with one array per field)."""
    columns = vars(inputs)
    piece_columns = {k: v for k, v in vars(pieces).items() if k != "offsets"}
    results = []
    for i in rows:
        emp = {name: int(col[i]) for name, col in columns.items()}
        start, stop = int(pieces.offsets[i]), int(pieces.offsets[i + 1])
        items = [{k: int(v[j]) for k, v in piece_columns.items()} for j in range(start, stop)]
        results.append(pay_month(emp, items, rules.cities[emp["city"]], rules.tax))
    return results
