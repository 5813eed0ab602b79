"""Exact outcomes of the pipeline on hand-computed rows, its input errors and its lines."""

from __future__ import annotations

import numpy as np
import pytest

from payroll_core.columns import EmployeeMonthColumns, PieceColumns
from payroll_core.errors import PayInputError
from payroll_core.lines import build_lines
from payroll_core.pay import HOURLY, MONTHLY, PIECE
from payroll_core.pipeline import compute
from payroll_core.rules import load_rules

RULES = load_rules("2026-03")


def one(city: str, **columns: object):
    inputs = EmployeeMonthColumns.build(1, city=RULES.city_index(city), scheduled_days=22, **columns)
    return compute(inputs, RULES, ids=["E001"])


def test_design_overtime_example() -> None:
    # round(600000 × 600 × 3 ÷ 20880) = round(51,724.137…) = 51,724 fen
    result = one("dongguan", pay_basis=MONTHLY, monthly_salary_fen=600_000, ot_workday_minutes=600)
    assert int(result.ot_workday_fen[0]) == 51_724


def test_sta_cumulative_withholding_example() -> None:
    """STA example: 30,000 yuan/month, 4,500 SI/HF, 2,000 special additional → 555, 625, 1,850 yuan.

    Shanghai employee SI on a 30,000 base is 3,150 yuan; HF is set to 0 % and 1,350 given as other deductions
    so that the deductions total the example's 4,500.
    """
    withheld, ytd_income, ytd_tax = [], 0, 0
    for month in range(3):
        rules = load_rules(f"2026-0{month + 1}", ["shanghai"])
        inputs = EmployeeMonthColumns.build(
            1,
            city=0,
            pay_basis=MONTHLY,
            scheduled_days=22,
            monthly_salary_fen=3_000_000,
            si_base_fen=3_000_000,
            hf_rate_num=0,
            hf_rate_den=1,
            special_deductions_fen=200_000,
            ytd_months=month,
            ytd_income_fen=ytd_income,
            ytd_si_hf_fen=315_000 * month,
            ytd_special_deductions_fen=200_000 * month,
            other_deductions_fen=135_000,
            ytd_other_deductions_fen=135_000 * month,
            ytd_tax_withheld_fen=ytd_tax,
        )
        result = compute(inputs, rules)
        # employee SI on 30,000: 8 % + 2 % + 0.5 % = 3,150 yuan; + 1,350 other = 4,500 as in the STA example
        assert int(result.si_employee_fen[0]) == 315_000
        withheld.append(int(result.iit_fen[0]))
        ytd_income += 3_000_000
        ytd_tax += withheld[-1]
    assert withheld == [55_500, 62_500, 185_000]


def test_shanghai_minimum_wage_is_tested_after_employee_si_hf() -> None:
    # 2,740 yuan salary in Shanghai: SI on the 7,460 floor = 596.80 + 149.20 + 37.30 = 783.30 yuan,
    # HF 2,740 × 7 % = 191.80 → 192 yuan; pay that counts = 2,740 − 975.30 = 1,764.70 → top-up 975.30 yuan
    result = one("shanghai", pay_basis=MONTHLY, monthly_salary_fen=274_000)
    assert (int(result.si_employee_fen[0]), int(result.hf_employee_fen[0])) == (78_330, 19_200)
    assert (int(result.min_wage_shortfall_fen[0]), int(result.min_wage_topup_fen[0])) == (97_530, 97_530)
    assert int(result.gross_fen[0]) == 274_000 + 97_530


def test_piece_tiers_rejects_and_overtime_premium() -> None:
    inputs = EmployeeMonthColumns.build(
        1,
        city=RULES.city_index("dongguan"),
        pay_basis=PIECE,
        scheduled_days=22,
        worked_minutes=22 * 480,
        ot_workday_minutes=1_320,
        si_base_fen=0,
    )
    pieces = PieceColumns.build(
        offsets=[0, 2],
        qty=[3_000, 500],
        rejects=[40, 500],
        unit_fen=[100, 120],
        quota=[2_000, 0],
        unit_above_fen=[130, 0],
        coef_num=[11, 1],
        coef_den=[10, 1],
    )
    result = compute(inputs, RULES, pieces)
    # good 2,960: (2,000 × 1.00 + 960 × 1.30) × 1.10 = 3,572.80 yuan; all-reject record pays 0
    assert [int(v) for v in result.piece_item_pay_fen] == [357_280, 0]
    # premium = 357,280 × 1,320 ÷ (10,560 + 1,320) × 0.5 = 19,849.333… → 19,849 fen
    assert int(result.ot_workday_fen[0]) == 19_849
    assert int(result.min_wage_shortfall_fen[0]) == 0


