"""Payslip explanation lines, built after the kernel from its inputs and outputs.

The kernel stays columnar and fast; a payslip asks for its lines one row at a time. Every line
carries its code, signed amount (deductions negative), the quantities it came from and the rule
(formula, rounding) that made it, so "why is my pay this?" is answered from the payslip alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache

from payroll_core.columns import LEAVE_MINUTES_COLUMN, OUTPUT_COLUMNS, LeaveTaken, PayResult
from payroll_core.money import round_half_up_div
from payroll_core.pay import BONUS_RECOMMENDED, HOURLY, MONTHLY
from payroll_core.rules import SOCIAL_ITEMS, CityRules


@dataclass(frozen=True)
class Line:
    code: str
    amount_fen: int
    quantities: dict[str, int | str] = field(default_factory=dict)
    rule: str = ""


def _ratio(value: Fraction) -> str:
    """A rate as people write it ("21.75", "0.08"); rule data only holds terminating decimals."""
    return _decimal(value.numerator, value.denominator)


@cache  # a run asks for the same few rates millions of times; ints hash in C, a Fraction in Python
def _decimal(numerator: int, denominator: int) -> str:
    return str(Decimal(numerator) / Decimal(denominator))


def build_lines(result: PayResult, i: int) -> list[Line]:
    """The lines of row ``i``; zero amounts are left out except base pay, gross, net and tax."""
    assert result.inputs is not None
    return _lines(result, i, {name: int(col[i]) for name, col in vars(result.inputs).items()}, result.row(i))


def lines_of_rows(result: PayResult, rows: range) -> Iterator[list[Line]]:
    """`build_lines` of each row of `rows` (a step-1 range), in order: the rows' inputs and outputs become Python
    ints one column slice at a time (`tolist`) rather than a numpy scalar per value, which cost more than the
    lines themselves in a 100,000-employee run."""
    assert result.inputs is not None
    given = {name: col[rows.start : rows.stop].tolist() for name, col in vars(result.inputs).items()}
    outputs = {name: getattr(result, name)[rows.start : rows.stop].tolist() for name in OUTPUT_COLUMNS}
    # each row's dicts made by `dict(zip(…))` over the transposed slices, in C: a comprehension per row over some
    # 150 columns cost a 100,000-employee run 0.8 s, these 0.6
    for i, emp, out in zip(rows, zip(*given.values(), strict=True), zip(*outputs.values(), strict=True), strict=True):
        yield _lines(result, i, dict(zip(given, emp, strict=True)), dict(zip(OUTPUT_COLUMNS, out, strict=True)))


def _lines(result: PayResult, i: int, emp: dict[str, int], out: dict[str, int]) -> list[Line]:
    """The lines of row ``i`` from its inputs `emp` and outputs `out` as plain ints."""
    rules, pieces = result.rules, result.pieces
    assert rules is not None and pieces is not None
    city = rules.cities[emp["city"]]
    conv = city.conventions
    pay_days = _ratio(conv.pay_days_per_month)
    lines: list[Line] = []

    def add(code: str, amount: int, rule: str, keep: bool = False, **quantities: int | str) -> None:
        if amount or keep:
            lines.append(Line(code, amount, quantities, rule))

    if emp["pay_basis"] == MONTHLY:
        add(
            "BASE_PAY",
            out["base_pay_fen"],
            "monthly × employed_days ÷ scheduled_days, fen_half_up",
            True,
            monthly_salary_fen=emp["monthly_salary_fen"],
            employed_days=emp["employed_days"],
            scheduled_days=emp["scheduled_days"],
        )
        add(
            "ABSENCE",
            -out["absence_fen"],
            f"monthly × (absent_days + absent_half_days ÷ 2) ÷ {pay_days}, fen_half_up, at most base pay",
            monthly_salary_fen=emp["monthly_salary_fen"],
            absent_days=emp["absent_days"],
            absent_half_days=emp["absent_half_days"],
        )
        add(
            "LATE",
            -out["late_fen"],
            f"monthly ÷ {pay_days} ÷ {conv.hours_per_day} ÷ 60 × minutes beyond grace, fen_half_up",
            late_minutes=emp["late_minutes"],
            grace_minutes=conv.late_grace_minutes,
            method=conv.late_method,
        )
    elif emp["pay_basis"] == HOURLY:
        add(
            "BASE_PAY",
            out["base_pay_fen"],
            "hourly rate × worked_minutes ÷ 60, fen_half_up",
            True,
            hourly_rate_fen=emp["hourly_rate_fen"],
            worked_minutes=emp["worked_minutes"],
        )
    assert result.leave is not None
    lines.extend(_leave_lines(emp, out, result.leave[i], city))
    for j in range(int(pieces.offsets[i]), int(pieces.offsets[i + 1])):
        add(
            "PIECE",
            int(result.piece_item_pay_fen[j]),
            "(qty − rejects) × unit (unit_above beyond quota) × coef, fen_half_up, once per record",
            True,
            record=j,
            qty=int(pieces.qty[j]),
            rejects=int(pieces.rejects[j]),
            unit_fen=int(pieces.unit_fen[j]),
            quota=int(pieces.quota[j]),
            unit_above_fen=int(pieces.unit_above_fen[j]),
            grade_coef=f"{int(pieces.coef_num[j])}/{int(pieces.coef_den[j])}",
        )
    multipliers = {"workday": conv.ot_workday, "restday": conv.ot_restday, "holiday": conv.ot_holiday}
    for kind, mult in multipliers.items():
        if emp["pay_basis"] == MONTHLY:
            rule = f"monthly ÷ {pay_days} ÷ {conv.hours_per_day} ÷ 60 × minutes × {_ratio(mult)}, fen_half_up"
        elif emp["pay_basis"] == HOURLY:
            rule = f"hourly rate ÷ 60 × minutes × {_ratio(mult)}, fen_half_up"
        else:
            rule = f"piece pay × minutes ÷ all minutes worked × ({_ratio(mult)} − 1), fen_half_up"
        add(
            f"OT_{kind.upper()}",
            out[f"ot_{kind}_fen"],
            rule,
            minutes=emp[f"ot_{kind}_minutes"],
            multiplier=_ratio(mult),
        )
    add("ALLOWANCES", emp["allowances_fen"], "as given")
    add("NIGHT_ALLOWANCE", emp["night_allowance_fen"], "as given; not counted towards the minimum wage")
    add(
        "ANNUAL_LEAVE_PAY",
        out["leave_pay_fen"],
        f"leave base ÷ {pay_days} × {_ratio(conv.leave_extra_multiplier)} × unused days (the 300 % rule: 100 % "
        "already paid), fen_half_up",
        leave_base_fen=emp["leave_base_fen"],
        leave_days_unused=emp["leave_days_unused"],
    )
    if emp["part_time"]:
        add(
            "MIN_WAGE_TOP_UP",
            out["min_wage_topup_fen"],
            "part-time (非全日制): hourly minimum wage × worked_minutes ÷ 60 − pay that counts",
            floor_fen=out["min_wage_floor_fen"],
            shortfall_fen=out["min_wage_shortfall_fen"],
            minimum_wage_hourly_fen=city.minimum_wage_hourly_fen or 0,
            minimum_wage_from=city.minimum_wage_from,
        )
    else:
        add(
            "MIN_WAGE_TOP_UP",
            out["min_wage_topup_fen"],
            "minimum wage floor − pay that counts",
            floor_fen=out["min_wage_floor_fen"],
            shortfall_fen=out["min_wage_shortfall_fen"],
            minimum_wage_fen=city.minimum_wage_fen,
            minimum_wage_from=city.minimum_wage_from,
        )
    lines.extend(_one_off_pay(emp, out, result))
    add("GROSS", out["gross_fen"], "sum of the lines above", True)
    raw_base = emp["si_base_fen"]
    if raw_base < 0:
        raw_base = emp["monthly_salary_fen"] if emp["pay_basis"] == MONTHLY else 0
    for name in (*SOCIAL_ITEMS, "housing_fund"):
        item = city.items[name]
        column = "hf" if name == "housing_fund" else name
        rate = _ratio(item.employee_rate)
        if name == "housing_fund" and emp["hf_rate_den"] > 0:
            rate = _ratio(Fraction(emp["hf_rate_num"], emp["hf_rate_den"]))
        add(
            f"{name.upper()}_EMPLOYEE",
            -out[f"{column}_employee_fen"],
            f"base clipped to [{item.base_floor_fen}, {item.base_cap_fen}] fen × rate, {item.rounding}, per item",
            base_fen=min(max(raw_base, item.base_floor_fen), item.base_cap_fen),
            rate=rate,
            fixed_fen=item.employee_fixed_fen,
            contribution_from=city.contribution_from,
        )
    add(
        "IIT",
        -out["iit_fen"],
        "cumulative withholding: max(0, tax on cumulative taxable − tax already withheld)",
        True,
        taxable_cumulative_fen=out["taxable_cumulative_fen"],
        tax_cumulative_fen=out["tax_cumulative_fen"],
        ytd_tax_withheld_fen=emp["ytd_tax_withheld_fen"],
        months=emp["ytd_months"] + 1,
        cumulative_income_fen=out["cumulative_income_fen"],
        si_hf_deductible_fen=out["si_hf_deductible_fen"],
    )
    add(
        "BONUS_TAX",
        -out["bonus_tax_fen"],
        "bonus × rate − quick deduction, the monthly table's bracket holding bonus ÷ 12, fen_half_up "
        "(财政部 税务总局公告2023年第30号)",
        bonus_fen=emp["bonus_fen"],
    )
    add(
        "SEVERANCE_TAX",
        -out["severance_tax_fen"],
        "annual table on severance − exempt part, fen_half_up; not added to the cumulative withholding "
        "(财税〔2018〕164号 art. 5)",
        severance_fen=out["severance_fen"],
        exempt_fen=out["severance_exempt_fen"],
    )
    if emp["damages_fen"]:
        lines.append(_damages(emp, out, conv.damages_policy, conv.damages_max_share))
    add("NET", out["net_fen"], "gross − employee SI − employee HF − IIT − separate taxes − damages", True)
    for name in (*SOCIAL_ITEMS, "housing_fund"):
        column = "hf" if name == "housing_fund" else name
        add(
            f"{name.upper()}_EMPLOYER",
            out[f"{column}_employer_fen"],
            "employer cost, not deducted from pay",
            rate=_ratio(city.items[name].employer_rate),
        )
    if out["hf_employee_excess_fen"] or out["hf_employer_excess_fen"] or out["hf_rate_flag"]:
        lines.append(_housing_fund_tax(emp, out, result))
    return lines


def _one_off_pay(emp: dict[str, int], out: dict[str, int], result: PayResult) -> list[Line]:
    """The annual bonus and severance lines (part of gross)."""
    rules = result.rules
    assert rules is not None
    city = rules.cities[emp["city"]]
    conv = city.conventions
    lines = []
    if emp["bonus_fen"]:
        lines.append(
            Line(
                "BONUS",
                emp["bonus_fen"],
                {
                    "taxed_separately": bool(out["bonus_separate"]),
                    "chosen_by_hr": emp["bonus_method"] != BONUS_RECOMMENDED,
                    "recommended_separately": bool(out["bonus_recommended_separate"]),
                    "year_tax_separate_fen": out["bonus_year_tax_separate_fen"],
                    "year_tax_combined_fen": out["bonus_year_tax_combined_fen"],
                    "separate_already_used": bool(emp["bonus_separate_used"]),
                },
                "全年一次性奖金 as entered; year totals project this month's taxable wages over the months left, "
                "the lower one is recommended (a tie keeps it with the wages)",
            )
        )
    if out["severance_fen"]:
        annual = city.average_wage_annual_fen or 0
        cap = round_half_up_div(annual * conv.severance_wage_cap_multiple, 12)
        lines.append(
            Line(
                "SEVERANCE",
                out["severance_fen"],
                {
                    "half_months": emp["severance_half_months"],
                    "monthly_wage_fen": max(emp["severance_base_fen"], city.minimum_wage_fen),
                    "wage_cap_fen": cap,
                    "capped_years": conv.severance_capped_years,
                    "average_wage_annual_fen": annual,
                    "average_wage_from": city.average_wage_from or "",
                },
                f"经济补偿 (劳动合同法 art. 47): monthly wage (≥ minimum wage) × half_months ÷ 2; a wage above "
                f"{conv.severance_wage_cap_multiple} × the monthly average wage is that cap, and then at most "
                f"{conv.severance_capped_years} years count; fen_half_up",
            )
        )
    return lines


def _damages(emp: dict[str, int], out: dict[str, int], policy: str, share: Fraction) -> Line:
    return Line(
        "DAMAGES",
        -out["damages_deducted_fen"],
        {
            "requested_fen": emp["damages_fen"],
            "limit_fen": out["damages_limit_fen"],
            "exceeds_limit": out["damages_flag"],
            "policy": policy,
        },
        f"工资支付暂行规定 art. 16: at most {_ratio(share)} of the month's wages (rounded down), and what remains "
        "may not fall below the minimum wage; policy cap deducts at most the limit, flag_only what was entered",
    )


def _housing_fund_tax(emp: dict[str, int], out: dict[str, int], result: PayResult) -> Line:
    """What of the housing fund is taxed (财税〔2006〕10号) and whether a rate is outside the legal range."""
    rules = result.rules
    assert rules is not None
    conv = rules.cities[emp["city"]].conventions
    return Line(
        "HOUSING_FUND_TAX",
        out["hf_employee_excess_fen"] + out["hf_employer_excess_fen"],
        {
            "deductible_fen": out["hf_deductible_fen"],
            "employee_excess_fen": out["hf_employee_excess_fen"],
            "employer_excess_fen": out["hf_employer_excess_fen"],
            "deductible_rate": _ratio(rules.tax.hf_deductible_rate),
            "legal_range": f"{_ratio(conv.hf_legal_rate_min)}..{_ratio(conv.hf_legal_rate_max)}",
            "rate_outside_legal_range": out["hf_rate_flag"],
        },
        "taxable, not paid: the part of each side's housing fund above the deductible rate of the base is "
        "not deducted (employee) or added to income (employer); a rate outside the legal range "
        "(住房公积金管理条例 art. 18) is flagged",
    )


def _allocate(total: int, parts: list[int]) -> list[int]:
    """`total` fen split over `parts` (minutes) in proportion, each cut rounded half up, so the pieces add up."""
    whole = sum(parts)
    cuts = [round_half_up_div(total * sum(parts[: k + 1]), whole) for k in range(len(parts))]
    return [cut - before for cut, before in zip(cuts, [0, *cuts[:-1]], strict=True)]


def _taken(leave: LeaveTaken, day_minutes: int) -> tuple[str, dict[str, int | str]]:
    """How much leave, as the type counts it: days (day, half-day types) or hours ("1.5 天", "4 小时")."""
    if leave.unit == "hour":
        hours = Fraction(leave.minutes, 60)
        if (hours * 100).denominator == 1:
            return f"{_ratio(hours)} 小时", {"hours": _ratio(hours)}
        text = f"{leave.minutes // 60} 小时 {leave.minutes % 60} 分钟"  # 100 minutes: not 1.666… hours
        return text, {"hours": text}
    days = _ratio(Fraction(leave.minutes, day_minutes))
    return f"{days} 天", {"days": days}


def _leave_lines(emp: dict[str, int], out: dict[str, int], taken: Sequence[LeaveTaken], city: CityRules) -> list[Line]:
    """One LEAVE line per leave type taken: its Chinese name, how much, the amount (or 带薪) and its rule source.

    The kernel pays each way of paying leave as one sum (`paid_leave_fen`, `unpaid_leave_fen`, `sick_pay_fen` −
    `sick_wage_fen`); a sum shared by several types is split over them by their minutes (`_allocate`).
    """
    conv = city.conventions
    pay_days = _ratio(conv.pay_days_per_month)
    day_minutes = conv.hours_per_day * 60
    monthly = emp["pay_basis"] == MONTHLY
    share = _ratio(Fraction(emp["sick_share_num"], emp["sick_share_den"]))
    floor_share = _ratio(conv.sick_pay_floor_share)
    amounts: dict[int, int] = {}
    details: dict[int, dict[str, int]] = {}
    for paid in LEAVE_MINUTES_COLUMN:
        of_kind = [k for k, t in enumerate(taken) if t.paid == paid]
        minutes = [taken[k].minutes for k in of_kind]
        if not of_kind or not sum(minutes):
            continue
        if paid == "1":
            parts = {"amount_fen": _allocate(out["paid_leave_fen"], minutes)}
        elif paid == "0":
            parts = {"deducted_fen": _allocate(out["unpaid_leave_fen"], minutes)}
        else:
            parts = {
                "sick_pay_fen": _allocate(out["sick_pay_fen"], minutes),
                "wage_deducted_fen": _allocate(out["sick_wage_fen"], minutes),
            }
        for n, k in enumerate(of_kind):
            details[k] = {name: values[n] for name, values in parts.items()}
            amounts[k] = sum(v if name in ("amount_fen", "sick_pay_fen") else -v for name, v in details[k].items())
    lines = []
    for k, leave in enumerate(taken):
        if k not in amounts:
            continue
        much, count = _taken(leave, day_minutes)
        source = f"（{leave.source}）" if leave.source else ""
        if leave.paid == "1":
            pay = "带薪"
            rule = (
                f"{leave.name} {much}，带薪：月薪照发，不扣款{source}"
                if monthly
                else f"{leave.name} {much}，带薪：时薪 × 小时，fen_half_up{source}"
            )
        elif leave.paid == "0":
            pay = "不带薪"
            rule = (
                f"{leave.name} {much}，不带薪：扣 月薪 ÷ {pay_days} ÷ {conv.hours_per_day} × 小时，与缺勤同算，"
                f"fen_half_up{source}"
                if monthly
                else f"{leave.name} {much}，不带薪：不计工时，无工资{source}"
            )
        else:
            pay = "病假工资"
            own = f"月薪 × {share}" if monthly else f"时薪 × {share} × 小时 × {conv.hours_per_day}"
            replaced = f"扣当日工资 月薪 ÷ {pay_days} × 天" if monthly else "当日不计工时"
            rule = (
                f"{leave.name} {much}：病假工资 = max({own}, 当地最低工资 × {floor_share}) ÷ {pay_days} × 天，"
                f"代替当日工资（{replaced}），fen_half_up{source}"
            )
        quantities: dict[str, int | str] = {
            "leave_type": leave.code,
            "name": leave.name,
            "unit": leave.unit,
            **count,
            "minutes": leave.minutes,
            "paid": pay,
            **details[k],
            "source": leave.source,
        }
        if leave.paid == "sick":
            quantities.update(
                share=share,
                minimum_wage_fen=city.minimum_wage_fen,
                floor_share=floor_share,
            )
        lines.append(Line("LEAVE", amounts[k], quantities, rule))
    return lines
