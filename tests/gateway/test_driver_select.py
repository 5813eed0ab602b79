"""`DriverSelect` gives the rows `session.execute` gives, on SQLite and PostgreSQL, inside the session's transaction.

The hot routes read through it (the token, a payslip, a page of payslips, an employee's id), so a difference in a
value's type (SQLite's stored text where SQLAlchemy loads a `datetime`), in a parameter's form (a `datetime` compared
with SQLite's text) or in what the statement sees would be a wrong answer there, not just a slower one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, bindparam, false, select
from sqlalchemy.orm import Session

from gateway.store import DriverSelect, Employee, Office, Punch, joined_select, make_engine, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'driver.sqlite'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("pg_empty_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _punch(employee: Employee, at: datetime, double_tap: bool = False) -> Punch:
    return Punch(
        device_sn="SN1", pin=employee.code, ts_local=at, ts_utc=at, source="test", received_at=at,
        employee_id=employee.id, is_double_tap=double_tap,
    )  # fmt: skip


def _fill(session: Session) -> None:
    office = Office(name="上海", timezone="Asia/Shanghai", city="shanghai")
    session.add(office)
    session.flush()
    ana = Employee(code="E1", name="王芳", office_id=office.id, left_on=date(2026, 3, 31))
    bo = Employee(code="E2", name="李强", office_id=office.id)
    session.add_all([ana, bo])
    session.flush()
    session.add_all(
        [
            _punch(ana, datetime(2026, 3, 2, 0, 59, 30)),
            _punch(ana, datetime(2026, 3, 2, 1, 0), double_tap=True),
            _punch(ana, datetime(2026, 3, 2, 10, 1, 0, 250_000)),
            _punch(bo, datetime(2026, 3, 3, 1, 0)),
        ]
    )
    session.flush()  # not committed: the driver's statements must see the session's own writes


_PUNCHES = (
    select(Punch.id, Punch.ts_utc, Punch.is_double_tap, Employee.code, Employee.left_on, Office.timezone)
    .join(Employee, Punch.employee_id == Employee.id)
    .join(Office, Employee.office_id == Office.id)
    .where(Punch.ts_utc >= bindparam("start"), Punch.ts_utc < bindparam("end"), Employee.code != "E9")
    .order_by(Punch.ts_utc, Punch.id)
)


def test_rows_values_and_types_are_the_ones_sqlalchemy_loads(engine: Engine) -> None:
    with Session(engine) as session:
        _fill(session)
        params = {"start": datetime(2026, 3, 2, 1, 0), "end": datetime(2026, 3, 3, 1, 0)}
        expected = [tuple(row) for row in session.execute(_PUNCHES, params)]
        rows = DriverSelect(_PUNCHES).all(session, params)
        assert rows == expected
        assert [row.ts_utc for row in rows] == [datetime(2026, 3, 2, 1, 0), datetime(2026, 3, 2, 10, 1, 0, 250_000)]
        assert [type(value) for value in rows[0]] == [int, datetime, bool, str, date, str]
        assert rows[0].is_double_tap is True and rows[1].is_double_tap is False
        assert rows[0].left_on == date(2026, 3, 31) and rows[0].code == "E1"


def test_first_takes_named_parameters_even_where_one_is_used_twice(engine: Engine) -> None:
    twice = select(Employee.code).where(
        (Employee.code == bindparam("code")) | (Employee.name == bindparam("code")), Employee.part_time == false()
    )
    with Session(engine) as session:
        _fill(session)
        selected = DriverSelect(twice)
        assert selected.first(session, {"code": "李强"}) == ("E2",)
        assert selected.first(session, {"code": "E1"}).code == "E1"
        assert selected.first(session, {"code": "E404"}) is None


def test_an_expanding_in_list_is_refused_rather_than_compiled_once(engine: Engine) -> None:
    with Session(engine) as session:
        selected = DriverSelect(select(Employee.id).where(Employee.code.in_(["E1", "E2"])))
        with pytest.raises(TypeError, match="expanding IN"):
            selected.all(session, {})


_OFFICE = DriverSelect(select(Office.id, Office.name, Office.timezone).where(Office.name == bindparam("office")))
_PAGE = DriverSelect(  # newest first, two at a time: the LIMIT must hold inside the join, the order outside it
    select(Punch.id, Punch.ts_utc, Punch.is_double_tap, Employee.code)
    .join(Employee, Punch.employee_id == Employee.id)
    .where(Punch.ts_utc < bindparam("before"))
    .limit(bindparam("limit")),
    (Punch.ts_utc.desc(), Punch.id.desc()),
)


def test_a_joined_select_gives_each_row_beside_the_callers_as_the_two_selects_give_them(engine: Engine) -> None:
    joined = joined_select(_OFFICE, _PAGE)
    assert joined_select(_OFFICE, _PAGE) is joined  # compiled once per pair
    with Session(engine) as session:
        _fill(session)
        for before, limit in ((datetime(2026, 3, 4), 2), (datetime(2026, 3, 4), 9), (datetime(2026, 3, 2, 1), 2)):
            params = {"office": "上海", "before": before, "limit": limit}
            office, page = _OFFICE.first(session, params), _PAGE.all(session, params)
            rows = joined.all(session, params)
            assert rows == [(office, row) for row in page]  # the `id`s of both kept apart
            assert [type(value) for value in rows[0][1]] == [int, datetime, bool, str]
            assert rows[0][0].name == "上海" and rows[0][1].code in {"E1", "E2"}
        assert [row.ts_utc for _office, row in rows] == [datetime(2026, 3, 2, 0, 59, 30)]
        nothing_before = {"office": "上海", "before": datetime(2026, 3, 1), "limit": 2}
        assert joined.all(session, nothing_before) == [(_OFFICE.first(session, nothing_before), None)]
        assert joined.all(session, {**nothing_before, "office": "北京"}) == []  # no caller: no row at all
