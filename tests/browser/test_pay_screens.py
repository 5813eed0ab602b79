"""HR in the browser: log in, create, compute and lock a pay run (its warnings listed in Chinese and
acknowledged), the lock's digest shown; a payslip's Chinese lines and yuan amounts equal the API's fen.

Every screen is photographed at 1366×768 and 375×812 (tests/artifacts/screenshots/).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from browser_kit import HR, LINE_NAMES, PHONE, Served, api_get, log_in, shoot, yuan
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from gateway.store import Employee, PayRun

pytestmark = pytest.mark.timeout(180)


def create_run(page: Page, period: str, scope: str) -> None:
    page.click("[data-test=create-run]")
    picker = page.locator(".el-dialog:visible .el-date-editor input")
    picker.fill(period)
    picker.press("Enter")
    page.locator(".el-dialog:visible .el-select").click()
    page.locator(".el-select-dropdown:visible .el-select-dropdown__item", has_text=scope).click()
    page.click("[data-test=create-submit]")


def test_hr_computes_and_locks_a_run_acknowledging_its_warnings(page: Page, served: Served) -> None:
    base = served.url
    log_in(page, base, HR.username, HR.password)
    expect(page).to_have_url(re.compile(r"#/dashboard$"))
    page.click("[data-test=menu] .el-menu-item:has-text('工资核算')")
    expect(page.locator("[data-test=payruns]")).to_contain_text("还没有工资核算")
    shoot(page, "payruns-empty-desktop")

    create_run(page, "2026-03", "Shanghai HQ")
    expect(page).to_have_url(re.compile(r"#/payruns/\d+$"))
    expect(page.locator("[data-status=draft]")).to_have_text("草稿")
    page.click("[data-test=compute]")
    expect(page.locator("[data-test=first-compute]")).to_have_text("这是首次计算，没有可比较的上一次结果。")
    run_id = int(page.url.rsplit("/", 1)[1])
    run = api_get(page, base, f"/payruns/{run_id}")
    assert run["status"] == "computed"
    expect(page.locator("[data-test=run-gross]")).to_have_text(yuan(run["gross_total_fen"]))
    expect(page.locator("[data-test=run-net]")).to_have_text(yuan(run["net_total_fen"]))

    page.click("[data-test=compute]")  # nothing changed in between: the recompute says so
    expect(page.locator("[data-test=no-changes]")).to_contain_text("重新计算后没有任何变化。")

    with served.factory() as session, session.begin():  # HR corrects 张伟's salary, then computes again
        session.execute(update(Employee).where(Employee.code == "E003").values(monthly_salary_fen=900_000))
    page.click("[data-test=compute]")
    expect(page.locator("[data-test=changes]")).to_contain_text("处变化")
    changes = api_get(page, base, f"/payruns/{run_id}")["changes"]
    assert {c["employee"] for c in changes} == {"E003"} and len(changes) >= 3
    rows = page.locator("[data-test=changes] .el-table__row")
    expect(rows).to_have_count(len(changes))
    base_pay = next(i for i, c in enumerate(changes) if c["field"] == "base_pay_fen")
    expect(rows.nth(base_pay)).to_have_text(re.compile(r"E003\s*基本工资\s*8,800.00\s*9,000.00\s*200.00"))
    for row, change in zip(rows.all(), changes, strict=True):
        expect(row).to_contain_text(f"{yuan(change['old'])}{yuan(change['new'])}{yuan(change['new'] - change['old'])}")
    shoot(page, "payrun-computed-desktop")

    page.click("[data-test=lock]")
    page.locator(".el-message-box").get_by_role("button", name="锁定").click()
    dialog = page.locator(".el-dialog:visible")
    expect(dialog.locator(".el-dialog__title")).to_have_text("锁定前请核对以下事项")
    # E003 has no bank account, and badge 9999's punch waits in the quarantine (see conftest.add_staff).
    warnings = dialog.locator("[data-warning]")
    expect(warnings).to_have_count(2)
    assert sorted(w.get_attribute("data-warning") or "" for w in warnings.all()) == [
        "no_bank_account",
        "open_quarantine",
    ]
    expect(dialog.locator("[data-warning=open_quarantine]")).to_contain_text("有未对应员工的工卡打卡")
    expect(dialog.locator("[data-warning=open_quarantine] .el-tag")).to_have_text(
        ["Shanghai HQ: badge 9999 (1 punches)"]
    )
    expect(dialog.locator("[data-warning=no_bank_account]")).to_contain_text("缺少银行账户")
    expect(dialog.locator("[data-warning=no_bank_account] .el-tag")).to_have_text(["E003 张伟"])
    expect(dialog.locator("[data-test=lock-anyway]")).to_be_disabled()
    shoot(page, "payrun-lock-warnings-desktop")
    with served.factory() as session:
        assert session.scalar(select(PayRun.status).where(PayRun.id == run_id)) == "computed"

    dialog.locator("[data-test=acknowledge]").click()
    dialog.locator("[data-test=lock-anyway]").click()
    result = page.locator("[data-test=lock-result]")
    expect(result).to_contain_text("核算摘要")
    with served.factory() as session:
        locked = session.scalar(select(PayRun).where(PayRun.id == run_id))
        assert locked is not None and locked.status == "locked"
    digest = result.locator(".digest").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", digest), digest
    expect(result).to_contain_text("缺少银行账户")  # the acknowledged warnings are listed with the lock
    shoot(page, "payrun-locked-desktop")
    page.locator(".el-dialog:visible").get_by_role("button", name="关闭", exact=True).click()
    expect(page.locator("[data-status=locked]").first).to_have_text("已锁定")

    with page.expect_download() as download:
        page.get_by_role("button", name="工资表（Excel）").click()
    assert download.value.suggested_filename == "工资表-2026-03.xlsx"  # the Chinese name of filename*
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # an XLSX is a zip file
    page.click("[data-test=bank-check]")
    bank = api_get(page, base, "/exports/2026-03/bank/check")
    assert [e["employee"] for e in bank["excluded"]] == ["E003"]
    left_out = re.compile(rf"E003\s*张伟\s*{re.escape(yuan(bank['excluded'][0]['net_fen']))}\s*发放时没有银行账户")
    expect(page.locator("[data-test=bank-result] .el-table__row")).to_have_text([left_out])
    expect(page.locator("[data-test=bank-result]")).to_contain_text(yuan(bank["total_fen"]))
    shoot(page, "payrun-bank-check-desktop")


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_a_payslip_shows_every_line_in_chinese_with_the_api_amounts(page: Page, served: Served) -> None:
    from gateway.pay.payrun import run_payroll

    with served.factory() as session, session.begin():
        run, _changes = run_payroll(session, "2026-03", "Shanghai HQ", "test")
        run_id = run.id
    base = served.url
    log_in(page, base, HR.username, HR.password)
    page.goto(f"{base}/#/payruns/{run_id}")
    page.locator("[data-test=run-payslips] .el-table__row").filter(has_text="E001").click()
    expect(page).to_have_url(re.compile(r"#/payslips/\d+$"))
    slip = api_get(page, base, f"/payslips/{page.url.rsplit('/', 1)[1]}")
    expect(page.locator(".page-title")).to_have_text("Worker E001（E001）2026-03 工资单")
    expect(page.locator("[data-test=slip-net]")).to_have_text(yuan(slip["net_fen"]))

    rows = page.locator("[data-test=slip-lines] .el-table__row")
    pay_lines = [line for line in slip["lines"] if not line["code"].endswith("_EMPLOYER")]
    expect(rows).to_have_count(len(pay_lines))
    assert [line["code"] for line in pay_lines][:2] == ["BASE_PAY", "ABSENCE"]
    for row, line in zip(rows.all(), pay_lines, strict=True):
        expect(row.locator(".line-name")).to_have_text(LINE_NAMES[line["code"]])
        expect(row.locator(".line-amount")).to_have_text(yuan(line["amount_fen"]))

    absence = next(line for line in pay_lines if line["code"] == "ABSENCE")
    salary = absence["quantities"]["monthly_salary_fen"]
    daily = _half_up(Decimal(salary) / Decimal("21.75"))
    expect(rows.nth(1).locator(".line-explanation")).to_have_text(
        f"日工资 {yuan(daily)} 元（月薪 {yuan(salary)} 元 ÷ 21.75 天）× 缺勤 1 天 = {yuan(-absence['amount_fen'])} 元"
    )
    net = next(line for line in pay_lines if line["code"] == "NET")
    f = slip["figures"]
    expect(rows.last.locator(".line-explanation")).to_have_text(
        f"应发工资 {yuan(f['gross_fen'])} 元 − 个人社保 {yuan(f['si_employee_fen'])} 元 − 个人公积金 "
        f"{yuan(f['hf_employee_fen'])} 元 − 个人所得税 {yuan(f['iit_fen'])} 元 = {yuan(net['amount_fen'])} 元"
    )
    attendance = page.locator("[data-test=slip-attendance]")
    expect(attendance.locator("[data-key=absent_days]")).to_have_text(re.compile(r"缺勤天数\s*1 天"))
    expect(page.locator(".el-alert")).to_contain_text("这次工资核算尚未锁定")
    shoot(page, "payslip-desktop")
    page.set_viewport_size(PHONE)
    expect(page.locator(".line-card[data-code=NET] .line-name").first).to_have_text("实发工资")
    shoot(page, "payslip-phone")
