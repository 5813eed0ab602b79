"""Importing the employee sheet (`gateway.people.employee_sheet`): all rows or none, with a row-by-row report.

`check_sheet` checks every row against the store before anything is written, and reports every problem
as `row N, column 月薪(元): …` (the spreadsheet's row numbers, the header being row 1), the way
`gateway.pay.piece_import` reports piece files; `import_sheet` then writes them. One problem and nothing
is imported.

- A row creates the employee 工号 or, when it exists, updates it: a blank cell keeps the stored value
  (a sheet from another system without bank details does not erase them); change a value to change it.
- Money is yuan with at most two decimals, parsed exactly to fen (`payroll_core.money.yuan_to_fen`);
  a number cell is read through its shortest decimal representation, so 6000.5 is 600,050 fen.
- Dates: date cells, or text YYYY-MM-DD (also YYYY/MM/DD, YYYY.MM.DD), years 2000-2099.
- 证件类型 and 证件号码 go together; resident ID numbers are checked (`gateway.access.identity`).
- 开户银行, 户名 and 银行账号 go together; the account is 8-32 digits (spaces are dropped).
- 考勤号: badge numbers, several separated by 、 or commas; `PIN@SERIAL` is a badge on that terminal only.
  Listed badges are added (and their quarantined punches re-mapped); badges not listed are kept.
- 卡号 and 设备权限 (optional columns) set the card number and device privilege of the row's badges: those
  listed in 考勤号, or the employee's badges when 考勤号 is blank. A card goes on one badge, unique in the
  employee's office (against the store and the sheet's earlier rows); 0 clears it; blank keeps it.
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
from gateway.access.identity import IdNumberError, normalize_id_number
from gateway.errors import GatewayError
from gateway.inputs import RowProblem, ValueRefused, check_name, check_year, header_faults
from gateway.pay.attendance import AttendanceError, check_employee_shift
from gateway.people.badges import (
    BadgeError,
    DevicePrivilege,
    add_badge,
    badge_problem,
    card_number,
    card_problem,
    edit_badge,
)
from gateway.people.bank_accounts import AccountView, account_view, is_account_no, save_bank_account
from gateway.people.employee_sheet import (
    COLUMNS,
    DEVICE_PRIVILEGE_NAMES,
    ID_TYPE_NAMES,
    OPTIONAL_COLUMNS,
    PAY_BASES,
    SHEET_NAME,
)
from gateway.people.employees import (
    EmployeeError,
    EmployeeValues,
    add_employee,
    edit_employee,
    fields_of,
    values_of,
)
from gateway.store import Badge, BankAccount, Device, Employee, Office
from payroll_core.money import MoneyError, fen_to_yuan, yuan_to_fen

MAX_SHEET_BYTES = 10 * 1024 * 1024
MAX_FEN = 10**13
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_SHIFT = re.compile(r"([a-z][a-z0-9_-]*/)?[A-Za-z0-9_-]+")
_PIN = re.compile(rf"[A-Za-z0-9]{{1,{MAX_PIN_LENGTH}}}")
_BADGE_SPLIT = re.compile(r"[、,，;；\s]+")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")


_REQUIRED, _REQUIRED_ZH = "is required for a new employee", "新员工必填"


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
    # 卡号 / 设备权限 (None = keep) and the badges (pin, device_sn) they go on, new ones included
    card: int | None = None
    privilege: DevicePrivilege | None = None
    access_badges: list[tuple[str, str | None]] = field(default_factory=list)
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


def _rows(source: str, content: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        problem = RowProblem(1, "", f"not a readable XLSX workbook ({exc})", f"不是可读取的 XLSX 工作簿（{exc}）")
        raise EmployeeSheetError(source, [problem]) from None
    sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
    yield from enumerate((list(row) for row in sheet.iter_rows(values_only=True)), start=1)


def _text(value: Any, column: str) -> str | None:
    """A cell as text (None when blank); a number in a text column is refused where Excel may have cut digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueRefused(f"{value!r} is not text", zh=f"{value!r} 不是文本")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueRefused(
                f"{value!r} is a number with decimals; type the value as text",
                zh=f"{value!r} 是带小数的数字：请以文本填写",
            )
        value = int(value)
    if isinstance(value, int):
        if column in ("证件号码", "银行账号") and len(str(abs(value))) > 15:
            raise ValueRefused(
                "the cell is a number and Excel keeps only 15 digits of a number, so digits are lost: format the "
                "column as text (the template does) and type the number again",
                zh="该单元格是数字，而 Excel 只保留数字的 15 位，后面的位已丢失：请把该列设为文本格式（模板已设好）"
                "后重新填写号码",
            )
        return str(value)
    if isinstance(value, datetime | date):
        raise ValueRefused(f"{value:%Y-%m-%d} is a date, not text", zh=f"{value:%Y-%m-%d} 是日期，不是文本")
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
            raise ValueRefused(
                f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2026-03-01",
                zh=f"{text!r} 不是日期：请写成 YYYY-MM-DD，例如 2026-03-01",
            )
        try:
            value = date(*map(int, match.groups()))
        except ValueError:
            raise ValueRefused(f"{text!r} is not a date of the calendar", zh=f"{text!r} 不是日历上存在的日期") from None
    check_year(value.year)
    return value


