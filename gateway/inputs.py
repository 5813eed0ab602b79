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

The checks raise `ValueError` with the reason, which pydantic reports with the field's location and
the CLI with its option; they import nothing else of punchclock.
"""

from __future__ import annotations

import unicodedata

YEARS = range(2000, 2100)
MAX_ID = 2**63 - 1
#: Unicode categories refused in names: controls (C0, DEL, C1), lone surrogates, line and paragraph separators.
_REFUSED = {
    "Cc": "a control character",
    "Cs": "a lone surrogate",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def year_problem(year: int) -> str | None:
    """Why `year` is refused, or None when it is within `YEARS`."""
    if year in YEARS:
        return None
    return f"year {year:04d} is outside 2000-2099: punchclock keeps dates of the years 2000 to 2099"


def check_year(year: int) -> None:
    """Raise ValueError (the one year message) unless `year` is in 2000..2099."""
    problem = year_problem(year)
    if problem is not None:
        raise ValueError(problem)


def check_name(text: str) -> str:
    """`text` unchanged, or ValueError naming the first refused character (code point and 1-based position)."""
    for position, char in enumerate(text, start=1):
        kind = _REFUSED.get(unicodedata.category(char))
        if kind is not None:
            raise ValueError(
                f"character {position} is U+{ord(char):04X}, {kind}: names may hold letters, digits, spaces and "
                "punctuation (such as ·), not control characters or line breaks; remove it"
            )
    return text
