"""People log in with a password and a session cookie; changes need the session's CSRF token; wrong
passwords lock the login; employees open theirs with HR's activation code; sessions end."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api.app import create_app
from gateway.access.users import create_user
from gateway.cli.app import app as cli
from gateway.store import ActivationCode, AuditLog, Employee, LoginSession, User

PASSWORD = "Lotus-Pond-2026"


@pytest.fixture
def hr_user(factory: sessionmaker[Session]) -> None:
    with factory() as session, session.begin():
        create_user(session, "test", "wang.fang", "王芳", "hr", PASSWORD)


def login(client: TestClient, username: str = "wang.fang", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/session", json={"username": username, "password": password})


def test_a_login_sets_a_strict_http_only_cookie_and_answers_who(client: TestClient, hr_user: None, factory) -> None:  # type: ignore[no-untyped-def]
    response = login(client)
    assert response.status_code == 200, response.text
    me = response.json()
    assert (me["username"], me["display_name"], me["role"], me["employee"], me["must_change_password"]) == (
        "wang.fang",
        "王芳",
        "hr",
        None,
        False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("pc_session=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    assert client.get("/api/v1/session").json()["csrf_token"] == me["csrf_token"]
    assert client.get("/api/v1/employees").status_code == 200  # every route takes the login
    with factory() as session:
        user = session.scalar(select(User).where(User.username == "wang.fang"))
        assert user is not None and user.password_hash is not None and user.password_hash.startswith("$argon2id$")
        row = session.scalar(select(LoginSession))
        assert row is not None and client.cookies["pc_session"] not in (row.secret_sha256, row.csrf_token)


def test_under_https_the_cookie_is_secure(settings, hr_user: None) -> None:  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        assert "Secure" in login(client).headers["set-cookie"]


def test_a_change_needs_the_csrf_token(client: TestClient, hr_user: None) -> None:
    csrf = login(client).json()["csrf_token"]
    body = {"code": "E777", "name": "新员工", "monthly_salary_fen": 500_000}
    refused = client.post("/api/v1/employees", json=body)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("this change lacks the session's CSRF token (header X-CSRF-Token")
    forged = client.post("/api/v1/employees", json=body, headers={"X-CSRF-Token": "guess"})
    assert forged.status_code == 403
    made = client.post("/api/v1/employees", json=body, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text


def test_the_actor_of_a_login_is_named_in_the_audit_log(client: TestClient, hr_user: None, factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client).json()["csrf_token"]
    made = client.post(
        "/api/v1/employees",
        json={"code": "E778", "name": "李雷", "monthly_salary_fen": 500_000},
        headers={"X-CSRF-Token": csrf},
    )
    assert made.status_code == 201, made.text
    with factory() as session:
        actor = session.scalar(select(AuditLog.actor).where(AuditLog.action == "employee.add"))
    assert actor == "hr:user:wang.fang"


def test_wrong_user_and_wrong_password_read_alike_and_five_lock(client: TestClient, hr_user: None, as_role) -> None:  # type: ignore[no-untyped-def]
    unknown, wrong = login(client, "nobody"), login(client, password="wrong-password-1")
    assert (unknown.status_code, unknown.json()["detail"]) == (wrong.status_code, wrong.json()["detail"])
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "wrong user name or password")
    for _ in range(3):
        assert login(client, password="wrong-password-1").status_code == 401
    locked = login(client, password="wrong-password-1")
    assert locked.status_code == 423
    assert locked.json()["detail"].startswith("this login is locked after 5 wrong passwords in a row, until ")
    assert datetime.fromisoformat(locked.json()["locked_until"]).utcoffset() == timedelta(0)
    assert login(client).status_code == 423  # the right password does not open a locked login
    [user] = [u for u in client.get("/api/v1/users", headers=as_role("admin")).json() if u["username"] == "wang.fang"]
    assert user["locked_until"] is not None
    unlocked = client.patch(f"/api/v1/users/{user['id']}", json={"unlock": True}, headers=as_role("admin"))
    assert unlocked.status_code == 200 and unlocked.json()["locked_until"] is None
    assert login(client).status_code == 200


def test_a_session_ends_at_logout_and_after_two_idle_hours(client: TestClient, hr_user: None, factory) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client).json()["csrf_token"]
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/session").status_code == 401
    login(client)
    with factory() as session, session.begin():
        session.execute(update(LoginSession).values(last_seen_at=datetime(2026, 1, 1)))
    ended = client.get("/api/v1/employees")
    assert (ended.status_code, ended.json()["detail"]) == (
        401,
        "your session ended after 2 hours without activity: log in again",
    )


def test_an_employee_login_sees_only_its_own(client: TestClient, factory, as_role) -> None:  # type: ignore[no-untyped-def]
    issued = client.post("/api/v1/employees/E001/activation", headers=as_role("hr"))
    assert issued.status_code == 201
    code = issued.json()["code"]
    wrong = client.post("/api/v1/activation", json={"employee": "E002", "code": code, "password": PASSWORD})
    assert wrong.status_code == 401 and wrong.json()["detail"].startswith("this employee code and activation code")
    short = client.post("/api/v1/activation", json={"employee": "E001", "code": code, "password": "short"})
    assert (short.status_code, short.json()["detail"]) == (422, "the password must have at least 10 characters")
    opened = client.post("/api/v1/activation", json={"employee": "E001", "code": code.lower(), "password": PASSWORD})
    assert opened.status_code == 200, opened.text
    assert (opened.json()["role"], opened.json()["employee"]) == ("employee", "E001")
    again = client.post("/api/v1/activation", json={"employee": "E001", "code": code, "password": PASSWORD})
    assert again.status_code == 401  # a code works once
    assert client.get("/api/v1/employees/E001").status_code == 200
    assert client.get("/api/v1/employees/E002").json()["detail"] == "employee 'E002' does not exist"
    assert client.get("/api/v1/employees").status_code == 403
    fresh = TestClient(client.app)
    assert login(fresh, "E001", PASSWORD).status_code == 200  # the employee code is the user name
    with factory() as session:
        assert session.scalar(select(ActivationCode.code_sha256)) != code


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short", "the password must have at least 10 characters"),
        ("1234567890123", "the password must not be digits only: add letters or signs"),
        ("my-wang.fang-pw", "the password must not contain the user name"),
    ],
)
def test_a_new_password_follows_the_rule(client: TestClient, hr_user: None, new: str, message: str) -> None:
    csrf = login(client).json()["csrf_token"]
    body = {"current_password": PASSWORD, "new_password": new}
    response = client.post("/api/v1/session/password", json=body, headers={"X-CSRF-Token": csrf})
    assert (response.status_code, response.json()["detail"]) == (422, message)


def test_changing_the_password_ends_the_other_sessions(client: TestClient, hr_user: None) -> None:
    other = TestClient(client.app)
    login(other)
    csrf = login(client).json()["csrf_token"]
    wrong = client.post(
        "/api/v1/session/password",
        json={"current_password": "not-it-at-all", "new_password": "Another-Pond-2027"},
        headers={"X-CSRF-Token": csrf},
    )
    assert (wrong.status_code, wrong.json()["detail"]) == (
        403,
        "the current password is wrong: the password was not changed",
    )
    done = client.post(
        "/api/v1/session/password",
        json={"current_password": PASSWORD, "new_password": "Another-Pond-2027"},
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 204
    assert client.get("/api/v1/session").status_code == 200
    assert other.get("/api/v1/session").json()["detail"] == "you were logged out: log in again"
    assert login(client, password="Another-Pond-2027").status_code == 200


def test_admin_creates_a_user_who_must_change_the_temporary_password(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    body = {"username": "li.na", "display_name": "李娜", "role": "viewer", "password": "Temporary-2026"}
    made = client.post("/api/v1/users", json=body, headers=as_role("admin"))
    assert made.status_code == 201 and made.json()["must_change_password"] is True
    assert client.post("/api/v1/users", json=body, headers=as_role("admin")).status_code == 409
    assert client.post("/api/v1/users", json=body, headers=as_role("hr")).status_code == 403
    assert login(client, "li.na", "Temporary-2026").json()["must_change_password"] is True


def test_cli_creates_a_user_and_prints_an_activation_code(client: TestClient, config_file, factory) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    made = runner.invoke(
        cli,
        ["user", "create", "--username", "zhao.li", "--name", "赵丽", "--role", "hr", "--config", str(config_file)],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert made.exit_code == 0, made.output
    assert login(client, "zhao.li", PASSWORD).json()["must_change_password"] is True
    issued = runner.invoke(cli, ["user", "activation", "E002", "--config", str(config_file)])
    assert issued.exit_code == 0, issued.output
    code = issued.output.strip().splitlines()[-1]
    opened = client.post("/api/v1/activation", json={"employee": "E002", "code": code, "password": PASSWORD})
    assert opened.status_code == 200
    with factory() as session:
        assert session.scalar(select(Employee.code).join(User, User.employee_id == Employee.id)) == "E002"


def test_the_password_is_checked_without_holding_a_database_connection(
    client: TestClient, hr_user: None, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Argon2id takes ~0.2 s of CPU: a login holding its pooled connection through it let 15 concurrent logins
    of one worker exhaust the pool (HTTP 500 on payday), so none may be checked out while the hash is checked."""
    import gateway.access.users as users

    pool = factory.kw["bind"].pool
    held: list[int] = []
    real = users._hasher

    class Watching:
        def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
            held.append(pool.checkedout())
            return real.verify_and_update(password, hashed)

        def verify(self, password: str, hashed: str) -> bool:
            held.append(pool.checkedout())
            return real.verify(password, hashed)

    monkeypatch.setattr(users, "_hasher", Watching())
    assert login(client).status_code == 200
    assert login(client, password="Wrong-Pond-2026").status_code == 401
    assert login(client, username="nobody").status_code == 401
    assert held == [0, 0, 0]


def test_password_checks_run_at_most_the_bound_at_once(
    hr_user: None, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each Argon2id check holds 64 MiB: 40 logins at once in a worker took 2.7 GB, so checks queue at a bound."""
    import threading
    import time

    import gateway.access.users as users

    real = users._hasher
    lock, running, most = threading.Lock(), [0], [0]

    class Counting:
        def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return real.verify_and_update(password, hashed)

    monkeypatch.setattr(users, "_hasher", Counting())
    monkeypatch.setattr(users, "_checks", threading.BoundedSemaphore(2))

    def one() -> None:
        with factory() as session:
            users.log_in(session, "wang.fang", PASSWORD)
            session.commit()

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 2
