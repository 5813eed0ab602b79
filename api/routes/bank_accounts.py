"""An employee's bank account, where the bank transfer file sends the net pay (one account per employee).

The account number is stored sealed (`gateway.access.vault`); `admin` and `hr` read it in full, a
viewer and the employee themself masked (`**** 6890`). The audit log records the masked number only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import EVERYONE, WRITERS, ensure_visible, require, sees_full_numbers
from api.db import read, write
from api.errors import NotFound
from api.routes.employees import find_employee
from api.schemas import Name
from gateway.access.audit import append_audit
from gateway.access.integrity import BANK_ACCOUNT_ACTION, bank_account_digest
from gateway.access.keys import keys_of
from gateway.access.tokens import Principal
from gateway.access.vault import BANK_ACCOUNT_NO, mask, reveal, seal_for
from gateway.store import BankAccount

router = APIRouter(prefix="/employees/{code}/bank-account", tags=["employees"])


class BankAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bank_name: Name = Field(examples=["ICBC Shanghai Pudong branch"])
    account_no: str = Field(pattern=r"^\d{8,32}$", description="digits only", examples=["6222020200012345678"])
    account_name: Name = Field(description="the holder's name as the bank has it")


class BankAccountOut(BaseModel):
    employee: str
    bank_name: str
    account_no: str = Field(
        description="in full for admin and hr; masked for a viewer or the employee", examples=["**** 5678"]
    )
    account_name: str


def _out(session: Session, code: str, account: BankAccount, *, full: bool) -> BankAccountOut:
    number = reveal(session, BANK_ACCOUNT_NO, account.employee_id, account.account_no)
    return BankAccountOut(
        employee=code,
        bank_name=account.bank_name,
        account_no=number if full else mask(number),
        account_name=account.account_name,
    )


@router.get("")
def show_bank_account(request: Request, code: str, who: Annotated[Principal, require(*EVERYONE)]) -> BankAccountOut:
    """An employee token sees only its own account (404 for anyone else's), masked like a viewer's."""
    with read(request) as session:
        employee = find_employee(session, code)
        ensure_visible(who, employee.id, f"employee {code!r}")
        account = session.get(BankAccount, employee.id)
        if account is None:
            raise NotFound(f"employee {code!r} has no bank account yet: PUT one to this URL")
        return _out(session, code, account, full=sees_full_numbers(who))


@router.put("")
def set_bank_account(
    request: Request, code: str, body: BankAccountIn, who: Annotated[Principal, require(*WRITERS)]
) -> BankAccountOut:
    """Create or replace the account (audited with the old and new values, the numbers masked)."""

    def work(session: Session) -> BankAccountOut:
        employee = find_employee(session, code)
        account = session.get(BankAccount, employee.id)
        before = None if account is None else _out(session, code, account, full=False).model_dump()
        if account is None:
            account = BankAccount(employee_id=employee.id)
            session.add(account)
        account.bank_name, account.account_name = body.bank_name, body.account_name
        account.account_no = seal_for(session, BANK_ACCOUNT_NO, employee.id, body.account_no)
        session.flush()
        after = _out(session, code, account, full=False).model_dump()
        # The digest lets `audit verify` tell this row from one edited in the database behind our back.
        after["digest"] = bank_account_digest(keys_of(session).audit_key, account)
        append_audit(session, who.actor, BANK_ACCOUNT_ACTION, f"employee:{code}", before, after)
        return _out(session, code, account, full=True)

    return write(request, work)
