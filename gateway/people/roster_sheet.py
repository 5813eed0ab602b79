"""The month's roster as an Excel grid (openpyxl): export, edit, import back, all cells or none.

Layout of sheet 排班: row 1 the headers 工号, 姓名, 部门, 班组, then 1日 … 31日; row 2 the weekday of each day
(周一 … 周日); from row 3 one employee per row, each day's cell the shift's name (as in the office's rule file)
or empty for a rest day (休 is read as rest too). The export is `gateway.people.roster_grid.month_grid`, so
fixed-shift employees show their shift on workdays.

Import: only 工号 and the day cells are read (姓名, 部门, 班组 are for the reader). Every bad cell is reported as
``第 7 行 F 列：班次 'N2' 不存在，可用：day, night`` (row number and column letter as Excel shows them) and nothing
is written when any cell is bad. Cells equal to the current grid are not written, so only what was edited
becomes a roster cell (through `gateway.people.rosters.set_cells`: audited, locked months refused).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from gateway.people.roster_grid import month_grid
from gateway.people.rosters import CellInput, RosterError, set_cells
from payroll_core.attendance import Period

SHEET = "排班"
HEAD = ["工号", "姓名", "部门", "班组"]
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
REST = "休"
MAX_SHEET_BYTES = 10 * 1024 * 1024
_MAX_REPORTED = 200


class RosterSheetError(RosterError):
    """The sheet was refused and nothing was written; `problems` lists every bad cell."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"roster sheet: nothing imported, {len(problems)} problem(s):\n" + "\n".join(problems))


def export_sheet(session: Session, office: str, period: Period) -> bytes:
    grid = month_grid(session, office, period)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = SHEET
    sheet.append(HEAD + [f"{d.day}日" for d in grid.days])
    sheet.append([""] * len(HEAD) + [WEEKDAYS[d.weekday()] for d in grid.days])
    for row in grid.rows:
        sheet.append([row.employee, row.name, row.department or "", row.crew or "", *(c or "" for c in row.cells)])
    sheet.freeze_panes = "E3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _where(row: int, column: int) -> str:
    return f"第 {row} 行 {get_column_letter(column)} 列"


def _rows(content: bytes) -> list[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise RosterSheetError([f"不是可读的 XLSX 文件（{exc}）：请上传排班导出的 .xlsx"]) from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def import_sheet(session: Session, actor: str, office: str, period: Period, content: bytes) -> int:
    """Write the sheet's edited cells for `office`'s month `period`, all or none; the number of cells written."""
    grid = month_grid(session, office, period)
    known = [s.name for s in grid.shifts]
    rows = _rows(content)
    want = HEAD + [f"{d.day}日" for d in grid.days]
    header = [_text(v) for v in (rows[0] if rows else [])][: len(want)]
    if header != want:
        raise RosterSheetError(
            [
                f"第 1 行：表头应为 {' '.join(want[:5])} … {want[-1]}（{period.year}年{period.month}月的排班）；"
                "请用导出的排班表"
            ]
        )
    current = {r.employee: r.cells for r in grid.rows}
    problems: list[str] = []
    cells: list[CellInput] = []
    for number, values in enumerate(rows[2:], start=3):
        values = values + [None] * (len(want) - len(values))
        code = _text(values[0])
        if not code and not any(_text(v) for v in values):
            continue
        if code not in current:
            problems.append(f"{_where(number, 1)}：工号 {code!r} 不是 {office} 本月在职的员工")
            continue
        for k, day in enumerate(grid.days):
            column = len(HEAD) + k + 1
            text = _text(values[column - 1])
            shift = None if text in ("", REST) else text
            if shift is not None and shift not in known:
                problems.append(f"{_where(number, column)}：班次 {text!r} 不存在，可用：{', '.join(known)}")
            elif shift != current[code][k]:
                cells.append(CellInput(code, day, shift))
    if problems:
        shown = problems[:_MAX_REPORTED]
        if len(problems) > _MAX_REPORTED:
            shown.append(f"…… 另有 {len(problems) - _MAX_REPORTED} 处问题")
        raise RosterSheetError(shown)
    return set_cells(session, actor, office, cells)
