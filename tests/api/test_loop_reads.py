"""The payslip and punch listings answer on the event loop (`api.loop_reads`) exactly as on the thread pool, and hand
a request to the thread pool whenever the loop cannot answer it alone: a draft to build, a login's `last_seen_at`
to write, a lapsed login to end, a PostgreSQL connection that broke, a SQLite database that is locked.

Which path answered is seen by counting the route's thread-pool calls; what it answered is compared with the
thread pool's answer to the same request (the loop path switched off).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

import api.routes.payslips as payslips_route
import api.routes.punches as punches_route
from api.loop_reads import LOOP_APPLICATION_NAME, OffLoop, reader_for
from gateway.access.logins import OPEN_SESSION, open_session
from gateway.access.tokens import TOKEN_ROW, issue_token, revoke_token
from gateway.access.users import create_user
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import run_payroll
from gateway.store import ApiToken, Employee, LoginSession, Payslip, User, joined_select, utcnow

ROUTES = (payslips_route, punches_route)


@pytest.fixture
def pool_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions the payslip and punch routes ran in the thread pool, in order."""
    calls: list[str] = []
    real = payslips_route.run_in_threadpool

    async def counted(function: Callable[..., Any], *args: Any) -> Any:
        calls.append(function.__name__)
        return await real(function, *args)

    for route in ROUTES:
        monkeypatch.setattr(route, "run_in_threadpool", counted)
    return calls


@pytest.fixture
def slips(factory: sessionmaker[Session]) -> dict[str, int]:
    """March 2026 locked at Shanghai HQ (E001's payslip, its document stored at lock); April's computed, a draft."""
    full_month(factory)
    with factory() as session, session.begin():
        run_payroll(session, PERIOD, SCOPE, "test", lock=True, acknowledge=list(WARNING_CODES))
    with factory() as session, session.begin():
        run_payroll(session, "2026-04", SCOPE, "test")
    with factory() as session:
        rows = session.execute(select(Payslip.id, Payslip.payrun_id).join(Employee).where(Employee.code == "E001"))
        march, april = sorted(rows, key=lambda row: row.payrun_id)
        return {"march": march.id, "april": april.id}


def _off_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    @asynccontextmanager
    async def never(_request: object) -> AsyncIterator[None]:
        raise OffLoop
        yield

    for route in ROUTES:
        monkeypatch.setattr(route, "loop_reads", never)


def _answers(client: TestClient, requests: list[tuple[str, dict[str, str]]]) -> list[tuple[int, bytes]]:
    return [(answer.status_code, answer.content) for answer in (client.get(p, headers=h) for p, h in requests)]


def test_a_token_is_answered_on_the_loop_as_on_the_pool(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, secrets: dict[str, str], slips: dict[str, int], factory, pool_calls, monkeypatch
) -> None:
    with factory() as session, session.begin():
        _row, other = issue_token(session, "zhang-wei", "employee", "E002", "test")
        revoked, revoked_secret = issue_token(session, "old-token", "hr", None, "test")
        revoke_token(session, revoked, "test")
        _row, expired = issue_token(session, "expired", "hr", None, "test")
        session.execute(update(ApiToken).where(ApiToken.name == "expired").values(expires_at=datetime(2026, 1, 1)))
    march = slips["march"]
    requests = [
        (f"/api/v1/payslips/{march}", as_role("hr")),
        (f"/api/v1/payslips/{march}", as_role("employee")),  # E001's own, locked
        (f"/api/v1/payslips/{march}", {"Authorization": f"Bearer {other}"}),  # E002: not theirs, 404
        ("/api/v1/payslips/999999", as_role("hr")),
        ("/api/v1/payslips", as_role("employee")),
        (f"/api/v1/payslips?period={PERIOD}", as_role("viewer")),
        (f"/api/v1/payslips/{march}", {"Authorization": f"Bearer {revoked_secret}"}),
        (f"/api/v1/payslips/{march}", {"Authorization": f"Bearer {expired}"}),
        (f"/api/v1/payslips/{march}", {"Authorization": f"Bearer {secrets['hr'][:-4]}AAAA"}),
        (f"/api/v1/payslips/{march}", {}),
    ]
    on_loop = _answers(client, requests)
    assert pool_calls == []
    assert [status for status, _body in on_loop] == [200, 200, 404, 404, 200, 200, 401, 401, 401, 401]
    assert on_loop[2][1] == client.get("/api/v1/payslips/999998", headers=as_role("employee")).content.replace(
        b"999998", str(march).encode()
    )  # another's payslip reads as one that does not exist
    assert b"expired at 2026-01-01T00:00:00+00:00" in on_loop[7][1]
    _off_loop(monkeypatch)
    assert _answers(client, requests) == on_loop
    assert (
        pool_calls == ["_show_payslip"] * 4 + ["_list_payslips"] * 2 + ["_show_payslip"] * 3
    )  # the last: no 401 there


