"""Health that tells the truth: an unknown host name says so (each driver, the health text), and a failed
poll names the terminal's serial when it is known."""

from __future__ import annotations

import pytest
from gateway_testkit import FakeDriver
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import DeviceUnreachable, DriverError, driver_class
from gateway import config as cfg
from gateway.devices.health import terminal_health
from gateway.devices.inventory import register_config
from gateway.devices.poller import poll_device
from gateway.store import Device, utcnow

OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=0)
HOST = "no-such-terminal.invalid"  # RFC 2606: never resolves


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("zk-tcp", f"TCP device {HOST}:4370"),
        ("zk-udp", f"UDP device {HOST}:4370"),
        ("zk-soap", f"http://{HOST}:4370/iWsService"),
    ],
)
def test_an_unknown_host_name_is_said_to_not_resolve(kind: str, where: str) -> None:
    with pytest.raises(DriverError) as failed, driver_class(kind)(HOST, 4370, comm_key=0, timeout=3) as driver:
        driver.info()
    assert type(failed.value) is DeviceUnreachable
    message = str(failed.value)
    assert message.startswith(f"the host name '{HOST}' of {where} does not resolve (")
    assert message.endswith("): check `host` in the config for a typo, or give the terminal's IP address")
    assert "retry" not in message


def test_health_of_an_unknown_host_name_says_to_fix_the_name(factory: sessionmaker[Session]) -> None:
    door = cfg.Device(name="door", kind="zk-tcp", host=HOST, office="HQ")
    register_config(factory, cfg.Config(offices=[OFFICE], devices=[door]))
    result = poll_device(factory, door, OFFICE)
    assert result.error is not None and "does not resolve" in result.error
    with factory() as session:
        row = session.scalars(select(Device).where(Device.name == "door")).one()
    health = terminal_health(row, door, utcnow())
    assert health.state == "failing"
    [problem] = health.problems
    assert (problem.code, problem.message) == (
        "unreachable",
        f"the host name '{HOST}' does not resolve ({result.error}): correct the host of 'door' (in the config, "
        "or PATCH /api/v1/devices) or use the terminal's IP address",
    )


def test_a_failed_poll_names_the_serial_the_store_knows(factory: sessionmaker[Session]) -> None:
    door = cfg.Device(name="door", kind="zk-tcp", host="10.0.0.5", office="HQ")
    register_config(factory, cfg.Config(offices=[OFFICE], devices=[door]))
    assert poll_device(factory, door, OFFICE, build=lambda _d: FakeDriver("ZK1", [])).sn == "ZK1"
    down = FakeDriver("ZK1", [], error=DeviceUnreachable("timed out"))
    result = poll_device(factory, door, OFFICE, build=lambda _d: down)
    assert (result.error, result.sn) == ("DeviceUnreachable: timed out", "ZK1")
    named = cfg.Device(name="gate", kind="zk-tcp", host="10.0.0.6", office="HQ", sn="ZK2")
    register_config(factory, cfg.Config(offices=[OFFICE], devices=[door, named]))
    assert poll_device(factory, named, OFFICE, build=lambda _d: down).sn == "ZK2"  # from the config, never read
