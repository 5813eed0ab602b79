"""The HR clerk's daily tasks on screen, each checked against the store: employees from the Excel template
(the row report first, then the import) and by hand (salary typed in yuan, stored in exact fen), a quarantined
badge mapped to an employee, piece counts through the preview, a correction on the month calendar, the audit
chain verified (and a tampered row named), users and tokens as admin."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from browser_kit import ADMIN, HR, Served, api_get, log_in, shoot
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, update

from gateway.store import AuditLog

pytestmark = pytest.mark.timeout(240)

SHEET_ROW = {
    "工号": "E010", "姓名": "王芳", "办公地点": "Shanghai HQ", "入职日期": "2026-03-01", "计薪方式": "月薪",
    "月薪(元)": "7000.50", "开户银行": "中国工商银行上海分行", "户名": "王芳", "银行账号": "6222020200012345678",
    "考勤号": "1010",
}  # fmt: skip


def menu(page: Page, label: str) -> None:
    page.click(f"[data-test=menu] .el-menu-item:has-text('{label}')")


def pick_employee(page: Page, scope: str, code: str) -> None:
    """Type a code into the employee picker inside `scope` and choose the employee it finds."""
    page.locator(f"{scope} .employee-picker").click()
    page.keyboard.type(code)
    page.locator(".el-select-dropdown__item:visible", has_text=code).first.click()


def filled_template(page: Page, tmp_path: Path, row: dict[str, str], name: str) -> Path:
    with page.expect_download() as download:
        page.click("[data-test=template-download]")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    book = load_workbook(template)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for number, column in enumerate(header, start=1):  # row 2: the template's lists reach further down
        sheet.cell(row=2, column=number, value=row.get(str(column)))
    path = tmp_path / name
    book.save(path)
    return path


def test_hr_adds_an_employee_from_the_excel_template(page: Page, served: Served, tmp_path: Path) -> None:
    log_in(page, served.url, HR.username, HR.password)
    menu(page, "员工")
    page.click("[data-test=employees-import]")
    dialog = page.locator("[data-test=employee-import]")
    wrong = filled_template(page, tmp_path, {**SHEET_ROW, "月薪(元)": "七千"}, "wrong.xlsx")
    page.set_input_files("[data-test=sheet-upload] input[type=file]", wrong)
    dialog.locator("[data-test=sheet-check]").click()
    report = dialog.locator("[data-test=row-report]")
    expect(report).to_contain_text("文件未导入：共 1 处错误，请修改后重新上传")
    expect(report.locator("li")).to_have_count(1)
    expect(report.locator("li")).to_have_text(
        "第 2 行，月薪(元)：'七千' 不是以元为单位、最多两位小数的金额，例如 6000 或 6000.50"
    )
    expect(dialog.locator("[data-test=sheet-import]")).to_be_disabled()
    shoot(page, "employee-import-refused-desktop")

    right = filled_template(page, tmp_path, SHEET_ROW, "right.xlsx")
    page.set_input_files("[data-test=sheet-upload] input[type=file]", right)
    dialog.locator("[data-test=sheet-check]").click()
    preview = dialog.locator("[data-test=import-preview]")
    expect(preview).to_contain_text("将新增员工1")
    expect(preview).to_contain_text("涉及工号E010")
    shoot(page, "employee-import-preview-desktop")
    assert page.context.request.get(f"{served.url}/api/v1/employees/E010").status == 404  # a dry run stores nothing
    dialog.locator("[data-test=sheet-import]").click()
    expect(page.locator(".el-message--success")).to_have_text("导入完成：新增 1 人，更新 0 人")
    page.fill("input[name=q]", "王芳")
    page.click("[data-test=employees-search]")
    rows = page.locator("[data-test=employees] .el-table__body tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E010王芳Shanghai HQ—月薪 7,000.50 元2026-03-01在职1010")
    stored = api_get(page, served.url, "/employees/E010")
    assert (stored["monthly_salary_fen"], [b["pin"] for b in stored["badges"]]) == (700050, ["1010"])
    shoot(page, "employee-imported-desktop")


def test_hr_creates_an_employee_with_salary_in_yuan_then_bank_account_and_badge(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    menu(page, "员工")
    page.click("[data-test=employee-create]")
    drawer = page.locator("[data-test=employee-drawer]")
    drawer.locator("[data-test=employee-save]").click()  # nothing typed: the form says so before sending
    expect(drawer.locator(".el-form-item__error")).to_have_text(
        ["请填写工号", "请填写姓名", "月薪请填写金额（元），最多两位小数，例如 6000 或 34.48"]
    )
    drawer.locator("input[name=code]").fill("E011")
    drawer.locator("input[name=name]").fill("刘洋")
    drawer.locator("input[name=salary]").fill("8,800.5")
    drawer.locator("[data-test=employee-save]").click()
    expect(page.locator(".el-message--success")).to_have_text("已新增员工 刘洋，可继续填写银行账户和工卡")
    assert api_get(page, served.url, "/employees/E011")["monthly_salary_fen"] == 880050
    drawer.locator("input[name=bank_name]").fill("中国建设银行")
    drawer.locator("input[name=account_no]").fill("6217 0000 1234 5678")
    drawer.locator("input[name=account_name]").fill("刘洋")
    drawer.locator("[data-test=bank-save]").click()
    expect(page.locator(".el-message--success").last).to_have_text("银行账户已保存")
    account = api_get(page, served.url, "/employees/E011/bank-account")
    assert (account["bank_name"], account["account_no"]) == ("中国建设银行", "6217000012345678")
    drawer.locator(".el-tabs__item:has-text('工卡')").click()
    drawer.locator("input[name=pin]").fill("1011")
    drawer.locator("[data-test=badge-add]").click()
    expect(page.locator(".el-message--success").last).to_have_text("已添加工卡 1011，0 条待处理打卡已归入该员工")
    expect(drawer.locator("[data-test=badges] .el-table__body tr")).to_have_count(1)
    shoot(page, "employee-badges-desktop")


def test_hr_maps_a_quarantined_badge_and_its_punches_count(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    menu(page, "待处理打卡")
    expect(page.locator(".el-alert__title").first).to_have_text("1 个工卡共 1 次打卡待处理")
    row = page.locator("[data-test=quarantine] .el-table__body tr", has_text="9999")
    row.locator(".el-checkbox").click()
    page.click("[data-test=map-selected]")
    pick_employee(page, "[data-test=map-dialog]", "E003")
    shoot(page, "quarantine-map-desktop")
    page.click("[data-test=map-submit]")
    expect(page.locator(".el-message--success")).to_have_text("已对应 1 个工卡，1 次打卡已归入员工")
    expect(page.locator("[data-test=quarantine] .el-table__empty-text")).to_have_text("没有待处理的打卡")
    assert "9999" in [b["pin"] for b in api_get(page, served.url, "/employees/E003")["badges"]]
    punches = api_get(page, served.url, "/punches?employee=E003&start=2026-03-01T16:00:00Z&end=2026-03-02T16:00:00Z")
    assert "9999" in [p["pin"] for p in punches["items"]]


def test_hr_uploads_piece_counts_through_the_preview(page: Page, served: Served, tmp_path: Path) -> None:
    log_in(page, served.url, HR.username, HR.password)
    menu(page, "计件")
    bad = tmp_path / "march-bad.csv"
    bad.write_text(
        "employee,period,item,qty,rejects,unit_fen,grade_coef\nE001,2026-03,LAMP-01,300,4,120,1.10\nE404,2026-03,LAMP-01,10,0,120,1\n"
    )
    page.set_input_files("[data-test=piece-upload] input[type=file]", bad)
    report = page.locator("[data-test=row-report]")
    expect(report.locator("li")).to_have_text(
        ["第 3 行，employee：没有工号为 'E404' 的员工：请先添加该员工，或改正工号"]
    )
    expect(page.locator("[data-test=piece-import]")).to_be_disabled()
    shoot(page, "pieces-preview-refused-desktop")
    good = tmp_path / "march.csv"
    good.write_text(
        "employee,period,item,qty,rejects,unit_fen,grade_coef\nE001,2026-03,LAMP-01,300,4,120,1.10\nE003,2026-03,LAMP-02,50,0,95,1\n"
    )
    page.set_input_files("[data-test=piece-upload] input[type=file]", good)
    expect(page.locator("[data-test=piece-ok]")).to_have_text("共 2 行、2 名员工、月份 2026-03，可以导入")
    totals = page.locator("[data-test=piece-totals] .el-table__body tr")
    expect(totals).to_have_text(["E001Worker E0011300" + "4", "E003张伟1500"])
    expect(page.locator("[data-test=piece-rows] .el-table__body tr").first).to_contain_text("1.20")
    shoot(page, "pieces-preview-desktop")
    page.click("[data-test=piece-import]")
    expect(page.locator(".el-message--success")).to_have_text("已导入 2 行、共 350 件（批次 #1）")
    expect(page.locator("[data-test=piece-batches] .el-table__body tr")).to_have_count(1)
    assert [(b["name"], b["rows"], b["qty"]) for b in api_get(page, served.url, "/piece-batches")] == [
        ("march.csv", 2, 350)
    ]


def test_hr_adds_a_missed_punch_on_the_calendar_and_the_day_changes(page: Page, served: Served) -> None:
    log_in(page, served.url, HR.username, HR.password)
    page.goto(f"{served.url}/#/punches?employee=E001&period=2026-03")
    day = page.locator(".calendar [data-day='2026-03-10']")
    expect(day).to_contain_text("缺勤")
    day.click()
    drawer = page.locator("[data-test=day-drawer]")
    time_field = drawer.locator("input[name=time]")
    for time, status in (("08:57", "缺卡"), ("18:02", "正常")):  # one punch of two, then both
        time_field.fill(time)
        drawer.locator("textarea[name=reason]").fill("忘记打卡，主管已确认")
        drawer.locator("[data-test=correction-submit]").click()
        expect(drawer.locator("[data-test=day-status]")).to_have_text(status)
        expect(time_field).to_have_value("")  # the form is ready for the next correction
    expect(drawer.locator("[data-test=day-status]")).to_have_text("正常")
    expect(day.locator(".cal-punch.added")).to_have_text(["08:57", "18:02"])
    expect(day).not_to_contain_text("缺勤")
    shoot(page, "punches-corrected-desktop")
    month = api_get(page, served.url, "/employees/E001/month?period=2026-03")
    tenth = next(d for d in month["days"] if d["date"] == "2026-03-10")
    assert (tenth["status"], [(p["time"], p["correction"]) for p in tenth["punches"]]) == (
        "normal", [("08:57", "added"), ("18:02", "added")],
    )  # fmt: skip


def test_the_audit_log_filters_and_verifies_and_names_a_tampered_row(
    page: Page, served: Served, drop_triggers: Callable[[Engine], None]
) -> None:
    log_in(page, served.url, HR.username, HR.password)
    menu(page, "审计日志")
    page.locator("[data-test=audit-action]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="新建用户").click()
    page.click("[data-test=audit-search]")
    rows = page.locator("[data-test=audit] .el-table__body tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("新建用户user.create")
    page.click("[data-test=audit-verify]")
    expect(page.locator("[data-test=audit-verdict] .el-alert__title")).to_have_text("审计日志完整：未发现任何篡改")
    shoot(page, "audit-verified-desktop")
    drop_triggers(served.factory.kw["bind"])  # as someone editing the database behind punchclock's back
    with served.factory() as session, session.begin():
        session.execute(update(AuditLog).where(AuditLog.id == 1).values(actor="someone-else"))
    page.click("[data-test=audit-verify]")
    expect(page.locator("[data-test=audit-verdict] .el-alert__title")).to_contain_text("发现")
    kinds = page.locator("[data-test=audit-findings] [data-kind]")
    expect(kinds.first).to_have_attribute("data-kind", "edited")
    expect(kinds.first).to_have_text("记录被修改")
    shoot(page, "audit-tampered-desktop")


def test_an_admin_manages_users_and_tokens(page: Page, served: Served) -> None:
    log_in(page, served.url, ADMIN.username, ADMIN.password)
    menu(page, "用户与令牌")
    page.click("[data-test=user-create]")
    form = page.locator("[data-test=user-form]")
    form.locator("input[name=new_username]").fill("wang.fang")
    form.locator("input[name=display_name]").fill("王芳")
    form.locator("input[name=new_password]").fill("12345")
    form.locator("input[name=confirm_password]").fill("12345")
    page.click("[data-test=user-save]")
    expect(form.locator(".el-form-item__error")).to_have_text(["密码至少 10 个字符；密码不能全是数字"])
    form.locator("input[name=new_password]").fill("Linshi-2026-xyz")
    form.locator("input[name=confirm_password]").fill("Linshi-2026-xyz")
    page.click("[data-test=user-save]")
    user = page.locator("[data-test=users] .el-table__body tr", has_text="wang.fang")
    expect(user).to_contain_text("王芳人事正常待修改密码")
    user.locator("[data-test=user-disable]").click()
    page.click(".el-message-box .el-button--primary")
    expect(user).to_contain_text("已停用")
    shoot(page, "users-disabled-desktop")

    page.click(".el-tabs__item:has-text('API 令牌')")
    page.click("[data-test=token-create]")
    page.locator("input[name=token_name]").fill("payroll-pc")
    page.click("[data-test=token-save]")
    secret = page.locator("[data-test=token-secret]").inner_text().strip()
    shoot(page, "token-secret-desktop")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert page.context.request.get(f"{served.url}/api/v1/employees", headers=bearer).status == 200
    page.click(".el-dialog:has([data-test=token-secret]) .el-button--primary")
    token = page.locator("[data-test=tokens] .el-table__body tr", has_text="payroll-pc")
    expect(token).to_contain_text("人事在此创建有效")
    token.locator("[data-test=token-revoke]").click()
    page.click(".el-message-box .el-button--primary")
    expect(token.locator("[data-state]")).to_have_text("已吊销")
    assert page.context.request.get(f"{served.url}/api/v1/employees", headers=bearer).status == 401
