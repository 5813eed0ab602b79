"""Bulk import of piece records from CSV or XLSX: all rows or none, with a row-by-row error report.

The first row is the header; these columns are required, in any order (extra columns are refused so
a misspelt header never silently drops data):

    employee    employee code, e.g. E001
    period      the pay month, YYYY-MM, or the work date YYYY-MM-DD (its month is the pay month)
    item        the product or operation, e.g. LAMP-01
    qty         pieces made (whole number)
    rejects     pieces rejected (whole number, 0..qty)
    unit_fen    price per good piece in fen (whole number)
    grade_coef  grade coefficient as a decimal string, e.g. "1.10" (exact; at most 6 decimals)

Rows are numbered as a spreadsheet shows them (the header is row 1). CSV is read as UTF-8 (with or
without BOM) or, failing that, GB18030, which is what Excel saves on Chinese Windows. In XLSX, Excel
stores every number as a binary double: a whole number is taken as such, and a grade coefficient
typed as 1.1 is read back through its shortest decimal representation ("1.1"), which is exactly what
was typed for anything with up to 15 significant digits.

Every upload is a batch (`PieceBatch`: its name, the SHA-256 of its bytes, periods, rows, who and
when); the same bytes again are refused (`DuplicatePieceFile`, naming the earlier batch), so a file
uploaded twice can no longer double anyone's piece pay. An import has two steps, so the long part
holds no write lock: `prepare_import` parses and checks everything in a read-only session (the API
runs it in a worker thread, off the event loop), and `commit_import` re-checks what may have changed
meanwhile (the digest, locked pay runs) inside the write transaction, then inserts the batch and its
rows in bulk with one audit row. `import_piece_file` does both in one session.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.errors import GatewayError
from gateway.inputs import RowProblem, ValueRefused, header_faults
from gateway.store import RUN_LOCKED, Employee, PayRun, PieceBatch, PieceRecord
from payroll_core.columns import MAX_PIECE_QTY, MAX_PIECE_UNIT_FEN
from payroll_core.money import MoneyError, parse_fraction

COLUMNS = ("employee", "period", "item", "qty", "rejects", "unit_fen", "grade_coef")
MAX_GRADE_COEF = 10
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # a month of pieces for a large plant is well under 1 MB
_INSERT_CHUNK = 5_000
_DECODE_STEP = 1 << 20


class PieceImportError(GatewayError):
    """The file was refused and nothing was imported; `problems` lists every bad row."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: nothing imported, {len(problems)} problem(s):\n" + "\n".join(map(str, problems)))


class DuplicatePieceFile(GatewayError):
    """These exact bytes were imported before (`batch` is that import); nothing was imported."""

    def __init__(self, source: str, batch: PieceBatch) -> None:
        self.source = source
        self.batch = batch
        super().__init__(
            f"{source}: nothing imported: the same file (SHA-256 {batch.sha256}) was imported as piece batch "
            f"{batch.id} ({batch.name!r}) at {batch.imported_at:%Y-%m-%d %H:%M} UTC by {batch.imported_by}; to "
            f"import it again, delete batch {batch.id} first"
        )


#: The `piece_records` values of a checked row, in the order they follow its row number in a `PieceRow`.
ROW_COLUMNS = (
    "employee_id",
    "period",
    "work_date",
    "item",
    "qty",
    "rejects",
    "unit_fen",
    "coef_num",
    "coef_den",
    "grade_coef",
    "source",
)
PieceRow = tuple[Any, ...]
"""(spreadsheet row number, *the values of ROW_COLUMNS): a plain tuple of plain values on purpose. The
garbage collector stops tracking such tuples (not named tuples, not objects), so holding 300,000 rows
does not make each full collection — which pauses every thread, the event loop's included — walk them."""
_PERIOD, _QTY = 1 + ROW_COLUMNS.index("period"), 1 + ROW_COLUMNS.index("qty")


@dataclass(frozen=True)
class PreparedImport:
    """A checked file, ready for `commit_import`."""

    source: str  # the file's name, without any folder
    name: str  # the batch's name: the one given, or the file's name
    sha256: str
    rows: list[PieceRow]

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(sorted({r[_PERIOD] for r in self.rows}))

    @property
    def qty(self) -> int:
        return sum(r[_QTY] for r in self.rows)


