"""The employee sheet (员工花名册): its columns, the Excel template, and the employees exported in it.

Columns, in the order a Chinese HR office keeps them (`COLUMNS`): 工号, 姓名, 办公地点, 班次, 入职日期, 离职日期,
计薪方式 (月薪/时薪/计件), 月薪(元), 时薪(元), 证件类型, 证件号码, 开户银行, 户名, 银行账号, 考勤号, 卡号,
设备权限 (the last two may be left out of a sheet: `OPTIONAL_COLUMNS`). The template has
the header, list validations where a column has a closed set of values (offices, shifts, pay basis,
document types: on a hidden sheet of lists), number and ID columns formatted as text (Excel keeps only
15 digits of a number, and an 18-digit ID number or a 19-digit account typed into a number cell is
lost), and a second sheet, 填写说明, explaining each column and its allowed values. The export is the
same layout filled, by 工号; `gateway.people.employee_import` reads it back.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.identity import ID_TYPES
from gateway.pay.attendance import OFFICE_RULES_DIR
from gateway.people.badges import DevicePrivilege
from gateway.people.bank_accounts import account_view
from gateway.people.employees import fields_of, masked, office_names
from gateway.store import Badge, BankAccount, Employee, Office
from payroll_core.money import fen_to_yuan
from payroll_core.shifts import load_rules

COLUMNS = (
    "工号",
    "姓名",
    "办公地点",
    "班次",
    "入职日期",
    "离职日期",
    "计薪方式",
    "月薪(元)",
    "时薪(元)",
    "证件类型",
    "证件号码",
    "开户银行",
    "户名",
    "银行账号",
    "考勤号",
    "卡号",
    "设备权限",
)
OPTIONAL_COLUMNS = ("卡号", "设备权限")  # added with user sync: older sheets lack them
SHEET_NAME = "员工"
HELP_SHEET = "填写说明"
LISTS_SHEET = "选项"
PAY_BASES = {"月薪": "monthly", "时薪": "hourly", "计件": "piece"}
ID_TYPE_NAMES = {
    "resident_id": "居民身份证",
    "residence_permit": "港澳台居民居住证",
    "passport": "护照",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreign_permanent_residence": "外国人永久居留身份证",
}
assert set(ID_TYPE_NAMES) == set(ID_TYPES), "every document type needs its Chinese name"
DEVICE_PRIVILEGE_NAMES: dict[str, DevicePrivilege] = {"普通用户": "user", "管理员": "admin"}
TEXT_COLUMNS = ("工号", "证件号码", "银行账号", "考勤号", "卡号")
_TEMPLATE_ROWS = 1000  # rows formatted and validated in the template
_HELP = {
    "工号": "必填。员工编号：字母或数字开头，可含字母、数字、_ . -，最多 32 位。已有工号则更新该员工，否则新建。",
    "姓名": "新员工必填。最多 100 个字符；可含中文、空格和少数民族姓名的间隔号 ·。",
    "办公地点": "新员工必填。须为系统中的办公地点名称（见下拉列表）。",
    "班次": "选填。留空 = 办公地点的班次；或填班次名（如 night），或 规则文件/班次（如 dongguan/night）。",
    "入职日期": "选填。日期，格式 YYYY-MM-DD（年份 2000–2099）。",
    "离职日期": "选填。日期，不得早于入职日期。",
    "计薪方式": "新员工必填：月薪、时薪 或 计件。",
    "月薪(元)": "计薪方式为月薪时必填。单位元，最多两位小数，如 6000 或 6000.50。",
    "时薪(元)": "计薪方式为时薪时必填。单位元，最多两位小数，如 25.00。",
    "证件类型": "选填，与证件号码同时填写：" + "、".join(ID_TYPE_NAMES.values()) + "。",
    "证件号码": "选填，与证件类型同时填写。居民身份证校验 18 位及校验码。请保持文本格式。",
    "开户银行": "选填；开户银行、户名、银行账号三项须同时填写。",
    "户名": "选填；银行登记的持卡人姓名。",
    "银行账号": "选填；8–32 位数字（空格会被去掉）。请保持文本格式，否则 Excel 只保留 15 位。",
    "考勤号": "选填；考勤机上的工号（PIN），多个用 、 或逗号分隔；仅限某台考勤机时写 PIN@序列号。已有的不会删除。",
    "卡号": "选填；该员工考勤号（只能一个）对应的 ID 卡号，最多 10 位数字（不超过 4294967295），"
    "同一办公地点内不得重复；填 0 清除卡号。留空 = 不改。",
    "设备权限": "选填；普通用户 或 管理员（可进入考勤机菜单），用于该员工的考勤号。留空 = 不改（新考勤号为普通用户）。",
}
assert set(_HELP) == set(COLUMNS)


def known_shifts() -> list[str]:
    """Every `RULES/SHIFT` the office rule files define, for the template's list."""
    book = load_rules(sorted(OFFICE_RULES_DIR.glob("*.toml")))
    return [f"{book.offices[s.office].source.stem}/{s.name}" for s in book.shifts]


