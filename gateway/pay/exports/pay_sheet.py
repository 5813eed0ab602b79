"""The pay sheet of a pay month: the XLSX a Chinese payroll office reads, and the machine-readable CSV.

XLSX (工资表): a 汇总 summary sheet (one row per office and 合计), one sheet per office with one row per
payslip, and the employer's contributions (单位缴费) on a sheet of their own. Columns in the order a
Chinese pay sheet uses: who (工号, 姓名, 部门), attendance (应出勤天数, 实出勤天数), earnings (基本工资, 加班费,
计件工资, 津贴, then 年休假工资, 最低工资补差, 年终奖, 经济补偿金 where any payslip has them), 缺勤扣款
(迟到扣款 where any), 应发工资, the employee's deductions (养老, 医疗, 失业, 公积金, 个税, then the bonus's and
severance's separate tax and 赔偿扣款 where any) and 实发工资. Rows add up: 应发 = the earnings − the
deductions for absence and lateness; 实发 = 应发 − the deductions. 部门 is the department at the lock (the
draft: now), empty for someone in none and in runs locked before departments were snapshotted. English headers
with ``lang="en"``.

The title row of each sheet names the company (`[company] name`), office, period, run id(s) and the lock
time on the office's clock. Only a LOCKED run's snapshot is the pay sheet of record; a computed run can
still be exported for review, and then every title starts with 草稿（未锁定，不作发放依据）/ DRAFT (not
locked, not for payment) — a payroll office checks the draft sheet before it locks.

CSV: one row per payslip with English keys and every output column in integer fen, so it re-imports
to the fen (its file name says ``-fen``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.pay.exports.csv_file import write_csv
from gateway.pay.exports.neutralise import neutralise
from gateway.pay.exports.rows import PeriodRows, SlipRow
from gateway.pay.exports.workbook import Column, Value, new_workbook, save, total_row, write_table
from payroll_core.columns import OUTPUT_COLUMNS

PAY_SHEET_HEADER = ("employee", "name", "office", "payrun", "status", *OUTPUT_COLUMNS)

Getter = Callable[[SlipRow], Value]


@dataclass(frozen=True)
class SheetColumn:
    column: Column
    value: Getter
    optional: bool = False  # shown only where some payslip of the export has an amount in it


def _fig(name: str) -> Getter:
    return lambda r: r.figures.get(name, 0)


def _att(name: str) -> Getter:
    return lambda r: r.attendance.get(name, 0)


def _allowances(r: SlipRow) -> int:
    return r.inputs.get("allowances_fen", 0) + r.inputs.get("night_allowance_fen", 0)


PAY_COLUMNS = (
    SheetColumn(Column("工号", "Employee no.", "text"), lambda r: r.code),
    SheetColumn(Column("姓名", "Name", "text"), lambda r: r.name),
    SheetColumn(Column("部门", "Department", "text"), lambda r: r.department or None),
    SheetColumn(Column("应出勤天数", "Scheduled days", "count"), _att("employed_days")),
    SheetColumn(Column("实出勤天数", "Days worked", "count"), _att("worked_days")),
    SheetColumn(Column("基本工资", "Base pay"), _fig("base_pay_fen")),
    SheetColumn(Column("加班费", "Overtime pay"), _fig("ot_pay_fen")),
    SheetColumn(Column("计件工资", "Piece pay"), _fig("piece_pay_fen")),
    SheetColumn(Column("津贴", "Allowances"), _allowances),
    SheetColumn(Column("年休假工资", "Annual leave pay"), _fig("leave_pay_fen"), optional=True),
    SheetColumn(Column("最低工资补差", "Minimum wage top-up"), _fig("min_wage_topup_fen"), optional=True),
    SheetColumn(Column("年终奖", "Annual bonus"), lambda r: r.inputs.get("bonus_fen", 0), optional=True),
    SheetColumn(Column("经济补偿金", "Severance"), _fig("severance_fen"), optional=True),
    SheetColumn(Column("带薪假工资", "Paid leave pay"), _fig("paid_leave_fen"), optional=True),
    SheetColumn(Column("病假工资", "Sick pay"), _fig("sick_pay_fen"), optional=True),
    SheetColumn(Column("缺勤扣款", "Absence deduction"), _fig("absence_fen")),
    SheetColumn(Column("迟到扣款", "Lateness deduction"), _fig("late_fen"), optional=True),
    SheetColumn(Column("事假扣款", "Unpaid leave deduction"), _fig("unpaid_leave_fen"), optional=True),
    SheetColumn(Column("病假扣款", "Sick leave wage deducted"), _fig("sick_wage_fen"), optional=True),
    SheetColumn(Column("应发工资", "Gross pay"), _fig("gross_fen")),
    SheetColumn(Column("养老", "Pension"), _fig("pension_employee_fen")),
    SheetColumn(Column("医疗", "Medical"), _fig("medical_employee_fen")),
    SheetColumn(Column("失业", "Unemployment"), _fig("unemployment_employee_fen")),
    SheetColumn(Column("工伤", "Work injury"), _fig("injury_employee_fen"), optional=True),
    SheetColumn(Column("生育", "Maternity"), _fig("maternity_employee_fen"), optional=True),
    SheetColumn(Column("公积金", "Housing fund"), _fig("hf_employee_fen")),
    SheetColumn(Column("个税", "IIT"), _fig("iit_fen")),
    SheetColumn(Column("年终奖个税", "Bonus tax"), _fig("bonus_tax_fen"), optional=True),
    SheetColumn(Column("经济补偿金个税", "Severance tax"), _fig("severance_tax_fen"), optional=True),
    SheetColumn(Column("赔偿扣款", "Damages deducted"), _fig("damages_deducted_fen"), optional=True),
    SheetColumn(Column("实发工资", "Net pay"), _fig("net_fen")),
)

EMPLOYER_COLUMNS = (
    SheetColumn(Column("工号", "Employee no.", "text"), lambda r: r.code),
    SheetColumn(Column("姓名", "Name", "text"), lambda r: r.name),
    SheetColumn(Column("办公地点", "Office", "text"), lambda r: r.office),
    SheetColumn(Column("养老(单位)", "Pension (employer)"), _fig("pension_employer_fen")),
    SheetColumn(Column("医疗(单位)", "Medical (employer)"), _fig("medical_employer_fen")),
    SheetColumn(Column("失业(单位)", "Unemployment (employer)"), _fig("unemployment_employer_fen")),
    SheetColumn(Column("工伤(单位)", "Work injury (employer)"), _fig("injury_employer_fen")),
    SheetColumn(Column("生育(单位)", "Maternity (employer)"), _fig("maternity_employer_fen")),
    SheetColumn(Column("社保合计(单位)", "Social insurance (employer)"), _fig("si_employer_fen")),
    SheetColumn(Column("公积金(单位)", "Housing fund (employer)"), _fig("hf_employer_fen")),
)

SUMMARY_COLUMNS = (
    Column("办公地点", "Office", "text"),
    Column("人数", "Employees", "count"),
    Column("应发工资", "Gross pay"),
    Column("社保(个人)", "Social insurance (employee)"),
    Column("公积金(个人)", "Housing fund (employee)"),
    Column("个税", "IIT"),
    Column("实发工资", "Net pay"),
    Column("社保(单位)", "Social insurance (employer)"),
    Column("公积金(单位)", "Housing fund (employer)"),
)
_SUMMARY_FIGURES = (
    "gross_fen",
    "si_employee_fen",
    "hf_employee_fen",
    "iit_fen",
    "net_fen",
    "si_employer_fen",
    "hf_employer_fen",
)
TOTAL = {"zh": "合计", "en": "Total"}
DRAFT = {"zh": "草稿（未锁定，不作发放依据）", "en": "DRAFT (not locked, not for payment)"}


def shown_columns(columns: tuple[SheetColumn, ...], rows: list[SlipRow]) -> list[SheetColumn]:
    """The columns of the export: every fixed one, the optional ones where some row has an amount."""
    return [c for c in columns if not c.optional or any(c.value(r) for r in rows)]


def title(company: str, office: str, found: PeriodRows, what: str, lang: str, scope: str | None) -> str:
    """The title row: company, office, period, what the sheet is, run id(s), lock time (or the draft mark)."""
    en = lang == "en"
    run = f"pay run {found.run_ids(scope)}" if en else f"工资单号 {found.run_ids(scope)}"
    if found.locked:
        lock = f"locked {found.locked_at(scope)}" if en else f"锁定于 {found.locked_at(scope)}"
        parts = [company, office, found.period, what, run, lock]
    else:
        parts = [DRAFT[lang], company, office, found.period, what, run]
    return "  ".join(p for p in parts if p)


def pay_sheet_xlsx(found: PeriodRows, company: str, lang: str = "zh") -> bytes:
    workbook = new_workbook()
    total = TOTAL[lang]
    summary: list[list[Value]] = []
    for office in found.offices:
        rows = [r for r in found.rows if r.office == office]
        summary.append([office, len(rows), *(sum(r.figures[f] for r in rows) for f in _SUMMARY_FIGURES)])
    write_table(
        workbook,
        "汇总" if lang == "zh" else "Summary",
        title(company, "", found, "工资汇总" if lang == "zh" else "pay summary", lang, None),
        SUMMARY_COLUMNS,
        summary,
        lang,
        total_row(total, SUMMARY_COLUMNS, summary),
    )
    columns = shown_columns(PAY_COLUMNS, found.rows)
    heads = [c.column for c in columns]
    for office in found.offices:
        values = [[c.value(r) for c in columns] for r in found.rows if r.office == office]
        write_table(
            workbook,
            office,
            title(company, office, found, "工资表" if lang == "zh" else "pay sheet", lang, office),
            heads,
            values,
            lang,
            total_row(total, heads, values),
        )
    employer = [c.column for c in EMPLOYER_COLUMNS]
    values = [[c.value(r) for c in EMPLOYER_COLUMNS] for r in found.rows]
    write_table(
        workbook,
        "单位缴费" if lang == "zh" else "Employer",
        title(company, "", found, "单位缴费" if lang == "zh" else "employer contributions", lang, None),
        employer,
        values,
        lang,
        total_row(total, employer, values),
    )
    return save(workbook)


def pay_sheet_csv(found: PeriodRows) -> bytes:
    """Every payslip with every output column in fen, English keys (machine-readable)."""
    lines: list[list[str | int]] = []
    for r in found.rows:
        who: list[str | int] = [neutralise(r.code), neutralise(r.name), neutralise(r.office), r.run.id, r.run.status]
        lines.append(who + [r.figures[name] for name in OUTPUT_COLUMNS])
    return write_csv(PAY_SHEET_HEADER, lines)
