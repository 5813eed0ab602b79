"""The files HR hands on, opened as HR opens them (openpyxl, csv): headers, number formats, title rows, totals,
text-typed account and ID numbers, GBK bank files, only separately-taxed bonuses in the bonus import.

E001's March 2026 is the hand-checked month of test_exports.py: gross 1,177,805 fen, net 947,923 fen.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.exports.iit_filing import BONUS_HEADER, PEOPLE_HEADER, SALARY_HEADER, id_type_name
from gateway.people.departments import assign_employees, create_department, edit_department

ACCOUNT_19 = "6217000010001234567"
ID_X = "11010519491231002X"
PAY_HEADER = [
    "工号", "姓名", "部门", "应出勤天数", "实出勤天数", "基本工资", "加班费", "计件工资", "津贴", "缺勤扣款",
    "应发工资", "养老", "医疗", "失业", "公积金", "个税", "实发工资",
]  # fmt: skip


@pytest.fixture
def run_id(client: TestClient, as_role, factory: sessionmaker[Session]) -> int:  # type: ignore[no-untyped-def]
    full_month(factory)
    hr = as_role("hr")
    account = {"bank_name": "CCB Pudong", "account_no": ACCOUNT_19, "account_name": "张伟"}
    assert client.put("/api/v1/employees/E001/bank-account", json=account, headers=hr).status_code == 200
    assert client.patch("/api/v1/employees/E001", json={"id_type": "resident_id", "id_number": ID_X}, headers=hr)
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    assert client.post(f"/api/v1/payruns/{run}/compute", headers=hr).status_code == 200
    return int(run)


def _lock(client: TestClient, hr: dict[str, str], run_id: int, factory: sessionmaker[Session]) -> None:
    assert client.post(f"/api/v1/payruns/{run_id}/lock", headers=hr).status_code == 200


def _book(client: TestClient, hr: dict[str, str], path: str):  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/exports/{PERIOD}/{path}", headers=hr)
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content))


def test_the_pay_sheet_of_a_locked_run(client: TestClient, as_role, run_id: int, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _lock(client, hr, run_id, factory)
    response = client.get(f"/api/v1/exports/{PERIOD}/pay-sheet", headers=hr)
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"pay-{PERIOD}.xlsx\"; filename*=UTF-8''%E5%B7%A5%E8%B5%84%E8%A1%A8-{PERIOD}.xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", SCOPE, "单位缴费"]
    sheet = book[SCOPE]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    run = client.get(f"/api/v1/payruns/{run_id}", headers=hr).json()
    shanghai = datetime.fromisoformat(run["locked_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert rows[0][0] == f"{SCOPE}  {PERIOD}  工资表  工资单号 {run_id}  锁定于 {shanghai:%Y-%m-%d %H:%M}"
    assert rows[1] == PAY_HEADER
    assert rows[2] == ["E001", "Worker E001", None, 22, 21, 12345.67, 0, 0, 0, 567.62, 11778.05,
                       987.65, 246.91, 61.73, 864, 138.53, 9479.23]  # fmt: skip
    assert rows[3][:2] == ["合计", None] and rows[3][-1] == 9479.23
    assert sheet.freeze_panes == "A3"
    assert {sheet.cell(3, k).number_format for k in range(6, 18)} == {"#,##0.00"}
    assert sheet["F3"].value == float(Decimal("12345.67"))
    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    assert summary[1][:3] == ["办公地点", "人数", "应发工资"]
    assert summary[-1][0] == "合计"
    assert round(summary[-1][2] * 100) == run["gross_total_fen"] and round(summary[-1][6] * 100) == run["net_total_fen"]
    employer = [list(r) for r in book["单位缴费"].iter_rows(values_only=True)]
    assert employer[2][:4] == ["E001", "Worker E001", SCOPE, 1975.31]


def test_the_department_column_is_the_department_at_the_lock(client: TestClient, as_role, run_id: int, factory) -> None:  # type: ignore[no-untyped-def]
    """部门 of a draft is the department now; a locked sheet keeps the one of the lock after a rename."""
    with factory() as session, session.begin():
        create_department(session, "test", office=SCOPE, code="P1", name="生产一部")
        assign_employees(session, "test", "P1", ["E001"])
    hr = as_role("hr")
    assert _book(client, hr, "pay-sheet")[SCOPE]["C3"].value == "生产一部"  # the draft: now
    _lock(client, hr, run_id, factory)
    with factory() as session, session.begin():
        edit_department(session, "test", "P1", name="装配车间")
    locked = _book(client, hr, "pay-sheet")[SCOPE]
    assert (locked["A3"].value, locked["C3"].value) == ("E001", "生产一部")


def test_an_unlocked_pay_sheet_is_a_draft_and_english_on_request(client: TestClient, as_role, run_id: int) -> None:  # type: ignore[no-untyped-def]
    book = _book(client, as_role("viewer"), "pay-sheet?lang=en")
    assert book.sheetnames == ["Summary", SCOPE, "Employer"]
    rows = [list(r) for r in book[SCOPE].iter_rows(values_only=True)]
    assert rows[0][0] == f"DRAFT (not locked, not for payment)  {SCOPE}  {PERIOD}  pay sheet  pay run {run_id}"
    assert rows[1][:5] == ["Employee no.", "Name", "Department", "Scheduled days", "Days worked"]
    zh = _book(client, as_role("viewer"), "xlsx")[SCOPE]["A1"].value
    assert zh.startswith("草稿（未锁定，不作发放依据）")


def test_the_bank_file_as_xlsx_keeps_a_19_digit_account_as_text(client: TestClient, as_role, run_id, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _lock(client, hr, run_id, factory)
    sheet = _book(client, hr, "bank?format=xlsx").active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1:] == [["账号", "户名", "金额", "开户行", "用途"], [ACCOUNT_19, "张伟", 9479.23, "CCB Pudong", "工资"],
                        ["合计", "1笔", 9479.23, None, None]]  # fmt: skip
    assert (sheet["A3"].data_type, sheet["A3"].number_format) == ("s", "@")
    assert sheet["C3"].number_format == "#,##0.00"
    check = client.get(f"/api/v1/exports/{PERIOD}/bank/check", headers=hr).json()
    assert (check["transfers"], check["total_fen"]) == (1, 947_923)


def test_the_gbk_template_writes_gbk(client: TestClient, as_role, run_id: int, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _lock(client, hr, run_id, factory)
    response = client.get(f"/api/v1/exports/{PERIOD}/bank?template=generic-gbk", headers=hr)
    assert response.headers["content-type"] == "text/csv; charset=gbk"
    assert list(csv.reader(io.StringIO(response.content.decode("gbk")))) == [
        ["账号", "户名", "金额", "开户行", "用途"],
        [ACCOUNT_19, "张伟", "9479.23", "CCB Pudong", "工资"],
        ["合计", "1笔", "9479.23", "", ""],
    ]
    assert not response.content.startswith(b"\xef\xbb\xbf")
    unknown = client.get(f"/api/v1/exports/{PERIOD}/bank?template=icbc", headers=hr)
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "template: no bank template 'icbc'; known templates: generic, generic-gbk"


def test_a_name_gbk_cannot_hold_is_refused_with_the_way_out(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    hr = as_role("hr")
    account = {"bank_name": "CCB", "account_no": ACCOUNT_19, "account_name": "王𠀀"}
    assert client.put("/api/v1/employees/E001/bank-account", json=account, headers=hr).status_code == 200
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    _lock(client, hr, run, factory)
    refused = client.get(f"/api/v1/exports/{PERIOD}/bank?template=generic-gbk", headers=hr)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "bank template 'generic-gbk' writes GBK, which has no character '𠀀' (U+20000); use a UTF-8 template "
        "(generic) or ask the bank for one"
    )


def test_the_iit_salary_import(client: TestClient, as_role, run_id: int, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    assert client.get(f"/api/v1/exports/{PERIOD}/iit", headers=hr).status_code == 409  # not locked yet
    _lock(client, hr, run_id, factory)
    assert client.get(f"/api/v1/exports/{PERIOD}/iit", headers=as_role("viewer")).status_code == 403
    sheet = _book(client, hr, "iit").active
    assert sheet.title == "正常工资薪金收入"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(SALARY_HEADER) and len(SALARY_HEADER) == 24
    assert rows[1] == ["E001", "Worker E001", "居民身份证", ID_X, 11778.05, 0, 987.65, 246.91, 61.73, 864,
                       *([None] * 10), 0, None, None, None]  # fmt: skip
    assert (sheet["D2"].data_type, sheet["D2"].number_format) == ("s", "@")
    assert sheet["E2"].number_format == "#,##0.00"
    assert client.get(f"/api/v1/exports/{PERIOD}/iit/check", headers=hr).json() == {"filed": 1, "missing": []}


def test_the_people_list_fills_what_punchclock_knows(client: TestClient, as_role, run_id: int, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _lock(client, hr, run_id, factory)
    rows = [list(r) for r in _book(client, hr, "iit-people").active.iter_rows(values_only=True)]
    assert rows[0] == list(PEOPLE_HEADER) and len(PEOPLE_HEADER) == 51
    assert rows[1][:14] == ["E001", "Worker E001", "居民身份证", ID_X, "中国", "女", "1949-12-31", None, "雇员",
                            None, None, None, None, None]  # fmt: skip
    assert set(rows[1][14:]) == {None}


@pytest.mark.parametrize(("method", "listed"), [("separate", True), ("combined", False)])
def test_the_bonus_import_lists_only_separately_taxed_bonuses(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, run_id: int, factory, method: str, listed: bool
) -> None:
    hr = as_role("hr")
    body = {"bonus_fen": 3_600_000, "bonus_method": method}
    assert client.put(f"/api/v1/payruns/{run_id}/inputs/E001", json=body, headers=hr).status_code == 200
    assert client.post(f"/api/v1/payruns/{run_id}/compute", headers=hr).status_code == 200
    _lock(client, hr, run_id, factory)
    rows = [list(r) for r in _book(client, hr, "iit-bonus").active.iter_rows(values_only=True)]
    assert rows[0] == list(BONUS_HEADER)
    expected = [["E001", "Worker E001", "居民身份证", ID_X, 36000, 0, None, None, None, None]] if listed else []
    assert rows[1:] == expected


def test_employees_without_an_id_number_are_listed_not_filed(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    hr = as_role("hr")
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    _lock(client, hr, run, factory)
    assert client.get(f"/api/v1/exports/{PERIOD}/iit/check", headers=hr).json() == {
        "filed": 0,
        "missing": [
            {"employee": "E001", "name": "Worker E001", "reason": "no ID document number when the run was locked"}
        ],
    }
    rows = list(_book(client, hr, "iit").active.iter_rows(values_only=True))
    assert rows == [SALARY_HEADER]


def test_the_attendance_report(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    response = client.get(f"/api/v1/exports/{PERIOD}/attendance?office={SCOPE}", headers=as_role("viewer"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))[SCOPE]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith(f"{SCOPE}  {PERIOD}  考勤月报  制表于 ")
    assert rows[1] == ["工号", "姓名", "应出勤天数", "实出勤天数", "迟到次数", "迟到分钟", "早退次数", "早退分钟",
                       "旷工天数", "旷工半天次数", "事假(天)", "病假(天)", "年假(天)", "调休(天)", "工作日加班(小时)",
                       "休息日加班(小时)", "法定节假日加班(小时)", "缺卡次数"]  # fmt: skip
    assert rows[2] == ["E001", "Worker E001", 22, 21, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert rows[3][:4] == ["合计", None, 22, 21]


@pytest.mark.parametrize(
    ("id_type", "number", "name"),
    [
        ("resident_id", ID_X, "居民身份证"),
        ("residence_permit", "810000199408230021", "港澳居民居住证"),
        ("residence_permit", "830000199201300022", "台湾居民居住证"),
        ("passport", "E12345678", "中国护照"),
        ("passport", "X1234567", "外国护照"),
        ("hk_macao_permit", "H12345678", "港澳居民来往内地通行证"),
        ("taiwan_permit", "12345678", "台湾居民来往大陆通行证"),
        ("foreign_permanent_residence", "USA110099999", "外国人永久居留身份证"),
    ],
)
def test_id_types_in_the_clients_names(id_type: str, number: str, name: str) -> None:
    assert id_type_name(id_type, number) == name
