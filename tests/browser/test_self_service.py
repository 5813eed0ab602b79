"""Employee self-service on a phone (375×812): the month with its exception, a 补卡 requested from it in one tap
and seen pending in 我的申请, the API's refusal shown in the form as it words it (in Chinese on the Chinese
screen), a leave request, the balances
with their ledger; a payslip questioned and then confirmed, and HR seeing the question on the pay run."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from browser_kit import EMPLOYEE, HR, PHONE, Served, api_get, log_in, shoot, yuan
from playwright.sync_api import Page, expect
from sqlalchemy import select

from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import run_payroll
from gateway.people.leave_ledger import adjust
from gateway.store import Employee, Payslip

NOW = datetime(2026, 3, 13, 6, 0)  # Friday 13 March 2026, 14:00 in Shanghai: the 10th is 3 days ago


@pytest.fixture
def march_13(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.routes.requests.utcnow", lambda: NOW)
    monkeypatch.setattr("api.routes.employee_month.utcnow", lambda: NOW)


def _fill_date(page: Page, index: int, value: str) -> None:
    field = page.locator("[data-test=request-form] .el-date-editor input").nth(index)
    field.fill(value)
    field.press("Enter")


def test_an_employee_requests_a_correction_from_the_month_then_leave(
    page: Page, served: Served, march_13: None
) -> None:
    with served.factory() as session, session.begin():
        e001 = session.scalars(select(Employee).where(Employee.code == "E001")).one()
        adjust(session, "test", e001, "annual", 2026, 10, "opening balance")
    page.set_viewport_size(PHONE)
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    page.click(".shell-header button[aria-label='展开或收起菜单']")
    page.click("[data-test=menu] .el-menu-item:has-text('我的考勤')")
    expect(page).to_have_url(re.compile(r"#/my/month$"))
    page.locator(".el-date-editor input").first.fill("2026-03")
    page.locator(".el-date-editor input").first.press("Enter")
    marks = page.locator("[data-test=my-calendar] .my-cell-mark")
    expect(marks).to_have_count(1)
    expect(page.locator("[data-day='2026-03-10'] .my-cell-mark")).to_have_text("旷工")
    expect(page.locator("[data-test=my-month-count]")).to_have_text("本月有 1 天考勤异常，点开日期可申请补卡。")
    shoot(page, "self-month-phone")

    page.click("[data-day='2026-03-10']")
    expect(page.locator("[data-test=my-day-status]")).to_have_text("旷工")
    expect(page.locator("[data-test=my-day-punches]")).to_have_text("当天没有打卡")
    shoot(page, "self-day-phone")
    page.click("[data-test=ask-correction]")
    form = page.locator("[data-test=request-form]")
    expect(form.locator(".el-drawer__title")).to_have_text("补卡申请")
    expect(form.locator("input[name=time]")).to_have_value("09:00")
    expect(form.locator("[data-test=form-direction] .is-active")).to_have_text("上班卡")
    expect(form.locator(".el-date-editor input")).to_have_value("2026-03-10")
    form.locator("textarea[name=reason]").fill("忘记打卡，主管知道")
    shoot(page, "self-correction-form-phone")
    form.locator("[data-test=request-submit]").click()

    expect(page).to_have_url(re.compile(r"#/my/requests$"))
    cards = page.locator("[data-test=my-requests] .request-card")
    expect(cards).to_have_count(1)
    expect(cards.first.locator(".request-status")).to_have_text("待审批")
    expect(cards.first.locator(".request-when")).to_have_text("2026-03-10 09:00")
    mine = api_get(page, served.url, "/requests/mine")
    assert [(r["kind"], r["status"], r["starts_at"], r["direction"], r["reason"]) for r in mine] == [
        ("correction", "pending", "2026-03-10T09:00:00+08:00", "in", "忘记打卡，主管知道")]  # fmt: skip

    # A 补卡 past the office's 7-day deadline: refused by the API, its words in the form, nothing stored.
    page.click("[data-test=new-request]")
    form.locator("[data-test=request-kind] label:has-text('补卡')").click()
    _fill_date(page, 0, "2026-03-02")
    form.locator("input[name=time]").fill("08:00")
    form.locator("textarea[name=reason]").fill("忘记打卡")
    form.locator("[data-test=request-submit]").click()
    expect(form.locator("[data-test=request-problem]")).to_have_text(
        "补卡须在 7 天内申请：2026-03-02 已是 11 天前，请联系 HR 更正"
    )
    shoot(page, "self-refused-phone")
    assert len(api_get(page, served.url, "/requests/mine")) == 1

    form.locator("[data-test=request-kind] label:has-text('请假')").click()
    expect(form.locator(".el-select .el-select__placeholder")).to_have_text("年假 · 按半天")
    _fill_date(page, 0, "2026-03-23")
    _fill_date(page, 1, "2026-03-24")
    form.locator("textarea[name=reason]").fill("回老家探亲")
    form.locator("[data-test=request-submit]").click()
    expect(cards).to_have_count(2)
    expect(cards.first.locator(".request-status")).to_have_text("待审批")
    expect(cards.first.locator(".request-when")).to_have_text("2026-03-23 至 2026-03-24")
    expect(cards.first).to_contain_text("年假")
    expect(cards.first).to_contain_text("2 天 · 回老家探亲")
    shoot(page, "self-requests-phone")

    page.goto(f"{served.url}/#/my/leave")
    annual = page.locator("[data-test=my-balances] [data-type=annual]")
    expect(annual.locator(".leave-balance")).to_have_text("5 天")
    annual.locator(".el-collapse-item__header").click()
    expect(annual.locator(".ledger-row")).to_have_count(1)
    expect(annual.locator(".ledger-row .ledger-main")).to_have_text("调整+5 天")
    expect(annual.locator(".ledger-row .small-text")).to_contain_text("opening balance")
    shoot(page, "self-leave-phone")


def test_an_employee_questions_then_confirms_a_payslip_and_hr_sees_it(
    page: Page, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gateway.people.payslip_receipts.utcnow", lambda: datetime(2026, 4, 10, 1, 30))
    with served.factory() as session, session.begin():
        run, _ = run_payroll(session, "2026-03", "Shanghai HQ", "test", lock=True, acknowledge=list(WARNING_CODES))
        run_id = run.id
        slip = session.scalars(
            select(Payslip.id).join(Employee).where(Employee.code == "E001", Payslip.payrun_id == run_id)
        ).one()
    page.set_viewport_size(PHONE)
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    page.goto(f"{served.url}/#/my/payslips/{slip}")
    receipt = page.locator("[data-test=payslip-receipt]")
    expect(receipt).to_have_attribute("data-state", "viewed")
    receipt.locator("[data-test=receipt-ask]").click()
    receipt.locator("[data-test=receipt-send]").click()
    expect(receipt.locator("[data-test=receipt-problem]")).to_have_text("请写明您的疑问")
    receipt.locator("textarea[name=question]").fill("3月10日我请了年假，不应扣缺勤")
    receipt.locator("[data-test=receipt-send]").click()
    expect(receipt.locator("[data-test=receipt-question]")).to_have_text(
        "您于 2026-04-10 09:30 提出疑问：3月10日我请了年假，不应扣缺勤"
    )
    expect(receipt).to_have_attribute("data-state", "questioned")
    shoot(page, "self-payslip-question-phone")

    page.context.clear_cookies()
    log_in(page, served.url, HR.username, HR.password)
    page.goto(f"{served.url}/#/payruns/{run_id}")
    row = page.locator("[data-test=run-payslips] .el-table__row:has-text('E001')")
    expect(row.locator("[data-receipt]")).to_have_text("有疑问")
    expect(row.locator("[data-test=receipt-question]")).to_have_text("3月10日我请了年假，不应扣缺勤")
    page.locator("[data-test=receipt-filter]").click()
    page.locator(".el-select-dropdown__item:has-text('未查看')").click()
    expect(page.locator("[data-test=run-payslips] .el-table__row")).to_have_count(1)
    expect(page.locator("[data-test=run-payslips] .el-table__row")).to_contain_text("E003")
    shoot(page, "self-hr-receipts-phone")

    page.context.clear_cookies()
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    page.goto(f"{served.url}/#/my/payslips/{slip}")
    receipt.locator("[data-test=receipt-confirm]").click()
    expect(receipt.locator("[data-test=receipt-state]")).to_have_text("您已于 2026-04-10 09:30 确认此工资单无误。")
    expect(receipt.locator("[data-test=receipt-confirm]")).to_have_count(0)
    shoot(page, "self-payslip-confirmed-phone")
    assert api_get(page, served.url, f"/payslips/{slip}/receipt")["state"] == "confirmed"


def test_an_employee_sees_social_insurance_and_housing_fund_by_month(page: Page, served: Served) -> None:
    with served.factory() as session, session.begin():
        run_payroll(session, "2026-03", "Shanghai HQ", "test", lock=True, acknowledge=list(WARNING_CODES))
    page.set_viewport_size(PHONE)
    log_in(page, served.url, EMPLOYEE.username, EMPLOYEE.password)
    page.goto(f"{served.url}/#/my/insurance")
    months = api_get(page, served.url, "/contributions?year=2026")
    card = page.locator("[data-test=insurance-month][data-period='2026-03']")
    pension = next(i for i in months[0]["items"] if i["item"] == "pension")
    expect(card.locator("[data-item=pension] span")).to_have_text(
        ["养老保险", yuan(pension["base_fen"]), yuan(pension["employee_fen"]), yuan(pension["employer_fen"])]
    )
    expect(card.locator("[data-item=injury] span")).to_have_text(
        ["工伤保险", "—", "0.00", yuan(next(i for i in months[0]["items"] if i["item"] == "injury")["employer_fen"])]
    )
    shoot(page, "self-insurance-phone")
