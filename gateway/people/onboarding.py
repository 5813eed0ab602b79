"""Onboarding (入职): an office submits a new hire, HQ (HR or admin, not the submitter) approves, the approval
creates the employee, their badge, their login and its activation code, and the welcome — all in one transaction.

- **Submit** (`submit`): HR, admin, or a manager for a department they manage. The employee's fields are checked
  by the employee sheet's rules (`gateway.people.employee_import.check_new_employee`: one rule, one message);
  the application's own rules beside them: position, probation (劳动合同法 art. 19: at most 6 months; art. 20: the
  probation pay at least 80 % of the agreed pay), a given code or badge number free, the ID number not an
  employee's and not on another pending application (its keyed digest: a partial UNIQUE index), mobile and e-mail
  well formed. Every problem is reported at once, by field (`OnboardingError.problems`); nothing is written.
- **Decide** (`decide`, `withdraw`): a conditional `UPDATE onboardings … WHERE id = … AND status = 'pending'`, the
  first write of the transaction, whose row count is the decision (as `gateway.people.approvals`): of two deciders
  the second gets `OnboardingTaken`. Four eyes: the submitter never decides their own application.
- **Approval's effect**, same transaction: the employee (`add_employee`: code given or by office policy; pay during
  probation = the probation pay, the agreed pay kept on the application for 转正), the department, a company-wide
  badge (pin given, or the office's next free one), a login of role employee without password, a one-time
  activation code (`issue_welcome_activation`, pwdlib-hashed, `activation_days`), and the welcome in the outbox
  (入职日期, 报到地点/时间, 请携带 … from `onboarding-policy.toml`, the activation link). User sync then writes the
  badge to the office's terminals like any current employee's.
- Every step is an `onboarding_events` row and an audit row (`onboarding.submit|approved|rejected|withdrawn`,
  the ID number masked); HR hears of a submission in its inbox.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.access.digests import keyed_hash
from gateway.access.keys import keys_of
from gateway.access.users import Activation, create_user, issue_welcome_activation
from gateway.access.vault import EMPLOYEE_ID_NUMBER, ONBOARDING_ID_NUMBER, mask, reveal, seal_for
from gateway.errors import GatewayError
from gateway.inputs import ValueRefused, check_name
from gateway.notify.outbox import HR, WELCOME, WELCOME_LINK, post
from gateway.people.badges import BadgeError, add_badge, badge_problem
from gateway.people.departments import assign_employees, managed_department_ids
from gateway.people.employee_import import check_new_employee
from gateway.people.employee_sheet import ID_TYPE_NAMES, PAY_BASES
from gateway.people.employees import EmployeeValues, add_employee
from gateway.people.onboarding_policy import onboarding_policy
from gateway.people.request_rules import STATUS_ZH
from gateway.store import Badge, Department, Employee, Office, Onboarding, OnboardingEvent, utcnow
from payroll_core.money import fen_to_yuan

HR_ROLES = ("admin", "hr")
MAX_PROBATION_MONTHS = 6  # 劳动合同法 art. 19
PROBATION_PAY_FLOOR_PERCENT = 80  # 劳动合同法 art. 20
ACTIVATE_LINK = WELCOME_LINK
PIN_ATTEMPTS = 5  # picks of the office's next badge number when concurrent approvals took the one before
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_PIN = re.compile(r"[0-9]{1,9}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The sheet's column → the application's field, so a problem found by the sheet's rules names the form's field.
_FIELDS = {"姓名": "name", "办公地点": "office", "计薪方式": "pay_basis", "入职日期": "hired_on",
           "月薪(元)": "monthly_salary_fen", "时薪(元)": "hourly_rate_fen", "班次": "shift_rule",
           "证件类型": "id_type", "证件号码": "id_number"}  # fmt: skip


class FieldProblem(NamedTuple):
    """One problem of an application: the field ("" = the whole application), the message, its Chinese wording."""

    field: str
    message: str
    zh: str | None = None

    def line(self, chinese: bool = False) -> str:
        """`field: message`, in Chinese when asked for and written (the web form files it under the field)."""
        text = self.zh if chinese and self.zh is not None else self.message
        return f"{self.field}: {text}" if self.field else text


class OnboardingError(GatewayError):
    """The application cannot be made or decided as asked; `problems` lists them by field, field "" = whole.

    Without a `zh` of its own, the Chinese wording is the problems' when every one has one."""

    def __init__(self, problems: Sequence[FieldProblem], *, zh: str | None = None) -> None:
        self.problems = list(problems)
        if zh is None and all(p.zh is not None for p in self.problems):
            zh = "；".join(p.line(chinese=True) for p in self.problems)
        super().__init__("; ".join(p.line() for p in self.problems), zh=zh)


