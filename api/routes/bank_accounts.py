"""An employee's bank account, where the bank transfer file sends the net pay (one account per employee).

The account number is stored sealed (`gateway.access.vault`); `admin` and `hr` read it in full, a
viewer and the employee themself masked (`**** 6890`). The audit log records the masked number only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.auth import EVERYONE, WRITERS, ensure_visible, require, sees_full_numbers
from api.db import read, write
from api.errors import NotFound
from api.routes.employees import find_employee
from api.routing import ApiRouter
from api.schemas import Name
from gateway.access.tokens import Principal
from gateway.people.bank_accounts import ACCOUNT_NO_PATTERN, account_view, save_bank_account
from gateway.store import BankAccount

router = ApiRouter(prefix="/employees/{code}/bank-account", tags=["employees"])


class BankAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bank_name: Name = Field(examples=["ICBC Shanghai Pudong branch"])
    account_no: str = Field(pattern=ACCOUNT_NO_PATTERN, description="digits only", examples=["6222020200012345678"])
    account_name: Name = Field(description="the holder's name as the bank has it")


class BankAccountOut(BaseModel):
    employee: str
    bank_name: str
    account_no: str = Field(
        description="in full for admin and hr; masked for a viewer or the employee", examples=["**** 5678"]
    )
    account_name: str


def _out(session: Session, code: str, account: BankAccount, *, full: bool) -> BankAccountOut:
    view = account_view(session, account, full=full)
    return BankAccountOut(
        employee=code, bank_name=view.bank_name, account_no=view.account_no, account_name=view.account_name
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
        account = save_bank_account(session, employee, body.bank_name, body.account_no, body.account_name, who.actor)
        return _out(session, code, account, full=True)

    return write(request, work)
