"""IIT filing imports for the 自然人电子税务局（扣缴端）: 正常工资薪金所得, 全年一次性奖金收入, 人员信息采集.

Where the columns came from (the client's own template files are downloaded from inside the client and
are not in the public material found; what follows is from public copies of them):
- 正常工资薪金收入 (sheet name and 24 columns, in this order): two independent open-source payroll tools that
  write the client's import file agree column for column (工号, *姓名, *证件类型, *证件号码, 本期收入, 本期免税收入,
  基本养老保险费, 基本医疗保险费, 失业保险费, 住房公积金, 累计子女教育 … 累计个人养老金, 企业(职业)年金, 商业健康保险,
  税延养老保险, 其他, 准予扣除的捐赠额, 减免税额, 备注); qituowang.com/portal/19144.html describes the same
  fields (ID as text, amounts with two decimals).
- 全年一次性奖金收入: the columns as open-source filing screens that mirror the client list them (工号, 姓名,
  证件类型, 证件号码, 全年一次性奖金额, 免税收入, 其他, 准予扣除的捐赠额, 减免税额, 备注); no copy of the template file
  itself was found, so its exact header spelling (the * marks of required columns) is not confirmed.
- 人员信息采集 (51 columns): an open-source tool that writes the client's 人员信息采集导入模板 and states its header
  must equal the client's demo file. 人员状态 (正常/非正常) is not among them: the client sets it itself.

What punchclock fills: who (工号, 姓名, 证件类型 in the client's names, 证件号码 as text), the month's income
under cumulative withholding (`cumulative_income_fen`: wages and a bonus taxed with them, plus the employer's
housing fund above 12 %), the employee's pension, medical and unemployment contributions, the housing
fund up to the deductible 12 % (`hf_deductible_fen`) and other deductions (其他). The special additional
deduction columns (累计子女教育 …) are left EMPTY: punchclock holds only each employee's monthly total, not the
items, and the client downloads the items each employee declared (专项附加扣除信息下载). Columns punchclock
knows nothing of are present and empty. Only employees with an ID number can be filed; the others are
listed (`IitFiling.missing`). Only locked runs are filed, from their snapshots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from gateway.access.vault import EMPLOYEE_ID_NUMBER, reveal
from gateway.pay.exports.rows import PeriodRows, SlipRow, locked_rows
from gateway.pay.exports.workbook import Column, Value, new_workbook, save, write_table

SALARY_SHEET = "正常工资薪金收入"
SALARY_HEADER = (
    "工号",
    "*姓名",
    "*证件类型",
    "*证件号码",
    "本期收入",
    "本期免税收入",
    "基本养老保险费",
    "基本医疗保险费",
    "失业保险费",
    "住房公积金",
    "累计子女教育",
    "累计继续教育",
    "累计住房贷款利息",
    "累计住房租金",
    "累计赡养老人",
    "累计3岁以下婴幼儿照护",
    "累计个人养老金",
    "企业(职业)年金",
    "商业健康保险",
    "税延养老保险",
    "其他",
    "准予扣除的捐赠额",
    "减免税额",
    "备注",
)
BONUS_SHEET = "全年一次性奖金收入"
BONUS_HEADER = (
    "工号",
    "*姓名",
    "*证件类型",
    "*证件号码",
    "全年一次性奖金额",
    "免税收入",
    "其他",
    "准予扣除的捐赠额",
    "减免税额",
    "备注",
)
PEOPLE_SHEET = "人员信息"
PEOPLE_HEADER = (
    "工号",
    "*姓名",
    "*证件类型",
    "*证件号码",
    "*国籍(地区)",
    "*性别",
    "*出生日期",
    "是否高级专家",
    "*任职受雇从业类型",
    "其他情况说明",
    "入职年度就业情形",
    "手机号码",
    "任职受雇从业日期",
    "离职日期",
    "是否离职后补发工资",
    "实际补发工资的月份",
    "是否残疾",
    "是否烈属",
    "是否孤老",
    "残疾证件类型",
    "残疾证号",
    "烈属证号",
    "是否扣除减除费用",
    "个人投资额",
    "个人投资比例(%)",
    "备注",
    "中文名",
    "涉税事由",
    "出生国家(地区)",
    "首次入境时间",
    "预计离境时间",
    "其他证件类型",
    "其他证件号码",
    "户籍所在地（省）",
    "户籍所在地（市）",
    "户籍所在地（区县）",
    "户籍所在地（详细地址）",
    "经常居住地（省）",
    "经常居住地（市）",
    "经常居住地（区县）",
    "经常居住地（详细地址）",
    "联系地址（省）",
    "联系地址（市）",
    "联系地址（区县）",
    "联系地址（详细地址）",
    "电子邮箱",
    "学历",
    "开户银行",
    "银行账号",
    "开户行省份",
    "职务",
)
# A PRC passport number: E/G + 8 digits, or E + a letter + 7 digits (the 2012 and later series).
_CHINESE_PASSPORT = re.compile(r"^(?:[EG]\d{8}|E[A-Z]\d{7})$")


def id_type_name(id_type: str, number: str) -> str:
    """The client's 证件类型 for punchclock's `id_type` (`gateway.access.identity.ID_TYPES`).

    A residence permit is 港澳居民居住证 or 台湾居民居住证 by its number (81/82: Hong Kong and Macao, 83: Taiwan); a
    passport is 中国护照 when its number has the PRC series' shape and 外国护照 otherwise.
    """
    if id_type == "residence_permit":
        return "台湾居民居住证" if number.startswith("83") else "港澳居民居住证"
    if id_type == "passport":
        return "中国护照" if _CHINESE_PASSPORT.match(number) else "外国护照"
    return {
        "resident_id": "居民身份证",
        "hk_macao_permit": "港澳居民来往内地通行证",
        "taiwan_permit": "台湾居民来往大陆通行证",
        "foreign_permanent_residence": "外国人永久居留身份证",
    }[id_type]


@dataclass(frozen=True)
class Missing:
    """An employee the filing leaves out (no ID document at the lock): file them by hand once it is entered."""

    employee: str
    name: str
    reason: str


@dataclass(frozen=True)
class Filed:
    row: SlipRow
    id_type: str  # the client's name
    id_number: str


@dataclass(frozen=True)
class IitFiling:
    found: PeriodRows
    filed: list[Filed]
    missing: list[Missing]


def iit_filing(session: Session, period: str, office: str | None = None) -> IitFiling:
    """Who the period's filing lists (locked runs' snapshots with an ID number) and who it cannot."""
    found = locked_rows(session, period, office, "the IIT filing")
    filed: list[Filed] = []
    missing: list[Missing] = []
    for r in found.rows:
        slip = r.slip
        if not slip.id_number or not slip.id_type:
            missing.append(Missing(r.code, r.name, "no ID document number when the run was locked"))
            continue
        number = reveal(session, EMPLOYEE_ID_NUMBER, slip.employee_id, slip.id_number)
        filed.append(Filed(r, id_type_name(slip.id_type, number), number))
    return IitFiling(found, filed, missing)


def _sheet(name: str, header: tuple[str, ...], amounts: set[str], rows: list[list[Value]]) -> bytes:
    columns = [Column(h, h, "yuan" if h in amounts else "text") for h in header]
    workbook = new_workbook()
    sheet = write_table(workbook, name, "", columns, rows, "zh")
    sheet.delete_rows(1)  # the client reads the header from the first row: no title row in an import file
    sheet.freeze_panes = "A2"
    return save(workbook)


def _who(f: Filed) -> list[Value]:
    return [f.row.code, f.row.name, f.id_type, f.id_number]


def salary_xlsx(filing: IitFiling) -> bytes:
    """The 正常工资薪金所得 import: every filed employee's month (see the module doc for what is filled)."""
    rows: list[list[Value]] = []
    for f in filing.filed:
        fig, inputs = f.row.figures, f.row.inputs
        income = fig.get("cumulative_income_fen", fig["gross_fen"])
        rows.append(
            [
                *_who(f),
                income,
                0,
                fig["pension_employee_fen"],
                fig["medical_employee_fen"],
                fig["unemployment_employee_fen"],
                fig.get("hf_deductible_fen", fig["hf_employee_fen"]),
                *([None] * 10),
                inputs.get("other_deductions_fen", 0),
                None,
                None,
                None,
            ]
        )
    amounts = {"本期收入", "本期免税收入", "基本养老保险费", "基本医疗保险费", "失业保险费", "住房公积金", "其他"}
    return _sheet(SALARY_SHEET, SALARY_HEADER, amounts, rows)


