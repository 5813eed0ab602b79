"""POST /piece-records/preview: the import's parser and checks, nothing stored — rows, totals per employee, the
row report, and a file imported before named."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.store import AuditLog, PieceBatch, PieceRecord

HEADER = "employee,period,item,qty,rejects,unit_fen,grade_coef"
GOOD = [
    "E001,2026-03,LAMP-01,300,4,120,1.10",
    "E002,2026-03-17,LAMP-02,50,0,95,1",
    "E001,2026-03-18,LAMP-02,20,1,95,1",
]


def _csv(*rows: str) -> bytes:
    return "\r\n".join([HEADER, *rows]).encode()


def _preview(client: TestClient, headers: dict[str, str], content: bytes, filename: str = "march.csv"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/piece-records/preview", params={"filename": filename}, content=content, headers=headers)


def _stored(factory) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with factory() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t)) or 0 for t in (PieceRecord, PieceBatch, AuditLog)
        )  # type: ignore[return-value]


def test_a_good_file_shows_its_rows_and_totals_and_stores_nothing(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    before = _stored(factory)
    response = _preview(client, as_role("hr"), _csv(*GOOD))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["source"], body["importable"], body["rows_read"], body["periods"], body["errors"]) == (
        "march.csv",
        True,
        3,
        ["2026-03"],
        [],
    )
    assert body["rows"][1] == {
        "row": 3,
        "employee": "E002",
        "period": "2026-03",
        "work_date": "2026-03-17",
        "item": "LAMP-02",
        "qty": 50,
        "rejects": 0,
        "unit_fen": 95,
        "grade_coef": "1",
    }
    assert body["totals"] == [
        {"employee": "E001", "name": "Worker E001", "rows": 2, "qty": 320, "rejects": 5},
        {"employee": "E002", "name": "Worker E002", "rows": 1, "qty": 50, "rejects": 0},
    ]
    assert (body["duplicate_of_batch"], body["notes"]) == (None, [])
    assert _stored(factory) == before


def test_bad_rows_are_reported_beside_the_good_ones(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    body = _preview(
        client, as_role("hr"), _csv(GOOD[0], "E404,2026-03,LAMP-01,10,0,120,1", "E002,2026-03,X,5,6,120,1")
    ).json()
    assert (body["importable"], body["rows_read"], [r["row"] for r in body["rows"]]) == (False, 1, [2])
    assert body["errors"] == [
        "row 3, column employee: no employee with code 'E404'; add the employee first or fix the code",
        "row 4, column rejects: 6 rejects exceed the qty of 5",
    ]
    assert body["totals"] == [{"employee": "E001", "name": "Worker E001", "rows": 1, "qty": 300, "rejects": 4}]
    header = _preview(client, as_role("hr"), b"who,what\r\nE001,1").json()
    assert (header["rows_read"], header["errors"]) == (
        0,
        [
            "row 1: header must name the columns employee, period, item, qty, rejects, unit_fen, grade_coef "
            "(missing employee, period, item, qty, rejects, unit_fen, grade_coef; unknown 'who', 'what')"
        ],
    )
    empty = _preview(client, as_role("hr"), HEADER.encode()).json()
    assert empty["errors"] == ["row 2: no data rows below the header"]


def test_a_file_imported_before_is_named(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    content = _csv(*GOOD)
    imported = client.post(
        "/api/v1/piece-records", params={"filename": "march.csv"}, content=content, headers=as_role("hr")
    )
    assert imported.status_code == 201
    body = _preview(client, as_role("hr"), content).json()
    assert (body["importable"], body["duplicate_of_batch"], body["errors"]) == (False, imported.json()["batch_id"], [])
    assert body["notes"][0].startswith(
        f"the same file (SHA-256 {imported.json()['sha256']}) was imported as piece batch "
    )
    chinese = _preview(client, {**as_role("hr"), "Accept-Language": "zh-CN"}, content).json()
    assert chinese["notes"][0].startswith(f"同一文件（SHA-256 {imported.json()['sha256']}）已于 ")
    assert chinese["notes"][0].endswith("导入为计件批次 1（'march.csv'）：不能再次导入；如需重新导入，请先删除该批次")
    assert _preview(client, as_role("viewer"), content).status_code == 403
