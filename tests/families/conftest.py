"""A migrated SQLite store with one office and one push terminal, copied per test from a template."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from gateway.store import Device, Office, make_engine, session_factory, upgrade

PUSH_SN = "CQZ7224160001"


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("families-template") / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session, session.begin():
        office = Office(name="Dongguan plant", timezone="Asia/Shanghai", city="dongguan", double_punch_window_s=60, shift_rule="standard")
        session.add(office)
        session.flush()
        session.add(Device(name="gate-1", sn=PUSH_SN, kind="zk-push", office_id=office.id, consecutive_failures=0))
    engine.dispose()
    return path


@pytest.fixture
def factory(store_template: Path, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    path = tmp_path / "punchclock.db"
    shutil.copyfile(store_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield session_factory(engine)
    engine.dispose()
