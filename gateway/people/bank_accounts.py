"""An employee's bank account (one per employee), written sealed and audited with the numbers masked.

The account number is sealed by `gateway.access.vault`; the audit row keeps the masked number and the
row's keyed digest, so `audit verify` can tell this row from one edited in the database behind our back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.access.audit import append_audit
from gateway.access.integrity import BANK_ACCOUNT_ACTION, bank_account_digest
from gateway.access.keys import keys_of
from gateway.access.vault import BANK_ACCOUNT_NO, mask, reveal, seal_for
from gateway.store import BankAccount, Employee

ACCOUNT_NO_PATTERN = r"^\d{8,32}$"
"""A bank account number as punchclock keeps it: 8 to 32 digits, no spaces."""


@dataclass(frozen=True)
class AccountView:
    bank_name: str
    account_no: str  # in full or masked, as asked
    account_name: str


def is_account_no(text: str) -> bool:
    return re.fullmatch(ACCOUNT_NO_PATTERN, text) is not None


def account_view(session: Session, account: BankAccount, *, full: bool) -> AccountView:
    number = reveal(session, BANK_ACCOUNT_NO, account.employee_id, account.account_no)
    return AccountView(account.bank_name, number if full else mask(number), account.account_name)


def save_bank_account(
    session: Session, employee: Employee, bank_name: str, account_no: str, account_name: str, actor: str
) -> BankAccount:
    """Create or replace `employee`'s account (audited with the old and new values, the numbers masked)."""
    account = session.get(BankAccount, employee.id)
    before = (
        None if account is None else {"employee": employee.code, **vars(account_view(session, account, full=False))}
    )
    if account is None:
        account = BankAccount(employee_id=employee.id)
        session.add(account)
    account.bank_name, account.account_name = bank_name, account_name
    account.account_no = seal_for(session, BANK_ACCOUNT_NO, employee.id, account_no)
    session.flush()
    after: dict[str, object] = {"employee": employee.code, **vars(account_view(session, account, full=False))}
    after["digest"] = bank_account_digest(keys_of(session).audit_key, account)
    append_audit(session, actor, BANK_ACCOUNT_ACTION, f"employee:{employee.code}", before, after)
    return account
