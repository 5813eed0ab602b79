"""The one place a text cell is made safe for a spreadsheet (OWASP CSV/formula injection).

Every text cell starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe, so a
name such as ``=HYPERLINK(...)`` is shown as written and never evaluated; XLSX text cells are also
written with the string cell type, never as formulas (`gateway.pay.exports.workbook`).
"""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` safe for a spreadsheet cell: a leading apostrophe if it could start a formula (OWASP)."""
    return "'" + text if text.startswith(_FORMULA_START) else text
