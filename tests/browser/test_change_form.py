"""发起变动 on screen: a manager (赵磊, head of 运营部 with E001) starts a raise for E001 from 我的团队, sees its terms
beside today's (旧 → 新) and the two approval steps, approves their step in the inbox; HR approves it in theirs;
E001's drawer 变更记录 then shows the dated record, its time on the office's clock (Asia/Shanghai), not UTC. A
refused change (before hiring) shows the API's message. Desktop and phone screenshots."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from browser_kit import HR, MANAGER, PHONE, Served, api_get, log_in, shoot
from playwright.sync_api import Page, expect
from sqlalchemy import update

from gateway.access.users import create_user
from gateway.people.departments import assign_employees, create_department
from gateway.store import Employee

pytestmark = pytest.mark.timeout(240)


def _seed(served: Served) -> None:
    with served.factory() as session, session.begin():
        manager = Employee(code="E010", name="赵磊", office_id=1, pay_basis="monthly", monthly_salary_fen=900_000,
                           special_deductions_fen=0)  # fmt: skip
        session.add(manager)
        session.flush()
        create_department(session, "test", office="Shanghai HQ", code="SH-OPS", name="运营部", manager="E010")
        assign_employees(session, "test", "SH-OPS", ["E001"])
        session.execute(update(Employee).where(Employee.code == "E001").values(hired_on=date(2025, 7, 1)))
        create_user(session, "test", MANAGER.username, MANAGER.display_name, "manager", MANAGER.password,
                    employee=manager)  # fmt: skip


def _approve_in_inbox(page: Page, request_id: int, outcome: str) -> None:
    page.click("[data-test=menu] .el-menu-item:has-text('待我审批')")
    item = page.locator(f"[data-test=inbox-item][data-id='{request_id}']")
    expect(item).to_contain_text("调薪2026-04-16 起生效月薪 12,345.67 → 15,000.00")
    item.locator("[data-test=inbox-pick]").click()
    page.click("[data-test=inbox-approve]")
    expect(page.locator("[data-test=inbox-result]")).to_have_text(f"已处理#{request_id} Worker E001 调薪{outcome}")


def test_a_manager_starts_a_raise_hr_approves_it_and_the_history_shows_it(page: Page, served: Served) -> None:
    _seed(served)
    log_in(page, served.url, MANAGER.username, MANAGER.password)
    page.click("[data-test=menu] .el-menu-item:has-text('我的团队')")
    team = page.locator("[data-test=team] .el-table__body tr")
    expect(team).to_have_count(1)
    expect(team.first).to_contain_text("E001Worker E001运营部Shanghai HQ")
    team.first.locator("[data-test=change-start]").click()
    form = page.locator("[data-test=change-drawer]")
    expect(form.locator(".el-drawer__title")).to_have_text("发起变动：Worker E001（E001）")
    expect(form.locator("[data-test=change-old]")).to_have_text("现为 12,345.67")
    form.locator("input[name=change_from]").fill("2025-06-30")
    form.locator("input[name=change_from]").press("Enter")
    form.locator("input[name=change_monthly_salary_fen]").fill("15000")
    form.locator("input[name=change_reason]").fill("2026 年度调薪")
    form.locator("[data-test=change-submit]").click()
    expect(form.locator("[data-test=change-problem]")).to_contain_text(  # the refusal in the screen's language
        "员工 E001 的入职日期为 2025-07-01：变动不能在入职前的 2025-06-30 生效；请填写入职日期当天或之后的日期"
    )
    form.locator("input[name=change_from]").fill("2026-04-16")
    form.locator("input[name=change_from]").press("Enter")
    shoot(page, "change-form-desktop")
    form.locator("[data-test=change-submit]").click()
    drawer = page.locator("[data-test=request-drawer]")
    expect(drawer.locator("[data-test=change-terms] .el-table__body tr")).to_have_text(["月薪12,345.6715,000.00"])
    expect(drawer.locator("[data-test=change-steps] .el-step")).to_have_count(2)
    expect(drawer.locator("[data-test=change-steps] .el-step").first).to_contain_text("部门负责人审批")
    expect(drawer.locator("[data-test=request-status]")).to_have_text("待部门负责人审批")
    shoot(page, "change-request-desktop")
    [made] = api_get(page, served.url, "/requests?kind=change")
    assert (made["change"]["terms"], made["change"]["current"]) == (
        {"monthly_salary_fen": 1_500_000},
        {"monthly_salary_fen": 1_234_567},
    )
    drawer.locator(".el-drawer__close-btn").click()
    _approve_in_inbox(page, made["id"], "已通过，转人事审批")

    page.click("[data-test=user-menu]")
    page.locator("[data-test=logout]").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    log_in(page, served.url, HR.username, HR.password)
    _approve_in_inbox(page, made["id"], "已通过")
    page.click("[data-test=menu] .el-menu-item:has-text('员工')")
    row = page.locator("[data-test=employees] .el-table__body tr", has_text="E001").first
    row.locator("button:has-text('编辑')").click()
    employee = page.locator("[data-test=employee-drawer]")
    employee.locator(".el-tabs__item:has-text('变更记录')").click()
    raise_row = employee.locator("[data-test=terms-table] .el-table__body tr").last
    record = api_get(page, served.url, "/employees/E001/history")["records"][-1]
    at = datetime.fromisoformat(record["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    expect(raise_row).to_contain_text(
        f"2026-04-16月薪12,345.67 → 15,000.00hr:user:li.na{at:%Y-%m-%d %H:%M}调薪: request {made['id']}"
    )
    employee.locator(".el-drawer__body").evaluate("body => body.scrollTo(0, 0)")
    shoot(page, "change-history-desktop")
    employee.locator("[data-test=employee-change]").click()  # HR starts the next one from the drawer
    form = page.locator("[data-test=change-drawer]")
    form.locator("[data-test=change-type] label:has-text('转正')").click()
    expect(form.locator("[data-test=change-old]")).to_have_text("现为 15,000.00")  # today's, after the raise
    expect(form.locator("[data-test=change-agreed]")).to_have_text("没有入职约定薪资：请填写转正后的薪资")


def test_the_change_form_and_its_request_on_a_phone(page: Page, served: Served) -> None:
    _seed(served)
    page.set_viewport_size(PHONE)
    log_in(page, served.url, MANAGER.username, MANAGER.password)
    page.goto(f"{served.url}/#/team")
    page.locator("[data-test=team] [data-test=change-start]").first.click()
    form = page.locator("[data-test=change-drawer]")
    form.locator("[data-test=change-type] label:has-text('调动')").click()
    expect(form.locator("[data-test=change-office]")).to_be_visible()
    shoot(page, "change-form-phone")
    form.locator("[data-test=change-type] label:has-text('调薪')").click()
    form.locator("input[name=change_from]").fill("2026-04-16")
    form.locator("input[name=change_from]").press("Enter")
    form.locator("input[name=change_monthly_salary_fen]").fill("15000")
    form.locator("input[name=change_reason]").fill("2026 年度调薪")
    form.locator("[data-test=change-submit]").click()
    drawer = page.locator("[data-test=request-drawer]")
    expect(drawer.locator("[data-test=change-terms] .el-table__body tr")).to_have_text(["月薪12,345.6715,000.00"])
    shoot(page, "change-request-phone")