@dataclass(frozen=True)
class ImportResult:
    source: str
    imported: int
    periods: tuple[str, ...]
    qty: int
    batch_id: int
    name: str
    sha256: str


def read_rows(filename: str, content: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cell values) of every row, header included, by the file's extension."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many types for a damaged file
            problem = RowProblem(1, "", f"not a readable XLSX workbook ({exc})", f"不是可读取的 XLSX 工作簿（{exc}）")
            raise PieceImportError(filename, [problem]) from None
        yield from enumerate((list(row) for row in sheet.iter_rows(values_only=True)), start=1)
    elif suffix == ".csv":
        encoding = next((e for e in ("utf-8-sig", "gb18030") if _decodes(content, e)), None)
        if encoding is None:
            problem = RowProblem(
                1,
                "",
                "the CSV is neither UTF-8 nor GB18030 text; save it as CSV UTF-8",
                "该 CSV 既不是 UTF-8 也不是 GB18030 文本：请另存为 “CSV UTF-8”",
            )
            raise PieceImportError(filename, [problem])
        text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
        yield from enumerate(csv.reader(text), start=1)
    else:
        kind = suffix or "(none)"
        problem = RowProblem(
            1,
            "",
            f"unsupported file type {kind!r}; upload .csv or .xlsx",
            f"不支持的文件类型 {kind!r}：请上传 .csv 或 .xlsx 文件",
        )
        raise PieceImportError(filename, [problem])


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether `content` is valid `encoding` text, checked a megabyte at a time: one call over 20 MB would
    hold the interpreter lock (and so stall the event loop) for tens of milliseconds, and so would
    decoding it whole, which is why the rows are then read through an incremental `TextIOWrapper`."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(content), _DECODE_STEP):
            decoder.decode(content[start : start + _DECODE_STEP])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueRefused(f"{value!r} is not a whole number", zh=f"{value!r} 不是整数")
    if not low <= value <= high:
        raise ValueRefused(f"{value} is outside {low}..{high}", zh=f"{value} 不在 {low} 至 {high} 之间")
    return value


@functools.lru_cache(maxsize=4096)  # a file repeats a few periods and coefficients on every row
def _period(value: Any) -> tuple[str, date | None]:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%Y-%m}", value
    text = str(value or "").strip()
    try:
        if len(text) == 7:
            datetime.strptime(text, "%Y-%m")
            return text, None
        day = date.fromisoformat(text)
        return f"{day:%Y-%m}", day
    except ValueError:
        raise ValueRefused(
            f"{text!r} is neither a pay month YYYY-MM nor a date YYYY-MM-DD",
            zh=f"{text!r} 既不是工资月份 YYYY-MM，也不是日期 YYYY-MM-DD",
        ) from None


@functools.lru_cache(maxsize=4096)
def _coef(value: Any) -> tuple[str, int, int]:
    text = repr(value) if isinstance(value, float) else str(value or "").strip()
    try:
        fraction = parse_fraction(text, "grade_coef")
    except MoneyError as exc:
        raise ValueRefused(
            str(exc).removeprefix("grade_coef: "),
            zh=f"{text!r} 不是有效的系数：请写成 0 或以上、最多 6 位小数的数，例如 1 或 1.10",
        ) from None
    if fraction > MAX_GRADE_COEF:
        raise ValueRefused(f"{text} is above {MAX_GRADE_COEF}", zh=f"{text} 大于上限 {MAX_GRADE_COEF}")
    return text, fraction.numerator, fraction.denominator


def _employee(value: Any, employees: dict[str, int]) -> int:
    code = str(value or "").strip()
    if code not in employees:
        raise ValueRefused(
            f"no employee with code {code!r}; add the employee first or fix the code",
            zh=f"没有工号为 {code!r} 的员工：请先添加该员工，或改正工号",
        )
    return employees[code]


def _item(value: Any) -> str:
    item = str(value or "").strip()
    if not item or len(item) > 64:
        raise ValueRefused(
            f"{item!r}: the item must be 1 to 64 characters", zh=f"{item!r}：计件项目须为 1 至 64 个字符"
        )
    return item