def test_the_punch_listings_are_answered_on_the_loop_as_on_the_pool(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, slips: dict[str, int], pool_calls, monkeypatch
) -> None:
    march = "start=2026-03-01T00:00:00%2B08:00&end=2026-04-01T00:00:00%2B08:00"
    first_page = client.get(f"/api/v1/punches?{march}&limit=5", headers=as_role("hr"))
    cursor = first_page.json()["next_cursor"]
    requests = [
        (f"/api/v1/punches?{march}", as_role("employee")),  # E001's own month
        (f"/api/v1/punches?{march}&employee=E001&limit=7", as_role("hr")),
        (f"/api/v1/punches?{march}&limit=5&cursor={cursor}", as_role("hr")),
        ("/api/v1/punches?office=Shanghai%20HQ&limit=3", as_role("viewer")),
        ("/api/v1/punches?device=SH0001&limit=3", as_role("hr")),
        ("/api/v1/punches?office=Atlantis", as_role("hr")),  # 404, no such office
        ("/api/v1/punches?employee=E002", as_role("employee")),  # 404, not theirs
        ("/api/v1/punches?employee=E404", as_role("hr")),  # 404, no such employee
    ]
    on_loop = _answers(client, requests)
    assert pool_calls == []
    assert [status for status, _body in on_loop] == [200] * 5 + [404] * 3
    own = orjson.loads(on_loop[0][1])["items"]
    assert len(own) == 1 + 42 and {item["employee"] for item in own} == {"E001"}  # the seed's, 21 days in and out
    last_of_first = first_page.json()["items"][-1]
    after = orjson.loads(on_loop[2][1])["items"][0]
    assert (after["ts_utc"], after["id"]) > (last_of_first["ts_utc"], last_of_first["id"])  # the next page
    _off_loop(monkeypatch)
    assert _answers(client, requests) == on_loop
    assert pool_calls == ["_list_punches"] * len(requests)


def test_a_draft_is_answered_on_the_loop_and_one_whose_lines_are_rows_on_the_pool(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, slips: dict[str, int], pool_calls, factory, lines_as_rows
) -> None:
    draft = client.get(f"/api/v1/payslips/{slips['april']}", headers=as_role("hr"))
    assert (draft.status_code, draft.json()["period"], draft.json()["status"]) == (200, "2026-04", "computed")
    listed = client.get("/api/v1/payslips", headers=as_role("hr"))
    assert [item["period"] for item in listed.json()["items"]][:1] == ["2026-04"]
    mine = client.get("/api/v1/payslips", headers=as_role("employee"))  # an employee sees locked ones only
    assert [item["period"] for item in mine.json()["items"]] == [PERIOD]
    assert pool_calls == []
    with factory() as session, session.begin():
        lines_as_rows(session, Payslip.id == slips["april"])  # as a run computed before migration 0040 has them
    assert client.get(f"/api/v1/payslips/{slips['april']}", headers=as_role("hr")).json() == draft.json()
    assert client.get("/api/v1/payslips", headers=as_role("hr")).json() == listed.json()
    assert pool_calls == ["_show_payslip", "_list_payslips"]


class _Recorded:
    """A request's `Reads`, noting each statement run."""

    def __init__(self, reads: Any, statements: list[object]) -> None:
        self._reads, self._statements = reads, statements

    async def first(self, statement: object, params: Any) -> Any:
        self._statements.append(statement)
        return await self._reads.first(statement, params)

    async def all(self, statement: object, params: Any) -> list[Any]:
        self._statements.append(statement)
        return await self._reads.all(statement, params)


