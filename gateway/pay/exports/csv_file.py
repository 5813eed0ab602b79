"""CSV files of the exports: CRLF lines, UTF-8 with a BOM unless a bank template asks for GBK."""

from __future__ import annotations

import csv
import io


def write_csv(header: tuple[str, ...] | list[str], rows: list[list[str | int]], encoding: str = "utf-8-sig") -> bytes:
    """CSV with CRLF lines; UTF-8 with a BOM by default, which makes Excel read Chinese names as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)
