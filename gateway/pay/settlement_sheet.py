"""The final settlement document (离职结算单) of a leaver: the payslip of the leaving month, each amount with its rule.

It is read from the payslip the pay run of the month of `left_on` computed (draft or locked: `locked` says which;
only a locked one is final), so the document and the payroll can never disagree. The lines are the payslip's
(employer contributions left out, they are not the employee's), each with its rule in Chinese where the
settlement needs one — 工资 to the last day, 未休年假 days × daily wage × 200 %, 经济补偿 months × monthly wage
with the caps — and the payslip's own rule otherwise. `settlement_xlsx` writes the same as an XLSX sheet.
Nothing here writes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError
from gateway.pay.exports.workbook import Column, new_workbook, save, write_table
from gateway.pay.payslip_lines import StoredLine, stored_lines
from gateway.store import RUN_LOCKED, Employee, Office, PayRun, Payslip

#: Chinese names of the payslip line codes on the document (the web app's catalogue has the same under "lines").
LINE_NAMES = {
    "BASE_PAY": "工资（计至最后工作日）", "ABSENCE": "缺勤扣款", "LEAVE": "假期", "LATE": "迟到扣款",
    "PIECE": "计件工资", "OT_WORKDAY": "工作日加班费", "OT_RESTDAY": "休息日加班费", "OT_HOLIDAY": "法定节假日加班费",
    "ALLOWANCES": "津贴补贴", "NIGHT_ALLOWANCE": "夜班津贴", "ANNUAL_LEAVE_PAY": "未休年休假工资",
    "MIN_WAGE_TOP_UP": "最低工资补差", "BONUS": "全年一次性奖金", "SEVERANCE": "经济补偿金", "GROSS": "应发合计",
    "PENSION_EMPLOYEE": "养老保险（个人）", "MEDICAL_EMPLOYEE": "医疗保险（个人）",
    "UNEMPLOYMENT_EMPLOYEE": "失业保险（个人）", "HOUSING_FUND_EMPLOYEE": "住房公积金（个人）",
    "IIT": "个人所得税", "BONUS_TAX": "年终奖个人所得税（单独计税）", "SEVERANCE_TAX": "经济补偿金个人所得税",
    "DAMAGES": "赔偿扣款", "HOUSING_FUND_TAX": "超标准公积金计税", "NET": "实发金额",
}  # fmt: skip


class SettlementNotReady(GatewayError):
    """The employee has no last day, or no pay run has computed the leaving month yet; the message says which."""


@dataclass(frozen=True)
class SettlementLine:
    code: str
    name: str
    amount_fen: int
    rule: str


@dataclass(frozen=True)
class Settlement:
    employee: str
    employee_name: str
    office: str
    hired_on: str | None
    last_day: str
    period: str
    payrun_id: int
    locked: bool
    lines: list[SettlementLine]
    net_fen: int


def _yuan(fen: int | Decimal) -> str:
    return f"{Decimal(fen).scaleb(-2).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _rule(line: StoredLine) -> str:
    """The settlement's Chinese rule for the lines it is about; the payslip's own rule for the rest."""
    q = line.quantities
    if line.code == "BASE_PAY" and "monthly_salary_fen" in q:
        return (
            f"月薪 {_yuan(int(q['monthly_salary_fen']))} × 在职 {q['employed_days']} 个工作日 ÷ 本月 "
            f"{q['scheduled_days']} 个工作日（工资计至最后工作日），四舍五入到分"
        )
    if line.code == "ANNUAL_LEAVE_PAY":
        base, days = int(q["leave_base_fen"]), int(q["leave_days_unused"])
        return (
            f"未休年假 {days} 天 × 日工资 {_yuan(Decimal(base) / Decimal('21.75'))}"
            f"（月工资 {_yuan(base)} ÷ 21.75）× 200%（应付 300% 中已含当日正常工资 100%，"
            "《企业职工带薪年休假实施办法》第10、11条；天数按第12条折算至最后工作日，不足1天不计），四舍五入到分"
        )
    if line.code == "SEVERANCE":
        half, wage, cap = int(q["half_months"]), int(q["monthly_wage_fen"]), int(q["wage_cap_fen"])
        capped = wage > cap > 0
        months = Decimal(half) / 2
        if capped:
            months = min(months, Decimal(int(q["capped_years"])))
        return (
            f"经济补偿 {months:g} 个月 × 月工资 {_yuan(min(wage, cap) if capped else wage)}（工作年限每满1年1个月，"
            f"6个月以上不满1年按1年、不满6个月按半个月；月工资高于当地职工月平均工资3倍 {_yuan(cap)} 的按3倍计、"
            f"年限最多{q['capped_years']}年；《劳动合同法》第47条）"
        )
    if line.code == "SEVERANCE_TAX":
        exempt = _yuan(int(q["exempt_fen"]))
        return f"经济补偿金超过当地上年职工平均工资3倍（免税 {exempt}）的部分单独计税（财税〔2018〕164号）"
    if line.code == "ABSENCE":
        absent = Decimal(int(q["absent_days"])) + Decimal(int(q["absent_half_days"])) / 2
        return (
            f"月薪 {_yuan(int(q['monthly_salary_fen']))} ÷ 21.75 × 缺勤 {absent:g} 天（半天按 0.5 天），"
            "不超过当月工资，四舍五入到分"
        )
    if line.code == "LATE":
        return f"迟到 {q['late_minutes']} 分钟（每次宽限 {q['grace_minutes']} 分钟），按分钟工资扣款，四舍五入到分"
    if line.code.startswith("OT_"):
        return f"加班 {q['minutes']} 分钟 × 分钟工资 × {q['multiplier']} 倍（《劳动法》第44条），四舍五入到分"
    if line.code == "GROSS":
        return "以上各项合计"
    if line.code == "IIT":
        return (
            f"累计预扣法：累计应纳税所得额 {_yuan(int(q['taxable_cumulative_fen']))} 的累计税额 "
            f"{_yuan(int(q['tax_cumulative_fen']))} − 本年已预缴 {_yuan(int(q['ytd_tax_withheld_fen']))}"
            "，不小于 0（国家税务总局公告2018年第61号）"
        )
    if line.code.endswith("_EMPLOYEE"):
        return f"缴费基数 × 个人费率 {q.get('rate', '')}" if "rate" in q else line.rule
    if line.code == "NET":
        return "应发合计 − 社保公积金个人部分 − 个人所得税 − 单独计税 − 赔偿扣款"
    return line.rule


def final_settlement(session: Session, employee: Employee) -> Settlement:
    """The leaver's settlement from the payslip of the leaving month (see the module doc)."""
    if employee.left_on is None:
        raise SettlementNotReady(f"employee {employee.code} has no last day (left_on): there is no final settlement")
    period = f"{employee.left_on:%Y-%m}"
    found = session.execute(
        select(Payslip, PayRun)
        .join(PayRun, Payslip.payrun_id == PayRun.id)
        .where(Payslip.employee_id == employee.id, PayRun.period == period)
    ).first()
    if found is None:
        raise SettlementNotReady(
            f"no pay run of {period} has computed {employee.code}'s final month yet: create and compute the "
            f"{period} pay run, then open the settlement again"
        )
    slip, run = found
    lines = [
        SettlementLine(line.code, LINE_NAMES.get(line.code, line.code), line.amount_fen, _rule(line))
        for line in stored_lines(session, [slip.id])[slip.id]
        if not line.code.endswith("_EMPLOYER")
    ]
    office = session.get(Office, employee.office_id) if employee.office_id is not None else None
    return Settlement(
        employee=employee.code, employee_name=employee.name, office=office.name if office else "",
        hired_on=employee.hired_on.isoformat() if employee.hired_on else None,
        last_day=employee.left_on.isoformat(), period=period, payrun_id=run.id, locked=run.status == RUN_LOCKED,
        lines=lines, net_fen=slip.net_fen,
    )  # fmt: skip


_COLUMNS = (Column("项目", "Item", "text"), Column("金额（元）", "Amount (yuan)"), Column("计算规则", "Rule", "text"))


def settlement_xlsx(settlement: Settlement, termination: str) -> bytes:
    """The document as one sheet: title, the lines (yuan, two decimals), 实发 last."""
    title = (
        f"离职结算单 {settlement.employee_name}（{settlement.employee}）{settlement.office} · "
        f"最后工作日 {settlement.last_day} · 离职原因 {termination}"
        + ("" if settlement.locked else " · 草稿（工资表未锁定）")
    )
    rows = [(line.name, line.amount_fen, line.rule) for line in settlement.lines]
    workbook = new_workbook()
    write_table(workbook, "离职结算单", title, _COLUMNS, rows, "zh")
    return save(workbook)
