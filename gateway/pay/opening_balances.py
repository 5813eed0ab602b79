"""Opening balances: what employees were paid and withheld in a tax year before the company used punchclock.

A company that starts in the middle of a tax year still withholds IIT cumulatively from January (累计预扣法),
so each employee's year-to-date figures of the months before punchclock are imported once, from the
spreadsheet HR keeps (CSV or XLSX, first row the header, one row per employee):

    工号              employee code
    姓名              name, as punchclock has it (a check that the code is the right person)
    截至月份          the last month paid before punchclock: 2026-06, 202606 or a date in it
    累计月数          months this employer paid in the tax year through then (1 .. that month)
    累计收入额        cumulative income (taxable wages, after tax-free income), yuan
    累计专项扣除      cumulative employee SI + housing fund deducted (三险一金), yuan
    累计专项附加扣除  cumulative special additional deductions, yuan (empty = 0)
    累计其他扣除      cumulative other deductions, yuan (empty = 0)
    累计已预缴税额    cumulative tax withheld, yuan

A template is `docs/templates/opening_balances.csv`. English headers work too (employee, name, through,
months, income_yuan, si_hf_yuan, special_deductions_yuan, other_deductions_yuan, tax_withheld_yuan);
amounts are yuan with at most two decimals ("12,345.67" or a number).

All rows or none: every problem is reported by row and column (the header is row 1) and nothing is stored.
A row is refused when its employee is unknown or named otherwise, when its figures cannot be true (tax
above income, more months than the month number, more months than the employee was employed), when a
locked pay run of punchclock already covers one of its months, or when a locked run of the year already
used the employee's earlier opening balance; an earlier balance no locked run used is replaced. The
import is one audit row (`opening_balances.import`) with the file's SHA-256. The pay runs of the year's
later months add the balance to the locked runs' sums (`gateway.pay.payrun`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.inputs import RowProblem, ValueRefused, header_faults
from gateway.pay.id_chunks import by_id_chunks
from gateway.pay.piece_import import PieceImportError, read_rows
from gateway.store import RUN_LOCKED, Employee, OpeningBalance, PayRun, Payslip
from payroll_core.columns import MAX_YTD_FEN
from payroll_core.money import MoneyError, yuan_to_fen

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a row per employee: 100,000 employees are about 10 MB of CSV
#: Column → the headers it is known by (the template's Chinese one first).
HEADERS: dict[str, tuple[str, ...]] = {
    "employee": ("工号", "员工编号", "employee"),
    "name": ("姓名", "name"),
    "through": ("截至月份", "税款所属期止", "through"),
    "months": ("累计月数", "累计减除费用月数", "months"),
    "income": ("累计收入额", "累计收入", "income_yuan"),
    "si_hf": ("累计专项扣除", "si_hf_yuan"),
    "special_deductions": ("累计专项附加扣除", "special_deductions_yuan"),
    "other_deductions": ("累计其他扣除", "other_deductions_yuan"),
    "tax_withheld": ("累计已预缴税额", "累计已扣缴税额", "tax_withheld_yuan"),
}
OPTIONAL = ("special_deductions", "other_deductions")
AMOUNTS = ("income", "si_hf", "special_deductions", "other_deductions", "tax_withheld")


class OpeningBalanceImportError(GatewayError):
    """The file was refused and nothing was stored; `problems` lists every bad row."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: nothing imported, {len(problems)} problem(s):\n" + "\n".join(map(str, problems)))


@dataclass(frozen=True)
class ImportResult:
    source: str
    imported: int
    replaced: int
    tax_years: tuple[int, ...]
    sha256: str


def _header(cells: list[Any], source: str) -> dict[str, int]:
    names = [str(c or "").strip() for c in cells]
    known = {alias.lower(): column for column, aliases in HEADERS.items() for alias in aliases}
    position: dict[str, int] = {}
    unknown = []
    for index, name in enumerate(names):
        if not name:
            continue
        column = known.get(name.lower())
        if column is None:
            unknown.append(name)
        elif column in position:
            unknown.append(f"{name} (twice)")
        else:
            position[column] = index
    missing = [HEADERS[c][0] for c in HEADERS if c not in position and c not in OPTIONAL]
    if missing or unknown:
        faults, faults_zh = header_faults(missing, unknown)
        template = ", ".join(aliases[0] for aliases in HEADERS.values())
        problem = RowProblem(
            1,
            "",
            f"header must be {template} ({faults})",
            f"表头须为 {template}（{faults_zh}）",
        )
        raise OpeningBalanceImportError(source, [problem])
    return position


def _month(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%Y-%m}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value or "").strip()
    if len(text) == 6 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    if len(text) == 10:
        text = text[:7]
    try:
        parsed = datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise ValueRefused(
            f"{text!r} is not a month like 2026-06 (or 202606, or a date in it)",
            zh=f"{text!r} 不是月份：请写成 2026-06（或 202606，或该月中的一个日期）",
        ) from None
    if not 2000 <= parsed.year <= 2099:
        raise ValueRefused(
            f"{text!r}: punchclock keeps the years 2000 to 2099", zh=f"{text!r}：punchclock 只记录 2000 至 2099 年"
        )
    return text