def _locked_problem(number: int, period: str, run_id: int) -> RowProblem:
    return RowProblem(
        number,
        "period",
        f"{period} is already paid in locked pay run {run_id}; enter these pieces in a later month",
        f"{period} 已在已锁定的工资核算 {run_id} 中发放：请把这些计件记到以后的月份",
    )


def locked_periods(session: Session, periods: Iterable[str] | None = None) -> dict[str, int]:
    """Locked pay runs by period. With `periods`: every run of those periods is row-locked until commit
    (PostgreSQL; SQLite has one writer at a time), so none can be locked between this check and the insert."""
    if periods is None:
        return dict(session.execute(select(PayRun.period, PayRun.id).where(PayRun.status == RUN_LOCKED)).all())
    runs = session.execute(
        select(PayRun.period, PayRun.id, PayRun.status).where(PayRun.period.in_(list(periods))).with_for_update()
    )
    return {period: run_id for period, run_id, status in runs if status == RUN_LOCKED}


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _refuse_duplicate(session: Session, source: str, digest: str) -> None:
    earlier = session.scalar(select(PieceBatch).where(PieceBatch.sha256 == digest))
    if earlier is not None:
        raise DuplicatePieceFile(source, earlier)


def parse_piece_rows(
    filename: str, content: bytes, employees: dict[str, int], locked: dict[str, int]
) -> list[PieceRow]:
    """Every data row checked, or PieceImportError listing every problem; touches no database."""
    parsed_rows, problems = check_piece_rows(filename, content, employees, locked)
    if problems:
        raise PieceImportError(filename, problems)
    if not parsed_rows:
        raise PieceImportError(filename, [RowProblem(2, "", "no data rows below the header", "表头下面没有数据行")])
    return parsed_rows


def check_piece_rows(
    filename: str, content: bytes, employees: dict[str, int], locked: dict[str, int]
) -> tuple[list[PieceRow], list[RowProblem]]:
    """The rows that passed every check and the problems of the others (a preview shows both); a file that
    cannot be read at all, or a wrong header, raises PieceImportError. Touches no database."""
    rows = read_rows(filename, content)
    header_row = next(rows, None)
    if header_row is None:
        problem = RowProblem(
            1,
            "",
            f"the file is empty; the first row must be the header {', '.join(COLUMNS)}",
            f"文件是空的：第一行须为表头 {', '.join(COLUMNS)}",
        )
        raise PieceImportError(filename, [problem])
    header = [str(v or "").strip().lower() for v in header_row[1]]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        faults, faults_zh = header_faults(missing, extra, len(set(header)) != len(header))
        problem = RowProblem(
            1,
            "",
            f"header must name the columns {', '.join(COLUMNS)} ({faults})",
            f"表头须包含这些列：{', '.join(COLUMNS)}（{faults_zh}）",
        )
        raise PieceImportError(filename, [problem])
    position = [(name, header.index(name)) for name in COLUMNS]
    checks: dict[str, Callable[[Any], Any]] = {
        "employee": lambda v: _employee(v, employees),
        "period": _period,
        "item": _item,
        "qty": lambda v: _whole(v, 0, MAX_PIECE_QTY),
        "rejects": lambda v: _whole(v, 0, MAX_PIECE_QTY),
        "unit_fen": lambda v: _whole(v, 0, MAX_PIECE_UNIT_FEN),
        "grade_coef": _coef,
    }
    source = PurePath(filename).name
    problems: list[RowProblem] = []
    parsed_rows: list[PieceRow] = []
    for number, values in rows:
        if _blank(values):
            continue
        found = len(problems)
        parsed: dict[str, Any] = {}
        for name, index in position:
            try:
                parsed[name] = checks[name](values[index] if index < len(values) else None)
            except ValueError as exc:
                problems.append(RowProblem.of(number, name, exc))
        if "qty" in parsed and "rejects" in parsed and parsed["rejects"] > parsed["qty"]:
            rejects, qty = parsed["rejects"], parsed["qty"]
            problems.append(
                RowProblem(
                    number, "rejects", f"{rejects} rejects exceed the qty of {qty}", f"次品数 {rejects} 超过数量 {qty}"
                )
            )
        if "period" in parsed and parsed["period"][0] in locked:
            problems.append(_locked_problem(number, parsed["period"][0], locked[parsed["period"][0]]))
        if len(parsed) == len(checks) and len(problems) == found:
            period, work_date = parsed["period"]
            text, num, den = parsed["grade_coef"]
            parsed_rows.append(
                (
                    number,
                    parsed["employee"],
                    period,
                    work_date,
                    parsed["item"],
                    parsed["qty"],
                    parsed["rejects"],
                    parsed["unit_fen"],
                    num,
                    den,
                    text,
                    f"{source} row {number}"[:255],
                )
            )
    return parsed_rows, problems