def test_hourly_worker() -> None:
    result = one(
        "chengdu", pay_basis=HOURLY, hourly_rate_fen=2_550, worked_minutes=100 * 60 + 30, ot_restday_minutes=90
    )
    # 25.50 × 100.5 h = 2,562.75 yuan; rest day 25.50 × 1.5 h × 2 = 76.50 yuan
    assert (int(result.base_pay_fen[0]), int(result.ot_restday_fen[0])) == (256_275, 7_650)


def test_deductions_never_exceed_base_pay() -> None:
    result = one(
        "wuhan", pay_basis=MONTHLY, monthly_salary_fen=500_000, employed_days=3, absent_days=3, late_minutes=600
    )
    # base = 500,000 × 3 ÷ 22 = 68,181.8 → 68,182; absence would be 68,965.5 → capped at 68,182; late 0
    assert (int(result.base_pay_fen[0]), int(result.absence_fen[0]), int(result.late_fen[0])) == (68_182, 68_182, 0)


def test_half_day_absences_deduct_half_a_day_each() -> None:
    result = one("wuhan", pay_basis=MONTHLY, monthly_salary_fen=600_000, absent_days=1, absent_half_days=3)
    # 1 + 3 × 0.5 = 2.5 days: 600,000 × 2.5 ÷ 21.75 = 68,965.517… → 68,966 fen
    assert int(result.absence_fen[0]) == 68_966


def test_half_days_cannot_exceed_employed_days() -> None:
    with pytest.raises(
        PayInputError, match=r"absent_half_days = 3, absent_days = 2, employed_days = 3: absent_half_days must be"
    ):
        one("wuhan", pay_basis=MONTHLY, monthly_salary_fen=600_000, employed_days=3, absent_days=2, absent_half_days=3)


