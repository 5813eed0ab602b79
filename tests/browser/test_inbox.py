"""The approval inbox and HR's requests screen in the browser.

A manager (赵磊, employee E010, head of 运营部 with E001 and E003) logs in, lands on 待我审批 with the badge
count, opens a request beside E001's month (punches, the absent day, an approved leave marked), ticks three and
approves them with one comment while one of them is withdrawn meanwhile: two leave the inbox, the third is
listed with the API's reason. Nobody of 质检部 (another manager's) shows, and its request is a 404 to him. HR
filters 申请管理 by department and status. Requests are made through the gateway functions the API uses.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from browser_kit import HR, MANAGER, PHONE, Served, api_get, log_in, menu_entries, shoot
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.users import create_user
from gateway.people import approvals
from gateway.people.departments import assign_employees, create_department
from gateway.people.leave_ledger import adjust
from gateway.people.requests import NewRequest, submit
from gateway.store import Employee

pytestmark = pytest.mark.timeout(240)
TODAY = date(2026, 3, 31)


def _employee(session: Session, code: str, name: str) -> Employee:
    row = Employee(code=code, name=name, office_id=1, pay_basis="monthly", monthly_salary_fen=900_000,
                   special_deductions_fen=0)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _leave(session: Session, employee: Employee, kind: str, start: datetime, end: datetime, reason: str) -> int:
    request = NewRequest("leave", start, end, reason, leave_type=kind)
    return submit(session, "hr:user:li.na", employee, request, TODAY).id


def seed_requests(served: Served) -> dict[str, int]:
    """运营部 (manager E010, login zhao.lei): E001, E003; 质检部 (manager E011): E012. Pending requests, oldest
    first: E001 annual 03-10 (his absent day), E003 personal 03-12 afternoon, E001 overtime 03-16 evening, E003
    annual 03-20, E012 personal 03-13; and E001's annual 03-05, approved by the manager."""
    with served.factory() as session, session.begin():
        manager = _employee(session, "E010", "赵磊")
        _employee(session, "E011", "孙丽")
        e012 = _employee(session, "E012", "钱军")
        create_department(session, "test", office="Shanghai HQ", code="SH-OPS", name="运营部", manager="E010")
        create_department(session, "test", office="Shanghai HQ", code="SH-QA", name="质检部", manager="E011")
        assign_employees(session, "test", "SH-OPS", ["E001", "E003", "E010"])
        assign_employees(session, "test", "SH-QA", ["E012"])
        e001 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        e003 = session.scalars(select(Employee).where(Employee.code == "E003")).one()
        for person in (e001, e003):
            adjust(session, "test", person, "annual", 2026, 10, "opening balance")
        create_user(session, "test", MANAGER.username, MANAGER.display_name, "manager", MANAGER.password,
                    employee=manager)  # fmt: skip
        done = _leave(session, e001, "annual", datetime(2026, 3, 5), datetime(2026, 3, 6), "搬家")
        boss = approvals.Decider("manager:user:zhao.lei", "manager", manager.id)
        approvals.decide(session, boss, done, True, "好")
        ids = {
            "approved": done,
            "annual": _leave(session, e001, "annual", datetime(2026, 3, 10), datetime(2026, 3, 11), "看病"),
            "personal": _leave(session, e003, "personal", datetime(2026, 3, 12, 14), datetime(2026, 3, 12, 18),
                               "孩子家长会"),  # fmt: skip
            "overtime": submit(session, "hr:user:li.na", e001, NewRequest(
                "overtime", datetime(2026, 3, 16, 18), datetime(2026, 3, 16, 20), "月底盘点", comp="pay"), TODAY).id,
            "later": _leave(session, e003, "annual", datetime(2026, 3, 20), datetime(2026, 3, 21), "回老家"),
            "other": _leave(session, e012, "personal", datetime(2026, 3, 13, 9), datetime(2026, 3, 13, 12), "办证"),
        }  # fmt: skip
    return ids


