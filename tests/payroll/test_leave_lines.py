"""The payslip's LEAVE lines: one per leave type, a sum shared by two types split by their minutes so the lines
still add up to gross, and leave detail that does not add up to the columns refused naming both."""

from __future__ import annotations

import pytest

from payroll_core.columns import EmployeeMonthColumns, LeaveTaken
from payroll_core.errors import PayInputError
from payroll_core.lines import build_lines
from payroll_core.pipeline import compute
from payroll_core.rules import load_rules

RULES = load_rules("2026-03", ["suzhou"])
ANNUAL = LeaveTaken("annual", "年假", "1", "half_day", 240, "条例 art. 3")
IN_LIEU = LeaveTaken("in_lieu", "调休", "1", "hour", 100, "劳动法 art. 44")


def test_two_paid_types_of_an_hourly_worker_share_the_paid_leave_by_minutes() -> None:
    # 3333 fen an hour × 340 minutes ÷ 60 = 18887 fen; annual 240/340 of it: 13332, 调休 the rest, 5555
    inputs = EmployeeMonthColumns.build(1, city=0, pay_basis=1, hourly_rate_fen=3333, scheduled_days=22,
                                        worked_minutes=9600, paid_leave_minutes=340)  # fmt: skip
    result = compute(inputs, RULES, leave=[[ANNUAL, IN_LIEU]])
    lines = build_lines(result, 0)
    leave = [(line.quantities["name"], line.amount_fen, line.rule) for line in lines if line.code == "LEAVE"]
    assert leave == [
        ("年假", 13332, "年假 0.5 天，带薪：时薪 × 小时，fen_half_up（条例 art. 3）"),
        ("调休", 5555, "调休 1 小时 40 分钟，带薪：时薪 × 小时，fen_half_up（劳动法 art. 44）"),
    ]
    assert int(result.paid_leave_fen[0]) == 18887
    gross = next(line.amount_fen for line in lines if line.code == "GROSS")
    assert sum(line.amount_fen for line in lines[: lines.index(next(x for x in lines if x.code == "GROSS"))]) == gross


def test_leave_detail_must_add_up_to_the_columns() -> None:
    inputs = EmployeeMonthColumns.build(1, city=0, pay_basis=0, monthly_salary_fen=500000, scheduled_days=22,
                                        paid_leave_minutes=480)  # fmt: skip
    with pytest.raises(PayInputError) as caught:
        compute(inputs, RULES, ids=["E7"], leave=[[ANNUAL]])
    assert str(caught.value) == (
        "row 0 (employee E7): paid_leave_minutes = 480, but the leave detail adds up to 240 minutes: give the "
        "per-type leave the column was summed from"
    )
