"""Pay-side tables: pay runs, payslips and their lines, piece batches and records, employees' bank accounts,
the employee-month pay inputs HR enters (bonus, severance, damages) and opening balances.

They share `gateway.store.base.Base` (one metadata, one Alembic history; migration 0003 creates them).
Money columns are `BigInteger` fen. A payslip keeps every output column of
`payroll_core.columns.PayResult` (`figures_json`) and the inputs it was computed from
(`inputs_json`), both as JSON objects of integers, so a pay run can be diffed, exported and
explained without recomputing it, and the year-to-date figures of a later month come from it.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base

RUN_DRAFT, RUN_COMPUTED, RUN_LOCKED = "draft", "computed", "locked"
SCOPE_ALL = "all"


class PayRun(Base):
    """One pay month for one office (`scope` = the office name) or for every office (`scope` = "all")."""

    __tablename__ = "payruns"
    __table_args__ = (
        UniqueConstraint("period", "scope", name="uq_payruns_period_scope"),
        CheckConstraint("status IN ('draft', 'computed', 'locked')", name="ck_payruns_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7))
    scope: Mapped[str] = mapped_column(String(100))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    status: Mapped[str] = mapped_column(String(16), default=RUN_DRAFT)
    rules_version: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    computed_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    gross_total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    net_total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # What the latest recompute changed: a JSON list of {employee, field, old, new} ("[]": nothing).
    last_diff_json: Mapped[str] = mapped_column(Text, default="[]")
    # Set at lock: the keyed digest over every payslip digest (`gateway.access.integrity`).
    digest: Mapped[str | None] = mapped_column(String(64))


class Payslip(Base):
    """One employee's pay month; once its run is locked, database triggers refuse any change to it."""

    __tablename__ = "payslips"
    __table_args__ = (
        UniqueConstraint("payrun_id", "employee_id", name="uq_payslips_run_employee"),
        # the payslips the lock's checks read (migration 0042): few, so a small index
        Index(
            "ix_payslips_marked",
            "payrun_id",
            sqlite_where=text("lock_flags <> 0"),
            postgresql_where=text("lock_flags <> 0"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payrun_id: Mapped[int] = mapped_column(ForeignKey("payruns.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    gross_fen: Mapped[int] = mapped_column(BigInteger)
    net_fen: Mapped[int] = mapped_column(BigInteger)
    iit_fen: Mapped[int] = mapped_column(BigInteger)
    figures_json: Mapped[str] = mapped_column(Text)
    inputs_json: Mapped[str] = mapped_column(Text)
    attendance_json: Mapped[str] = mapped_column(Text)
    # The snapshot taken when the run is locked: who was paid, where, into which account, as of the lock.
    # Exports and payslips of a locked run read these, never the employee's or bank account's live rows.
    employee_code: Mapped[str | None] = mapped_column(String(32))
    employee_name: Mapped[str | None] = mapped_column(String(100))
    office_name: Mapped[str | None] = mapped_column(String(100))
    department_name: Mapped[str | None] = mapped_column(String(100))  # at lock; None in runs locked before 0036
    bank_name: Mapped[str | None] = mapped_column(String(100))
    account_name: Mapped[str | None] = mapped_column(String(100))
    account_no: Mapped[str | None] = mapped_column(Text)  # exactly as bank_accounts stores it (sealed)
    id_type: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(Text)  # exactly as employees stores it (sealed)
    # The explanation lines as one JSON array (`gateway.pay.payslip_lines`); NULL in runs computed before
    # migration 0040, whose lines are `payslip_lines` rows.
    lines_json: Mapped[str | None] = mapped_column(Text)
    # The lock's checks this payslip trips, as computed (`gateway.pay.lock_checks.lock_flags`; not sealed: it only
    # says which payslips' JSON the checks read). -1 for payslips computed before migration 0042: read them all.
    lock_flags: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")
    # Set at lock: the keyed digest of this payslip and its lines (`gateway.access.integrity`).
    digest: Mapped[str | None] = mapped_column(String(64))

    @property
    def figures(self) -> dict[str, int]:
        return json.loads(self.figures_json)

    @property
    def inputs(self) -> dict[str, int]:
        return json.loads(self.inputs_json)

    @property
    def attendance(self) -> dict[str, int]:
        return json.loads(self.attendance_json)


class PayslipDocument(Base):
    """A locked payslip's JSON document exactly as `GET /payslips/{id}` returns it (orjson bytes), for payslips whose
    lines are `payslip_lines` rows (computed before migration 0040; since, the document is made from the payslip's
    own row per request).

    Written once: by the lock between migrations 0035 and 0040, else on the payslip's first read. A locked payslip
    never changes, so the API serves these bytes without building the payslip again.
    """

    __tablename__ = "payslip_documents"

    payslip_id: Mapped[int] = mapped_column(ForeignKey("payslips.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[bytes] = mapped_column(LargeBinary)


class PayslipLine(Base):
    """One explanation line of a payslip computed before migration 0040 (since, `payslips.lines_json` holds them):
    signed amount (deductions negative), its quantities and the rule applied."""

    __tablename__ = "payslip_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payslip_id: Mapped[int] = mapped_column(ForeignKey("payslips.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    quantities_json: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)


class PieceBatch(Base):
    """One uploaded piece file: its name, the SHA-256 of its bytes (UNIQUE: the same file is imported once),
    and what it held. Every piece record belongs to one batch; deleting a batch deletes its records.

    `sha256` is NULL only for the batches migration 0007 made for records imported before batches
    existed (one per earlier import: file name and import time).
    """

    __tablename__ = "piece_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    periods: Mapped[str] = mapped_column(String(255))  # the pay months it holds, sorted, comma-separated
    row_count: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(BigInteger)
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class PieceRecord(Base):
    """Pieces one employee made in a pay month; the grade coefficient is the exact fraction num/den."""

    __tablename__ = "piece_records"
    __table_args__ = (
        CheckConstraint("qty >= 0 AND rejects >= 0 AND rejects <= qty", name="ck_piece_records_qty"),
        CheckConstraint("coef_den >= 1", name="ck_piece_records_coef"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    work_date: Mapped[date | None] = mapped_column(Date)
    item: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int] = mapped_column(BigInteger)
    rejects: Mapped[int] = mapped_column(BigInteger)
    unit_fen: Mapped[int] = mapped_column(BigInteger)
    coef_num: Mapped[int] = mapped_column(BigInteger)
    coef_den: Mapped[int] = mapped_column(BigInteger)
    grade_coef: Mapped[str] = mapped_column(String(16))  # as written in the import, for people
    source: Mapped[str] = mapped_column(String(255))  # file name and row, e.g. "march.xlsx row 7"
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    batch_id: Mapped[int] = mapped_column(ForeignKey("piece_batches.id", name="fk_piece_records_batch"), index=True)


class BankAccount(Base):
    """Where an employee's net pay goes (one account per employee) for the bank transfer file.

    `account_no` holds the number sealed by `gateway.access.vault` ("pc1:<key id>:…", bound to
    `bank_accounts.account_no:<employee id>`), never the digits themselves (migration 0006).
    """

    __tablename__ = "bank_accounts"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(100))
    account_no: Mapped[str] = mapped_column(Text)
    account_name: Mapped[str] = mapped_column(String(100))


BONUS_METHODS = ("recommended", "combined", "separate")


class PayMonthInput(Base):
    """What HR enters for one employee-month besides attendance and pieces (migration 0011): the annual one-off
    bonus and how it is taxed, severance with the final month (and the 12-month average it is based on, when
    entered), a deduction for damages. A pay run reads it for its period; a locked run's payslips keep a copy."""

    __tablename__ = "pay_month_inputs"
    __table_args__ = (
        UniqueConstraint("employee_id", "period", name="uq_pay_month_inputs_employee_period"),
        CheckConstraint(
            "bonus_method IN ('recommended', 'combined', 'separate')", name="ck_pay_month_inputs_bonus_method"
        ),
        CheckConstraint("bonus_fen >= 0 AND damages_fen >= 0", name="ck_pay_month_inputs_amounts"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_method: Mapped[str] = mapped_column(String(16), default="recommended")
    severance: Mapped[bool] = mapped_column(Boolean, default=False)
    severance_base_fen: Mapped[int | None] = mapped_column(BigInteger)  # NULL: the average of the locked runs
    damages_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class OpeningBalance(Base):
    """What an employee was paid and withheld in a tax year before the company used punchclock, through
    `through_period` (migration 0011). The year-to-date figures of the year's later pay runs add it to the
    locked runs' sums; no locked run may cover a month through `through_period`."""

    __tablename__ = "opening_balances"
    __table_args__ = (
        UniqueConstraint("employee_id", "tax_year", name="uq_opening_balances_employee_year"),
        CheckConstraint(
            "months >= 1 AND income_fen >= 0 AND si_hf_fen >= 0 AND special_deductions_fen >= 0"
            " AND other_deductions_fen >= 0 AND tax_withheld_fen >= 0",
            name="ck_opening_balances_amounts",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    tax_year: Mapped[int] = mapped_column(Integer)
    through_period: Mapped[str] = mapped_column(String(7))  # the last month paid before punchclock, YYYY-MM
    months: Mapped[int] = mapped_column(Integer)  # months paid by this employer in the year through it
    income_fen: Mapped[int] = mapped_column(BigInteger)
    si_hf_fen: Mapped[int] = mapped_column(BigInteger)  # employee SI + deductible HF (专项扣除)
    special_deductions_fen: Mapped[int] = mapped_column(BigInteger)  # 专项附加扣除
    other_deductions_fen: Mapped[int] = mapped_column(BigInteger)
    tax_withheld_fen: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(255))  # file name and row
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class PayslipReceipt(Base):
    """What the employee did with a locked payslip (migration 0013): when they first opened it, and their answer —
    confirmed, or a question with its text. One row per payslip, written only by its employee; HR reads them per
    pay run. Separate from `payslips`, which the lock's triggers keep unchanged."""

    __tablename__ = "payslip_receipts"
    __table_args__ = (UniqueConstraint("payslip_id", name="uq_payslip_receipts_payslip_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payslip_id: Mapped[int] = mapped_column(ForeignKey("payslips.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(DateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    questioned_at: Mapped[datetime | None] = mapped_column(DateTime)
    question: Mapped[str] = mapped_column(Text, default="")
