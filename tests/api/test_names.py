"""Names with control characters or line breaks are refused at input, with the character and its place named.

Chinese names, spaces and the middle dot of minority names (阿依古丽·买买提) stay welcome. The
characters refused break CSV and bank files, log lines and terminals, and cannot be seen on a screen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from gateway.access.keys import create_key_file
from gateway.cli.app import app as cli
from gateway.store import Base

REFUSED = [
    ("\x07", "U+0007, a control character"),  # C0 (BEL)
    ("\n", "U+000A, a control character"),  # a line break in a name splits a CSV row
    ("\x7f", "U+007F, a control character"),  # DEL
    ("\x85", "U+0085, a control character"),  # C1 (NEL)
    ("\u2028", "U+2028, a line separator"),
    ("\u2029", "U+2029, a paragraph separator"),
    ("\ud800", "U+D800, a lone surrogate"),  # valid JSON (\\ud800), but no UTF-8 text
]
ADVICE = "names may hold letters, digits, spaces and punctuation (such as ·), not control characters or line breaks"


def row_counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def writes(name: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, url, field, body) of every API write taking a name."""
    return [
        ("POST", "/api/v1/employees", "name", {"code": "E003", "name": name, "monthly_salary_fen": 500000}),
        ("PATCH", "/api/v1/employees/E001", "name", {"name": name}),
        (
            "PUT",
            "/api/v1/employees/E001/bank-account",
            "account_name",
            {"bank_name": "ICBC Shanghai", "account_no": "6222020000000001", "account_name": name},
        ),
        (
            "PUT",
            "/api/v1/employees/E001/bank-account",
            "bank_name",
            {"bank_name": name, "account_no": "6222020000000001", "account_name": "Wang Fang"},
        ),
        (
            "POST",
            "/api/v1/devices",
            "name",
            {"name": name, "sn": "PUSH0001", "kind": "zk-push", "office": "Shanghai HQ"},
        ),
        ("PATCH", "/api/v1/devices/SH0001", "name", {"name": name}),
        ("POST", "/api/v1/tokens", "name", {"name": name, "role": "viewer"}),
    ]


@pytest.mark.parametrize("seeded", ["sqlite"], indirect=True)  # refused before any query
@pytest.mark.parametrize(("char", "what"), REFUSED, ids=[w.split(",")[0] for _c, w in REFUSED])
@pytest.mark.parametrize("case", range(len(writes(""))), ids=[f"{m} {u} {f}" for m, u, f, _b in writes("")])
def test_a_name_with_a_control_character_is_refused_and_nothing_written(
    client: TestClient, as_role, factory, char: str, what: str, case: int
) -> None:  # type: ignore[no-untyped-def]
    name = f"Wang{char}Fang"
    method, url, field, body = writes(name)[case]
    before = row_counts(factory)
    # json.dumps escapes to ASCII, so a lone surrogate travels as the JSON escape \ud800, as a browser sends it
    headers = {**as_role("admin"), "Content-Type": "application/json"}
    response = client.request(method, url, content=json.dumps(body), headers=headers)
    assert (response.status_code, response.json()["errors"]) == (
        422,
        [f"body field {field}: character 5 is {what}: {ADVICE}; remove it (got {name!r})"],
    )
    assert row_counts(factory) == before


@pytest.mark.parametrize("name", ["阿依古丽·买买提", "欧阳 娜娜", "Jean-Luc O'Neil"])
def test_chinese_names_spaces_and_the_middle_dot_are_kept_as_given(client: TestClient, as_role, name: str) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    added = client.post(
        "/api/v1/employees", json={"code": "E003", "name": name, "monthly_salary_fen": 500000}, headers=hr
    )
    assert (added.status_code, added.json()["name"]) == (201, name)
    account = {"bank_name": "中国工商银行乌鲁木齐分行", "account_no": "6222020000000003", "account_name": name}
    stored = client.put("/api/v1/employees/E003/bank-account", json=account, headers=hr)
    assert (stored.status_code, stored.json()["account_name"]) == (200, name)


def test_the_cli_refuses_such_a_token_name(db_url: str, tmp_path: Path, factory) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "punchclock.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    create_key_file(tmp_path / "punchclock.key")
    before = row_counts(factory)
    result = CliRunner().invoke(cli, ["token", "create", "--name", "ops\x1b[31m", "--role", "hr", "-c", str(config)])
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == (
        f"token not created: token name 'ops\\x1b[31m': character 4 is U+001B, a control character: {ADVICE}; remove it"
    )
    assert row_counts(factory) == before
