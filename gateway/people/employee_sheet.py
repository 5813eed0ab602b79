"""The employee sheet (员工花名册): an Excel template, the employees exported in it, and its import, all rows or none.

Columns, in the order a Chinese HR office keeps them (`COLUMNS`): 工号, 姓名, 办公地点, 班次, 入职日期, 离职日期,
计薪方式 (月薪/时薪/计件), 月薪(元), 时薪(元), 证件类型, 证件号码, 开户银行, 户名, 银行账号, 考勤号. The template has
the header, list validations where a column has a closed set of values (offices, shifts, pay basis,
document types: on a hidden sheet of lists), number and ID columns formatted as text (Excel keeps only
15 digits of a number, and an 18-digit ID number or a 19-digit account typed into a number cell is
lost), and a second sheet, 填写说明, explaining each column and its allowed values.

Import (`check_sheet` → `import_sheet`): every row is checked before anything is written, and every
problem is reported as `row N, column 月薪(元): …` (the spreadsheet's row numbers, the header being row 1),
the way `gateway.pay.piece_import` reports piece files; one problem and nothing is imported.

- A row creates the employee 工号 or, when it exists, updates it: a blank cell keeps the stored value
  (a sheet from another system without bank details does not erase them); change a value to change it.
- Money is yuan with at most two decimals, parsed exactly to fen (`payroll_core.money.yuan_to_fen`);
  a number cell is read through its shortest decimal representation, so 6000.5 is 600,050 fen.
- Dates: date cells, or text YYYY-MM-DD (also YYYY/MM/DD, YYYY.MM.DD), years 2000-2099.
- 证件类型 and 证件号码 go together; resident ID numbers are checked (`gateway.access.identity`).
- 开户银行, 户名 and 银行账号 go together; the account is 8-32 digits (spaces are dropped).
- 考勤号: badge numbers, several separated by 、 or commas; `PIN@SERIAL` is a badge on that terminal only.
  Listed badges are added (and their quarantined punches re-mapped); badges not listed are kept.
- Employees, badges and bank accounts are written through `gateway.people` (sealed, audited as the
  routes do); an unchanged employee or account is not rewritten.

The cross-column rules (a monthly employee needs a salary, …) are stated here in the sheet's terms; the
rules of single values (names, years, ID numbers, shifts, offices, pins) are the shared ones.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from drivers.base import MAX_PIN_LENGTH
from gateway.access.identity import ID_TYPES, IdNumberError, normalize_id_number
from gateway.errors import GatewayError
from gateway.inputs import check_name, check_year
from gateway.pay.attendance import OFFICE_RULES_DIR, AttendanceError, check_employee_shift
from gateway.pay.piece_import import RowProblem
from gateway.people.badges import BadgeError, add_badge, badge_problem
from gateway.people.bank_accounts import AccountView, account_view, is_account_no, save_bank_account
from gateway.people.employees import (
    EmployeeError,
    EmployeeValues,
    add_employee,
    edit_employee,
    fields_of,
    masked,
    office_names,
    values_of,
)
from gateway.store import Badge, BankAccount, Device, Employee, Office
from payroll_core.money import MoneyError, fen_to_yuan, yuan_to_fen
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
)
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
MAX_SHEET_BYTES = 10 * 1024 * 1024
MAX_FEN = 10**13
TEXT_COLUMNS = ("工号", "证件号码", "银行账号", "考勤号")
_TEMPLATE_ROWS = 1000  # rows formatted and validated in the template
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_SHIFT = re.compile(r"([a-z][a-z0-9_-]*/)?[A-Za-z0-9_-]+")
_PIN = re.compile(rf"[A-Za-z0-9]{{1,{MAX_PIN_LENGTH}}}")
_BADGE_SPLIT = re.compile(r"[、,，;；\s]+")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
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
}
assert set(_HELP) == set(COLUMNS)


class EmployeeSheetError(GatewayError):
    """The sheet was refused and nothing was imported; `problems` lists every bad row."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: nothing imported, {len(problems)} problem(s):\n" + "\n".join(map(str, problems)))


