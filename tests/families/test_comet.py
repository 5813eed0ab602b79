"""Comet export import: encodings, xlsx, header variants, precise errors, no clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import DriverError, ProtocolError, RawPunch, RawUser, driver_class
from drivers.comet import ColumnMapping, CometCsvDriver
from gateway import config as cfg
from gateway.devices.inventory import register_config
from gateway.devices.poller import poll_device
from gateway.store import Device, Punch
from simulators.comet_export import write_export
from simulators.sample_punches import make_punches, make_users


def expected(records: int, seed: int, sn: str = "COMET-1") -> list[RawPunch]:
    return [
        RawPunch(sn, p.pin, p.ts, p.state, p.state, 0, "") for p in make_punches(make_users(20, seed), records, seed)
    ]


def test_registry_resolves_the_kind() -> None:
    assert driver_class("comet-csv") is CometCsvDriver


@pytest.mark.parametrize(
    "name,encoding", [("gbk.csv", "gb18030"), ("bom.csv", "utf-8-sig"), ("plain.csv", "utf-8"), ("book.xlsx", "")]
)
def test_sample_export_reads_back_exactly(tmp_path: Path, name: str, encoding: str) -> None:
    path = tmp_path / name
    assert write_export(path, records=300, seed=4, encoding=encoding or "utf-8") == 300
    with CometCsvDriver(str(path)) as driver:
        assert driver.read_punches() == expected(300, 4)
        users = driver.read_users()
        info = driver.info()
    staff = {u.pin: u.name for u in make_users(20, 4, chinese_names=True)}
    assert users == [RawUser("COMET-1", pin, staff[pin]) for pin in dict.fromkeys(p.pin for p in expected(300, 4))]
    assert (info.serial_number, info.record_count, info.user_count) == ("COMET-1", 300, 20)


def test_separate_date_and_time_columns_tab_separated_english_headers(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text(
        "AC-No.\tName\tDate\tTime\tState\n1001\tLi Na\t2026/3/2\t8:29\tC/In\n1001\tLi Na\t2026/3/2\t17:31\tC/Out\n",
        encoding="utf-8",
    )
    with CometCsvDriver(str(path), serial_number="GATE-A") as driver:
        assert driver.read_punches() == [
            RawPunch("GATE-A", "1001", datetime(2026, 3, 2, 8, 29), 0, 0, 0, ""),
            RawPunch("GATE-A", "1001", datetime(2026, 3, 2, 17, 31), 1, 1, 0, ""),
        ]


def test_custom_mapping_for_unfamiliar_headers(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("编号,打卡,备注\n77,2026-03-02 08:00:00,x\n", encoding="utf-8")
    with pytest.raises(DriverError) as err:
        CometCsvDriver(str(path)).open()
    assert "no header row with a badge column (工号/考勤号码/考勤号…)" in str(err.value)
    mapping = ColumnMapping(pin=("编号",), timestamp=("打卡",))
    with CometCsvDriver(str(path), mapping=mapping, serial_number="X") as driver:
        assert driver.read_punches() == [RawPunch("X", "77", datetime(2026, 3, 2, 8, 0), 0, 0, 0, "")]


def test_bad_time_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("工号,姓名,日期时间\n1001,张伟,2026-03-02 08:00:00\n1002,王芳,昨天早上\n", encoding="gb18030")
    with pytest.raises(ProtocolError) as err:
        CometCsvDriver(str(path)).open()
    assert str(err.value) == f"{path}: row 3: date-time '昨天早上' not understood; expected e.g. 2026-03-02 08:30:00"


def test_mixed_machines_need_a_machine_number(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("工号,日期时间,机器号\n1,2026-03-02 08:00:00,1\n2,2026-03-02 08:01:00,2\n", encoding="utf-8")
    with pytest.raises(DriverError) as err:
        CometCsvDriver(str(path)).open()
    assert "the file holds punches of machines 1, 2; configure one device per machine number" in str(err.value)
    with CometCsvDriver(str(path), machine_no="2") as driver:
        assert driver.read_punches() == [RawPunch("COMET-2", "2", datetime(2026, 3, 2, 8, 1), 0, 0, 0, "")]


def test_file_has_no_clock_and_is_never_cleared(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    write_export(path, records=4, seed=1)
    with CometCsvDriver(str(path)) as driver:
        for call, message in (
            (driver.get_time, "an export file has no clock"),
            (lambda: driver.set_time(datetime(2026, 1, 1)), "an export file has no clock to set"),
            (lambda: driver.clear_punches(4), "an export file is never cleared by punchclock"),
        ):
            with pytest.raises(DriverError) as err:
                call()
            assert message in str(err.value)


def test_old_xls_and_missing_file_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DriverError) as err:
        CometCsvDriver(str(tmp_path / "old.xls")).open()
    assert str(err.value).endswith(
        "old binary Excel (.xls) is not read; open it and save as .xlsx or CSV (UTF-8 or GBK)"
    )
    with pytest.raises(DriverError) as err:
        CometCsvDriver(str(tmp_path / "none.csv")).open()
    assert "cannot read the export file (No such file or directory); check the path in the device config" in str(
        err.value
    )


def test_xlsx_with_real_date_and_time_cells(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "cells.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["考勤号码", "姓名", "日期", "时间", "机器号"])
    sheet.append([1001, "张伟", datetime(2026, 3, 2), datetime(2026, 3, 2, 8, 29, 58).time(), 1])
    sheet.append([1002, "王芳", datetime(2026, 3, 2, 0, 0), "17:31:05", 1])
    book.save(path)
    with CometCsvDriver(str(path)) as driver:
        assert driver.read_punches() == [
            RawPunch("COMET-1", "1001", datetime(2026, 3, 2, 8, 29, 58), 0, 0, 0, ""),
            RawPunch("COMET-1", "1002", datetime(2026, 3, 2, 17, 31, 5), 0, 0, 0, ""),
        ]


def test_a_badge_number_longer_than_a_zk_pin_is_refused_and_nothing_stored(
    tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    """An export file can hold what no terminal can: a 100,000-character badge number is not stored as is."""
    path = tmp_path / "export.csv"
    long_pin = "9" * 100_000
    path.write_text(
        f"工号,姓名,打卡时间\n{'1' * 24},Li Na,2026-03-02 08:29:00\n{long_pin},Wang Wei,2026-03-02 08:31:00\n",
        encoding="utf-8",
    )
    office = cfg.Office(name="Dongguan plant", timezone="Asia/Shanghai", city="dongguan")
    device = cfg.Device(
        name="comet-export", sn="COMET-FILE", kind="comet-csv", host=str(path), port=0, office=office.name
    )
    register_config(factory, cfg.Config(offices=[office], devices=[device]))
    result = poll_device(factory, device, office)
    assert result.error == (
        "IngestError: device COMET-FILE: the punch at 2026-03-02 08:31:00 has a badge number of 100,000 characters "
        f"({'9' * 24!r}…); badge numbers have at most 24: fix the record at its source (the export file) and read it "
        "again; nothing of this batch was stored"
    )
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Punch)) == 0
        assert session.scalar(select(Device.last_error).where(Device.name == "comet-export")) == result.error
    path.write_text(f"工号,姓名,打卡时间\n{'1' * 24},Li Na,2026-03-02 08:29:00\n", encoding="utf-8")
    assert poll_device(factory, device, office).error is None
    with factory() as session:
        assert list(session.scalars(select(Punch.pin))) == ["1" * 24]
