"""Anviz terminals in the gateway: the config's rules, and polls through `build_driver` on a shared serial bus."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway import config as cfg
from gateway.devices.bus import bus_lock
from gateway.devices.inventory import register_config
from gateway.devices.poller import build_driver, poll_device
from gateway.errors import ConfigError
from gateway.store import Device, Punch
from simulators.anviz import AnvizBus, AnvizTerminal

OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=0)
HEAD = (
    '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n'
    '[[devices]]\noffice = "HQ"\nkind = "anviz"\n'
)


def load(tmp_path: Path, device: str) -> cfg.Config:
    path = tmp_path / "punchclock.toml"
    path.write_text(HEAD + device)
    return cfg.load_config(path)


def test_tcp_defaults_to_port_5010(tmp_path: Path) -> None:
    device = load(tmp_path, 'host = "10.0.0.21"\n').devices[0]
    assert (device.port, device.device_id, device.serial_port, device.label) == (5010, None, "", "10.0.0.21:5010")


@pytest.mark.parametrize(
    ("device", "problem"),
    [
        (
            "",
            'devices[0].host: required for an anviz device, or serial_port instead: host = "10.0.0.21" (TCP 5010), '
            'serial_port = "/dev/ttyUSB0" or "socket://10.0.0.9:4001"',
        ),
        (
            'host = "10.0.0.21"\nserial_port = "/dev/ttyUSB0"\ndevice_id = 1\n',
            "devices[0].serial_port: give host (the terminal on TCP, port 5010) or serial_port (RS-485, a serial "
            "device server), not both",
        ),
        (
            'serial_port = "/dev/ttyUSB0"\n',
            "devices[0].device_id: required for an Anviz terminal on a serial line: the device id set on it, "
            "e.g. device_id = 1",
        ),
        (
            'host = "10.0.0.21"\nbaudrate = 19200\n',
            "devices[0].baudrate: only for a terminal on a serial line (serial_port); this one is on TCP (host)",
        ),
        (
            'serial_port = "/dev/ttyUSB0"\ndevice_id = 1\nparity = "X"\n',
            "devices[0].parity: Input should be 'N', 'E' or 'O'",
        ),
    ],
)
def test_config_problems(tmp_path: Path, device: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, device)
    assert problem in str(caught.value)


def test_serial_settings_are_refused_on_other_kinds(tmp_path: Path) -> None:
    path = tmp_path / "punchclock.toml"
    path.write_text(HEAD.replace('kind = "anviz"', 'kind = "zk-tcp"') + 'host = "10.0.0.5"\ndevice_id = 3\n')
    with pytest.raises(ConfigError, match=r"devices\[0\]\.device_id: only for Anviz terminals \(kind anviz\)"):
        cfg.load_config(path)


def test_names_of_one_line_share_one_lock(tmp_path: Path) -> None:
    (tmp_path / "ttyUSB0").touch()
    (tmp_path / "by-id").symlink_to(tmp_path / "ttyUSB0")
    assert bus_lock(str(tmp_path / "by-id")) is bus_lock(str(tmp_path / "ttyUSB0"))
    assert bus_lock("socket://10.0.0.9:4001") is bus_lock("SOCKET://10.0.0.9:4001")
    assert bus_lock("socket://10.0.0.9:4001") is not bus_lock("socket://10.0.0.9:4002")


def test_two_terminals_on_one_bus_poll_store_and_clear_what_they_read(factory: sessionmaker[Session]) -> None:
    terminals = [AnvizTerminal.sample(1, 40, seed=1), AnvizTerminal.sample(2, 30, seed=2)]
    with AnvizBus(terminals, transport="pty") as bus:
        devices = [
            cfg.Device(
                name=f"gate{t.device_id}",
                kind="anviz",
                serial_port=bus.serial_path,
                device_id=t.device_id,
                office="HQ",
                clear_after_download=True,
                timeout_s=2.0,
            )
            for t in terminals
        ]
        register_config(factory, cfg.Config(offices=[OFFICE], devices=devices))
        results = [poll_device(factory, d, OFFICE, build=build_driver) for d in devices]
    assert [(r.sn, r.read, r.new, r.cleared, r.error) for r in results] == [
        ("ANVIZ00000001", 40, 40, True, None),
        ("ANVIZ00000002", 30, 30, True, None),
    ]
    assert [(t.new_count, t.clear_requests) for t in terminals] == [(0, [(2, 40)]), (0, [(2, 30)])]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Punch)) == 70
        rows = session.execute(select(Device.name, Device.firmware, Device.consecutive_failures).order_by(Device.name))
        assert rows.all() == [("gate1", "03.26.93", 0), ("gate2", "03.26.93", 0)]