class OnboardingNotFound(OnboardingError):
    def __init__(self, onboarding_id: int) -> None:
        super().__init__([FieldProblem("", f"onboarding {onboarding_id} does not exist")])


class OnboardingTaken(OnboardingError):
    """Someone decided the application first; the message says what it is now."""


@dataclass(frozen=True)
class NewHire:
    """The application as a form gives it; amounts in fen, in the pay basis' unit (a month or an hour)."""

    name: str
    office: str
    position: str
    hired_on: date
    pay_basis: str
    id_type: str
    id_number: str
    monthly_salary_fen: int | None = None
    hourly_rate_fen: int | None = None
    probation_months: int = 0
    probation_salary_fen: int | None = None
    department: str | None = None
    shift_rule: str | None = None
    mobile: str | None = None
    email: str | None = None
    employee_code: str | None = None
    pin: str | None = None


@dataclass(frozen=True)
class Actor:
    actor: str
    role: str
    employee_id: int | None


@dataclass(frozen=True)
class Approved:
    row: Onboarding
    employee: Employee
    pin: str
    activation: Activation
    welcome: tuple[str, str]  # the welcome's title and body, as posted to the new hire's inbox


def id_digest(session: Session, id_type: str, id_number: str) -> str:
    """The keyed digest of a (normalized) ID number: equal numbers give equal digests, the number is not in it."""
    return keyed_hash(keys_of(session).audit_key, "onboarding-id", [id_type, id_number])


def _cells(hire: NewHire) -> dict[str, Any]:
    """The employee's part of the application under the sheet's column names (amounts as yuan text)."""
    basis = next((label for label, value in PAY_BASES.items() if value == hire.pay_basis), hire.pay_basis)
    money = {"月薪(元)": hire.monthly_salary_fen, "时薪(元)": hire.hourly_rate_fen}
    return {
        "姓名": hire.name, "办公地点": hire.office, "计薪方式": basis, "入职日期": hire.hired_on,
        "班次": hire.shift_rule, "证件类型": ID_TYPE_NAMES.get(hire.id_type, hire.id_type), "证件号码": hire.id_number,
        **{column: None if fen is None else fen_to_yuan(fen) for column, fen in money.items()},
    }  # fmt: skip


def _taken_id(session: Session, id_type: str, id_number: str) -> str | None:
    """The code of an employee holding this ID number (the numbers are sealed, so each of the type is opened)."""
    rows = session.execute(
        select(Employee.id, Employee.code, Employee.id_number).where(
            Employee.id_type == id_type, Employee.id_number.is_not(None)
        )
    )
    for employee_id, code, sealed in rows:
        if sealed is not None and reveal(session, EMPLOYEE_ID_NUMBER, employee_id, sealed) == id_number:
            return str(code)
    return None