def bonus_xlsx(filing: IitFiling) -> bytes:
    """The 全年一次性奖金收入 import: only bonuses taxed separately (one taxed with the wages is in 本期收入)."""
    rows: list[list[Value]] = [
        [*_who(f), f.row.inputs["bonus_fen"], 0, None, None, None, None]
        for f in filing.filed
        if f.row.figures.get("bonus_separate", 0) == 1
    ]
    return _sheet(BONUS_SHEET, BONUS_HEADER, {"全年一次性奖金额", "免税收入"}, rows)


def _birth_and_sex(id_type: str, number: str) -> tuple[str | None, str | None]:
    """Birth date and sex read from an 18-character GB 11643 number (resident ID, residence permit)."""
    if id_type not in ("居民身份证", "港澳居民居住证", "台湾居民居住证") or len(number) != 18:
        return None, None
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return born.isoformat(), "男" if int(number[16]) % 2 == 1 else "女"


def people_xlsx(filing: IitFiling) -> bytes:
    """The 人员信息采集 import: what punchclock knows of each filed employee, every other column empty."""
    rows: list[list[Value]] = []
    for f in filing.filed:
        born, sex = _birth_and_sex(f.id_type, f.id_number)
        employee = f.row.employee
        row: list[Value] = [None] * len(PEOPLE_HEADER)
        row[0:4] = _who(f)
        row[4] = "中国" if f.id_type in ("居民身份证", "中国护照") else None
        row[5], row[6] = sex, born
        row[8] = "雇员"
        row[12] = employee.hired_on.isoformat() if employee.hired_on else None
        row[13] = employee.left_on.isoformat() if employee.left_on else None
        rows.append(row)
    return _sheet(PEOPLE_SHEET, PEOPLE_HEADER, set(), rows)
