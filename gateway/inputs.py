"""Input rules every entry point shares (HTTP API, config file, command line): years, names, ids.

One rule, one message, wherever the value comes in, so an HR clerk meets the same sentence in the web
page, in `punchclock` and in a config error:

- **Years**: punchclock keeps dates of the years 2000 to 2099 (`YEARS`). Holiday calendars, tax
  tables and the month arithmetic of attendance exist only there; year 0001 or 9999 is a typo, and
  refused before any conversion could overflow.
- **Names** (of employees, account holders, devices, tokens, offices): any letters, digits, spaces
  and punctuation — Chinese, and the middle dot `·` of minority names, included — but no control
  character (C0, DEL, C1), no line or paragraph separator, and no lone surrogate: those break CSV
  and bank files, log lines and terminals, and cannot be seen on a screen.
- **Ids**: every id of the store fits a signed 64-bit integer (`MAX_ID`); a larger number cannot
  name a row.
- **Imported files** (employee sheet, piece files, opening balances) are refused row by row: a `RowProblem`
  names the row, the column and what is wrong, in English and in Chinese; `header_faults` words a wrong header.

The checks raise `ValueError` with the reason (`ValueRefused`, which carries the same reason in Chinese too),
which pydantic reports with the field's location and the CLI with its option; they import nothing else of
punchclock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

YEARS = range(2000, 2100)
MAX_ID = 2**63 - 1
#: Unicode categories refused in names: controls (C0, DEL, C1), lone surrogates, line and paragraph separators.
_REFUSED = {
    "Cc": ("a control character", "控制字符"),
    "Cs": ("a lone surrogate", "孤立的代理字符"),
    "Zl": ("a line separator", "行分隔符"),
    "Zp": ("a paragraph separator", "段落分隔符"),
}


class ValueRefused(ValueError):
    """A refused value: the reason in English (`str`) and in Chinese (`zh`), where the callers catch `ValueError`
    (pydantic validators, a sheet's cell parsers) and a Chinese reader should get the Chinese one."""

    def __init__(self, reason: str, *, zh: str) -> None:
        super().__init__(reason)
        self.zh = zh


def year_problem(year: int) -> str | None:
    """Why `year` is refused, or None when it is within `YEARS`."""
    if year in YEARS:
        return None
    return f"year {year:04d} is outside 2000-2099: punchclock keeps dates of the years 2000 to 2099"


def check_year(year: int) -> None:
    """Raise ValueError (the one year message) unless `year` is in 2000..2099."""
    problem = year_problem(year)
    if problem is not None:
        raise ValueRefused(problem, zh=f"年份 {year:04d} 不在 2000–2099 之内：punchclock 只记录 2000 至 2099 年的日期")


def check_name(text: str) -> str:
    """`text` unchanged, or ValueError naming the first refused character (code point and 1-based position)."""
    for position, char in enumerate(text, start=1):
        kind = _REFUSED.get(unicodedata.category(char))
        if kind is not None:
            raise ValueRefused(
                f"character {position} is U+{ord(char):04X}, {kind[0]}: names may hold letters, digits, spaces and "
                "punctuation (such as ·), not control characters or line breaks; remove it",
                zh=f"第 {position} 个字符是 U+{ord(char):04X}（{kind[1]}）：名称可以包含文字、数字、空格和"
                "标点（如 ·），不能包含控制字符或换行：请删除它",
            )
    return text


@dataclass(frozen=True)
class RowProblem:
    """One bad row of an imported file; `zh` is the message in Chinese where one was written."""

    row: int
    column: str
    message: str
    zh: str | None = None

    def __str__(self) -> str:
        return (
            f"row {self.row}, column {self.column}: {self.message}"
            if self.column
            else f"row {self.row}: {self.message}"
        )

    @classmethod
    def of(cls, row: int, column: str, error: Exception) -> RowProblem:
        """`error`'s message as the problem of `column`, with its Chinese wording when it has one (`zh`)."""
        return cls(row, column, str(error), getattr(error, "zh", None))

    def in_chinese(self) -> str:
        """第 5 行，月薪(元)：… for a Chinese reader; the English line where no Chinese wording was written."""
        if self.zh is None:
            return str(self)
        return f"第 {self.row} 行，{self.column}：{self.zh}" if self.column else f"第 {self.row} 行：{self.zh}"


def header_faults(missing: Sequence[str], unknown: Sequence[str], twice: bool = False) -> tuple[str, str]:
    """What is wrong with an imported file's header, in English and in Chinese (`missing a, b; unknown 'x'`)."""
    english = [
        f"missing {', '.join(missing)}" if missing else "",
        f"unknown {', '.join(map(repr, unknown))}" if unknown else "",
        "a column appears twice" if twice else "",
    ]
    chinese = [
        f"缺少 {'、'.join(missing)}" if missing else "",
        f"多出未知的列 {'、'.join(map(repr, unknown))}" if unknown else "",
        "有一列出现了两次" if twice else "",
    ]
    return "; ".join(f for f in english if f), "；".join(f for f in chinese if f)