def _fen(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueRefused(f"{value!r} is not an amount", zh=f"{value!r} 不是金额")
    text = repr(value) if isinstance(value, float) else str(value).strip().removeprefix("¥").removeprefix("￥")
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        fen = yuan_to_fen(text, "amount")
    except MoneyError:
        raise ValueRefused(
            f"{text!r} is not an amount in yuan with at most two decimals, e.g. 6000 or 6000.50",
            zh=f"{text!r} 不是以元为单位、最多两位小数的金额，例如 6000 或 6000.50",
        ) from None
    if fen > MAX_FEN:
        raise ValueRefused(
            f"{text} yuan is more than {fen_to_yuan(MAX_FEN)} yuan", zh=f"{text} 元超过上限 {fen_to_yuan(MAX_FEN)} 元"
        )
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
            self.problems.append(RowProblem.of(self.number, column, exc))
            return None

    def fail(self, column: str, message: str, zh: str | None = None) -> None:
        self.problems.append(RowProblem(self.number, column, message, zh))

    def refused(self, column: str, error: Exception) -> None:
        """`error`'s message (and its Chinese wording, when it has one) as the problem of `column`."""
        self.problems.append(RowProblem.of(self.number, column, error))


def _header(source: str, values: list[Any]) -> list[str]:
    header = [str(v or "").strip() for v in values]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header and c not in OPTIONAL_COLUMNS]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        faults, faults_zh = header_faults(missing, extra, len(set(header)) != len(header))
        problem = RowProblem(
            1,
            "",
            f"the header must name the columns {', '.join(COLUMNS)} ({faults}; "
            f"{' and '.join(OPTIONAL_COLUMNS)} may be left out): "
            "start from the template (GET /api/v1/employees/template.xlsx)",
            f"表头须包含这些列：{'、'.join(COLUMNS)}（{faults_zh}；"
            f"{'和'.join(OPTIONAL_COLUMNS)} 可以省略）：请从模板开始填写（GET /api/v1/employees/template.xlsx）",
        )
        raise EmployeeSheetError(source, [problem])
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
        self.cards: dict[tuple[str | None, int], tuple[int, str]] = {}  # (office, card) -> (row, code)

    def row(self, row: _Row) -> SheetRow | None:
        code = row.get("工号", lambda v: _text(v, "工号"))
        if code is None:
            row.fail("工号", "is required", "必填")
        elif not _CODE.fullmatch(code):
            row.fail(
                "工号",
                f"{code!r}: a code is 1-32 letters, digits, _ . -, starting with a letter or digit",
                f"{code!r}：工号为 1–32 位字母、数字或 _ . -，以字母或数字开头",
            )
            code = None
        elif code in self.codes:
            row.fail(
                "工号",
                f"{code} is also on row {self.codes[code]}: list each employee once",
                f"{code} 也在第 {self.codes[code]} 行：每位员工只列一次",
            )
            code = None
        if code is not None:
            self.codes[code] = row.number
        existing = self.employees.get(code or "")
        stored = values_of(fields_of(self.session, existing, self.office_ids)) if existing is not None else None
        values = self._values(row, stored)
        badges, listed = self._badges(row, code, existing)
        card, privilege, access = self._access(row, code, existing, values, listed)
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
            card=card,
            privilege=privilege,
            access_badges=access,
            bank=bank,
        )

    def _values(self, row: _Row, stored: EmployeeValues | None) -> EmployeeValues | None:
        new = stored is None
        name = row.get("姓名", lambda v: _text(v, "姓名"))
        if name is not None:
            try:
                check_name(name)
                if len(name) > 100:
                    raise ValueRefused(
                        f"{len(name)} characters; a name has at most 100", zh=f"{len(name)} 个字符：姓名最多 100 个字符"
                    )
            except ValueError as exc:
                row.refused("姓名", exc)
        elif new:
            row.fail("姓名", _REQUIRED, _REQUIRED_ZH)
        office_name = row.get("办公地点", lambda v: _text(v, "办公地点"))
        office = None
        if office_name is not None:
            office = self.offices.get(office_name)
            if office is None:
                known = ", ".join(repr(n) for n in sorted(self.offices)) or "none"
                known_zh = "、".join(repr(n) for n in sorted(self.offices)) or "无"
                row.fail(
                    "办公地点",
                    f"no office named {office_name!r}: offices are {known}",
                    f"没有名为 {office_name!r} 的办公地点：现有的是 {known_zh}",
                )
        elif new:
            row.fail("办公地点", _REQUIRED, _REQUIRED_ZH)
        shift = row.get("班次", lambda v: _text(v, "班次"))
        basis_text = row.get("计薪方式", lambda v: _text(v, "计薪方式"))
        basis = None
        if basis_text is not None:
            basis = PAY_BASES.get(basis_text)
            if basis is None:
                row.fail(
                    "计薪方式",
                    f"{basis_text!r}: write 月薪, 时薪 or 计件",
                    f"{basis_text!r}：请填写 月薪、时薪 或 计件",
                )
        elif new:
            row.fail("计薪方式", f"{_REQUIRED}: 月薪, 时薪 or 计件", f"{_REQUIRED_ZH}：月薪、时薪 或 计件")
        hired, left = row.get("入职日期", _date), row.get("离职日期", _date)
        monthly, hourly = row.get("月薪(元)", _fen), row.get("时薪(元)", _fen)
        id_name = row.get("证件类型", lambda v: _text(v, "证件类型"))
        id_type = None
        if id_name is not None:
            id_type = next((k for k, v in ID_TYPE_NAMES.items() if v == id_name), None)
            if id_type is None:
                names = "、".join(ID_TYPE_NAMES.values())
                row.fail("证件类型", f"{id_name!r}: write one of {names}", f"{id_name!r}：请填写以下之一：{names}")
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
            row.fail(
                "月薪(元)",
                "a 月薪 employee needs the monthly salary in yuan, e.g. 6000.00",
                "月薪员工须填写以元为单位的月薪，例如 6000.00",
            )
        if values.pay_basis == "hourly" and values.hourly_rate_fen is None:
            row.fail(
                "时薪(元)",
                "a 时薪 employee needs the hourly rate in yuan, e.g. 25.00",
                "时薪员工须填写以元为单位的时薪，例如 25.00",
            )
        if values.hired_on and values.left_on and values.left_on < values.hired_on:
            row.fail(
                "离职日期",
                f"{values.left_on} is before the 入职日期 {values.hired_on}: fix one of the dates",
                f"{values.left_on} 早于入职日期 {values.hired_on}：请改正其中一个日期",
            )
        if values.shift_rule is not None and values.office is not None:
            if not _SHIFT.fullmatch(values.shift_rule) or len(values.shift_rule) > 100:
                row.fail(
                    "班次",
                    f"{values.shift_rule!r}: write SHIFT or RULES/SHIFT, e.g. night or dongguan/night",
                    f"{values.shift_rule!r}：请写成 班次 或 规则/班次，例如 night 或 dongguan/night",
                )
            else:
                try:
                    check_employee_shift(self.offices[values.office], values.shift_rule)
                except AttendanceError as exc:
                    row.refused("班次", exc)
        if (values.id_type is None) != (values.id_number is None):
            missing = "证件号码" if values.id_number is None else "证件类型"
            row.fail(
                missing,
                "证件类型 and 证件号码 go together: give both, or neither",
                "证件类型和证件号码须同时填写，或同时留空",
            )
        elif values.id_type is not None and values.id_number is not None:
            try:
                values = replace(values, id_number=normalize_id_number(values.id_type, values.id_number))
            except IdNumberError as exc:
                row.refused("证件号码", exc)
        return None if row.problems else values

    def _badges(
        self, row: _Row, code: str | None, existing: Employee | None
    ) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
        """The row's new badges, and every badge it lists (new or already the employee's)."""
        text = row.get("考勤号", lambda v: _text(v, "考勤号"))
        if text is None:
            return [], []
        own = (
            set()
            if existing is None
            else {
                (b.pin, b.device_sn)
                for b in self.session.scalars(select(Badge).where(Badge.employee_id == existing.id))
            }
        )
        new: list[tuple[str, str | None]] = []
        listed: list[tuple[str, str | None]] = []
        for part in filter(None, _BADGE_SPLIT.split(text)):
            pin, _, serial = part.partition("@")
            key = (pin, serial or None)
            if not _PIN.fullmatch(pin):
                row.fail(
                    "考勤号",
                    f"{part!r}: a badge number is 1-{MAX_PIN_LENGTH} letters and digits",
                    f"{part!r}：考勤号为 1–{MAX_PIN_LENGTH} 位字母和数字",
                )
                continue
            if serial and serial not in self.serials:
                row.fail(
                    "考勤号",
                    f"{part!r}: no terminal has serial number {serial!r}",
                    f"{part!r}：没有序列号为 {serial!r} 的考勤机",
                )
                continue
            if key in self.pins:
                earlier, owner = self.pins[key]
                row.fail(
                    "考勤号",
                    f"{part} is also given to {owner} on row {earlier}: a badge belongs to one employee",
                    f"{part} 在第 {earlier} 行也分配给了 {owner}：一个考勤号只属于一位员工",
                )
                continue
            self.pins[key] = (row.number, code or "?")
            listed.append(key)
            if key in own:
                continue  # already this employee's
            problem = badge_problem(self.session, pin, serial or None)
            if problem is not None:
                row.refused("考勤号", problem)
                continue
            new.append(key)
        return new, listed

    def _access(
        self,
        row: _Row,
        code: str | None,
        existing: Employee | None,
        values: EmployeeValues | None,
        listed: list[tuple[str, str | None]],
    ) -> tuple[int | None, DevicePrivilege | None, list[tuple[str, str | None]]]:
        """卡号 and 设备权限, and the badges they go on (the listed ones, else the employee's)."""
        card_text = row.get("卡号", lambda v: _text(v, "卡号"))
        privilege_text = row.get("设备权限", lambda v: _text(v, "设备权限"))
        if card_text is None and privilege_text is None:
            return None, None, []
        stored = (
            []
            if existing is None
            else list(self.session.scalars(select(Badge).where(Badge.employee_id == existing.id).order_by(Badge.id)))
        )
        targets = listed or [(b.pin, b.device_sn) for b in stored]
        column = "卡号" if card_text is not None else "设备权限"
        if not targets:
            row.fail(
                column,
                "the employee has no badge for it: write the badge number in 考勤号",
                "该员工没有考勤号可用：请在 考勤号 列填写",
            )
            return None, None, []
        privilege = None
        if privilege_text is not None:
            privilege = DEVICE_PRIVILEGE_NAMES.get(privilege_text)
            if privilege is None:
                row.fail(
                    "设备权限",
                    f"{privilege_text!r}: write {' or '.join(DEVICE_PRIVILEGE_NAMES)}",
                    f"{privilege_text!r}：请填写 {' 或 '.join(DEVICE_PRIVILEGE_NAMES)}",
                )
        card = None
        if card_text is not None:
            try:
                card = card_number(card_text)
            except ValueError as exc:
                row.refused("卡号", exc)
            if card is not None and len(targets) > 1:
                row.fail(
                    "卡号",
                    f"a card goes on one badge, and 考勤号 has {len(targets)}: write that one badge in 考勤号",
                    f"一张卡只对应一个考勤号，而 考勤号 列有 {len(targets)} 个：请在 考勤号 列只写那一个",
                )
                card = None
            if card:
                card = self._card_free(row, code, values, targets[0], stored, card)
        return card, privilege, targets

    def _card_free(
        self,
        row: _Row,
        code: str | None,
        values: EmployeeValues | None,
        target: tuple[str, str | None],
        stored: list[Badge],
        card: int,
    ) -> int | None:
        """`card` when no other badge of the row's office holds it (in the store or on an earlier row)."""
        office_name = values.office if values is not None else None
        office = self.offices.get(office_name or "")
        key = (office_name, card)
        if key in self.cards:
            earlier, owner = self.cards[key]
            row.fail(
                "卡号",
                f"card {card} is also given to {owner} on row {earlier}: one card opens one badge per office",
                f"卡号 {card} 在第 {earlier} 行也分配给了 {owner}：同一办公地点内一张卡只对应一个考勤号",
            )
            return None
        self.cards[key] = (row.number, code or "?")
        badge_id = next((b.id for b in stored if (b.pin, b.device_sn) == target), None)
        problem = card_problem(self.session, office.id if office else None, card, badge_id)
        if problem is not None:
            row.refused("卡号", problem)
            return None
        return card

    def _bank(self, row: _Row, existing: Employee | None) -> tuple[str, str, str] | None:
        bank = row.get("开户银行", lambda v: _text(v, "开户银行"))
        holder = row.get("户名", lambda v: _text(v, "户名"))
        number = row.get("银行账号", lambda v: _text(v, "银行账号"))
        given = {"开户银行": bank, "户名": holder, "银行账号": number}
        if all(v is None for v in given.values()):
            return None
        if any(v is None for v in given.values()):
            blank = "、".join(k for k, v in given.items() if v is None)
            row.fail(
                blank.split("、")[0],
                f"开户银行, 户名 and 银行账号 go together: {blank} is blank",
                f"开户银行、户名和银行账号须同时填写：{blank} 为空",
            )
            return None
        assert bank is not None and holder is not None and number is not None
        number = "".join(number.split())
        for column, name in (("开户银行", bank), ("户名", holder)):
            try:
                check_name(name)
                if len(name) > 100:
                    raise ValueRefused(
                        f"{len(name)} characters; at most 100", zh=f"{len(name)} 个字符：最多 100 个字符"
                    )
            except ValueError as exc:
                row.refused(column, exc)
        if not is_account_no(number):
            row.fail(
                "银行账号",
                f"{len(number)} characters: an account number is 8 to 32 digits",
                f"{len(number)} 个字符：银行账号为 8 至 32 位数字",
            )
        if row.problems:
            return None
        account = self.session.get(BankAccount, existing.id) if existing is not None else None
        if account is not None and account_view(self.session, account, full=True) == AccountView(bank, number, holder):
            return None
        return (bank, number, holder)