@dataclass
class SheetRow:
    """One checked row: the employee's values as they will be stored, and what else the row adds."""

    row: int
    code: str
    values: EmployeeValues
    exists: bool
    changed: bool
    badges: list[tuple[str, str | None]] = field(default_factory=list)  # new badges only
    bank: tuple[str, str, str] | None = None  # (bank name, account number, holder) when new or changed


@dataclass(frozen=True)
class SheetReport:
    rows: int
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    badges_added: int
    bank_accounts_set: int
    remapped_punches: int = 0
    dry_run: bool = False


def known_shifts() -> list[str]:
    """Every `RULES/SHIFT` the office rule files define, for the template's list."""
    book = load_rules(sorted(OFFICE_RULES_DIR.glob("*.toml")))
    return [f"{book.offices[s.office].source.stem}/{s.name}" for s in book.shifts]


# ---------------------------------------------------------------- writing the workbook


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


def export_sheet(session: Session, *, full: bool) -> bytes:
    """Every employee in the sheet's layout, by 工号; ID and account numbers in full only when `full`."""
    offices = office_names(session)
    badges: dict[int, list[str]] = {}
    for badge in session.scalars(select(Badge).order_by(Badge.id)):
        badges.setdefault(badge.employee_id, []).append(
            badge.pin if badge.device_sn is None else f"{badge.pin}@{badge.device_sn}"
        )
    accounts = {a.employee_id: a for a in session.scalars(select(BankAccount))}
    rows = []
    for employee in session.scalars(select(Employee).order_by(Employee.code)):
        values = fields_of(session, employee, offices)
        values = values if full else masked(values)
        account = accounts.get(employee.id)
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
                "、".join(badges.get(employee.id, [])) or None,
            ]
        )
    return _workbook(session, rows)


# ---------------------------------------------------------------- reading a filled sheet


