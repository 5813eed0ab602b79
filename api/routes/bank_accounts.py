"""An employee's bank account, where the bank transfer file sends the net pay (one account per employee)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import EVERYONE, WRITERS, ensure_visible, require
from api.db import read, write
from api.errors import NotFound
from api.routes.employees import find_employee
from api.schemas import Name
from gateway.access.audit import append_audit
from gateway.access.tokens import Principal
from gateway.store import BankAccount

router = APIRouter(prefix="/employees/{code}/bank-account", tags=["employees"])


class BankAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bank_name: Name = Field(examples=["ICBC Shanghai Pudong branch"])
    account_no: str = Field(pattern=r"^\d{8,32}$", description="digits only", examples=["6222020200012345678"])
    account_name: Name = Field(description="the holder's name as the bank has it")


class BankAccountOut(BankAccountIn):
    employee: str


def _out(code: str, account: BankAccount) -> BankAccountOut:
    return BankAccountOut(
        employee=code, bank_name=account.bank_name, account_no=account.account_no, account_name=account.account_name
    )


@router.get("")
def show_bank_account(request: Request, code: str, who: Annotated[Principal, require(*EVERYONE)]) -> BankAccountOut:
    """An employee token sees only its own account (404 for anyone else's)."""
    with read(request) as session:
        employee = find_employee(session, code)
        ensure_visible(who, employee.id, f"employee {code!r}")
        account = session.get(BankAccount, employee.id)
        if account is None:
            raise NotFound(f"employee {code!r} has no bank account yet: PUT one to this URL")
        return _out(code, account)


@router.put("")
def set_bank_account(
    request: Request, code: str, body: BankAccountIn, who: Annotated[Principal, require(*WRITERS)]
) -> BankAccountOut:
    """Create or replace the account (audited with the old and new values)."""

    def work(session: Session) -> BankAccountOut:
        employee = find_employee(session, code)
        account = session.get(BankAccount, employee.id)
        before = None if account is None else _out(code, account).model_dump()
        if account is None:
            account = BankAccount(employee_id=employee.id)
            session.add(account)
        account.bank_name, account.account_no, account.account_name = body.bank_name, body.account_no, body.account_name
        session.flush()
        after = _out(code, account)
        append_audit(session, who.actor, "employee.bank_account", f"employee:{code}", before, after.model_dump())
        return after

    return write(request, work)