def test_lines_explain_gross_and_net() -> None:
    result = one(
        "beijing",
        pay_basis=MONTHLY,
        monthly_salary_fen=1_234_567,
        absent_days=1,
        late_minutes=7,
        ot_workday_minutes=95,
        ot_holiday_minutes=480,
        allowances_fen=50_000,
        night_allowance_fen=3_000,
    )
    lines = build_lines(result, 0)
    codes = [line.code for line in lines]
    gross_at = codes.index("GROSS")
    net_at = codes.index("NET")
    assert sum(line.amount_fen for line in lines[:gross_at]) == lines[gross_at].amount_fen == int(result.gross_fen[0])
    assert lines[gross_at].amount_fen + sum(line.amount_fen for line in lines[gross_at + 1 : net_at]) == int(
        result.net_fen[0]
    )
    medical = lines[codes.index("MEDICAL_EMPLOYEE")]
    # Beijing medical: 2 % of 12,345.67 = 246.9134 → 246.91, + 3 yuan mutual aid = 249.91 yuan
    assert medical.amount_fen == -24_991
    assert medical.quantities == {
        "base_fen": 1_234_567,
        "rate": "0.02",
        "fixed_fen": 300,
        "contribution_from": "2025-07",
    }
    assert result.rules_version.startswith("cn-iit-2026.1 cn-conventions-2026.1 beijing:si@2025-07")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            {"absent_days": 23},
            r"^row 0 \(employee E001\): absent_days = 23, employed_days = 22: absent_days must be 0\.\.employed_days$",
        ),
        ({"scheduled_days": 0}, r"^row 0 \(employee E001\): scheduled_days = 0: scheduled_days must be 1\.\.31$"),
        ({"pay_basis": 7}, r"pay_basis = 7: pay_basis must be 0 \(monthly\), 1 \(hourly\) or 2 \(piece\)$"),
        ({"ot_workday_minutes": -5}, r"ot_workday_minutes = -5: ot_workday_minutes must be 0\.\.44640"),
        (
            {"ytd_months": 5},
            r"^row 0 \(employee E001\): ytd_months = 5: ytd_months must be 0\.\.2: months paid by this employer in "
            r"the tax year before 2026-03$",
        ),
        ({"ytd_months": -1}, r"ytd_months = -1: ytd_months must be 0\.\.2"),
        (
            {"ytd_income_fen": 100},
            r"ytd_income_fen = 100, ytd_months = 0: ytd_income_fen must be 0 when ytd_months is 0: nothing is paid in "
            r"a tax year before its first month$",
        ),
        (
            {"ytd_months": 1, "ytd_si_hf_fen": -1},
            r"ytd_si_hf_fen = -1: ytd_si_hf_fen must be 0\.\.1000000000000 fen$",
        ),
        (
            {"ytd_months": 2, "ytd_income_fen": 100, "ytd_tax_withheld_fen": 101},
            r"ytd_tax_withheld_fen = 101, ytd_income_fen = 100: ytd_tax_withheld_fen cannot exceed ytd_income_fen: the "
            r"tax withheld is a part of the income$",
        ),
        (
            {"part_time": 1},
            r"part_time = 1, pay_basis = 0: a part-time \(非全日制\) worker is paid by the hour: pay_basis must be 1",
        ),
        (
            {"pay_basis": 1, "part_time": 1, "city": RULES.city_index("hangzhou")},
            r"city = 4: the rule data of this city has no hourly minimum wage \(hourly_yuan\) in force for 2026-03",
        ),
        (
            {"bonus_fen": 100, "bonus_method": 1, "bonus_separate_used": 1},
            r"bonus_fen = 100: a bonus of this tax year was already taxed separately: the separate taxation is once "
            r"per employee per year",
        ),
        ({"bonus_method": 2}, r"bonus_method = 2: bonus_method must be -1 \(the recommended one\), 0 \(with"),
        ({"damages_fen": -1}, r"damages_fen = -1: damages_fen must be 0\.\.10000000000 fen$"),
        ({"severance_half_months": 121}, r"severance_half_months = 121: severance_half_months must be 0\.\.120"),
    ],
)
def test_bad_rows_are_refused_with_row_employee_and_value(columns: dict[str, int], message: str) -> None:
    base = {"city": 0, "pay_basis": MONTHLY, "scheduled_days": 22, "monthly_salary_fen": 500_000}
    base.update(columns)
    with pytest.raises(PayInputError, match=message):
        compute(EmployeeMonthColumns.build(1, **base), RULES, ids=["E001"])


def test_float_money_column_is_refused() -> None:
    with pytest.raises(
        PayInputError, match=r"^column 'monthly_salary_fen' is float \(float64\); money and counts must be integers$"
    ):
        EmployeeMonthColumns.build(1, city=0, pay_basis=0, scheduled_days=22, monthly_salary_fen=np.array([5000.5]))


def test_bad_piece_record_is_refused() -> None:
    inputs = EmployeeMonthColumns.build(1, city=0, pay_basis=PIECE, scheduled_days=22)
    pieces = PieceColumns.build(
        offsets=[0, 1], qty=[10], rejects=[11], unit_fen=[5], quota=[0], unit_above_fen=[0], coef_num=[1], coef_den=[1]
    )
    with pytest.raises(
        PayInputError,
        match=r"^row 0 \(employee E001, piece record 0\): rejects = 11, qty = 10: rejects must be 0\.\.qty$",
    ):
        compute(inputs, RULES, pieces, ids=["E001"])


def test_piece_pay_beyond_the_exact_range_is_refused() -> None:
    inputs = EmployeeMonthColumns.build(2, city=0, pay_basis=PIECE, scheduled_days=22)
    pieces = PieceColumns.build(
        offsets=[0, 0, 2],
        qty=[10**7, 10**7],
        rejects=[0, 0],
        unit_fen=[10**6, 1],
        quota=[0, 0],
        unit_above_fen=[0, 0],
        coef_num=[1, 1],
        coef_den=[1, 1],
    )
    with pytest.raises(
        PayInputError, match=r"^row 1 \(employee E2\): piece_records = 2: piece pay could exceed 100000000000 fen"
    ):
        compute(inputs, RULES, pieces, ids=["E1", "E2"])


