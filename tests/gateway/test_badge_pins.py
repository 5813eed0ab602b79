"""A company-wide badge number belongs to one employee (migration 0028's partial UNIQUE index): the database refuses
a second one, a database already holding duplicates is refused by the upgrade with them named, and two onboarding
approvals picking the office's next number at the same moment (two threads on PostgreSQL) end with two numbers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.keys import KeyRing
from gateway.people import badges, onboarding
from gateway.store import Badge, Employee, Office, make_engine, session_factory, upgrade


def _office_with(factory: sessionmaker[Session], codes: list[str]) -> int:
    with factory() as session, session.begin():
        office = Office(name="Shanghai HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=60,
                        shift_rule="standard")  # fmt: skip
        session.add(office)
        session.flush()
        for code in codes:
            session.add(Employee(code=code, name=f"Worker {code}", office_id=office.id, pay_basis="monthly",
                                 monthly_salary_fen=600_000, special_deductions_fen=0))  # fmt: skip
        return office.id


def test_a_second_company_wide_badge_with_one_number_is_refused(factory: sessionmaker[Session]) -> None:
    _office_with(factory, ["E001", "E002"])
    with factory() as session, session.begin():
        ids = dict(session.execute(select(Employee.code, Employee.id)).all())
        session.add(Badge(pin="1001", employee_id=ids["E001"], device_sn=None))
    with pytest.raises(IntegrityError), factory() as session, session.begin():
        session.add(Badge(pin="1001", employee_id=ids["E002"], device_sn=None))


def test_the_upgrade_refuses_a_database_with_duplicate_company_wide_badges(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0023")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO offices (id, name, timezone, city, double_punch_window_s, shift_rule) "
                                "VALUES (1, 'Shanghai HQ', 'Asia/Shanghai', 'shanghai', 60, 'standard')"))  # fmt: skip
        for employee_id, code in ((1, "E001"), (2, "E002"), (3, "E003")):
            connection.execute(text("INSERT INTO employees (id, code, name, office_id, pay_basis, "
                                    "special_deductions_fen) VALUES (:id, :code, :code, 1, 'monthly', 0)"),
                               {"id": employee_id, "code": code})  # fmt: skip
        for employee_id, pin in ((1, "1001"), (2, "1001"), (3, "1003")):
            connection.execute(text("INSERT INTO badges (pin, employee_id, device_sn) VALUES (:pin, :e, NULL)"),
                               {"pin": pin, "e": employee_id})  # fmt: skip
    engine.dispose()
    with pytest.raises(RuntimeError) as refused:
        upgrade(url)
    assert str(refused.value) == (
        "company-wide badge numbers held by more than one employee (pin 1001: employees E001, E002): a punch on such "
        "a badge cannot be told apart. Remove all but one badge of each number (punchclock's employee screen or "
        "DELETE /api/v1/employees/{code}/badges/{id}), then upgrade again; nothing was changed"
    )


def test_two_approvals_at_one_moment_give_two_badge_numbers(
    pg_empty_url: str, test_keys: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(pg_empty_url)
    factory = session_factory(engine, keys=test_keys)
    office_id = _office_with(factory, ["E001", "E002"])
    picked = threading.Barrier(2, timeout=20)
    next_pin = onboarding._next_pin
    first_pick: set[int] = set()

    def racing_next_pin(session: Session, office: int, start: int) -> str:
        """Both threads pick before either inserts: the race the index stops."""
        pin = next_pin(session, office, start)
        if threading.get_ident() not in first_pick:
            first_pick.add(threading.get_ident())
            picked.wait()
        return pin

    results: dict[str, str] = {}
    failures: list[BaseException] = []

    def approve(code: str) -> None:
        try:
            with factory() as session, session.begin():
                employee = session.scalars(select(Employee).where(Employee.code == code)).one()
                results[code] = onboarding.company_badge(session, employee, office_id, None, 1001, "hr:test")
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    monkeypatch.setattr(onboarding, "_next_pin", racing_next_pin)
    # The audit chain's UNIQUE head also serializes two writers (the API retries the loser's whole transaction);
    # without its row the badge's own index is what stands between the two.
    monkeypatch.setattr(badges, "append_audit", lambda *args: None)
    threads = [threading.Thread(target=approve, args=(code,)) for code in ("E001", "E002")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sorted(results.values()) == ["1001", "1002"]
    with factory() as session:
        stored = session.execute(select(Employee.code, Badge.pin).join(Badge, Badge.employee_id == Employee.id))
        assert sorted(stored.all()) == sorted(results.items())
    engine.dispose()
