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

The checks raise `ValueError` with the reason (`ValueRefused`, which carries the same reason in Chinese too),
which pydantic reports with the field's location and the CLI with its option; they import nothing else of
punchclock.
"""

from __future__ import annotations

import unicodedata

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