def test_rule_figures_too_fine_for_int64_are_refused() -> None:
    from dataclasses import replace
    from fractions import Fraction

    from payroll_core.pay import pay_table
    from payroll_core.rules import RuleError

    city = RULES.cities[0]
    fine = replace(city, conventions=replace(city.conventions, ot_workday=Fraction(1234567, 1000000)))
    with pytest.raises(RuleError, match=r"^beijing: pay_days_per_month 87/4, hours_per_day 8, overtime multipliers"):
        pay_table(replace(RULES, cities=(fine,), _index={}))


def test_severance_needs_the_city_average_wage() -> None:
    rules = load_rules("2025-06", ["guangzhou"])  # Guangzhou's first average wage entry starts 2025-07
    inputs = EmployeeMonthColumns.build(
        1, city=0, pay_basis=MONTHLY, scheduled_days=22, monthly_salary_fen=500_000, severance_half_months=4
    )
    with pytest.raises(
        PayInputError,
        match=r"^row 0 \(employee E001\): city = 0: the rule data of this city has no local average wage "
        r"\(\[\[average_wage\]\]\) in force for 2025-06, which severance is capped and taxed by",
    ):
        compute(inputs, rules, ids=["E001"])


def test_separate_bonus_taxation_ends_with_the_rule_data() -> None:
    from dataclasses import replace

    ended = replace(RULES, tax=replace(RULES.tax, bonus_valid_until="2026-02"))
    inputs = EmployeeMonthColumns.build(
        1, city=0, pay_basis=MONTHLY, scheduled_days=22, monthly_salary_fen=500_000, bonus_fen=10_000, bonus_method=1
    )
    with pytest.raises(
        PayInputError,
        match=r"bonus_fen = 10000: the separate taxation of an annual bonus ends with 2026-02 \(rule data\); tax "
        r"this bonus with the wages$",
    ):
        compute(inputs, ended, ids=["E001"])
    recommended = compute(replace(inputs, bonus_method=np.array([-1])), ended)
    assert (int(recommended.bonus_separate[0]), int(recommended.bonus_recommended_separate[0])) == (0, 0)


def test_lines_of_a_bonus_severance_damages_and_housing_fund_above_12_percent() -> None:
    # Beijing, 20,000 yuan, HF at 15 %: the 12 % limit of the base is 2,400 yuan on each side.
    result = one(
        "beijing",
        pay_basis=MONTHLY,
        monthly_salary_fen=2_000_000,
        hf_rate_num=15,
        hf_rate_den=100,
        bonus_fen=3_600_000,
        severance_half_months=3,
        severance_base_fen=2_000_000,
        damages_fen=500_000,
    )
    lines = {line.code: line for line in build_lines(result, 0)}
    codes = [line.code for line in build_lines(result, 0)]
    assert codes.index("BONUS") < codes.index("SEVERANCE") < codes.index("GROSS") < codes.index("DAMAGES")
    assert codes.index("NET") < codes.index("HOUSING_FUND_TAX")
    assert lines["HOUSING_FUND_TAX"].amount_fen == 60_000 + 60_000  # 3,000 − 2,400 yuan on each side
    assert lines["HOUSING_FUND_TAX"].quantities == {
        "deductible_fen": 240_000,
        "employee_excess_fen": 60_000,
        "employer_excess_fen": 60_000,
        "deductible_rate": "0.12",
        "legal_range": "0.05..0.12",
        "rate_outside_legal_range": 1,
    }
    # damages: 20 % of the wages 20,000 = 4,000 yuan < 20,000 − 2,540 minimum wage; 5,000 asked, 4,000 deducted
    assert (lines["DAMAGES"].amount_fen, lines["DAMAGES"].quantities) == (
        -400_000,
        {"requested_fen": 500_000, "limit_fen": 400_000, "exceeds_limit": 1, "policy": "cap"},
    )
    bonus = lines["BONUS"].quantities
    assert (bonus["taxed_separately"], bonus["chosen_by_hr"], bonus["recommended_separately"]) == (True, False, True)
    assert lines["SEVERANCE"].quantities["half_months"] == 3