def prepare_import(session: Session, filename: str, content: bytes, name: str | None = None) -> PreparedImport:
    """Check the whole file (read-only): a duplicate of an earlier batch, or any bad row, imports nothing."""
    source = PurePath(filename).name
    digest = file_digest(content)
    _refuse_duplicate(session, source, digest)
    employees = dict(session.execute(select(Employee.code, Employee.id)).all())
    rows = parse_piece_rows(filename, content, employees, locked_periods(session))
    return PreparedImport(source=source, name=(name or source)[:255], sha256=digest, rows=rows)


def commit_import(session: Session, prepared: PreparedImport, actor: str) -> ImportResult:
    """Insert the batch and its rows with one audit row (the caller commits), after re-checking inside the
    transaction what may have changed since `prepare_import`: the digest and locked pay runs."""
    _refuse_duplicate(session, prepared.source, prepared.sha256)
    now = datetime.now(UTC).replace(tzinfo=None)
    periods, qty = prepared.periods, prepared.qty
    batch = PieceBatch(
        name=prepared.name,
        sha256=prepared.sha256,
        periods=",".join(periods),
        row_count=len(prepared.rows),
        qty=qty,
        imported_by=actor,
        imported_at=now,
    )
    session.add(batch)
    session.flush()  # the first write: on SQLite it takes the write lock before the lock check below
    locked = locked_periods(session, periods)
    problems = [_locked_problem(r[0], r[_PERIOD], locked[r[_PERIOD]]) for r in prepared.rows if r[_PERIOD] in locked]
    if problems:
        raise PieceImportError(prepared.source, problems)
    _insert_rows(session, prepared.rows, batch.id, now)
    result = ImportResult(prepared.source, len(prepared.rows), periods, qty, batch.id, batch.name, prepared.sha256)
    append_audit(
        session,
        actor,
        "piece_records.import",
        f"piece_batch/{batch.id}",
        None,
        {
            "name": batch.name,
            "source": result.source,
            "sha256": result.sha256,
            "rows": result.imported,
            "periods": list(periods),
            "qty": qty,
        },
    )
    return result


def _insert_rows(session: Session, rows: list[PieceRow], batch_id: int, imported_at: datetime) -> None:
    """Insert `rows` in bulk. SQLite: the driver's executemany, with dates written in SQLAlchemy's own SQLite
    storage format (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS.ffffff`), because the write lock every other writer
    (the push receiver) waits for is held meanwhile, and this takes a third of the time of SQLAlchemy's
    per-value processing (339,000 rows: 1.7 s instead of 4-6 s). PostgreSQL has no such lock: Core executemany."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        columns = (*ROW_COLUMNS, "batch_id", "imported_at")
        stamp = imported_at.isoformat(" ", "microseconds")
        sql = f"INSERT INTO piece_records ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for start in range(0, len(rows), _INSERT_CHUNK):
            connection.exec_driver_sql(
                sql,
                [
                    (*r[1:3], r[3] and r[3].isoformat(), *r[4:], batch_id, stamp)  # r[3]: work_date
                    for r in rows[start : start + _INSERT_CHUNK]
                ],
            )
        return
    statement = insert(PieceRecord.__table__).values(batch_id=batch_id, imported_at=imported_at)  # type: ignore[arg-type]
    for start in range(0, len(rows), _INSERT_CHUNK):
        connection.execute(
            statement, [dict(zip(ROW_COLUMNS, r[1:], strict=True)) for r in rows[start : start + _INSERT_CHUNK]]
        )


def import_piece_file(
    session: Session, filename: str, content: bytes, actor: str, name: str | None = None
) -> ImportResult:
    """Check every row, then add them all as one batch with one audit row (the caller commits); nothing on any error."""
    return commit_import(session, prepare_import(session, filename, content, name), actor)
