"""The employee sheet: the template's layout, the import (created, updated, badges, bank accounts; all rows or
none with a row-by-row report in the sheet's column names; dry run), and the export, full or masked by role."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from api_testkit import audit_rows
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from gateway.access.integrity import BANK_ACCOUNT_ACTION
from gateway.people.employee_sheet import COLUMNS
from gateway.store import AuditLog, Badge, Employee, Punch

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_NUMBER = "11010519491231002X"
ACCOUNT = "6222020200012345678"


def sheet(*rows: dict[str, Any], header: tuple[str, ...] = COLUMNS) -> bytes:
    """A workbook whose first sheet has `header` and one row per dict (column name → cell value)."""
    book = Workbook()
    ws = book.worksheets[0]
    ws.title = "员工"
    ws.append(list(header))
    for row in rows:
        ws.append([row.get(name) for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: TestClient, headers: dict[str, str], content: bytes, **params: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/employees/import",
        params=params,
        files={"file": ("staff.xlsx", content, XLSX)},
        headers=headers,
    )


NEW = {
    "工号": "E100",
    "姓名": "李雷",
    "办公地点": "Shanghai HQ",
    "入职日期": datetime(2026, 3, 1),
    "计薪方式": "月薪",
    "月薪(元)": 6000.5,
    "证件类型": "居民身份证",
    "证件号码": ID_NUMBER,
    "开户银行": "中国工商银行上海分行",
    "户名": "李雷",
    "银行账号": ACCOUNT,
    "考勤号": "2001、2002@SH0001",
}
HOURLY = {
    "工号": "E101",
    "姓名": "韩梅梅",
    "办公地点": "Urumqi plant",
    "计薪方式": "时薪",
    "时薪(元)": 25,
    "考勤号": "9999",
}
RAISE = {"工号": "E001", "月薪(元)": "7,000.00"}  # an existing employee: only the salary changes


def test_the_template_has_the_columns_lists_text_cells_and_an_explanation(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/employees/template.xlsx", headers=as_role("viewer"))
    assert (response.status_code, response.headers["content-type"]) == (200, XLSX)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["员工", "选项", "填写说明"]
    assert book["选项"].sheet_state == "hidden"
    ws = book["员工"]
    assert [c.value for c in ws[1]] == list(COLUMNS)
    assert [
        ws.cell(row=2, column=COLUMNS.index(n) + 1).number_format
        for n in ("工号", "证件号码", "银行账号", "考勤号", "卡号")
    ] == ["@"] * 5
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    assert lists == {
        "C2:C1000": "'选项'!$A$2:$A$3",  # 办公地点: the two offices
        "D2:D1000": "'选项'!$B$2:$B$6",  # 班次: the five shifts of the three rule files
        "G2:G1000": "'选项'!$C$2:$C$4",  # 计薪方式
        "J2:J1000": "'选项'!$D$2:$D$7",  # 证件类型
        "Q2:Q1000": "'选项'!$E$2:$E$3",  # 设备权限
    }
    assert [book["选项"].cell(row=r, column=1).value for r in (2, 3)] == ["Shanghai HQ", "Urumqi plant"]
    assert [book["选项"].cell(row=r, column=3).value for r in (2, 3, 4)] == ["月薪", "时薪", "计件"]
    guide = {row[0].value: row[1].value for row in book["填写说明"].iter_rows(min_row=2)}
    assert list(guide) == list(COLUMNS)
    assert guide["计薪方式"] == "新员工必填：月薪、时薪 或 计件。"


def test_import_creates_updates_maps_badges_and_seals_numbers(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    response = upload(client, as_role("hr"), sheet(NEW, RAISE, HOURLY))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "dry_run": False,
        "rows": 3,
        "created": ["E100", "E101"],
        "updated": ["E001"],
        "unchanged": [],
        "badges_added": 3,
        "bank_accounts_set": 1,
        "remapped_punches": 1,  # the seed's quarantined pin 9999
    }
    e100 = client.get("/api/v1/employees/E100", headers=as_role("hr")).json()
    assert {
        k: e100[k] for k in ("name", "office", "pay_basis", "monthly_salary_fen", "hired_on", "id_type", "id_number")
    } == {
        "name": "李雷",
        "office": "Shanghai HQ",
        "pay_basis": "monthly",
        "monthly_salary_fen": 600_050,
        "hired_on": "2026-03-01",
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
    }
    assert [(b["pin"], b["device_sn"]) for b in e100["badges"]] == [("2001", None), ("2002", "SH0001")]
    assert client.get("/api/v1/employees/E100/bank-account", headers=as_role("hr")).json() == {
        "employee": "E100",
        "bank_name": "中国工商银行上海分行",
        "account_no": ACCOUNT,
        "account_name": "李雷",
    }
    e001 = client.get("/api/v1/employees/E001", headers=as_role("hr")).json()
    assert (e001["name"], e001["office"], e001["monthly_salary_fen"]) == ("Worker E001", "Shanghai HQ", 700_000)
    e101 = client.get("/api/v1/employees/E101", headers=as_role("hr")).json()
    assert (e101["pay_basis"], e101["hourly_rate_fen"], e101["office"]) == ("hourly", 2500, "Urumqi plant")
    with factory() as session:
        assert session.scalar(select(Punch.employee_id).where(Punch.pin == "9999")) == session.scalar(
            select(Employee.id).where(Employee.code == "E101")
        )
        stored = session.scalar(select(Employee.id_number).where(Employee.code == "E100"))
        assert stored is not None and stored.startswith("pc1:") and ID_NUMBER not in stored
    actions = [(actor, action, target) for actor, action, target, _b, _a in audit_rows(factory)[-7:]]
    assert actions == [
        ("hr:hr-token", "employee.add", "employee:E100"),
        ("hr:hr-token", "badge.add", "employee:E100"),
        ("hr:hr-token", "badge.add", "employee:E100"),
        ("hr:hr-token", BANK_ACCOUNT_ACTION, "employee:E100"),
        ("hr:hr-token", "employee.edit", "employee:E001"),
        ("hr:hr-token", "employee.add", "employee:E101"),
        ("hr:hr-token", "badge.add", "employee:E101"),
    ]
    assert ID_NUMBER not in str(audit_rows(factory)) and ACCOUNT not in str(audit_rows(factory))


def test_a_dry_run_reports_and_stores_nothing(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session:
        audit_before = session.scalar(select(func.count()).select_from(AuditLog))
    response = upload(client, as_role("hr"), sheet(NEW, RAISE, HOURLY), dry_run="true")
    assert response.json() == {
        "dry_run": True,
        "rows": 3,
        "created": ["E100", "E101"],
        "updated": ["E001"],
        "unchanged": [],
        "badges_added": 3,
        "bank_accounts_set": 1,
        "remapped_punches": 0,
    }
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 2
        assert session.scalar(select(func.count()).select_from(Badge)) == 2
        assert session.scalar(select(func.count()).select_from(AuditLog)) == audit_before


BAD_ROWS = (
    NEW,
    {**HOURLY, "时薪(元)": "25.005", "入职日期": "2026-02-30"},
    {"工号": "E102", "姓名": "王五", "办公地点": "Mars", "计薪方式": "年薪"},
    {"工号": "E100", "姓名": "重复", "办公地点": "Shanghai HQ", "计薪方式": "计件"},
    {"工号": "E103", "姓名": "赵六", "办公地点": "Shanghai HQ", "计薪方式": "月薪", "证件类型": "居民身份证"},
    {
        "工号": "E104",
        "姓名": "钱七",
        "办公地点": "Shanghai HQ",
        "计薪方式": "计件",
        "银行账号": 6222020200012345678,
    },
    {"工号": "E105", "姓名": "孙八", "办公地点": "Shanghai HQ", "计薪方式": "计件", "考勤号": "1001、2001"},
    {"工号": "E106", "姓名": "周九", "办公地点": "Shanghai HQ", "计薪方式": "计件", "班次": "moon"},
    {
        "工号": "E107",
        "姓名": "吴十",
        "办公地点": "Shanghai HQ",
        "计薪方式": "计件",
        "入职日期": "2026-03-01",
        "离职日期": "2026-02-01",
    },
)


def test_every_problem_is_reported_by_row_and_column_and_nothing_is_imported(
    client: TestClient, as_role, factory
) -> None:  # type: ignore[no-untyped-def]
    response = upload(client, as_role("hr"), sheet(*BAD_ROWS))
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == (
        "staff.xlsx: nothing imported, 12 problem(s); fix every row listed in errors and upload the whole sheet again"
    )
    assert body["errors"] == [
        "row 3, column 入职日期: '2026-02-30' is not a date of the calendar",
        "row 3, column 时薪(元): '25.005' is not an amount in yuan with at most two decimals, e.g. 6000 or 6000.50",
        "row 4, column 办公地点: no office named 'Mars': offices are 'Shanghai HQ', 'Urumqi plant'",
        "row 4, column 计薪方式: '年薪': write 月薪, 时薪 or 计件",
        "row 5, column 工号: E100 is also on row 2: list each employee once",
        "row 6, column 月薪(元): a 月薪 employee needs the monthly salary in yuan, e.g. 6000.00",
        "row 6, column 证件号码: 证件类型 and 证件号码 go together: give both, or neither",
        "row 7, column 银行账号: the cell is a number and Excel keeps only 15 digits of a number, so digits are lost: "
        "format the column as text (the template does) and type the number again",
        "row 8, column 考勤号: pin '1001' company-wide already belongs to employee 'E001': remove that badge first",
        "row 8, column 考勤号: 2001 is also given to E100 on row 2: a badge belongs to one employee",
        "row 9, column 班次: shift_rule 'moon': rule file 'shanghai' has no shift 'moon'; its shifts are: office, "
        "flex; give a shift of office 'Shanghai HQ' (rule file 'shanghai'), RULES/SHIFT, or null for the office's "
        "shift",
        "row 10, column 离职日期: 2026-02-01 is before the 入职日期 2026-03-01: fix one of the dates",
    ]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 2


def test_a_chinese_reader_gets_every_row_problem_in_chinese(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    response = upload(client, {**as_role("hr"), "Accept-Language": "zh-CN,zh;q=0.9"}, sheet(*BAD_ROWS))
    assert (response.status_code, response.headers["content-language"]) == (422, "zh-CN")
    body = response.json()
    assert body["detail"] == "staff.xlsx：没有导入任何数据，共 12 处问题；请改正下列每一行，再重新上传整个表格"
    assert body["errors"] == [
        "第 3 行，入职日期：'2026-02-30' 不是日历上存在的日期",
        "第 3 行，时薪(元)：'25.005' 不是以元为单位、最多两位小数的金额，例如 6000 或 6000.50",
        "第 4 行，办公地点：没有名为 'Mars' 的办公地点：现有的是 'Shanghai HQ'、'Urumqi plant'",
        "第 4 行，计薪方式：'年薪'：请填写 月薪、时薪 或 计件",
        "第 5 行，工号：E100 也在第 2 行：每位员工只列一次",
        "第 6 行，月薪(元)：月薪员工须填写以元为单位的月薪，例如 6000.00",
        "第 6 行，证件号码：证件类型和证件号码须同时填写，或同时留空",
        "第 7 行，银行账号：该单元格是数字，而 Excel 只保留数字的 15 位，后面的位已丢失："
        "请把该列设为文本格式（模板已设好）后重新填写号码",
        "第 8 行，考勤号：工牌号 '1001' 在全公司已属于员工 'E001'：请先删除那个工牌",
        "第 8 行，考勤号：2001 在第 2 行也分配给了 E100：一个考勤号只属于一位员工",
        "第 9 行，班次：班次 'moon'：规则文件 'shanghai' 中没有班次 'moon'，现有班次：office、flex；"
        "请填写办公地点 'Shanghai HQ' 的班次（规则文件 'shanghai'）、规则/班次，或留空使用办公地点的班次",
        "第 10 行，离职日期：2026-02-01 早于入职日期 2026-03-01：请改正其中一个日期",
    ]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 2


def test_a_wrong_header_or_file_is_refused_whole(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    wrong = upload(client, as_role("hr"), sheet(NEW, header=(*COLUMNS[: COLUMNS.index("考勤号")], "部门")))
    assert wrong.json()["errors"] == [
        "row 1: the header must name the columns " + ", ".join(COLUMNS) + " (missing 考勤号; unknown '部门'; 卡号 and "
        "设备权限 may be left out): start from the template (GET /api/v1/employees/template.xlsx)"
    ]
    garbage = upload(client, as_role("hr"), b"not a workbook")
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0].startswith("row 1: not a readable XLSX workbook (")
    not_multipart = client.post("/api/v1/employees/import", content=b"x", headers=as_role("hr"))
    assert not_multipart.status_code == 422
    assert (
        client.post(
            "/api/v1/employees/import", files={"file": ("a.xlsx", sheet(NEW), XLSX)}, headers=as_role("viewer")
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("role", "id_number", "account"), [("hr", ID_NUMBER, ACCOUNT), ("viewer", "**** 002X", "**** 5678")]
)
def test_the_export_is_the_sheet_filled_full_or_masked(
    client: TestClient, as_role, role: str, id_number: str, account: str
) -> None:  # type: ignore[no-untyped-def]
    assert upload(client, as_role("hr"), sheet(NEW)).status_code == 200
    response = client.get("/api/v1/employees/export.xlsx", headers=as_role(role))
    assert (response.status_code, response.headers["content-type"]) == (200, XLSX)
    ws = load_workbook(io.BytesIO(response.content))["员工"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=4)]
    assert rows[0] == list(COLUMNS)
    assert rows[1][:7] == ["E001", "Worker E001", "Shanghai HQ", None, None, None, "月薪"]
    assert rows[1][7:] == ["6000.00", None, None, None, None, None, None, "1001", None, "普通用户"]
    assert rows[3][:4] == ["E100", "李雷", "Shanghai HQ", None]
    assert rows[3][4].date().isoformat() == "2026-03-01"
    assert rows[3][6:] == [
        "月薪",
        "6000.50",
        None,
        "居民身份证",
        id_number,
        "中国工商银行上海分行",
        "李雷",
        account,
        "2001、2002@SH0001",
        None,
        "普通用户",
    ]


def test_an_exported_sheet_imports_back_unchanged(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    assert upload(client, as_role("hr"), sheet(NEW, HOURLY)).status_code == 200
    exported = client.get("/api/v1/employees/export.xlsx", headers=as_role("hr")).content
    again = upload(client, as_role("hr"), exported)
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"], again.json()["badges_added"]) == ([], [], 0)
    assert again.json()["unchanged"] == ["E001", "E002", "E100", "E101"]
    assert again.json()["bank_accounts_set"] == 0


def test_card_and_privilege_columns_set_the_rows_badge(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    older = upload(client, hr, sheet(RAISE, header=tuple(c for c in COLUMNS if c not in ("卡号", "设备权限"))))
    assert older.status_code == 200, older.text  # a sheet from before the two columns is still read
    rows = (
        {**NEW, "考勤号": "2001", "卡号": "0012345678", "设备权限": "管理员"},
        {"工号": "E001", "卡号": 555},  # 考勤号 blank: the employee's own badge 1001
    )
    response = upload(client, hr, sheet(*rows))
    assert response.status_code == 200, response.text
    badges = {
        code: [
            (b["pin"], b["card"], b["device_privilege"])
            for b in client.get(f"/api/v1/employees/{code}", headers=hr).json()["badges"]
        ]
        for code in ("E100", "E001")
    }
    assert badges == {"E100": [("2001", "12345678", "admin")], "E001": [("1001", "555", "user")]}
    assert [row[1:] for row in audit_rows(factory) if row[1] == "badge.edit"] == [
        (
            "badge.edit",
            "employee:E100",
            {"pin": "2001", "card": 0, "device_privilege": "user"},
            {"pin": "2001", "card": 12345678, "device_privilege": "admin"},
        ),
        (
            "badge.edit",
            "employee:E001",
            {"pin": "1001", "card": 0, "device_privilege": "user"},
            {"pin": "1001", "card": 555, "device_privilege": "user"},
        ),
    ]
    exported = load_workbook(io.BytesIO(client.get("/api/v1/employees/export.xlsx", headers=hr).content))["员工"]
    cells = {r[0]: r[COLUMNS.index("卡号") :] for r in exported.iter_rows(min_row=2, values_only=True)}
    assert (cells["E100"], cells["E001"]) == (("12345678", "管理员"), ("555", "普通用户"))


def test_card_and_privilege_problems_are_reported_row_by_row(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    assert client.patch("/api/v1/employees/E001/badges/1", json={"card": "777"}, headers=hr).status_code == 200
    rows = (
        {**NEW, "卡号": "1"},  # two badges in 考勤号
        {**HOURLY, "卡号": "4294967296"},
        {
            "工号": "E102",
            "姓名": "王五",
            "办公地点": "Shanghai HQ",
            "计薪方式": "计件",
            "考勤号": "3001",
            "卡号": "777",
        },
        {
            "工号": "E103",
            "姓名": "赵六",
            "办公地点": "Shanghai HQ",
            "计薪方式": "计件",
            "考勤号": "3002",
            "卡号": "888",
        },
        {
            "工号": "E104",
            "姓名": "钱七",
            "办公地点": "Shanghai HQ",
            "计薪方式": "计件",
            "考勤号": "3003",
            "卡号": "888",
        },
        {"工号": "E105", "姓名": "孙八", "办公地点": "Shanghai HQ", "计薪方式": "计件", "设备权限": "超级"},
    )
    response = upload(client, hr, sheet(*rows))
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [
            "row 2, column 卡号: a card goes on one badge, and 考勤号 has 2: write that one badge in 考勤号",
            "row 3, column 卡号: card number 4294967296 is more than 4294967295, the largest a ZK terminal stores "
            "(32 bits): check the number printed on the card",
            "row 4, column 卡号: card 777 is already on badge '1001' of employee 'E001' in office Shanghai HQ: "
            "clear it there first (one card opens one badge per office)",
            "row 6, column 卡号: card 888 is also given to E103 on row 5: one card opens one badge per office",
            "row 7, column 设备权限: the employee has no badge for it: write the badge number in 考勤号",
        ],
    )
    assert [row for row in audit_rows(factory) if row[1] in ("badge.add", "employee.create")] == []