def test_the_manager_approves_two_in_bulk_beside_the_calendar_and_sees_why_the_third_failed(
    page: Page, served: Served
) -> None:
    ids = seed_requests(served)
    log_in(page, served.url, MANAGER.username, MANAGER.password)
    expect(page.locator(".page-title")).to_contain_text("待我审批")
    # a manager is an employee too: their own screens follow the inbox
    own = ["我的工资单", "我的打卡", "我的考勤", "我的申请", "我的假期", "我的社保公积金"]
    expect(page.locator("[data-test=menu-badge]")).to_have_text("4")  # the count arrives after the menu
    assert menu_entries(page) == ["待我审批4", "入职管理", "我的团队", "排班", *own]
    expect(page.locator("[data-test=inbox-count]")).to_have_text("4 项待审批")
    items = page.locator("[data-test=inbox-item]")
    expect(items).to_have_count(4)
    assert [int(i) for i in items.evaluate_all("els => els.map(e => e.dataset.id)")] == [
        ids["later"], ids["overtime"], ids["personal"], ids["annual"]]  # fmt: skip
    expect(items.nth(1)).to_contain_text("Worker E001E001 · 运营部加班（计加班费）2026-03-16 18:00–20:002 小时月底盘点")

    annual = page.locator(f"[data-test=inbox-item][data-id='{ids['annual']}']")
    annual.click()
    calendar = page.locator("[data-test=request-calendar]")
    expect(calendar).to_contain_text("Worker E001（E001）2026-03 月考勤")
    expect(calendar.locator("[data-day='2026-03-10']")).to_have_class("cal-cell req-cal-cell type-workday bad asked")
    expect(calendar.locator("[data-day='2026-03-10']")).to_contain_text("缺勤")
    expect(calendar.locator("[data-day='2026-03-05'] [data-test=calendar-mark]")).to_have_text("年假")
    expect(calendar.locator("[data-day='2026-03-16'] [data-test=calendar-mark]")).to_have_text("加班（计加班费）")
    expect(calendar.locator("[data-day='2026-03-09']")).to_contain_text("08:5518:00")
    shoot(page, "inbox-desktop")

    for key in ("annual", "personal", "overtime"):
        page.locator(f"[data-test=inbox-item][data-id='{ids[key]}'] [data-test=inbox-pick]").click()
    expect(page.locator("[data-test=inbox-picked]")).to_have_text("已选 3 项")
    with served.factory() as session, session.begin():  # E001 takes the overtime back while the manager reads
        e001 = session.scalars(select(Employee.id).where(Employee.code == "E001")).one()
        approvals.withdraw(session, approvals.Decider("employee:user:E001", "employee", e001), ids["overtime"], "")
    page.fill("input[name=comment]", "同意，注意交接")
    page.click("[data-test=inbox-approve]")
    expect(page.locator(".el-message--warning")).to_have_text("已处理 2 项，1 项未处理")
    results = page.locator("[data-test=inbox-result]")
    expect(results).to_have_text([
        f"已处理#{ids['annual']} Worker E001 年假已通过",
        f"已处理#{ids['personal']} 张伟 事假已通过",
        f"未处理#{ids['overtime']} Worker E001 加班（计加班费）未处理：申请 {ids['overtime']} 已撤回："
        "只有待审批的申请可以审批",
    ])  # fmt: skip
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-id", str(ids["later"]))
    expect(page.locator("[data-test=menu-badge]")).to_have_text("1")
    expect(page.locator("[data-test=inbox-count]")).to_have_text("1 项待审批")
    shoot(page, "inbox-decided-desktop")

    detail = api_get(page, served.url, f"/requests/{ids['annual']}")
    assert [(e["action"], e["actor"], e["comment"]) for e in detail["history"]] == [
        ("submitted", "hr:user:li.na", "看病"), ("approved", "manager:user:zhao.lei", "同意，注意交接")]  # fmt: skip
    items.first.locator("[data-test=inbox-detail]").click()
    expect(page.locator("[data-test=request-history] .el-timeline-item")).to_have_count(1)
    expect(page.locator("[data-test=request-history]")).to_contain_text("提交 · li.na（人事） 回老家")
    page.locator("[data-test=request-drawer] .el-drawer__close-btn").click()

    # another department's request: not in the inbox, and a 404 by its id
    peek = page.context.request.get(f"{served.url}/api/v1/requests/{ids['other']}")
    assert (peek.status, peek.json()["detail"]) == (404, f"request {ids['other']} does not exist")
    assert [r["employee"] for r in api_get(page, served.url, "/requests")] == ["E003", "E001", "E003", "E001", "E001"]

    page.set_viewport_size(PHONE)
    items.first.click()
    expect(items.first.locator("[data-test=request-calendar]")).to_contain_text("张伟（E003）2026-03 月考勤")
    shoot(page, "inbox-phone")


def test_hr_filters_the_requests_screen_and_opens_the_history(page: Page, served: Served) -> None:
    ids = seed_requests(served)
    log_in(page, served.url, HR.username, HR.password)
    page.click("[data-test=menu] .el-menu-item:has-text('申请管理')")
    rows = page.locator("[data-test=requests] .el-table__body tr")
    expect(rows).to_have_count(6)
    page.locator("[data-test=filter-department]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="质检部").first.click()
    page.click("[data-test=requests-search]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text(f"{ids['other']}钱军 E012质检部事假2026-03-13 09:00–12:003 小时待部门负责人审批")
    page.click("text=重置")
    expect(rows).to_have_count(6)
    page.locator("[data-test=filter-status]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="已通过").first.click()
    page.click("[data-test=requests-search]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text(f"{ids['approved']}Worker E001 E001运营部年假2026-03-051 天已通过")
    shoot(page, "requests-desktop")
    rows.first.click()
    history = page.locator("[data-test=request-history] .el-timeline-item")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text("通过 · zhao.lei（部门负责人） 好")
    shoot(page, "request-drawer-desktop")
