"""Employee-month inputs and employee pay settings through the pay run: bonus, severance, damages, HF rate,
part-time; the lock warnings they raise."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_payrun import seed_shanghai

from gateway.pay.lock_checks import lock_warnings
from gateway.pay.month_inputs import MonthInputError, MonthInputNotFound, month_inputs_of, set_month_input
from gateway.pay.payrun import (
    PayRunInputError,
    PayRunWarnings,
    compute_payrun,
    create_payrun,
    lines_of,
    lock_payrun,
    payslips_of,
    run_payroll,
)
from gateway.store import AuditLog, Employee, PayMonthInput, PayRun

OK_TO_LOCK = ["stale_terminals"]  # the test office's terminal is never read


def _slip(factory: sessionmaker[Session], run_id: int) -> tuple[dict[str, int], dict[str, int], list[str]]:
    with factory() as s:
        [(slip, _e)] = payslips_of(s, run_id)
        return slip.figures, slip.inputs, [line.code for line in lines_of(s, slip.id)]


def _salary(factory: sessionmaker[Session], emp_id: int, fen: int) -> None:
    with factory() as s, s.begin():
        s.get_one(Employee, emp_id).monthly_salary_fen = fen


def test_a_bonus_entered_for_the_run_is_paid_and_taxed_the_recommended_way(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        run = create_payrun(s, "2026-03", "all", "hr")
        entry, employee = set_month_input(s, run.id, "E001", "hr", bonus_fen=3_600_000)
        assert (employee.code, entry.period, entry.bonus_method) == ("E001", "2026-03", "recommended")
        compute_payrun(s, run.id, "hr")
    figures, inputs, codes = _slip(factory, run.id)
    assert (inputs["bonus_fen"], inputs["bonus_method"], inputs["bonus_separate_used"]) == (3_600_000, -1, 0)
    # 6,000 a month leaves the year's wages untaxed: 36,000 with them costs less than 1,080 on its own
    assert (figures["bonus_year_tax_separate_fen"], figures["bonus_separate"], figures["bonus_tax_fen"]) == (
        108_000,
        0,
        0,
    )
    assert figures["bonus_year_tax_combined_fen"] < 108_000
    assert codes.index("BONUS") < codes.index("GROSS")
    _salary(factory, emp_id, 3_000_000)  # at 30,000 a month the year is in the 20 % bracket: separately is lower
    with factory() as s, s.begin():
        compute_payrun(s, run.id, "hr")
    figures, _inputs, codes = _slip(factory, run.id)
    assert (figures["bonus_recommended_separate"], figures["bonus_separate"], figures["bonus_tax_fen"]) == (
        1,
        1,
        108_000,
    )
    assert codes.index("BONUS") < codes.index("GROSS") < codes.index("BONUS_TAX") < codes.index("NET")
    with factory() as s:
        [(listed, who)] = month_inputs_of(s, run.id)
        assert (who.code, listed.bonus_fen) == ("E001", 3_600_000)
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "pay_input.set"))
        assert audit is not None and audit.target == "employee:E001"
        assert json.loads(audit.after_json)["bonus_fen"] == 3_600_000


def test_changing_an_input_after_the_compute_warns_at_the_lock(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
    with factory() as s, s.begin():
        set_month_input(s, run.id, "E001", "hr", damages_fen=10_000)
    with factory() as s, s.begin(), pytest.raises(PayRunWarnings) as refused:
        lock_payrun(s, run.id, "hr", OK_TO_LOCK)
    assert [(w.code, w.items) for w in refused.value.warnings] == [
        ("changed_since_compute", ["1 pay inputs of 2026-03 (bonus, severance, damages) entered"])
    ]


def test_a_recommended_bonus_leaves_the_separate_taxation_to_a_month_that_chose_it(
    factory: sessionmaker[Session],
) -> None:
    _salary(factory, seed_shanghai(factory), 3_000_000)
    with factory() as s, s.begin():
        march = create_payrun(s, "2026-03", "all", "hr")
        april = create_payrun(s, "2026-04", "all", "hr")
        set_month_input(s, april.id, "E001", "hr", bonus_fen=100_000, bonus_method="separate")
        set_month_input(s, march.id, "E001", "hr", bonus_fen=3_600_000)  # recommended
        compute_payrun(s, march.id, "hr")
    figures, inputs, _codes = _slip(factory, march.id)
    assert (inputs["bonus_separate_used"], figures["bonus_recommended_separate"], figures["bonus_separate"]) == (
        1,
        0,
        0,
    )


def test_the_separate_bonus_taxation_is_once_a_year_and_names_the_month_that_has_it(
    factory: sessionmaker[Session],
) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        march = create_payrun(s, "2026-03", "all", "hr")
        april = create_payrun(s, "2026-04", "all", "hr")
        set_month_input(s, march.id, "E001", "hr", bonus_fen=3_600_000, bonus_method="separate")
        with pytest.raises(
            MonthInputError,
            match=r"^employee E001: a bonus of 2026 is already taxed separately in 2026-03 \(entered for that "
            r"month\); the separate taxation is once per employee per year",
        ):
            set_month_input(s, april.id, "E001", "hr", bonus_fen=100_000, bonus_method="separate")
        compute_payrun(s, march.id, "hr")
        lock_payrun(s, march.id, "hr", OK_TO_LOCK)
    with factory() as s, s.begin():
        with pytest.raises(MonthInputError, match=r"already taxed separately in 2026-03 \(pay run 1, locked\)"):
            set_month_input(s, april.id, "E001", "hr", bonus_fen=100_000, bonus_method="separate")
        set_month_input(s, april.id, "E001", "hr", bonus_fen=100_000)  # recommended: it takes the wages
        compute_payrun(s, april.id, "hr")
    figures, inputs, _codes = _slip(factory, april.id)
    assert (inputs["bonus_separate_used"], figures["bonus_separate"], figures["bonus_tax_fen"]) == (1, 0, 0)


def test_a_second_separate_bonus_is_refused_at_the_compute_too(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    _salary(factory, emp_id, 3_000_000)
    with factory() as s, s.begin():
        march = create_payrun(s, "2026-03", "all", "hr")
        april = create_payrun(s, "2026-04", "all", "hr")
        set_month_input(s, march.id, "E001", "hr", bonus_fen=3_600_000)  # recommended: separately, as computed
        compute_payrun(s, march.id, "hr")
        # An input stored around set_month_input's check (as by a row written before it existed): the compute
        # refuses it as well.
        s.add(
            PayMonthInput(
                employee_id=emp_id,
                period="2026-04",
                bonus_fen=100_000,
                bonus_method="separate",
                severance=False,
                damages_fen=0,
                updated_by="hr",
                updated_at=datetime(2026, 4, 1),
            )
        )
        with pytest.raises(
            PayRunInputError,
            match=r"^pay run 2: employee E001 \(Zhang Wei\): a bonus of 2026 was already taxed separately in 2026-03 "
            r"\(pay run 1, not locked yet\); the separate taxation is once per employee per year",
        ):
            compute_payrun(s, april.id, "hr")


def test_inputs_are_refused_for_a_locked_run_and_an_employee_the_run_does_not_pay(
    factory: sessionmaker[Session],
) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        run, _ = run_payroll(s, "2026-03", "all", "hr")
        lock_payrun(s, run.id, "hr", OK_TO_LOCK)
    with factory() as s, s.begin():
        with pytest.raises(MonthInputError, match=r"^pay run 1 \(2026-03, scope 'all'\) is locked; a locked run"):
            set_month_input(s, run.id, "E001", "hr", bonus_fen=1)
        april = create_payrun(s, "2026-04", "Shanghai HQ", "hr")
        with pytest.raises(MonthInputNotFound, match=r"^employee 'E404' is not one pay run 2 \(scope 'Shanghai HQ'\)"):
            set_month_input(s, april.id, "E404", "hr")
        with pytest.raises(MonthInputNotFound, match=r"^no pay run with id 99; "):
            set_month_input(s, 99, "E001", "hr")


def test_severance_from_the_locked_runs_average_or_the_entered_base(factory: sessionmaker[Session]) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        employee = s.get(Employee, emp_id)
        employee.hired_on, employee.left_on = date(2020, 1, 1), date(2026, 4, 30)
        march, _ = run_payroll(s, "2026-03", "all", "hr")
        april = create_payrun(s, "2026-04", "all", "hr")
        set_month_input(s, april.id, "E001", "hr", severance=True)
        with pytest.raises(
            PayRunInputError,
            match=r"no locked pay run of the 12 months before 2026-04 to average the monthly wage over; enter "
            r"severance_base_fen",
        ):
            compute_payrun(s, april.id, "hr")
    with factory() as s, s.begin():
        lock_payrun(s, march.id, "hr", OK_TO_LOCK)
        compute_payrun(s, april.id, "hr")
        [(march_slip, _e)] = payslips_of(s, march.id)
    figures, inputs, codes = _slip(factory, april.id)
    # 2020-01-01..2026-04-30 = 6 years 4 months → 13 half months of the March gross (the one locked month)
    assert (inputs["severance_half_months"], inputs["severance_base_fen"]) == (13, march_slip.figures["gross_fen"])
    assert figures["severance_fen"] == (march_slip.figures["gross_fen"] * 13 + 1) // 2
    assert "SEVERANCE" in codes
    with factory() as s, s.begin():
        set_month_input(s, april.id, "E001", "hr", severance=True, severance_base_fen=800_000)
        compute_payrun(s, april.id, "hr")
    figures, inputs, _codes = _slip(factory, april.id)
    assert (inputs["severance_base_fen"], figures["severance_fen"]) == (800_000, 5_200_000)


def test_severance_needs_the_final_month(factory: sessionmaker[Session]) -> None:
    seed_shanghai(factory)
    with factory() as s, s.begin():
        run = create_payrun(s, "2026-03", "all", "hr")
        set_month_input(s, run.id, "E001", "hr", severance=True, severance_base_fen=600_000)
        with pytest.raises(
            PayRunInputError,
            match=r"^pay run 1: employee E001 \(Zhang Wei\): severance is paid with the final month, from the years "
            r"of service: set hired_on, and left_on to the last day worked in 2026-03 \(now hired_on None, left_on "
            r"None\)$",
        ):
            compute_payrun(s, run.id, "hr")
        with pytest.raises(MonthInputError, match=r"^severance_base_fen is the monthly wage severance is paid from"):
            set_month_input(s, run.id, "E001", "hr", severance_base_fen=600_000)


def test_an_hf_rate_outside_the_legal_range_and_damages_above_the_limit_warn_at_the_lock(
    factory: sessionmaker[Session],
) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        s.get(Employee, emp_id).hf_rate = "0.15"
        run = create_payrun(s, "2026-03", "all", "hr")
        set_month_input(s, run.id, "E001", "hr", damages_fen=200_000)
        compute_payrun(s, run.id, "hr")
        warnings = {
            w.code: w for w in lock_warnings(s, s.get_one(PayRun, run.id), s.get_one(PayRun, run.id).created_at)
        }
    figures, _inputs, codes = _slip(factory, run.id)
    assert (figures["hf_rate_flag"], figures["damages_flag"]) == (1, 1)
    assert "HOUSING_FUND_TAX" in codes
    assert warnings["housing_fund_rate"].items == ["E001 Zhang Wei"]
    limit = figures["damages_limit_fen"]
    assert warnings["damages_over_limit"].items == [
        f"E001 Zhang Wei (2000.00 yuan entered, at most {limit // 100}.{limit % 100:02d}, "
        f"{limit // 100}.{limit % 100:02d} deducted)"
    ]
    with factory() as s, s.begin():
        locked = lock_payrun(s, run.id, "hr", [*OK_TO_LOCK, "housing_fund_rate", "damages_over_limit"])
        assert locked.run.status == "locked"


def test_a_part_time_worker_gets_the_hourly_minimum_and_no_employee_contributions(
    factory: sessionmaker[Session],
) -> None:
    emp_id = seed_shanghai(factory)
    with factory() as s, s.begin():
        employee = s.get(Employee, emp_id)
        employee.pay_basis, employee.hourly_rate_fen, employee.part_time = "hourly", 2_000, True
        run, _ = run_payroll(s, "2026-03", "all", "hr")
    figures, inputs, _codes = _slip(factory, run.id)
    assert inputs["part_time"] == 1
    # 21 days × 8 h at 20 yuan < Shanghai's 25 yuan an hour
    assert (figures["base_pay_fen"], figures["min_wage_floor_fen"]) == (21 * 8 * 2_000, 21 * 8 * 2_500)
    assert (figures["si_employee_fen"], figures["hf_employee_fen"], figures["gross_fen"]) == (0, 0, 21 * 8 * 2_500)