def _workbook(session: Session, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = SHEET_NAME
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    last = max(_TEMPLATE_ROWS, len(rows) + 1)
    for values in rows:
        sheet.append(values)
    for i, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = {"证件号码": 22, "银行账号": 24, "开户银行": 20, "办公地点": 16}.get(
            name, 12
        )
        if name in TEXT_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
                cell.number_format = "@"
        if name in ("入职日期", "离职日期"):
            for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
                cell.number_format = "yyyy-mm-dd"
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a value, never a formula, whatever it starts with
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    choices = {
        "办公地点": list(session.scalars(select(Office.name).order_by(Office.name))),
        "班次": known_shifts(),
        "计薪方式": list(PAY_BASES),
        "证件类型": list(ID_TYPE_NAMES.values()),
        "设备权限": list(DEVICE_PRIVILEGE_NAMES),
    }
    for col, (name, values) in enumerate(choices.items(), start=1):
        letter = get_column_letter(col)
        lists.cell(row=1, column=col, value=name)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=col, value=value).data_type = "s"
        if not values:
            continue
        target = get_column_letter(COLUMNS.index(name) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=name != "班次",  # a shift of the office's own rule file may be typed as SHIFT alone
            errorTitle=name,
            error=f"请从下拉列表中选择{name}",
        )
        validation.add(f"{target}2:{target}{last}")
        sheet.add_data_validation(validation)
    guide = book.create_sheet(HELP_SHEET)
    guide.append(["列", "说明"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for name in COLUMNS:
        guide.append([name, _HELP[name]])
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template(session: Session) -> bytes:
    """The empty sheet to fill in."""
    return _workbook(session, [])


def _card_cells(badges: list[Badge]) -> tuple[str | None, str | None]:
    """卡号 and 设备权限 as the import reads them back: the card of a sole badge, the privilege all badges share."""
    card = str(badges[0].card) if len(badges) == 1 and badges[0].card else None
    shared = {b.device_privilege for b in badges}
    names: dict[str, str] = {v: k for k, v in DEVICE_PRIVILEGE_NAMES.items()}
    return card, names[shared.pop()] if len(shared) == 1 else None


def export_sheet(session: Session, *, full: bool) -> bytes:
    """Every employee in the sheet's layout, by 工号; ID and account numbers in full only when `full`."""
    offices = office_names(session)
    badges: dict[int, list[Badge]] = {}
    for badge in session.scalars(select(Badge).order_by(Badge.id)):
        badges.setdefault(badge.employee_id, []).append(badge)
    accounts = {a.employee_id: a for a in session.scalars(select(BankAccount))}
    rows = []
    for employee in session.scalars(select(Employee).order_by(Employee.code)):
        values = fields_of(session, employee, offices)
        values = values if full else masked(values)
        account = accounts.get(employee.id)
        own = badges.get(employee.id, [])
        view = account_view(session, account, full=full) if account is not None else None
        yuan = {
            k: None if values[k] is None else fen_to_yuan(values[k]) for k in ("monthly_salary_fen", "hourly_rate_fen")
        }
        rows.append(
            [
                employee.code,
                values["name"],
                values["office"],
                values["shift_rule"],
                values["hired_on"],
                values["left_on"],
                next(k for k, v in PAY_BASES.items() if v == values["pay_basis"]),
                yuan["monthly_salary_fen"],
                yuan["hourly_rate_fen"],
                ID_TYPE_NAMES.get(values["id_type"] or ""),
                values["id_number"],
                view.bank_name if view else None,
                view.account_name if view else None,
                view.account_no if view else None,
                "、".join(b.pin if b.device_sn is None else f"{b.pin}@{b.device_sn}" for b in own) or None,
                *_card_cells(own),
            ]
        )
    return _workbook(session, rows)