def _months(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 1 <= int(text) <= 12:
        raise ValueRefused(f"{text!r} is not a number of months 1..12", zh=f"{text!r} 不是 1 至 12 之间的月数")
    return int(text)


def _yuan(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "")
    try:
        fen = yuan_to_fen(text, "amount")
    except MoneyError as exc:
        raise ValueRefused(
            str(exc).removeprefix("amount: "), zh=f"{text!r} 不是以元为单位、最多两位小数的金额，例如 6000 或 6000.50"
        ) from None
    if fen > MAX_YTD_FEN:
        raise ValueRefused(
            f"{text} yuan is above the year-to-date limit of {MAX_YTD_FEN // 100} yuan",
            zh=f"{text} 元超过本年累计的上限 {MAX_YTD_FEN // 100} 元",
        )
    return fen


def _months_employed(hired_on: date | None, through: str) -> int:
    """Months of the tax year through `through` the employee can have been paid (12 when hired earlier)."""
    year, month = int(through[:4]), int(through[5:])
    if hired_on is None or hired_on.year < year:
        return month
    return month - hired_on.month + 1


def _check_row(
    number: int, cells: list[Any], position: dict[str, int], employees: dict[str, Employee]
) -> tuple[dict[str, Any] | None, list[RowProblem]]:
    """The row's values, or the problems of the row on its own (the locked runs are checked afterwards)."""

    def cell(column: str) -> Any:
        index = position.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    problems: list[RowProblem] = []
    row: dict[str, Any] = {}

    def parse(column: str, check: Any) -> None:
        try:
            row[column] = check(cell(column))
        except ValueError as exc:
            problems.append(RowProblem.of(number, HEADERS[column][0], exc))

    code = str(cell("employee") or "").strip()
    employee = employees.get(code)
    if employee is None:
        problems.append(
            RowProblem(number, HEADERS["employee"][0], f"no employee with code {code!r}", f"没有工号为 {code!r} 的员工")
        )
    name = str(cell("name") or "").strip()
    if employee is not None and name != employee.name:
        problems.append(
            RowProblem(
                number,
                HEADERS["name"][0],
                f"employee {code} is {employee.name!r}, not {name!r}: check the row",
                f"员工 {code} 是 {employee.name!r}，不是 {name!r}：请核对这一行",
            )
        )
    parse("through", _month)
    parse("months", _months)
    for column in AMOUNTS:
        parse(column, _yuan)
    if problems or employee is None:
        return None, problems
    through, months = row["through"], row["months"]
    possible = _months_employed(employee.hired_on, through)
    if months > possible:
        why = f"hired on {employee.hired_on}" if employee.hired_on else f"{through} is month {possible}"
        why_zh = f"入职日期 {employee.hired_on}" if employee.hired_on else f"{through} 是第 {possible} 个月"
        problems.append(
            RowProblem(
                number,
                HEADERS["months"][0],
                f"{months} months through {through}: at most {possible} ({why})",
                f"截至 {through} 为 {months} 个月：最多 {possible} 个月（{why_zh}）",
            )
        )
    if row["tax_withheld"] > row["income"]:
        problems.append(
            RowProblem(
                number,
                HEADERS["tax_withheld"][0],
                "is more than the income: the tax is a part of the income",
                "大于收入额：已扣税款是收入的一部分",
            )
        )
    return {**row, "number": number, "employee": employee, "year": int(through[:4])}, problems


def _parse(session: Session, filename: str, content: bytes) -> list[dict[str, Any]]:
    """Every data row checked on its own, or OpeningBalanceImportError listing every problem."""
    source = PurePath(filename).name
    try:
        rows = read_rows(filename, content)
        header = next(rows, None)
        if header is None:
            raise OpeningBalanceImportError(
                source,
                [RowProblem(1, "", "the file is empty; the first row is the header", "文件是空的：第一行须为表头")],
            )
        position = _header(list(header[1]), source)
        employees = {e.code: e for e in session.scalars(select(Employee))}
        checked: list[dict[str, Any]] = []
        problems: list[RowProblem] = []
        seen: dict[tuple[int, int], int] = {}
        for number, cells in rows:
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            row, row_problems = _check_row(number, list(cells), position, employees)
            problems += row_problems
            if row is None or row_problems:
                continue
            key = (row["employee"].id, row["year"])
            if key in seen:
                problems.append(
                    RowProblem(
                        number,
                        HEADERS["employee"][0],
                        f"{row['employee'].code} {row['year']} is in row {seen[key]} too",
                        f"{row['employee'].code} 的 {row['year']} 年也在第 {seen[key]} 行",
                    )
                )
            seen[key] = number
            checked.append(row)
    except PieceImportError as exc:  # the file itself cannot be read (type, encoding, damaged workbook)
        raise OpeningBalanceImportError(source, exc.problems) from None
    if not checked and not problems:
        problems.append(RowProblem(2, "", "no data rows below the header", "表头下面没有数据行"))
    if problems:
        raise OpeningBalanceImportError(source, problems)
    return checked


def _employee_ids(rows: list[dict[str, Any]]) -> list[int]:
    """The rows' employees, each once: a 70,000-row import queries them in chunks (PostgreSQL binds ≤ 65,535)."""
    return sorted({r["employee"].id for r in rows})


def _locked_months(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[int, int], list[tuple[str, int]]]:
    """(employee id, tax year) → (period, pay run id) of its locked payslips, for the rows' employees and years."""
    years = {r["year"] for r in rows}
    found: dict[tuple[int, int], list[tuple[str, int]]] = {}

    def locked(chunk: list[int]) -> Iterable[Row[int, str, int]]:
        # an employee's payslips are all in one chunk, so each one's months stay in period order
        return session.execute(
            select(Payslip.employee_id, PayRun.period, PayRun.id)
            .join(PayRun)
            .where(
                PayRun.status == RUN_LOCKED,
                Payslip.employee_id.in_(chunk),
                PayRun.period >= f"{min(years)}-01",
                PayRun.period <= f"{max(years)}-12",
            )
            .order_by(PayRun.period)
        )

    for employee_id, period, run_id in by_id_chunks(_employee_ids(rows), locked):
        found.setdefault((employee_id, int(period[:4])), []).append((period, run_id))
    return found


def import_opening_balances(session: Session, filename: str, content: bytes, actor: str) -> ImportResult:
    """Check every row, then store them all with one audit row (the caller commits); nothing on any error."""
    source = PurePath(filename).name
    rows = _parse(session, filename, content)
    locked = _locked_months(session, rows)
    earlier = {
        (employee_id, year)
        for employee_id, year in by_id_chunks(
            _employee_ids(rows),
            lambda chunk: session.execute(
                select(OpeningBalance.employee_id, OpeningBalance.tax_year).where(OpeningBalance.employee_id.in_(chunk))
            ),
        )
    }
    problems = []
    for row in rows:
        key = (row["employee"].id, row["year"])
        covered = [(period, run_id) for period, run_id in locked.get(key, []) if period <= row["through"]]
        if covered:
            problems.append(
                RowProblem(
                    row["number"],
                    HEADERS["through"][0],
                    f"{covered[0][0]} is already paid in locked pay run {covered[0][1]}: an opening balance covers "
                    "only the months paid before punchclock",
                    f"{covered[0][0]} 已在已锁定的工资核算 {covered[0][1]} 中发放："
                    "期初数只包括使用 punchclock 之前发放的月份",
                )
            )
        elif key in earlier and key in locked:
            problems.append(
                RowProblem(
                    row["number"],
                    HEADERS["employee"][0],
                    f"{row['employee'].code}'s opening balance of {row['year']} was used by locked pay run "
                    f"{locked[key][0][1]} ({locked[key][0][0]}); it cannot be replaced",
                    f"{row['employee'].code} 的 {row['year']} 年期初数已被已锁定的工资核算 {locked[key][0][1]}"
                    f"（{locked[key][0][0]}）使用，不能替换",
                )
            )
    if problems:
        raise OpeningBalanceImportError(source, problems)
    now = datetime.now(UTC).replace(tzinfo=None)
    replaced = sum((r["employee"].id, r["year"]) in earlier for r in rows)
    for row in rows:
        session.execute(
            delete(OpeningBalance).where(
                OpeningBalance.employee_id == row["employee"].id, OpeningBalance.tax_year == row["year"]
            )
        )
        session.add(
            OpeningBalance(
                employee_id=row["employee"].id,
                tax_year=row["year"],
                through_period=row["through"],
                months=row["months"],
                income_fen=row["income"],
                si_hf_fen=row["si_hf"],
                special_deductions_fen=row["special_deductions"],
                other_deductions_fen=row["other_deductions"],
                tax_withheld_fen=row["tax_withheld"],
                source=f"{source} row {row['number']}"[:255],
                imported_by=actor,
                imported_at=now,
            )
        )
    session.flush()
    digest = hashlib.sha256(content).hexdigest()
    years = tuple(sorted({r["year"] for r in rows}))
    append_audit(
        session,
        actor,
        "opening_balances.import",
        f"opening_balances/{','.join(map(str, years))}",
        None,
        {"source": source, "sha256": digest, "rows": len(rows), "replaced": replaced, "tax_years": list(years)},
    )
    return ImportResult(source, len(rows), replaced, years, digest)


def opening_balances(
    session: Session, year: int | None = None, code: str | None = None
) -> list[tuple[OpeningBalance, Employee]]:
    """Stored opening balances, by tax year and employee code."""
    query = select(OpeningBalance, Employee).join(Employee, OpeningBalance.employee_id == Employee.id)
    if year is not None:
        query = query.where(OpeningBalance.tax_year == year)
    if code is not None:
        query = query.where(Employee.code == code)
    return [(b, e) for b, e in session.execute(query.order_by(OpeningBalance.tax_year, Employee.code))]
