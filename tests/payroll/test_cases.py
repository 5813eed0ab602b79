"""Every hand-checked case file passes; the runner and `punchclock payroll check` report exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli.payroll import app
from payroll_core.cases import CaseFileError, run_file
from payroll_core.lines import build_lines, lines_of_rows

CASES = sorted((Path(__file__).parents[1] / "cases").glob("*.yaml"))
REFUSED = Path(__file__).parents[1] / "cases" / "refused"
GOOD = """\
name: one employee
period: 2026-04
city: shenzhen
employees:
  - id: S01
    pay_basis: monthly
    monthly_salary_fen: 600000
    attendance: {scheduled_days: 22, worked_days: 22, ot_workday_minutes: 600}
expect:
  S01: {ot_workday_fen: 51724, gross_fen: 651724}
"""


def test_there_are_at_least_forty_case_files() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_file_matches(path: Path) -> None:
    reports = run_file(path)
    assert [str(m) for r in reports for m in r.mismatches] == []
    assert all(r.checked > 0 for r in reports)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return path


def test_cli_passes_and_reports_mismatches_exactly(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _write(tmp_path, GOOD)
    result = runner.invoke(app, ["check", str(good)])
    assert (result.exit_code, result.output) == (0, "1 cases, 2 fields checked, 0 mismatches\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("gross_fen: 651724", "gross_fen: 651000"))
    result = runner.invoke(app, ["check", str(good), str(bad)])
    assert result.exit_code == 1
    assert result.output == (
        "one employee, S01, gross_fen: expected 651000 fen, got 651724 fen\n2 cases, 4 fields checked, 1 mismatches\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "monthly_salary_fen: 600000",
            "monthly_salary_fen: 600000\n    hf_rate: 0.05",
            r"case 'one employee', employees\[0\]\.hf_rate: 0\.05 is a YAML float; write decimal fractions as "
            r"strings, e\.g\. \"0\.05\"$",
        ),
        (
            "ot_workday_minutes: 600",
            "ot_minutes: 600",
            r"case 'one employee', employees\[0\]\.attendance: unknown key\(s\) ot_minutes; known: absent_days, "
            r"absent_half_days, employed_days, ",
        ),
        ("city: shenzhen\n", "", r"case 'one employee', case: missing key 'city'$"),
        (
            "gross_fen: 651724",
            "gross_yuan: 6517",
            r"case 'one employee', expect\.S01: unknown key\(s\) gross_yuan; known: ",
        ),
        ("  S01: {", "  S99: {", r"case 'one employee', expect: unknown key\(s\) S99; known: S01$"),
        (
            "pay_basis: monthly",
            "pay_basis: weekly",
            r"case 'one employee', employees\[0\]\.pay_basis: 'weekly' is not one of monthly, hourly, piece$",
        ),
        (
            "monthly_salary_fen: 600000",
            "monthly_salary_fen: '6000'",
            r"case 'one employee', employees\[0\]\.monthly_salary_fen: expected a whole number, got '6000'$",
        ),
        ("city: shenzhen", "city: lhasa", r"case 'one employee', period/city: unknown city 'lhasa'"),
        (
            "scheduled_days: 22, worked_days: 22",
            "scheduled_days: 22, absent_days: 30",
            r"case 'one employee', employees: row 0 \(employee S01\): absent_days = 30, employed_days = 22: "
            r"absent_days must be 0\.\.employed_days$",
        ),
    ],
)
def test_malformed_case_file_names_file_case_and_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(CaseFileError, match=rf"^{path}, " + message):
        run_file(path)


def test_year_to_date_beyond_the_period_is_refused_naming_the_key() -> None:
    path = REFUSED / "ytd_months_beyond_the_period.yaml"
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {path}, case 'five months before March', employees[0].ytd_before.months: 5 is not 0..2: a 2026-03 "
        "pay month has 2 months before it\n"
    )


@pytest.mark.parametrize(
    ("ytd", "message"),
    [
        ("{months: 0, income_fen: 100}", r"ytd_before\.income_fen: 100 with months 0: nothing is paid before"),
        ("{months: 1, income_fen: -1}", r"ytd_before\.income_fen: -1 is negative; year-to-date sums are >= 0$"),
        (
            "{months: 2, income_fen: 100, tax_withheld_fen: 101}",
            r"ytd_before\.tax_withheld_fen: is more than income_fen: the tax withheld is part of the income$",
        ),
    ],
)
def test_impossible_year_to_date_figures_are_refused_naming_the_field(tmp_path: Path, ytd: str, message: str) -> None:
    path = _write(tmp_path, GOOD.replace("attendance:", f"ytd_before: {ytd}\n    attendance:"))
    with pytest.raises(CaseFileError, match=rf"^{path}, case 'one employee', employees\[0\]\." + message):
        run_file(path)


@pytest.mark.parametrize(
    ("balance", "message"),
    [
        (
            "{through: 2026-04, months: 1}",
            r"opening_balance\.through: 2026-04 must be a month of 2026 before 2026-04$",
        ),
        ("{through: 2026-02, months: 3}", r"opening_balance\.months: 3 is not 0\.\.2: 2026-02 is month 2$"),
        (
            "{through: 2026-03, months: 3, income_fen: 100}",
            r"opening_balance \+ ytd_before\.months: 4 is not 0\.\.3: a 2026-04 pay month has 3 months before it$",
        ),
    ],
)
def test_opening_balance_is_checked_with_the_locked_months(tmp_path: Path, balance: str, message: str) -> None:
    text = GOOD.replace("attendance:", f"opening_balance: {balance}\n    ytd_before: {{months: 1}}\n    attendance:")
    path = _write(tmp_path, text)
    with pytest.raises(CaseFileError, match=rf"^{path}, case 'one employee', employees\[0\]\." + message):
        run_file(path)


def test_cli_exits_2_on_a_malformed_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path, GOOD.replace("hf_rate", "x").replace("monthly_salary_fen: 600000", "monthly_salary_fen: 6000.5")
    )
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "employees[0].monthly_salary_fen: 6000.5 is a YAML float" in result.output


def test_several_cases_in_one_file(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "---\n" + GOOD.replace("one employee", "second month"))
    assert [r.case for r in run_file(path)] == ["one employee", "second month"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_payslip_lines_add_up_to_gross_and_net(path: Path) -> None:
    from payroll_core.cases import load_cases, result_of

    for case in load_cases(path):
        result = result_of(case, path)
        for i in range(len(case.ids)):
            lines = build_lines(result, i)
            codes = [line.code for line in lines]
            gross, net = codes.index("GROSS"), codes.index("NET")
            assert sum(line.amount_fen for line in lines[:gross]) == int(result.gross_fen[i])
            assert sum(line.amount_fen for line in lines[gross:net]) == int(result.net_fen[i])


def test_lines_of_rows_are_build_lines_of_each_row() -> None:
    """The store's chunked lines (`lines_of_rows`, over a range not starting at 0) are exactly `build_lines`'s, for
    every hand-checked case: the same codes, amounts, quantities (as Python ints, as json stores them) and rules."""
    from payroll_core.cases import load_cases, result_of

    for path in CASES:
        for case in load_cases(path):
            result = result_of(case, path)
            rows = range(1 if len(case.ids) > 1 else 0, len(case.ids))
            expected = [build_lines(result, i) for i in rows]
            chunked = list(lines_of_rows(result, rows))
            assert chunked == expected, f"{path.stem}: {case.case}"
            assert [type(v) for lines in chunked for line in lines for v in line.quantities.values()] == [
                type(v) for lines in expected for line in lines for v in line.quantities.values()
            ]


def test_cli_exits_2_on_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["check", str(tmp_path / "nope.yaml")])
    assert (result.exit_code, result.output) == (
        2,
        f"error: {tmp_path / 'nope.yaml'}: cannot read: No such file or directory\n",
    )


@pytest.mark.parametrize(
    ("overtime", "message"),
    [
        (
            "overtime: [{day_type: workday, punched_minutes: 60}]",
            r"overtime: give overtime either as days here or as ot_workday_minutes, not both$",
        ),
        (
            "overtime_counting: by_feel\n    overtime: []",
            r"overtime_counting: 'by_feel' is not one of approved_hours, approved_window, punches$",
        ),
    ],
)
def test_overtime_days_are_checked_naming_the_key(tmp_path: Path, overtime: str, message: str) -> None:
    text = GOOD.replace("attendance:", f"{overtime}\n    attendance:")
    if "by_feel" in overtime:
        text = text.replace(", ot_workday_minutes: 600", "")
    path = _write(tmp_path, text)
    with pytest.raises(CaseFileError, match=rf"^{path}, case 'one employee', employees\[0\]\." + message):
        run_file(path)
