"""Piece record upload: all rows or none, with a row-by-row report, from CSV and XLSX."""

from __future__ import annotations

import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import AuditLog, PieceRecord

HEADER = ["employee", "period", "item", "qty", "rejects", "unit_fen", "grade_coef"]
GOOD = [
    ["E001", "2026-03", "LAMP-01", "300", "4", "120", "1.10"],
    ["E002", "2026-03-17", "LAMP-02", "50", "0", "95", "1"],
]
BAD = [
    ["E001", "2026-03", "LAMP-01", "300", "4", "120", "1.10"],
    ["E404", "2026-03", "LAMP-01", "10", "0", "120", "1"],
    ["E001", "March", "LAMP-01", "ten", "11", "12.5", "1.1234567"],
    ["E002", "2026-03", "", "5", "6", "120", "-1"],
]
BAD_REPORT = [
    "row 3, column employee: no employee with code 'E404'; add the employee first or fix the code",
    "row 4, column period: 'March' is neither a pay month YYYY-MM nor a date YYYY-MM-DD",
    "row 4, column qty: 'ten' is not a whole number",
    "row 4, column unit_fen: '12.5' is not a whole number",
    "row 4, column grade_coef: '1.1234567' has more than 6 decimal places",
    "row 5, column item: '': the item must be 1 to 64 characters",
    "row 5, column grade_coef: '-1' is negative; rates and coefficients are >= 0",
    "row 5, column rejects: 6 rejects exceed the qty of 5",
]
BAD_REPORT_ZH = [
    "第 3 行，employee：没有工号为 'E404' 的员工：请先添加该员工，或改正工号",
    "第 4 行，period：'March' 既不是工资月份 YYYY-MM，也不是日期 YYYY-MM-DD",
    "第 4 行，qty：'ten' 不是整数",
    "第 4 行，unit_fen：'12.5' 不是整数",
    "第 4 行，grade_coef：'1.1234567' 不是有效的系数：请写成 0 或以上、最多 6 位小数的数，例如 1 或 1.10",
    "第 5 行，item：''：计件项目须为 1 至 64 个字符",
    "第 5 行，grade_coef：'-1' 不是有效的系数：请写成 0 或以上、最多 6 位小数的数，例如 1 或 1.10",
    "第 5 行，rejects：次品数 6 超过数量 5",
]


def _csv(rows: list[list[str]]) -> bytes:
    return "\r\n".join(",".join(r) for r in [HEADER, *rows]).encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _upload(client: TestClient, headers: dict[str, str], name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/piece-records?filename={name}", content=content, headers=headers)


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(PieceRecord)) or 0)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("march.csv", _csv(GOOD)),
        (
            "march.xlsx",
            _xlsx(
                [["E001", "2026-03", "LAMP-01", 300, 4, 120, "1.10"], ["E002", "2026-03-17", "LAMP-02", 50, 0, 95, 1]]
            ),
        ),
    ],
)
def test_valid_file_is_imported(client: TestClient, as_role, factory, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    response = _upload(client, as_role("hr"), name, content)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: v for k, v in body.items() if k != "sha256"} == {
        "source": name,
        "imported": 2,
        "periods": ["2026-03"],
        "qty": 350,
        "batch_id": 1,
        "name": name,
    }
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    listed = client.get("/api/v1/piece-records?period=2026-03", headers=as_role("viewer")).json()
    assert [
        (r["employee"], r["item"], r["qty"], r["rejects"], r["unit_fen"], r["grade_coef"], r["work_date"], r["source"])
        for r in listed
    ] == [
        ("E001", "LAMP-01", 300, 4, 120, "1.10", None, f"{name} row 2"),
        ("E002", "LAMP-02", 50, 0, 95, "1", "2026-03-17", f"{name} row 3"),
    ]
    with factory() as session:
        assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(1)) == "piece_records.import"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_any_bad_row_imports_nothing_and_every_problem_is_listed(
    client: TestClient, as_role, factory, kind: str
) -> None:  # type: ignore[no-untyped-def]
    content = _csv(BAD) if kind == "csv" else _xlsx(BAD)
    response = _upload(client, as_role("hr"), f"bad.{kind}", content)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == (
        f"bad.{kind}: nothing imported, 8 problem(s); fix every row listed in errors and upload the whole file again"
    )
    assert body["errors"] == BAD_REPORT
    assert _count(factory) == 0


def test_a_chinese_reader_gets_the_row_report_in_chinese(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    response = _upload(client, {**as_role("hr"), "Accept-Language": "zh-CN"}, "bad.csv", _csv(BAD))
    assert (response.status_code, response.headers["content-language"]) == (422, "zh-CN")
    body = response.json()
    assert body["detail"] == "bad.csv：没有导入任何数据，共 8 处问题；请改正下列每一行，再重新上传整个文件"
    assert body["errors"] == BAD_REPORT_ZH
    assert _count(factory) == 0


def test_xlsx_numbers_are_read_exactly(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    content = _xlsx(
        [["E001", "2026-03", "LAMP-01", 300.0, 4, 120, 1.1], ["E001", "2026-03", "LAMP-02", 3.5, 0, 120, 1]]
    )
    response = _upload(client, as_role("hr"), "floats.xlsx", content)
    assert response.json()["errors"] == ["row 3, column qty: 3.5 is not a whole number"]
    ok = _upload(client, as_role("hr"), "floats.xlsx", _xlsx([["E001", "2026-03", "LAMP-01", 300.0, 4, 120, 1.1]]))
    assert ok.status_code == 201
    with factory() as session:
        record = session.scalar(select(PieceRecord))
        assert (record.qty, record.coef_num, record.coef_den, record.grade_coef) == (300, 11, 10, "1.1")


def test_wrong_header_and_roles(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    wrong = _upload(
        client,
        as_role("hr"),
        "p.csv",
        b"employee,month,item,qty,rejects,unit_fen,grade_coef\r\nE001,2026-03,A,1,0,1,1\r\n",
    )
    assert wrong.json()["errors"] == [
        "row 1: header must name the columns employee, period, item, qty, rejects, unit_fen, grade_coef "
        "(missing period; unknown 'month')"
    ]
    viewer = _upload(client, as_role("viewer"), "march.csv", _csv(GOOD))
    assert viewer.status_code == 403
    odd = client.post("/api/v1/piece-records?filename=march.txt", content=b"x", headers=as_role("hr"))
    assert odd.status_code == 422
    assert _count(factory) == 0


def test_imported_pieces_are_paid_and_a_locked_month_refuses_more(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    full_month(factory)
    assert _upload(client, hr, "march.csv", _csv(GOOD[:1])).status_code == 201
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    [slip] = client.get(f"/api/v1/payslips?period={PERIOD}", headers=hr).json()["items"]
    assert slip["figures"]["piece_pay_fen"] == 39_072  # (300 − 4) × 120 × 1.10
    client.post(f"/api/v1/payruns/{run}/lock", headers=hr)
    late = _upload(client, hr, "late.csv", _csv([["E001", "2026-03", "LAMP-01", "10", "0", "120", "1"]]))
    assert late.json()["errors"] == [
        f"row 2, column period: 2026-03 is already paid in locked pay run {run}; enter these pieces in a later month"
    ]
