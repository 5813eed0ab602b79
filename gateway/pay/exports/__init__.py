"""The files HR hands on from a pay month, one module each; `export` picks one by kind and format.

- ``pay-sheet``: xlsx (工资表, `pay_sheet`) or csv (fen, English keys), of computed or locked runs (an unlocked
  run's sheet is marked 草稿/DRAFT); readers.
- ``bank``: csv or xlsx (代发工资 by template, `bank_batch`), of locked runs, one office or all; hr and admin.
- ``iit`` / ``iit-bonus`` / ``iit-people``: xlsx (扣缴客户端 imports, `iit_filing`), of locked runs; hr and admin.
- ``attendance``: xlsx (考勤月报, `attendance_report`), from the attendance assembly; readers.

Text cells are neutralised in one place (`neutralise`); amounts are exact yuan made from integer fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session

from gateway.pay.exports.attendance_report import attendance_xlsx
from gateway.pay.exports.bank_batch import (
    DEFAULT_TEMPLATE,
    BankBatch,
    Excluded,
    bank_batch,
    bank_csv,
    bank_templates,
    bank_xlsx,
    load_template,
)
from gateway.pay.exports.iit_filing import IitFiling, Missing, bonus_xlsx, iit_filing, people_xlsx, salary_xlsx
from gateway.pay.exports.neutralise import neutralise
from gateway.pay.exports.pay_sheet import PAY_SHEET_HEADER, pay_sheet_csv, pay_sheet_xlsx
from gateway.pay.exports.rows import ExportError, period_rows

__all__ = [
    "WRITER_KINDS",
    "XLSX",
    "bank_batch",
    "DEFAULT_TEMPLATE",
    "KINDS",
    "PAY_SHEET_HEADER",
    "BankBatch",
    "Excluded",
    "ExportError",
    "ExportFile",
    "IitFiling",
    "Missing",
    "bank_templates",
    "export",
    "iit_filing",
    "neutralise",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: kind → (formats, the default first; Chinese file name stem; ASCII stem)
KINDS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "pay-sheet": (("xlsx", "csv"), "工资表", "pay"),
    "bank": (("csv", "xlsx"), "代发工资", "bank"),
    "iit": (("xlsx",), "个税申报-正常工资薪金所得", "iit-salary"),
    "iit-bonus": (("xlsx",), "个税申报-全年一次性奖金收入", "iit-bonus"),
    "iit-people": (("xlsx",), "个税申报-人员信息采集", "iit-people"),
    "attendance": (("xlsx",), "考勤月报", "attendance"),
}
WRITER_KINDS = ("bank", "iit", "iit-bonus", "iit-people")  # account and ID numbers in full: hr and admin only
LANGS = ("zh", "en")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str  # Chinese, for `filename*`
    ascii_filename: str  # the fallback `filename`

    @property
    def content_disposition(self) -> str:
        """RFC 6266: the ASCII name for old clients, the UTF-8 one (RFC 5987 encoded) for the others."""
        return f"attachment; filename=\"{self.ascii_filename}\"; filename*=UTF-8''{quote(self.filename)}"


def export(
    session: Session,
    period: str,
    kind: str,
    fmt: str | None = None,
    *,
    office: str | None = None,
    lang: str = "zh",
    template: str = DEFAULT_TEMPLATE,
    company: str = "",
) -> ExportFile:
    """The export `kind` of `period` in `fmt` (None: the kind's first format), for one office or all."""
    if kind not in KINDS:
        raise ExportError(f"unknown export kind {kind!r}; use one of {', '.join(KINDS)}")
    formats, zh, ascii_stem = KINDS[kind]
    fmt = fmt or formats[0]
    if fmt not in formats:
        raise ExportError(f"the {kind} export comes as {' or '.join(formats)}, not {fmt!r}")
    if lang not in LANGS:
        raise ExportError(f"unknown language {lang!r}; use zh or en")
    where, suffix, charset = (f"-{office}" if office else ""), "", "utf-8"
    if kind == "pay-sheet":
        found = period_rows(session, period, office)
        content = pay_sheet_csv(found) if fmt == "csv" else pay_sheet_xlsx(found, company, lang)
        suffix = "-fen" if fmt == "csv" else ""  # the CSV's amounts are fen, and its name says so
    elif kind == "bank":
        chosen = load_template(template)
        batch = bank_batch(session, period, office)
        content = bank_csv(batch, chosen) if fmt == "csv" else bank_xlsx(batch, chosen, company)
        charset = "gbk" if chosen.encoding == "gbk" else "utf-8"
        where = f"-{batch.found.offices[0]}" if batch.found.offices else where
    elif kind == "attendance":
        content = attendance_xlsx(session, period, office, company, lang)
    else:
        filing = iit_filing(session, period, office)
        content = {"iit": salary_xlsx, "iit-bonus": bonus_xlsx, "iit-people": people_xlsx}[kind](filing)
    media = XLSX if fmt == "xlsx" else f"text/csv; charset={charset}"
    return ExportFile(content, media, f"{zh}{where}-{period}{suffix}.{fmt}", f"{ascii_stem}-{period}{suffix}.{fmt}")