@pytest.fixture
def statements(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The statements the loop's reads ran, in order."""
    reader = client.app.state.loop_reader  # type: ignore[attr-defined]
    real, ran = reader.reads, []

    @asynccontextmanager
    async def recorded() -> AsyncIterator[_Recorded]:
        async with real() as reads:
            yield _Recorded(reads, ran)

    monkeypatch.setattr(reader, "reads", recorded)
    return ran


def test_a_token_seen_before_is_read_with_the_payslip_in_one_statement(  # type: ignore[no-untyped-def]
    client: TestClient, slips: dict[str, int], factory, statements, pool_calls
) -> None:
    with factory() as session, session.begin():
        token, secret = issue_token(session, "payroll-desk", "hr", None, "test")
    path, hr = f"/api/v1/payslips/{slips['march']}", {"Authorization": f"Bearer {secret}"}
    first, second = client.get(path, headers=hr), client.get(path, headers=hr)
    assert (first.status_code, first.content) == (200, second.content)
    assert statements == [TOKEN_ROW, payslips_route._BY_ID, joined_select(TOKEN_ROW, payslips_route._BY_ID)]
    missing = client.get("/api/v1/payslips/999999", headers=hr)
    assert (missing.status_code, missing.json()["detail"]) == (404, "payslip 999999 does not exist")
    punches = "/api/v1/punches?start=2026-03-02T00:00:00%2B08:00&limit=3"
    page = client.get(punches, headers=hr).json()
    stamps = [punch["ts_utc"] for punch in page["items"]]
    assert len(stamps) == 3 and stamps == sorted(stamps) and page["next_cursor"] is not None
    given = frozenset({"start", "limit"})
    assert statements[4:] == [joined_select(TOKEN_ROW, punches_route._loop_page_statement(given))]
    del statements[4:]
    with factory() as session, session.begin():
        revoke_token(session, session.get_one(ApiToken, token.id), "test")
    revoked = client.get(path, headers=hr)  # its row, judged again in the joined statement
    assert (revoked.status_code, revoked.json()["detail"]) == (
        401,
        "the bearer token is unknown or revoked: check that it was copied whole, or ask an admin for a new one",
    )
    assert statements[3:] == [joined_select(TOKEN_ROW, payslips_route._BY_ID)] * 2 and pool_calls == []
    bad_cursor = client.get("/api/v1/payslips?cursor=nonsense", headers=hr)  # the caller is judged first here too
    assert (bad_cursor.status_code, bad_cursor.json()["detail"]) == (401, revoked.json()["detail"])


def test_a_login_given_another_role_is_answered_for_its_new_role(  # type: ignore[no-untyped-def]
    client: TestClient, slips: dict[str, int], cookie, factory, statements, pool_calls
) -> None:
    """What a process saw a login to be picks the select joined to it; the row read with it decides."""
    cookie(timedelta(seconds=10))
    own = [client.get("/api/v1/payslips").json()["items"] for _ in range(2)]
    assert own[0] == own[1] and [(item["employee"], item["period"]) for item in own[0]] == [("E001", PERIOD)]
    with factory() as session, session.begin():
        session.execute(update(User).where(User.username == "E001").values(role="hr", employee_id=None))
    everyone = client.get("/api/v1/payslips").json()["items"]
    assert [(item["period"], item["status"]) for item in everyone] == [("2026-04", "computed"), (PERIOD, "locked")]
    employee_page, hr_page = (
        payslips_route._page_statement(frozenset(given)) for given in ({"limit", "employee_id"}, {"limit"})
    )
    assert statements == [
        OPEN_SESSION, employee_page, joined_select(OPEN_SESSION, employee_page),
        joined_select(OPEN_SESSION, employee_page), hr_page,
    ]  # fmt: skip
    assert pool_calls == []  # April's draft too is made from its row


@pytest.fixture
def cookie(client: TestClient, factory: sessionmaker[Session]) -> Callable[[timedelta], int]:
    """`cookie(idle)` logs the client in as E001's user, its session last seen `idle` ago; the session's id."""

    with factory() as session, session.begin():
        employee = session.scalar(select(Employee).where(Employee.code == "E001"))
        user_id = create_user(session, "test", "E001", "王芳", "employee", None, employee=employee).id

    def logged_in(idle: timedelta) -> int:
        with factory() as session, session.begin():
            opened = open_session(session, session.get_one(User, user_id), now=utcnow() - idle)
            session.execute(
                update(LoginSession)
                .where(LoginSession.id == opened.row.id)
                .values(expires_at=utcnow() + timedelta(hours=1))
            )
        client.cookies.set("pc_session", opened.secret)
        return opened.row.id

    return logged_in


def _last_seen(factory: sessionmaker[Session], login: int) -> tuple[datetime, datetime | None]:
    with factory() as session:
        row = session.execute(
            select(LoginSession.last_seen_at, LoginSession.ended_at).where(LoginSession.id == login)
        ).one()
        return row.last_seen_at, row.ended_at


def test_a_login_is_answered_on_the_loop_until_a_write_is_due(  # type: ignore[no-untyped-def]
    client: TestClient, slips: dict[str, int], cookie, factory, pool_calls
) -> None:
    path = f"/api/v1/payslips/{slips['march']}"
    fresh = cookie(timedelta(seconds=10))
    seen = _last_seen(factory, fresh)
    assert client.get(path).status_code == 200
    assert (pool_calls, _last_seen(factory, fresh)) == ([], seen)  # read on the loop; nothing written
    due = cookie(timedelta(minutes=5))
    assert client.get(path).status_code == 200
    assert pool_calls == ["_show_payslip"]
    assert utcnow() - _last_seen(factory, due)[0] < timedelta(minutes=1)  # touched by the pool's path
    lapsed = cookie(timedelta(hours=3))
    ended = client.get(path)
    assert (ended.status_code, ended.json()["detail"]) == (
        401,
        "your session ended after 2 hours without activity: log in again",
    )
    assert pool_calls == ["_show_payslip"] * 2 and _last_seen(factory, lapsed)[1] is not None
    again = client.get(path)  # ended now: refused on the loop, with the logout's wording
    assert (again.status_code, again.json()["detail"]) == (401, "you were logged out: log in again")
    assert pool_calls == ["_show_payslip"] * 2


def test_a_locked_sqlite_database_sends_the_read_to_the_pool(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, slips: dict[str, int], db_url: str, pool_calls
) -> None:
    """A WAL reader is refused at once only in moments a test cannot hold open (a connection in exclusive locking
    mode, the last one closing, a recovery), so the loop's connection is made to answer as SQLite then does."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's locking")
    reader = client.app.state.loop_reader  # type: ignore[attr-defined]

    class Locked:
        def execute(self, *_args: object) -> None:
            raise sqlite3.OperationalError("database is locked")

    real, reader._connection = reader._connection, Locked()
    answer = client.get(f"/api/v1/payslips/{slips['march']}", headers=as_role("hr"))
    assert (answer.status_code, answer.json()["period"]) == (200, PERIOD)
    assert pool_calls == ["_show_payslip"]
    reader._connection = real
    assert client.get(f"/api/v1/payslips/{slips['march']}", headers=as_role("hr")).content == answer.content
    assert pool_calls == ["_show_payslip"]


@pytest.mark.postgres
def test_a_broken_postgresql_connection_sends_the_read_to_the_pool(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, slips: dict[str, int], db_url: str, factory, pool_calls
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections")
    path = f"/api/v1/payslips/{slips['march']}"
    first = client.get(path, headers=as_role("hr"))
    assert (first.status_code, pool_calls) == (200, [])
    with factory() as session, session.begin():  # the loop's connections go, as in a server restart
        ended = session.scalars(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": LOOP_APPLICATION_NAME},
        ).all()
    assert ended == [True]  # one connection: the reads were one at a time
    after = [client.get(path, headers=as_role("hr")) for _ in range(3)]
    assert [(answer.status_code, answer.content) for answer in after] == [(200, first.content)] * 3
    assert pool_calls == ["_show_payslip"]  # the broken connection's request; the pool replaced it for the next


def test_the_loop_reads_load_values_as_the_session_does(factory: sessionmaker[Session], slips: dict[str, int]) -> None:
    """The reader's own connections (SQLite's, psycopg's async ones) give the values SQLAlchemy's give."""
    import asyncio

    from gateway.access.tokens import TOKEN_ROW
    from gateway.store import DriverSelect

    statement = DriverSelect(
        select(LoginSession.id, LoginSession.last_seen_at, Payslip.id.label("slip"), Payslip.gross_fen)
        .join(Payslip, Payslip.id >= 0)
        .order_by(Payslip.id)
    )
    with factory() as session, session.begin():
        user = create_user(session, "test", "wang.fang", "王芳", "hr", None)
        open_session(session, user, now=datetime(2026, 3, 2, 9, 0, 0, 250_000))
    with factory() as session:
        expected = statement.all(session, {})
        token = TOKEN_ROW.first(session, {"prefix": "none"})
    reader = reader_for(factory.kw["bind"])
    assert reader is not None

    async def read() -> tuple[list[Any], Any]:
        await reader.open()
        try:
            async with reader.reads() as reads:
                return await reads.all(statement, {}), await reads.first(TOKEN_ROW, {"prefix": "none"})
        finally:
            await reader.close()

    rows, no_token = asyncio.run(read())
    assert rows == expected and len(rows) >= 2 and (token, no_token) == (None, None)
    assert [type(value) for value in rows[0]] == [type(value) for value in expected[0]] == [int, datetime, int, int]