def _check(session: Session, who: Actor, hire: NewHire) -> tuple[EmployeeValues, Department | None]:
    """Every problem of the application at once (see the module doc), or its employee values and department."""
    values, sheet_problems = check_new_employee(session, _cells(hire))
    problems = [FieldProblem(_FIELDS.get(p.column, p.column), p.message, p.zh) for p in sheet_problems]
    try:
        check_name(hire.position)
        if not hire.position.strip() or len(hire.position) > 100:
            raise ValueRefused("is required: 1 to 100 characters, e.g. 装配工", zh="必填：1 至 100 个字符，例如 装配工")
    except ValueError as problem:
        problems.append(FieldProblem("position", str(problem), getattr(problem, "zh", None)))
    if not 0 <= hire.probation_months <= MAX_PROBATION_MONTHS:
        problems.append(
            FieldProblem(
                "probation_months",
                f"{hire.probation_months}: probation is 0 to {MAX_PROBATION_MONTHS} months (劳动合同法 art. 19)",
                f"{hire.probation_months}：试用期为 0 至 {MAX_PROBATION_MONTHS} 个月（劳动合同法第十九条）",
            )
        )
    agreed = hire.monthly_salary_fen if hire.pay_basis == "monthly" else hire.hourly_rate_fen
    if hire.probation_salary_fen is not None:
        if hire.probation_months == 0:
            problems.append(
                FieldProblem(
                    "probation_salary_fen",
                    "is given without probation: set probation_months, or omit it",
                    "没有试用期却填了试用期工资：请填写试用期月数，或不填试用期工资",
                )
            )
        elif hire.pay_basis == "piece":
            problems.append(
                FieldProblem(
                    "probation_salary_fen",
                    "a 计件 (piece) worker has no probation salary: omit it",
                    "计件员工没有试用期工资：请不要填写",
                )
            )
        elif agreed is not None and hire.probation_salary_fen * 100 < agreed * PROBATION_PAY_FLOOR_PERCENT:
            low, floor = fen_to_yuan(hire.probation_salary_fen), PROBATION_PAY_FLOOR_PERCENT
            problems.append(
                FieldProblem(
                    "probation_salary_fen",
                    f"{low} yuan is less than {floor} % of the agreed {fen_to_yuan(agreed)} yuan: "
                    "劳动合同法 art. 20 sets that floor",
                    f"{low} 元低于约定工资 {fen_to_yuan(agreed)} 元的 {floor}%：劳动合同法第二十条规定了这一下限",
                )
            )
    department = None
    if hire.department is not None:
        department = session.scalar(select(Department).where(Department.code == hire.department))
        office = session.scalar(select(Office.id).where(Office.name == hire.office))
        if department is None:
            problems.append(
                FieldProblem(
                    "department",
                    f"no department with code {hire.department!r}",
                    f"没有编码为 {hire.department!r} 的部门",
                )
            )
        elif office is not None and department.office_id != office:
            problems.append(
                FieldProblem(
                    "department",
                    f"department {hire.department!r} belongs to another office than {hire.office!r}: "
                    "choose one of its own",
                    f"部门 {hire.department!r} 不属于办公地点 {hire.office!r}：请选择该办公地点自己的部门",
                )
            )
    if who.role == "manager" and (
        department is None or department.id not in managed_department_ids(session, who.employee_id or 0)
    ):
        problems.append(
            FieldProblem(
                "department",
                "a manager submits new hires for a department they manage: choose it",
                "部门经理只能为自己管理的部门提交入职申请：请选择该部门",
            )
        )
    if hire.employee_code is not None:
        if not _CODE.fullmatch(hire.employee_code):
            problems.append(
                FieldProblem(
                    "employee_code",
                    f"{hire.employee_code!r}: 1-32 letters, digits, _ . -, starting with a letter or digit; "
                    "or omit it for the office's next code",
                    f"{hire.employee_code!r}：工号为 1–32 位字母、数字或 _ . -，以字母或数字开头；"
                    "也可不填，由系统按办公地点顺序编号",
                )
            )
        elif session.scalar(select(Employee.id).where(Employee.code == hire.employee_code)) is not None:
            problems.append(
                FieldProblem(
                    "employee_code",
                    f"employee {hire.employee_code!r} exists: choose another, or omit it",
                    f"工号 {hire.employee_code!r} 已存在：请换一个，或不填",
                )
            )
    if hire.pin is not None:
        taken = badge_problem(session, hire.pin, None) if _PIN.fullmatch(hire.pin) else None
        if not _PIN.fullmatch(hire.pin):
            problems.append(
                FieldProblem(
                    "pin",
                    f"{hire.pin!r}: a badge number is 1-9 digits; or omit it for the office's next",
                    f"{hire.pin!r}：考勤号为 1–9 位数字；也可不填，由系统按办公地点顺序分配",
                )
            )
        elif taken is not None:
            problems.append(FieldProblem("pin", str(taken), taken.zh))
    if hire.mobile is not None and not _MOBILE.fullmatch(hire.mobile):
        problems.append(
            FieldProblem(
                "mobile",
                f"{hire.mobile!r}: a mainland mobile number is 11 digits starting with 1",
                f"{hire.mobile!r}：中国大陆手机号为以 1 开头的 11 位数字",
            )
        )
    if hire.email is not None and (len(hire.email) > 320 or not _EMAIL.fullmatch(hire.email)):
        problems.append(
            FieldProblem(
                "email",
                f"{hire.email!r} is not an e-mail address: write it as name@example.cn",
                f"{hire.email!r} 不是电子邮箱地址：请写成 name@example.cn 的形式",
            )
        )
    if values is not None and values.id_type is not None and values.id_number is not None:
        holder = _taken_id(session, values.id_type, values.id_number)
        if holder is not None:
            problems.append(
                FieldProblem(
                    "id_number",
                    f"{mask(values.id_number)} is the ID number of employee {holder!r}: a person is employed once",
                    f"{mask(values.id_number)} 是员工 {holder!r} 的证件号码：同一个人只能入职一次",
                )
            )
        digest = id_digest(session, values.id_type, values.id_number)
        pending = session.scalar(
            select(Onboarding.id).where(Onboarding.id_digest == digest, Onboarding.status == "pending")
        )
        if pending is not None:
            problems.append(
                FieldProblem(
                    "id_number",
                    f"{mask(values.id_number)} is on pending onboarding {pending}: decide or withdraw that one first",
                    f"{mask(values.id_number)} 已在待审批的入职申请 {pending} 中：请先审批或撤回那一份",
                )
            )
    if problems or values is None:
        raise OnboardingError(problems)
    return values, department


