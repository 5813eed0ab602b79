"""Writes a sample Comet (科密)-style attendance export (CSV in GB18030/UTF-8, or XLSX).

No public description of Comet's export layout exists (see `drivers/comet.py`), so this sample uses
the header names that module's default mapping assumes, plus a title row above the header as
exports commonly carry. It writes on its own (never importing `drivers/`).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from simulators.sample_punches import DEFAULT_START, make_punches, make_users

TITLE = "科密考勤原始记录 (punchclock sample export)"
HEADER = ("部门", "工号", "姓名", "日期时间", "机器号", "状态")
_STATE = {0: "签到", 1: "签退"}


def write_export(
    path: Path,
    *,
    users: int = 20,
    records: int = 500,
    seed: int = 1,
    machine_no: int = 1,
    encoding: str = "gb18030",
    start: date = DEFAULT_START,
) -> int:
    """Write the sample to `path` (`.xlsx` → workbook, else CSV in `encoding`); returns the record count."""
    staff = make_users(users, seed, chinese_names=True)
    names = {u.pin: u.name for u in staff}
    rows = [
        ("生产部", p.pin, names[p.pin], f"{p.ts:%Y-%m-%d %H:%M:%S}", str(machine_no), _STATE[p.state])
        for p in make_punches(staff, records, seed, start=start)
    ]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.worksheets[0]  # a new workbook holds one sheet
        sheet.append([TITLE])
        sheet.append(list(HEADER))
        for row in rows:
            sheet.append(list(row))
        workbook.save(path)
        return len(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([TITLE])
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return len(rows)