def check_new_employee(session: Session, cells: dict[str, Any]) -> tuple[EmployeeValues | None, list[RowProblem]]:
    """One new employee given cell by cell under the sheet's column names (the onboarding form): the values as the
    sheet's rules check them (required fields, office, pay basis and its amount, dates, shift, ID number), or
    None and every problem (`RowProblem.column` names the column)."""
    row = _Row(1, cells)
    values = _Checker(session)._values(row, None)
    return (None if row.problems else values), row.problems


def check_sheet(session: Session, source: str, content: bytes) -> list[SheetRow]:
    """Every row checked against the store (read-only), or `EmployeeSheetError` listing every problem."""
    rows = _rows(source, content)
    first = next(rows, None)
    if first is None:
        raise EmployeeSheetError(
            source, [RowProblem(1, "", "the sheet is empty; start from the template", "表格是空的：请从模板开始填写")]
        )
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
        raise EmployeeSheetError(source, [RowProblem(2, "", "no employee rows below the header", "表头下面没有员工行")])
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
            for pin, serial in row.access_badges:
                badge = session.scalars(
                    select(Badge).where(
                        Badge.employee_id == employee.id,
                        Badge.pin == pin,
                        Badge.device_sn.is_(None) if serial is None else Badge.device_sn == serial,
                    )
                ).one()
                edit_badge(
                    session,
                    employee,
                    badge,
                    badge.card if row.card is None else row.card,
                    row.privilege or badge.device_privilege,  # type: ignore[arg-type]  # the table's check constraint
                    actor,
                )
            if row.bank is not None:
                save_bank_account(session, employee, *row.bank, actor)
        except (BadgeError, EmployeeError) as exc:  # changed since the check (another writer): refuse it all
            raise EmployeeSheetError(source, [RowProblem(row.row, "", str(exc), exc.zh)]) from None
    return _report(rows, dry_run=False, remapped=remapped)