def _describe(row: Onboarding, id_number: str) -> dict[str, Any]:
    """The application as the audit log keeps it: the ID number masked."""
    return {"name": row.name, "office_id": row.office_id, "department_id": row.department_id,
            "position": row.position, "hired_on": row.hired_on, "pay_basis": row.pay_basis,
            "monthly_salary_fen": row.monthly_salary_fen, "hourly_rate_fen": row.hourly_rate_fen,
            "probation_months": row.probation_months, "probation_salary_fen": row.probation_salary_fen,
            "id_type": row.id_type, "id_number": mask(id_number), "employee_code": row.employee_code,
            "pin": row.pin, "status": row.status}  # fmt: skip


def _event(session: Session, row: Onboarding, actor: str, action: str, comment: str) -> None:
    session.add(OnboardingEvent(onboarding_id=row.id, at=utcnow(), actor=actor, action=action, comment=comment))


def submit(session: Session, who: Actor, hire: NewHire) -> Onboarding:
    """A new pending application (checked as the module doc says), audited `onboarding.submit`; HR is told."""
    if who.role not in (*HR_ROLES, "manager"):
        raise OnboardingError(
            [
                FieldProblem(
                    "",
                    "only HR, an admin or a department's manager submits a new hire",
                    "只有 HR、管理员或部门经理可以提交入职申请",
                )
            ]
        )
    values, department = _check(session, who, hire)
    assert values.id_type is not None and values.id_number is not None
    office = session.scalars(select(Office).where(Office.name == hire.office)).one()
    row = Onboarding(
        office_id=office.id, department_id=department.id if department else None, name=values.name,
        position=hire.position.strip(), hired_on=hire.hired_on, pay_basis=values.pay_basis,
        monthly_salary_fen=values.monthly_salary_fen, hourly_rate_fen=values.hourly_rate_fen,
        probation_months=hire.probation_months, probation_salary_fen=hire.probation_salary_fen,
        shift_rule=values.shift_rule, id_type=values.id_type, id_number="",
        id_digest=id_digest(session, values.id_type, values.id_number), mobile=hire.mobile, email=hire.email,
        employee_code=hire.employee_code, pin=hire.pin, status="pending", created_by=who.actor, created_at=utcnow(),
        comment="",
    )  # fmt: skip
    session.add(row)
    session.flush()  # the sealed number is bound to the application's id
    row.id_number = seal_for(session, ONBOARDING_ID_NUMBER, row.id, values.id_number)
    _event(session, row, who.actor, "submitted", "")
    append_audit(session, who.actor, "onboarding.submit", f"onboarding:{row.id}", None,
                 _describe(row, values.id_number))  # fmt: skip
    post(session, office_id=office.id, kind="onboarding_submitted", title=f"待审批：{row.name}的入职申请",
         body=f"{office.name}提交了{row.name}（{row.position}）的入职申请，入职日期 {row.hired_on:%Y-%m-%d}。",
         link="/onboarding", role=HR)  # fmt: skip
    return row


