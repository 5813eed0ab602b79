"""XLSX building blocks every export shares: a title row, a header row, yuan and text cells, a totals row.

- Amounts are yuan as NUMBERS with the ``#,##0.00`` format, made from integer fen through an exact
  `Decimal` (``Decimal(fen).scaleb(-2)``, no float arithmetic): the cell stores the decimal text, so it
  holds exactly the number Excel shows.
- Totals are exact integer sums of the fen, written as values (no formula whose cached value could be
  missing or rounded).
- Text cells (names, ID and account numbers) are neutralised (`neutralise`) and typed as strings with
  the ``@`` (text) format: a 19-digit account number stays 19 digits, an ID ending in X stays text.
- Column widths count a CJK character as two, so Chinese headers fit; the header row is frozen.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from gateway.pay.exports.neutralise import neutralise

YUAN_FORMAT = "#,##0.00"
HOURS_FORMAT = "0.00"
TEXT_FORMAT = "@"
Kind = Literal["text", "yuan", "count", "hours"]
Value = str | int | Decimal | None


@dataclass(frozen=True)
class Column:
    """One column of an export: its Chinese and English header and how its cells are written."""

    zh: str
    en: str
    kind: Kind = "yuan"

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def yuan(fen: int) -> Decimal:
    """Integer fen as exact yuan (``123456`` → ``Decimal('1234.56')``)."""
    return Decimal(int(fen)).scaleb(-2)


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals, rounded half up (``90`` → ``Decimal('1.50')``)."""
    return (Decimal(int(minutes)) / 60).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # sheets are added by name, in order
    return workbook


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in text)
    return cleaned[:31] or "_"


def write_table(
    workbook: Workbook,
    name: str,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Value]],
    lang: str,
    totals: Sequence[Value] | None = None,
) -> Worksheet:
    """A sheet: the title row, the header row (frozen), the rows, and the 合计 / Total row if given.

    Values are fen for ``yuan`` columns, minutes for ``hours``, plain for ``text`` and ``count``.
    """
    sheet = workbook.create_sheet(sheet_title(name))
    sheet.append([title])
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    sheet.cell(1, 1).data_type = "s"
    sheet.append([c.header(lang) for c in columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [_width(c.header(lang)) for c in columns]
    body = list(rows)
    if totals is not None:
        body.append(totals)
    for values in body:
        r = sheet.max_row + 1
        for k, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell = sheet.cell(r, k + 1)
            if value is None:
                continue
            if column.kind == "text" or isinstance(value, str):
                text = neutralise(str(value))
                cell.value = text
                cell.data_type = "s"  # a value, never a formula, whatever it starts with
                cell.number_format = TEXT_FORMAT
                widths[k] = max(widths[k], _width(text))
            elif column.kind == "yuan":
                cell.value = yuan(int(value))
                cell.number_format = YUAN_FORMAT
                widths[k] = max(widths[k], len(f"{cell.value:,}"))
            elif column.kind == "hours":
                cell.value = hours(int(value))
                cell.number_format = HOURS_FORMAT
                widths[k] = max(widths[k], len(str(cell.value)))
            else:
                cell.value = value
                widths[k] = max(widths[k], len(str(value)))
    if totals is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for k, width in enumerate(widths):
        sheet.column_dimensions[sheet.cell(2, k + 1).column_letter].width = min(width + 2, 60)
    sheet.freeze_panes = "A3"
    return sheet


def total_row(label: str, columns: Sequence[Column], rows: Sequence[Sequence[Value]]) -> list[Value]:
    """The totals of `rows`: `label` in the first column, exact integer sums under every amount column."""
    sums: list[Value] = [label]
    for k, column in enumerate(columns[1:], start=1):
        if column.kind in ("yuan", "count", "hours"):
            sums.append(sum(int(row[k] or 0) for row in rows))
        else:
            sums.append(None)
    return sums


def save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
