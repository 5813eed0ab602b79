"""Each refusal of a resignation says what and how to fix: submitting into a locked month, for an employee with a
last day already, beside another open resignation; HR's termination reason refused; a handover item un-ticked."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.people import approvals, requests, resignations
from gateway.people.request_rules import RequestError
from gateway.people.requests import NewRequest
from gateway.store import RUN_LOCKED, Employee, PayRun, StaffRequest

TODAY = date(2026, 7, 10)
HR = approvals.Decider("hr:user:li.na", "hr", None)


def _resign(last_day: date, reason: str = "回老家发展") -> NewRequest:
    at = datetime(last_day.year, last_day.month, last_day.day)
    return NewRequest("resignation", at, at, reason)


def _e001(session: Session) -> Employee:
    return session.scalars(select(Employee).where(Employee.code == "E001")).one()


def _refusal(factory: sessionmaker[Session], work) -> str:  # type: ignore[no-untyped-def]
    with factory() as session, pytest.raises(RequestError) as refused:
        work(session)
    return str(refused.value)


def test_a_last_day_in_a_locked_month_is_refused(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        session.add(PayRun(period="2026-07", scope="all", status=RUN_LOCKED, created_at=datetime(2026, 8, 1),
                           created_by="test"))  # fmt: skip
    message = _refusal(factory, lambda s: requests.submit(s, "test", _e001(s), _resign(date(2026, 7, 20)), TODAY))
    assert message == (
        "2026-07 is already paid in locked pay run 1: a request for a locked month cannot change it; ask HR to "
        "correct it in a later month's run"
    )


def test_an_employee_with_a_last_day_cannot_resign_again(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        _e001(session).left_on = date(2026, 7, 31)
    message = _refusal(factory, lambda s: requests.submit(s, "test", _e001(s), _resign(date(2026, 8, 20)), TODAY))
    assert message == "employee E001 already has a last day (2026-07-31): nothing to resign"


def test_a_second_open_resignation_is_refused_until_the_first_is_withdrawn(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        first = requests.submit(session, "test", _e001(session), _resign(date(2026, 7, 20)), TODAY).id
    message = _refusal(factory, lambda s: requests.submit(s, "test", _e001(s), _resign(date(2026, 7, 31)), TODAY))
    assert message == f"resignation request {first} is already open for E001: withdraw it first"


@pytest.fixture
def pending(factory: sessionmaker[Session]) -> int:
    with factory() as session, session.begin():
        return requests.submit(session, "test", _e001(session), _resign(date(2026, 7, 20)), TODAY).id


def _mark(factory: sessionmaker[Session], request_id: int, code: str, base: int | None = None) -> str:
    def work(session: Session) -> None:
        resignations.set_termination(session, "test", session.get_one(StaffRequest, request_id), code, base)

    return _refusal(factory, work)


def test_set_termination_refusals(factory: sessionmaker[Session], pending: int) -> None:
    assert _mark(factory, pending, "fired") == (
        "unknown termination reason 'fired': use one of resignation, mutual_by_employee, mutual_by_employer, "
        "employer_fault, no_fault_dismissal, redundancy, contract_expiry, contract_expiry_declined, closure, "
        "misconduct, retirement"
    )
    assert _mark(factory, pending, "resignation", 1_200_000) == (
        "resignation (员工辞职) owes no severance (劳动合同法第37条; 无经济补偿): leave severance_base_fen out"
    )
    assert _mark(factory, pending, "redundancy", 1_200_000) == (
        f"request {pending} is not approved yet: mark the reason now, and give severance_base_fen once HR has "
        "approved it (the month's pay inputs are set then)"
    )


def test_set_termination_of_a_withdrawn_request_and_of_a_locked_month(
    factory: sessionmaker[Session], pending: int
) -> None:
    with factory() as session, session.begin():
        session.get_one(StaffRequest, pending).status = "withdrawn"
    assert _mark(factory, pending, "redundancy") == f"request {pending} is withdrawn: there is no resignation to mark"
    with factory() as session, session.begin():
        session.get_one(StaffRequest, pending).status = "pending"
        session.add(PayRun(period="2026-07", scope="all", status=RUN_LOCKED, created_at=datetime(2026, 8, 1),
                           created_by="test"))  # fmt: skip
    assert _mark(factory, pending, "redundancy") == (
        "2026-07 is already paid in locked pay run 1: the final settlement of a last day in that month cannot "
        "change any more; pay a correction in a later month's run"
    )


def test_an_item_ticked_then_unticked_is_open_again(factory: sessionmaker[Session], pending: int) -> None:
    with factory() as session, session.begin():
        approvals.decide(session, HR, pending, True, "")
        approvals.decide(session, HR, pending, True, "")
    with factory() as session, session.begin():
        row = session.get_one(StaffRequest, pending)
        done = resignations.tick(session, "hr:user:li.na", row, 1, True)
        assert (done.item, done.done_by, done.done_at is not None) == ("归还工牌/门禁卡", "hr:user:li.na", True)
    with factory() as session, session.begin():
        row = session.get_one(StaffRequest, pending)
        undone = resignations.tick(session, "hr:user:wang", row, 1, False)
        assert (undone.done_by, undone.done_at) == (None, None)
    message = _refusal(factory, lambda s: resignations.tick(s, "test", s.get_one(StaffRequest, pending), 99, True))
    assert message == f"request {pending} has no handover item 99: the checklist is created on the final approval"