def find_onboarding(session: Session, who: Actor, onboarding_id: int) -> Onboarding:
    """The application, if `who` may see it: HR, admin, viewer all; a manager those of their departments."""
    row = session.get(Onboarding, onboarding_id)
    if row is None or not may_see(session, who, row):
        raise OnboardingNotFound(onboarding_id)
    return row


def may_see(session: Session, who: Actor, row: Onboarding) -> bool:
    if who.role in (*HR_ROLES, "viewer"):
        return True
    return who.role == "manager" and row.department_id in managed_department_ids(session, who.employee_id or 0)


def id_number_of(session: Session, row: Onboarding) -> str:
    return reveal(session, ONBOARDING_ID_NUMBER, row.id, row.id_number)


def _claim(session: Session, row: Onboarding, **values: object) -> Onboarding:
    """The conditional UPDATE (see the module doc); `OnboardingTaken` when the application is no longer pending."""
    claimed = session.execute(
        update(Onboarding)
        .where(Onboarding.id == row.id, Onboarding.status == "pending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    fresh = session.get_one(Onboarding, row.id, populate_existing=True)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise OnboardingTaken(
            [FieldProblem("", f"onboarding {row.id} was decided meanwhile (it is {fresh.status}): reload it")],
            zh=f"入职申请 {row.id} 已被他人处理（{STATUS_ZH.get(fresh.status, fresh.status)}）：请刷新",
        )
    return fresh


def _next_code(session: Session, prefix: str, digits: int) -> str:
    numbers = [
        int(code[len(prefix) :])
        for code in session.scalars(select(Employee.code).where(Employee.code.startswith(prefix, autoescape=True)))
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:0{digits}d}"


def _next_pin(session: Session, office_id: int, start: int) -> str:
    """The office's highest numeric badge plus one (at least `start`), skipping a number taken anywhere."""
    pins = session.scalars(
        select(Badge.pin).join(Employee, Employee.id == Badge.employee_id).where(Employee.office_id == office_id)
    )
    candidate = max([start - 1, *(int(p) for p in pins if p.isdigit())]) + 1
    while session.scalar(select(Badge.id).where(Badge.pin == str(candidate))) is not None:
        candidate += 1
    return str(candidate)


def _pin_clash(error: IntegrityError) -> bool:
    """The company-wide badge number's UNIQUE index refused the row (PostgreSQL names the index, SQLite the column)."""
    text = str(error.orig)
    return "uq_badges_company_pin" in text or text.rstrip().endswith("badges.pin")


def company_badge(
    session: Session, employee: Employee, office_id: int, given: str | None, start: int, actor: str
) -> str:
    """Give the new employee a company-wide badge: `given`, or the office's next free number (`_next_pin`).

    Two approvals at the same moment may both pick the same next number; the partial UNIQUE index on company-wide
    pins (migration 0028) lets only one of them have it. The other's insert fails inside a savepoint, which is
    rolled back, and the number is picked again (it now sees the winner's, committed) — up to `PIN_ATTEMPTS`
    times. A given number taken meanwhile is refused: it was checked free when the application was submitted.
    """
    for _attempt in range(PIN_ATTEMPTS):
        pin = given or _next_pin(session, office_id, start)
        try:
            with session.begin_nested():
                add_badge(session, employee, pin, None, actor)
            return pin
        except BadgeError as error:
            raise OnboardingError([FieldProblem(
                "pin",
                f"{error}; reject this application and submit it with another number, or none for the office's next",
                None if error.zh is None else f"{error.zh}；请驳回此申请，换一个考勤号重新提交，或不填由系统分配",
            )]) from None  # fmt: skip
        except IntegrityError as error:
            if not _pin_clash(error):
                raise
            if given is not None:
                raise OnboardingError([FieldProblem(
                    "pin",
                    f"badge {pin} was given to another employee meanwhile: reject this application and submit it "
                    "with another number, or none for the office's next",
                    f"考勤号 {pin} 刚被分配给了另一位员工：请驳回此申请，换一个考勤号重新提交，或不填由系统分配",
                )]) from None  # fmt: skip
    raise OnboardingError([FieldProblem(
        "pin",
        f"the office's next badge number was taken by {PIN_ATTEMPTS} approvals at the same moment: approve again",
        f"办公地点的下一个考勤号被同时进行的 {PIN_ATTEMPTS} 次审批占用：请再审批一次",
    )])  # fmt: skip


def welcome_text(row: Onboarding, office: Office, employee_code: str, code: str) -> tuple[str, str]:
    """The welcome's title and body (Chinese): hire date, where and when to report, what to bring, the employee code
    (the login's name) and the activation code."""
    policy = onboarding_policy(office.name)
    body = (
        f"{row.name}，欢迎加入！您的入职日期：{row.hired_on:%Y-%m-%d}。报到地点：{policy.report_place}；"
        f"报到时间：{row.hired_on:%Y-%m-%d} {policy.report_time}。请携带：{'、'.join(policy.bring)}。"
        f"您的工号（登录名）：{employee_code}。请打开激活链接设置登录密码（激活码 {code}）。"
    )
    return f"欢迎入职：{office.name}", body


def _apply(session: Session, who: Actor, row: Onboarding, activation_days: int) -> Approved:
    """The approval's effect (see the module doc), in the approval's transaction."""
    office = session.get_one(Office, row.office_id)
    policy = onboarding_policy(office.name)
    number = id_number_of(session, row)
    holder = _taken_id(session, row.id_type, number)
    if holder is not None:
        raise OnboardingError([FieldProblem(
            "id_number",
            f"{mask(number)} became the ID number of employee {holder!r} meanwhile: reject this application",
            f"{mask(number)} 刚成为员工 {holder!r} 的证件号码：请驳回此申请",
        )])  # fmt: skip
    code = row.employee_code or _next_code(session, policy.code_prefix, policy.code_digits)
    if session.scalar(select(Employee.id).where(Employee.code == code)) is not None:
        raise OnboardingError([FieldProblem(
            "employee_code",
            f"employee {code!r} was added meanwhile: reject and submit again",
            f"工号 {code!r} 刚被添加：请驳回后重新提交",
        )])  # fmt: skip
    probation = row.probation_months > 0 and row.probation_salary_fen is not None
    values = EmployeeValues(
        name=row.name, office=office.name, pay_basis=row.pay_basis, hired_on=row.hired_on, shift_rule=row.shift_rule,
        id_type=row.id_type, id_number=number,
        monthly_salary_fen=row.probation_salary_fen if probation and row.pay_basis == "monthly"
        else row.monthly_salary_fen,
        hourly_rate_fen=row.probation_salary_fen if probation and row.pay_basis == "hourly" else row.hourly_rate_fen,
    )  # fmt: skip
    employee = add_employee(session, code, values, who.actor)
    if row.department_id is not None:
        department = session.get_one(Department, row.department_id)
        assign_employees(session, who.actor, department.code, [code])
    pin = company_badge(session, employee, office.id, row.pin, policy.pin_start, who.actor)
    create_user(session, who.actor, code, row.name, "employee", None, employee=employee)
    activation = issue_welcome_activation(session, employee, who.actor, activation_days)
    title, body = welcome_text(row, office, code, activation.code)
    post(session, office_id=office.id, kind=WELCOME, title=title, body=body,
         link=ACTIVATE_LINK + activation.code, employee_id=employee.id)  # fmt: skip
    return Approved(row, employee, pin, activation, (title, body))


def decide(
    session: Session, who: Actor, onboarding_id: int, approve: bool, comment: str, *, activation_days: int
) -> tuple[Onboarding, Approved | None]:
    """Approve (creating the employee, badge, login, code and welcome) or reject a pending application."""
    row = find_onboarding(session, who, onboarding_id)
    if row.status != "pending":
        raise OnboardingTaken(
            [FieldProblem("", f"onboarding {row.id} is {row.status} already: only a pending one is decided")],
            zh=f"入职申请 {row.id} 已{STATUS_ZH.get(row.status, row.status)}：只有待审批的申请可以审批",
        )
    if who.role not in HR_ROLES:
        raise OnboardingError(
            [FieldProblem("", f"onboarding {row.id} waits for HQ: HR or an admin decides it")],
            zh=f"入职申请 {row.id} 需由总部审批：由 HR 或管理员决定",
        )
    if who.actor == row.created_by:
        raise OnboardingError(
            [
                FieldProblem(
                    "", f"onboarding {row.id} was submitted by you: another HR user or admin decides it (four eyes)"
                )
            ],
            zh=f"入职申请 {row.id} 由您提交：须由另一位 HR 或管理员审批（双人复核）",
        )
    status = "approved" if approve else "rejected"
    row = _claim(session, row, status=status, decided_by=who.actor, decided_at=utcnow(), comment=comment)
    approved = None
    if approve:
        approved = _apply(session, who, row, activation_days)
        row.employee_id = approved.employee.id
        row.employee_code, row.pin = approved.employee.code, approved.pin
    _event(session, row, who.actor, status, comment)
    append_audit(session, who.actor, f"onboarding.{status}", f"onboarding:{row.id}", {"status": "pending"},
                 {"status": status, "comment": comment, "employee": row.employee_code, "pin": row.pin})  # fmt: skip
    session.flush()
    return row, approved


def withdraw(session: Session, who: Actor, onboarding_id: int, comment: str) -> Onboarding:
    """The submitter (or HR, admin) takes back a pending application."""
    row = find_onboarding(session, who, onboarding_id)
    if row.created_by != who.actor and who.role not in HR_ROLES:
        raise OnboardingError(
            [FieldProblem("", f"onboarding {row.id} is not yours: its submitter or HR withdraws it")],
            zh=f"入职申请 {row.id} 不是您提交的：只有提交人或 HR 可以撤回",
        )
    if row.status != "pending":
        raise OnboardingTaken(
            [FieldProblem("", f"onboarding {row.id} is {row.status} already: only a pending one is withdrawn")],
            zh=f"入职申请 {row.id} 已{STATUS_ZH.get(row.status, row.status)}：只有待审批的申请可以撤回",
        )
    row = _claim(session, row, status="withdrawn", decided_by=who.actor, decided_at=utcnow(), comment=comment)
    _event(session, row, who.actor, "withdrawn", comment)
    append_audit(session, who.actor, "onboarding.withdrawn", f"onboarding:{row.id}", {"status": "pending"},
                 {"status": "withdrawn", "comment": comment})  # fmt: skip
    return row
