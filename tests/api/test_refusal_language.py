"""A refusal's `detail` in the reader's language: the Chinese wording to an `Accept-Language` preferring Chinese
(q-values honoured), the English one otherwise and wherever no Chinese wording exists; `Content-Language` says which.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.languages import prefers_chinese, wording


@pytest.mark.parametrize(
    ("header", "chinese"),
    [
        ("zh-CN", True),
        ("zh", True),
        ("zh-Hans", True),
        ("zh-Hans-CN", True),
        ("zh-CN,zh;q=0.9,en;q=0.8", True),
        ("fr, zh;q=0.2", True),
        ("en;q=0.4, zh-CN;q=0.6", True),
        ("en;q=1, zh;q=0.5", False),
        ("zh;q=0, en", False),
        ("zh;q=0", False),
        ("en", False),
        ("en-US,en;q=0.9", False),
        ("*", False),
        ("", False),
        (None, False),
        ("fr", False),
    ],
)
def test_which_language_the_header_asks_for(header: str | None, chinese: bool) -> None:
    assert prefers_chinese(header) is chinese


def _request(accept_language: str) -> Request:
    return Request({"type": "http", "headers": [(b"accept-language", accept_language.encode())]})


def test_a_refusal_without_a_chinese_wording_stays_english() -> None:
    assert wording(_request("zh-CN"), "no such thing", None) == ("no such thing", "en")
    assert wording(_request("zh-CN"), "no such thing", "没有此项") == ("没有此项", "zh-CN")
    assert wording(_request("en;q=1, zh;q=0.5"), "no such thing", "没有此项") == ("no such thing", "en")


@pytest.mark.parametrize(
    ("headers", "detail", "language"),
    [
        ({"Accept-Language": "zh-CN"}, "申请 999 不存在", "zh-CN"),
        ({"Accept-Language": "en;q=1, zh;q=0.5"}, "request 999 does not exist", "en"),
        ({}, "request 999 does not exist", "en"),
    ],
)
def test_the_problem_document_answers_in_the_asked_language(  # type: ignore[no-untyped-def]
    client: TestClient, as_role, headers: dict[str, str], detail: str, language: str
) -> None:
    response = client.get("/api/v1/requests/999", headers=as_role("employee") | headers)
    assert (response.status_code, response.json()["detail"]) == (404, detail)
    assert (response.headers["Content-Language"], response.headers["Vary"]) == (language, "Accept-Language")