def _rows(source: str, content: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise EmployeeSheetError(source, [RowProblem(1, "", f"not a readable XLSX workbook ({exc})")]) from None
    sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
    yield from enumerate((list(row) for row in sheet.iter_rows(values_only=True)), start=1)


def _text(value: Any, column: str) -> str | None:
    """A cell as text (None when blank); a number in a text column is refused where Excel may have cut digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not text")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value!r} is a number with decimals; type the value as text")
        value = int(value)
    if isinstance(value, int):
        if column in ("证件号码", "银行账号") and len(str(abs(value))) > 15:
            raise ValueError(
                "the cell is a number and Excel keeps only 15 digits of a number, so digits are lost: format the "
                "column as text (the template does) and type the number again"
            )
        return str(value)
    if isinstance(value, datetime | date):
        raise ValueError(f"{value:%Y-%m-%d} is a date, not text")
    text = str(value).strip()
    return text or None


def _date(value: Any) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = str(value).strip()
        match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
        if match is None:
            raise ValueError(f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-03-01")
        try:
            value = date(*map(int, match.groups()))
        except ValueError:
            raise ValueError(f"{text!r} is not a date of the calendar") from None
    check_year(value.year)
    return value


def _fen(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    text = repr(value) if isinstance(value, float) else str(value).strip().removeprefix("¥").removeprefix("￥")
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        fen = yuan_to_fen(text, "amount")
    except MoneyError:
        raise ValueError(f"{text!r} is not an amount in yuan with at most two decimals, e.g. 6000 or 6000.50") from None
    if fen > MAX_FEN:
        raise ValueError(f"{text} yuan is more than {fen_to_yuan(MAX_FEN)} yuan")
    return fen


@dataclass
class _Row:
    """The cells of one row, each parsed or None (blank); `problems` holds what could not be parsed."""

    number: int
    cells: dict[str, Any]
    problems: list[RowProblem] = field(default_factory=list)

    def get(self, column: str, parse: Any) -> Any:
        try:
            return parse(self.cells.get(column))
        except ValueError as exc:
            self.problems.append(RowProblem(self.number, column, str(exc)))
            return None

    def fail(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.number, column, message))


def _header(source: str, values: list[Any]) -> list[str]:
    header = [str(v or "").strip() for v in values]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        faults = [
            f"missing {', '.join(missing)}" if missing else "",
            f"unknown {', '.join(map(repr, extra))}" if extra else "",
            "a column appears twice" if len(set(header)) != len(header) else "",
        ]
        raise EmployeeSheetError(
            source,
            [
                RowProblem(
                    1,
                    "",
                    f"the header must name the columns {', '.join(COLUMNS)} ({'; '.join(f for f in faults if f)}): "
                    "start from the template (GET /api/v1/employees/template.xlsx)",
                )
            ],
        )
    return header


class _Checker:
    """Checks rows against the store and against each other (codes and badges listed twice)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.offices = {o.name: o for o in session.scalars(select(Office))}
        self.office_ids = {o.id: o.name for o in self.offices.values()}
        self.employees = {e.code: e for e in session.scalars(select(Employee))}
        self.serials = set(session.scalars(select(Device.sn).where(Device.sn.is_not(None))))
        self.codes: dict[str, int] = {}
        self.pins: dict[tuple[str, str | None], tuple[int, str]] = {}

    def row(self, row: _Row) -> SheetRow | None:
        code = row.get("工号", lambda v: _text(v, "工号"))
        if code is None:
            row.fail("工号", "is required")
        elif not _CODE.fullmatch(code):
            row.fail("工号", f"{code!r}: a code is 1-32 letters, digits, _ . -, starting with a letter or digit")
            code = None
        elif code in self.codes:
            row.fail("工号", f"{code} is also on row {self.codes[code]}: list each employee once")
            code = None
        if code is not None:
            self.codes[code] = row.number
        existing = self.employees.get(code or "")
        stored = values_of(fields_of(self.session, existing, self.office_ids)) if existing is not None else None
        values = self._values(row, stored)
        badges = self._badges(row, code, existing)
        bank = self._bank(row, existing)
        if row.problems or code is None or values is None:
            return None
        return SheetRow(
            row=row.number,
            code=code,
            values=values,
            exists=existing is not None,
            changed=values != stored,
            badges=badges,
            bank=bank,
        )

    def _values(self, row: _Row, stored: EmployeeValues | None) -> EmployeeValues | None:
        new = stored is None
        name = row.get("姓名", lambda v: _text(v, "姓名"))
        if name is not None:
            try:
                check_name(name)
                if len(name) > 100:
                    raise ValueError(f"{len(name)} characters; a name has at most 100")
            except ValueError as exc:
                row.fail("姓名", str(exc))
        elif new:
            row.fail("姓名", "is required for a new employee")
        office_name = row.get("办公地点", lambda v: _text(v, "办公地点"))
        office = None
        if office_name is not None:
            office = self.offices.get(office_name)
            if office is None:
                known = ", ".join(repr(n) for n in sorted(self.offices)) or "none"
                row.fail("办公地点", f"no office named {office_name!r}: offices are {known}")
        elif new:
            row.fail("办公地点", "is required for a new employee")
        shift = row.get("班次", lambda v: _text(v, "班次"))
        basis_text = row.get("计薪方式", lambda v: _text(v, "计薪方式"))
        basis = None
        if basis_text is not None:
            basis = PAY_BASES.get(basis_text)
            if basis is None:
                row.fail("计薪方式", f"{basis_text!r}: write 月薪, 时薪 or 计件")
        elif new:
            row.fail("计薪方式", "is required for a new employee: 月薪, 时薪 or 计件")
        hired, left = row.get("入职日期", _date), row.get("离职日期", _date)
        monthly, hourly = row.get("月薪(元)", _fen), row.get("时薪(元)", _fen)
        id_name = row.get("证件类型", lambda v: _text(v, "证件类型"))
        id_type = None
        if id_name is not None:
            id_type = next((k for k, v in ID_TYPE_NAMES.items() if v == id_name), None)
            if id_type is None:
                row.fail("证件类型", f"{id_name!r}: write one of {'、'.join(ID_TYPE_NAMES.values())}")
        id_number = row.get("证件号码", lambda v: _text(v, "证件号码"))
        if row.problems:
            return None
        base = stored or EmployeeValues(name="")
        values = replace(
            base,
            name=name or base.name,
            office=office.name if office is not None else base.office,
            pay_basis=basis or base.pay_basis,
            monthly_salary_fen=base.monthly_salary_fen if monthly is None else monthly,
            hourly_rate_fen=base.hourly_rate_fen if hourly is None else hourly,
            hired_on=hired or base.hired_on,
            left_on=left or base.left_on,
            shift_rule=shift or base.shift_rule,
            id_type=id_type or base.id_type,
            id_number=id_number or base.id_number,
        )
        return self._together(row, values)

    def _together(self, row: _Row, values: EmployeeValues) -> EmployeeValues | None:
        """The rules between columns, on the values as they will be stored."""
        if values.pay_basis == "monthly" and values.monthly_salary_fen is None:
            row.fail("月薪(元)", "a 月薪 employee needs the monthly salary in yuan, e.g. 6000.00")
        if values.pay_basis == "hourly" and values.hourly_rate_fen is None:
            row.fail("时薪(元)", "a 时薪 employee needs the hourly rate in yuan, e.g. 25.00")
        if values.hired_on and values.left_on and values.left_on < values.hired_on:
            row.fail("离职日期", f"{values.left_on} is before the 入职日期 {values.hired_on}: fix one of the dates")
        if values.shift_rule is not None and values.office is not None:
            if not _SHIFT.fullmatch(values.shift_rule) or len(values.shift_rule) > 100:
                row.fail("班次", f"{values.shift_rule!r}: write SHIFT or RULES/SHIFT, e.g. night or dongguan/night")
            else:
                try:
                    check_employee_shift(self.offices[values.office], values.shift_rule)
                except AttendanceError as exc:
                    row.fail("班次", str(exc))
        if (values.id_type is None) != (values.id_number is None):
            missing = "证件号码" if values.id_number is None else "证件类型"
            row.fail(missing, "证件类型 and 证件号码 go together: give both, or neither")
        elif values.id_type is not None and values.id_number is not None:
            try:
                values = replace(values, id_number=normalize_id_number(values.id_type, values.id_number))
            except IdNumberError as exc:
                row.fail("证件号码", str(exc))
        return None if row.problems else values

    def _badges(self, row: _Row, code: str | None, existing: Employee | None) -> list[tuple[str, str | None]]:
        text = row.get("考勤号", lambda v: _text(v, "考勤号"))
        if text is None:
            return []
        own = (
            set()
            if existing is None
            else {
                (b.pin, b.device_sn)
                for b in self.session.scalars(select(Badge).where(Badge.employee_id == existing.id))
            }
        )
        new: list[tuple[str, str | None]] = []
        for part in filter(None, _BADGE_SPLIT.split(text)):
            pin, _, serial = part.partition("@")
            key = (pin, serial or None)
            if not _PIN.fullmatch(pin):
                row.fail("考勤号", f"{part!r}: a badge number is 1-{MAX_PIN_LENGTH} letters and digits")
                continue
            if serial and serial not in self.serials:
                row.fail("考勤号", f"{part!r}: no terminal has serial number {serial!r}")
                continue
            if key in self.pins:
                earlier, owner = self.pins[key]
                row.fail("考勤号", f"{part} is also given to {owner} on row {earlier}: a badge belongs to one employee")
                continue
            self.pins[key] = (row.number, code or "?")
            if key in own:
                continue  # already this employee's
            problem = badge_problem(self.session, pin, serial or None)
            if problem is not None:
                row.fail("考勤号", str(problem))
                continue
            new.append(key)
        return new

    def _bank(self, row: _Row, existing: Employee | None) -> tuple[str, str, str] | None:
        bank = row.get("开户银行", lambda v: _text(v, "开户银行"))
        holder = row.get("户名", lambda v: _text(v, "户名"))
        number = row.get("银行账号", lambda v: _text(v, "银行账号"))
        given = {"开户银行": bank, "户名": holder, "银行账号": number}
        if all(v is None for v in given.values()):
            return None
        if any(v is None for v in given.values()):
            blank = "、".join(k for k, v in given.items() if v is None)
            row.fail(blank.split("、")[0], f"开户银行, 户名 and 银行账号 go together: {blank} is blank")
            return None
        assert bank is not None and holder is not None and number is not None
        number = "".join(number.split())
        for column, name in (("开户银行", bank), ("户名", holder)):
            try:
                check_name(name)
                if len(name) > 100:
                    raise ValueError(f"{len(name)} characters; at most 100")
            except ValueError as exc:
                row.fail(column, str(exc))
        if not is_account_no(number):
            row.fail("银行账号", f"{len(number)} characters: an account number is 8 to 32 digits")
        if row.problems:
            return None
        account = self.session.get(BankAccount, existing.id) if existing is not None else None
        if account is not None and account_view(self.session, account, full=True) == AccountView(bank, number, holder):
            return None
        return (bank, number, holder)


def check_sheet(session: Session, source: str, content: bytes) -> list[SheetRow]:
    """Every row checked against the store (read-only), or `EmployeeSheetError` listing every problem."""
    rows = _rows(source, content)
    first = next(rows, None)
    if first is None:
        raise EmployeeSheetError(source, [RowProblem(1, "", "the sheet is empty; start from the template")])
    header = _header(source, first[1])
    checker = _Checker(session)
    problems: list[RowProblem] = []
    checked: list[SheetRow] = []
    for number, values in rows:
        cells = {name: values[i] if i < len(values) else None for i, name in enumerate(header)}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        row = _Row(number, cells)
        result = checker.row(row)
        problems += row.problems
        if result is not None:
            checked.append(result)
    if problems:
        raise EmployeeSheetError(source, problems)
    if not checked:
        raise EmployeeSheetError(source, [RowProblem(2, "", "no employee rows below the header")])
    return checked


def _report(rows: list[SheetRow], *, dry_run: bool, remapped: int = 0) -> SheetReport:
    return SheetReport(
        rows=len(rows),
        created=[r.code for r in rows if not r.exists],
        updated=[r.code for r in rows if r.exists and r.changed],
        unchanged=[r.code for r in rows if r.exists and not r.changed],
        badges_added=sum(len(r.badges) for r in rows),
        bank_accounts_set=sum(r.bank is not None for r in rows),
        remapped_punches=remapped,
        dry_run=dry_run,
    )


def import_sheet(session: Session, source: str, content: bytes, actor: str, *, dry_run: bool = False) -> SheetReport:
    """Check the whole sheet, then (unless `dry_run`) write every row in the caller's transaction."""
    rows = check_sheet(session, source, content)
    if dry_run:
        return _report(rows, dry_run=True)
    remapped = 0
    for row in rows:
        try:
            employee = session.scalar(select(Employee).where(Employee.code == row.code))
            if employee is None:
                employee = add_employee(session, row.code, row.values, actor)
            elif row.changed:
                edit_employee(session, employee, row.values, actor)
            for pin, serial in row.badges:
                remapped += add_badge(session, employee, pin, serial, actor).remapped
            if row.bank is not None:
                save_bank_account(session, employee, *row.bank, actor)
        except (BadgeError, EmployeeError) as exc:  # changed since the check (another writer): refuse it all
            raise EmployeeSheetError(source, [RowProblem(row.row, "", str(exc))]) from None
    return _report(rows, dry_run=False, remapped=remapped)
