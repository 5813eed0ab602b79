"""The roster's Excel round trip: export → edit with openpyxl → import → the grid changed exactly at the edited
cells; a bad cell refused with its row and column letter, nothing written."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from .test_rosters import HQ, MARCH, _setup

PARAMS = {"office": HQ, "period": "2026-03"}


def _export(client: TestClient, hr: dict[str, str]) -> Workbook:
    response = client.get("/api/v1/rosters.xlsx", params=PARAMS, headers=hr)
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content))


def _upload(client: TestClient, hr: dict[str, str], book: Workbook):  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    book.save(out)
    files = {"file": ("roster.xlsx", out.getvalue())}
    return client.post("/api/v1/rosters/import", params=PARAMS, files=files, headers=hr)


def _cells(client: TestClient, hr: dict[str, str]) -> list[str | None]:
    cells: list[str | None] = client.get("/api/v1/rosters", params=PARAMS, headers=hr).json()["rows"][0]["cells"]
    return cells


def test_export_edit_import(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _setup(client, hr)
    book = _export(client, hr)
    sheet = book["排班"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:6] == ["工号", "姓名", "部门", "班组", "1日", "2日"] and rows[0][-1] == "31日"
    assert rows[1][4:11] == ["周日", "周一", "周二", "周三", "周四", "周五", "周六"]  # 1 March 2026 is a Sunday
    assert rows[2] == ["E001", "Worker E001", None, "A", *MARCH]  # openpyxl reads an empty cell as None
    sheet["F3"] = None  # 2 March: office → rest
    sheet["G3"] = "flex"  # 3 March: rest → flex
    sheet["H3"] = "休"  # 4 March: rest, as it was: not written
    done = _upload(client, hr, book)
    assert done.status_code == 200, done.text
    assert done.json() == {"cells": 2}
    assert _cells(client, hr) == [MARCH[0], None, "flex", *MARCH[3:]]


def test_bad_cells_named_by_row_and_column(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _setup(client, hr)
    book = _export(client, hr)
    sheet = book["排班"]
    sheet["F3"] = None  # a good edit: not written either, as the sheet has bad cells
    sheet["J3"] = "N2"
    sheet["AI3"] = "night"
    sheet["A4"] = "E404"
    refused = _upload(client, hr, book)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        "第 3 行 J 列：班次 'N2' 不存在，可用：office, flex",
        "第 3 行 AI 列：班次 'night' 不存在，可用：office, flex",
        "第 4 行 A 列：工号 'E404' 不是 Shanghai HQ 本月在职的员工",
    ]
    assert _cells(client, hr) == MARCH
