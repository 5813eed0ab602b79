"""A pay run's per-employee queries with more employees than a statement may bind parameters (issue 13).

70,000 employees are bulk-inserted (one executemany, no punches but one employee's), so the test costs seconds;
SQLite's own limit is lowered to PostgreSQL's 65,535 so both dialects refuse one parameter per employee.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay import id_chunks
from gateway.pay.attendance import month_attendance, parse_period
from gateway.pay.payrun import _month_columns, _pieces, _year_to_date, create_payrun
from gateway.store import Employee, Office, Punch, PunchCorrection
from payroll_core.pay import BONUS_METHODS

EMPLOYEES = 70_000  # more than the 65,535 parameters psycopg binds in one statement


@pytest.fixture
def limited(engine: Engine, factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """`factory`, with SQLite binding at most 65,535 parameters per statement like psycopg."""
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 65_535)

        engine.dispose()
    return factory


def _seed(factory: sessionmaker[Session], count: int) -> int:
    """`count` monthly employees at one Shanghai office; the last one punches 09:00-18:00 on 2 March 2026 and
    HR adds the 18:00 punch a second time by a correction. Returns the office id."""
    with factory() as s, s.begin():
        office = Office(name="Plant", timezone="Asia/Shanghai", city="shanghai", shift_rule="shanghai/office")
        s.add(office)
        s.flush()
        s.execute(
            insert(Employee),
            [
                {"code": f"E{n:06d}", "name": f"Worker {n}", "office_id": office.id, "monthly_salary_fen": 500_000}
                for n in range(count)
            ],
        )
        last = s.scalars(select(Employee.id).order_by(Employee.code.desc()).limit(1)).one()
        for hour in (9, 18):
            utc = dt.datetime(2026, 3, 2, hour - 8)
            s.add(Punch(device_sn="SN1", pin="1", ts_local=utc, ts_utc=utc, source="test", received_at=utc,
                        employee_id=last))  # fmt: skip
        s.flush()
        s.add(PunchCorrection(employee_id=last, action="add", ts_utc=dt.datetime(2026, 3, 2, 10),
                              reason="test", created_by="hr", created_at=utc))  # fmt: skip
        return office.id


def test_pay_run_queries_bind_no_parameter_per_employee(limited: sessionmaker[Session]) -> None:
    office_id = _seed(limited, EMPLOYEES)
    with limited() as s, s.begin():
        office = s.get_one(Office, office_id)
        attendance = month_attendance(s, parse_period("2026-03"), office)
        employees = attendance.employees
        assert len(employees) == EMPLOYEES
        worked = attendance.summary["worked_minutes"]
        assert worked[-1] == 480 and int(worked[:-1].sum()) == 0
        run = create_payrun(s, "2026-03", "Plant", "hr")
        ids = [e.id for e in employees]
        assert _year_to_date(s, run, ids, [None] * len(ids)) == {}  # the entity filter's records query too
        months = _month_columns(s, run, employees)
        assert {name: (len(column), set(column.tolist())) for name, column in months.items()} == {
            **{name: (EMPLOYEES, {0}) for name in months},
            "bonus_method": (EMPLOYEES, {BONUS_METHODS["recommended"]}),
        }
        pieces = _pieces(s, "2026-03", employees)
        assert pieces.offsets.tolist() == [0] * (EMPLOYEES + 1)


def test_chunks_keep_the_order_of_one_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 2 ids: concatenated in chunk order, or merged by the query's sort key into one statement's order."""
    monkeypatch.setattr(id_chunks, "ID_CHUNK", 2)
    ids = [5, 1, 4, 2, 3]
    assert list(id_chunks.by_id_chunks(ids, sorted)) == [1, 5, 2, 4, 3]
    assert list(id_chunks.by_id_chunks(ids, sorted, order=lambda n: n)) == [1, 2, 3, 4, 5]
