"""The 离职结算单 in the browser: HR opens it from the resignation in 申请管理, sets the termination reason, ticks a
handover item and downloads the XLSX; the leaver sees their own on a phone (我的离职结算); another employee gets 404.
Desktop, phone and print screenshots are written for people to look at."""

from __future__ import annotations

import re
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from browser_kit import DESKTOP, EMPLOYEE, HR, PHONE, Served, api_get, log_in, menu_entries, shoot, yuan
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from gateway.access.users import create_user
from gateway.pay.payrun import run_payroll
from gateway.people import approvals, requests
from gateway.people.requests import NewRequest
from gateway.store import Employee

LAST_DAY = date(2026, 3, 20)
OTHER = ("E002", "Qita-2026-spring")


@pytest.fixture
def leaver(served: Served, monkeypatch: pytest.MonkeyPatch) -> int:
    """E001 resigns with 2026-03-20 as the last day, approved by HR in both steps; March computed (a draft).
    The grace check reads 2026-03-25 (the leaver's login is still open then)."""
    monkeypatch.setattr("gateway.access.leaver_logins.utcnow", lambda: datetime(2026, 3, 25, 2, 0))
    hr = approvals.Decider("hr:user:li.na", "hr", None)
    with served.factory() as session, session.begin():
        e1 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        e1.hired_on, e1.work_started_on = date(2021, 3, 1), date(2014, 6, 1)
        last = datetime(2026, 3, 20)
        row = requests.submit(session, "employee:user:E001", e1, NewRequest("resignation", last, last, "回老家发展"),
                              today=date(2026, 3, 10))  # fmt: skip
        approvals.decide(session, hr, row.id, True, "")
        approvals.decide(session, hr, row.id, True, "同意")
        e2 = session.scalars(select(Employee).where(Employee.code == "E002")).one()
        create_user(session, "test", OTHER[0], e2.name, "employee", OTHER[1], employee=e2)
        request_id = row.id
    with served.factory() as session, session.begin():
        run_payroll(session, "2026-03", "Shanghai HQ", "test")
    return request_id


def test_hr_sets_the_reason_ticks_an_item_and_downloads_the_sheet(page: Page, served: Served, leaver: int) -> None:
    base = served.url
    page.set_viewport_size(DESKTOP)
    log_in(page, base, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('申请管理')")
    page.locator("[data-test=requests] .el-table__body tr").filter(has_text="离职").first.click()
    expect(page.locator("[data-test=request-drawer]")).to_contain_text("最后工作日 2026-03-20")
    page.click("[data-test=open-settlement]")
    expect(page).to_have_url(re.compile(rf"#/resignations/{leaver}$"))
    expect(page.locator("[data-test=termination-text]")).to_contain_text("员工辞职")

    page.locator("[data-test=termination-select]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="协商解除(单位提出)").click()
    page.fill("[data-test=severance-base]", "12000")
    page.click("[data-test=termination-save]")
    expect(page.locator("[data-test=termination-text]")).to_contain_text("协商解除(单位提出)")
    assert api_get(page, base, f"/resignations/{leaver}")["termination"]["code"] == "mutual_by_employer"
    with served.factory() as session, session.begin():  # HR computes March again: severance is paid
        run_payroll(session, "2026-03", "Shanghai HQ", "test")
    page.reload()

    item = page.locator("[data-test=handover] li[data-item='1']")
    item.locator(".el-checkbox").click()
    expect(item).to_contain_text("hr:user:li.na")
    ticked = api_get(page, base, f"/resignations/{leaver}")["handover"][1]
    assert (ticked["item"], ticked["done_by"]) == ("归还工牌/门禁卡", "hr:user:li.na")

    sheet = api_get(page, base, "/settlements/E001")
    lines = page.locator("[data-test=settlement-lines] tbody tr")
    expect(lines).to_have_count(len(sheet["lines"]))
    severance = next(line for line in sheet["lines"] if line["code"] == "SEVERANCE")
    row = page.locator("[data-test=settlement-lines] tr[data-line=SEVERANCE]")
    expect(row.locator(".amount")).to_have_text(yuan(severance["amount_fen"]))
    expect(row.locator(".line-rule")).to_have_text(severance["rule"])
    expect(page.locator("[data-test=settlement-lines] tr[data-line=NET] .amount")).to_have_text(yuan(sheet["net_fen"]))
    shoot(page, "settlement-hr-desktop")

    with page.expect_download() as download:
        page.click("[data-test=settlement-xlsx]")
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    cells = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row and row[0]}
    assert cells["经济补偿金"] == pytest.approx(severance["amount_fen"] / 100)
    assert cells["实发金额"] == pytest.approx(sheet["net_fen"] / 100)

    page.emulate_media(media="print")
    expect(page.locator("[data-test=settlement-print]")).to_be_hidden()
    expect(page.locator("[data-test=menu]")).to_be_hidden()
    shoot(page, "settlement-print")
    pdf = page.pdf(format="A4", print_background=True)  # 打印 as Chromium prints it: one A4 page
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.emulate_media(media="screen")

    item.locator(".el-checkbox").click()  # un-ticked: open again
    expect(item).not_to_contain_text("hr:user:li.na")
    assert api_get(page, base, f"/resignations/{leaver}")["handover"][1]["done_by"] is None


def test_the_leaver_sees_their_own_on_a_phone_and_another_employee_gets_404(
    page: Page, served: Served, leaver: int
) -> None:
    base = served.url
    page.set_viewport_size(PHONE)
    log_in(page, base, EMPLOYEE.username, EMPLOYEE.password)
    page.click(".shell-header button[aria-label='展开或收起菜单']")
    assert "我的离职结算" in menu_entries(page)
    page.click("[data-test=menu] .el-menu-item:has-text('我的离职结算')")
    expect(page).to_have_url(re.compile(r"#/my/settlement$"))
    sheet = api_get(page, base, "/settlements/E001")
    expect(page.locator("[data-test=settlement-lines] tr[data-line=NET] .amount")).to_have_text(yuan(sheet["net_fen"]))
    expect(page.locator("[data-test=termination-form]")).to_have_count(0)  # HR's picker only
    expect(page.locator("[data-test=handover] .el-checkbox").first).to_have_class(re.compile("is-disabled"))
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0, f"the page is {overflow}px wider than the phone"
    shoot(page, "settlement-leaver-phone")

    page.context.clear_cookies()
    log_in(page, base, *OTHER)
    for path in ("/settlements/E001", f"/resignations/{leaver}", "/settlements/E001/xlsx"):
        refused = page.context.request.get(f"{base}/api/v1{path}")
        assert (refused.status, refused.json()["detail"]) == (
            404,
            "employee 'E001' does not exist" if "settlements" in path else f"request {leaver} does not exist",
        )
    page.goto(f"{base}/#/my/settlement")
    expect(page.locator("[data-test=settlement-none]")).to_be_visible()
