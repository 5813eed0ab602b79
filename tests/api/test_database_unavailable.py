"""No free database connection, or no database at all: 503 with Retry-After at once, never a 500 after 30 s."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import ApiSettings, create_app
from gateway.access.keys import KeyRing
from gateway.cli.common import open_store
from gateway.config import load_config
from gateway.store import make_engine, session_factory

BUSY = (
    "the server is busy: no database connection came free in time; try again in 2 seconds (if this happens often, "
    "the administrator can raise [api] db_pool_size within PostgreSQL's max_connections, or add an API process)"
)
BUSY_ZH = (
    "服务器繁忙，暂时没有空闲的数据库连接，请 2 秒后重试（如经常出现，管理员可在 PostgreSQL 的 max_connections 之内"
    "调大 [api] db_pool_size，或增加 API 进程）"
)
DOWN = (
    "the database cannot be reached right now (it may be restarting); try again in 5 seconds (if it lasts, the "
    "administrator should check that the database server runs and [database] url)"
)
DOWN_ZH = (
    "暂时无法连接数据库（可能正在重启），请 5 秒后重试"
    "（如持续出现，管理员应检查数据库服务器是否运行以及 [database] url）"
)


def test_a_request_that_gets_no_connection_answers_503_within_the_pool_timeout(
    db_url: str, secrets: dict[str, str], test_keys: KeyRing
) -> None:
    engine = make_engine(db_url, pool_size=1, pool_timeout_s=0.2)
    app = create_app(ApiSettings(session_factory=session_factory(engine, keys=test_keys)))
    try:
        with TestClient(app, raise_server_exceptions=False) as client, engine.connect():  # the pool's one connection
            started = time.monotonic()
            response = client.get("/api/v1/employees", headers={"Authorization": f"Bearer {secrets['hr']}"})
            waited = time.monotonic() - started
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "2"
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json() == {
                "type": "about:blank",
                "title": "Service unavailable",
                "status": 503,
                "detail": BUSY,
                "instance": "/api/v1/employees",
            }
            chinese = client.get(
                "/api/v1/employees", headers={"Authorization": f"Bearer {secrets['hr']}", "Accept-Language": "zh-CN"}
            )
            assert (chinese.status_code, chinese.json()["detail"]) == (503, BUSY_ZH)
            assert waited < 10  # the 0.2 s pool timeout, not SQLAlchemy's default 30 s (bounded for a busy machine)
        with TestClient(app) as client:  # the connection given back: the same request is served
            assert (
                client.get("/api/v1/employees", headers={"Authorization": f"Bearer {secrets['hr']}"}).status_code == 200
            )
    finally:
        engine.dispose()


def test_a_database_that_cannot_be_reached_answers_503(test_keys: KeyRing) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the connect is refused, as during a restart
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = make_engine(f"postgresql+psycopg://punchclock:secret@127.0.0.1:{port}/punchclock")
    with TestClient(create_app(ApiSettings(session_factory=session_factory(engine, keys=test_keys))),
                    raise_server_exceptions=False) as client:  # fmt: skip
        token = {"Authorization": "Bearer pc_0123456789ab_" + "x" * 43}
        response = client.get("/api/v1/punches", headers=token)
        chinese = client.get("/api/v1/punches", headers=token | {"Accept-Language": "zh-CN,zh;q=0.9"})
    engine.dispose()
    assert (chinese.status_code, chinese.json()["detail"], chinese.headers["Content-Language"]) == (
        503,
        DOWN_ZH,
        "zh-CN",
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json() == {
        "type": "about:blank",
        "title": "Service unavailable",
        "status": 503,
        "detail": DOWN,
        "instance": "/api/v1/punches",
    }
    assert "secret" not in response.text


def test_the_config_sizes_the_pool_of_each_process(config_file: Path) -> None:
    config_file.write_text(
        config_file.read_text(encoding="utf-8") + "[api]\ndb_pool_size = 3\ndb_pool_timeout_s = 0.5\n", encoding="utf-8"
    )
    factory = open_store(load_config(config_file))
    engine = factory.kw["bind"]
    assert (engine.pool.size(), engine.pool.timeout()) == (3, 0.5)
    engine.dispose()
