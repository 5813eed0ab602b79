"""A Hikvision terminal in the config and the poller: its settings checked, and polls that read past the
stored serialNo cursor (committed before the cursor moves), with the failures counted in its health."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway import config as cfg
from gateway.devices.inventory import register_config
from gateway.devices.poller import poll_device
from gateway.errors import ConfigError
from gateway.store import Device, Punch
from simulators.hik_isapi import HikTerminal

OFFICE = cfg.Office(name="HQ", timezone="Asia/Shanghai", city="shanghai", double_punch_window_s=0)


def hik(t: HikTerminal, password: str | None = None) -> cfg.Device:
    return cfg.Device.model_validate(
        {
            "name": "lobby-face",
            "kind": "hik-isapi",
            "host": t.host,
            "port": t.port,
            "office": "HQ",
            "user": "admin",
            "password": password or t.password,
        },
        strict=False,
    )


def row(factory: sessionmaker[Session]) -> Device:
    with factory() as session:
        return session.scalars(select(Device).where(Device.name == "lobby-face")).one()


def test_polls_read_only_events_after_the_stored_cursor(factory: sessionmaker[Session]) -> None:
    with HikTerminal(users=4, records=70, seed=5, serial_number="DS-K1T0000000005") as t:
        device = hik(t)
        register_config(factory, cfg.Config(offices=[OFFICE], devices=[device]))
        first = poll_device(factory, device, OFFICE)
        assert (first.error, first.read, first.new) == (None, 70, 70)
        assert row(factory).push_stamp == "70"
        t.punch("1002", datetime(2026, 4, 1, 8, 55, 0))
        t.searches.clear()
        second = poll_device(factory, device, OFFICE)
        third = poll_device(factory, device, OFFICE)
    assert (second.error, second.read, second.new, third.read) == (None, 1, 1, 0)
    # each poll: info()'s one-record count search (no bound), then the read past the cursor
    assert [c.get("beginSerialNo") for c in t.searches if "major" in c] == [None, 71, None, 72]
    stored = row(factory)
    assert (stored.push_stamp, stored.consecutive_failures, stored.model) == ("71", 0, "DS-K1T671M")
    with factory() as session:
        assert session.scalar(select(Punch).where(Punch.ts_local == datetime(2026, 4, 1, 8, 55, 0))) is not None


def test_a_wrong_password_is_a_counted_failure_and_the_cursor_stays(factory: sessionmaker[Session]) -> None:
    with HikTerminal(users=2, records=4, seed=1, serial_number="DS-K1T0000000001") as t:
        device = hik(t, password="wrong")
        register_config(factory, cfg.Config(offices=[OFFICE], devices=[device]))
        result = poll_device(factory, device, OFFICE)
    assert result.error == (
        f"AuthFailed: wrong user or password for Hikvision terminal http://127.0.0.1:{t.port}: check user/password "
        "in the config (the terminal's admin account)"
    )
    stored = row(factory)
    assert (stored.consecutive_failures, stored.push_stamp) == (1, None)


def write(tmp_path: Path, device: str) -> Path:
    path = tmp_path / "punchclock.toml"
    path.write_text(
        '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n\n[[devices]]\n' + device,
        encoding="utf-8",
    )
    return path


def test_config_gives_the_schemes_port_and_the_driver_its_account(tmp_path: Path) -> None:
    config = cfg.load_config(
        write(
            tmp_path,
            'kind = "hik-isapi"\nhost = "10.1.2.64"\noffice = "HQ"\nuser = "admin"\npassword = "s3cret!"\n'
            'scheme = "https"\ntls_fingerprint = "' + ":".join(["Ab"] * 32) + '"\n',
        )
    )
    device = config.devices[0]
    assert device.port == 443
    assert device.driver_options() == {
        "user": "admin",
        "password": "s3cret!",
        "scheme": "https",
        "tls_fingerprint": "ab" * 32,
        "verify_tls": True,
    }


def test_config_refuses_a_terminal_without_its_account_and_misplaced_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        cfg.load_config(write(tmp_path, 'kind = "hik-isapi"\nhost = "10.1.2.64"\noffice = "HQ"\nverify_tls = false\n'))
    assert caught.value.problems == [
        (
            "devices[0].user",
            'required for a hik-isapi device: the terminal\'s web (ISAPI) account, usually user = "admin" and the '
            "password set when the terminal was activated",
        ),
        (
            "devices[0].password",
            'required for a hik-isapi device: the terminal\'s web (ISAPI) account, usually user = "admin" and the '
            "password set when the terminal was activated",
        ),
        ("devices[0].verify_tls", 'only with scheme = "https"; plain http has no certificate to check'),
    ]
    with pytest.raises(ConfigError) as other:
        cfg.load_config(write(tmp_path, 'kind = "zk-tcp"\nhost = "10.1.2.5"\noffice = "HQ"\nuser = "admin"\n'))
    assert other.value.problems == [
        ("devices[0].user", "only for Hikvision terminals (kind hik-isapi); remove it from this zk-tcp device")
    ]
    with pytest.raises(ConfigError) as bad_pin:
        cfg.load_config(
            write(
                tmp_path,
                'kind = "hik-isapi"\nhost = "h"\noffice = "HQ"\nuser = "a"\npassword = "p"\nscheme = "https"\n'
                'tls_fingerprint = "12:34"\n',
            )
        )
    assert bad_pin.value.problems == [
        (
            "devices[0].tls_fingerprint",
            "'12:34' is not a SHA-256 certificate fingerprint: give the 64 hex digits (colons allowed), as "
            "`openssl x509 -noout -fingerprint -sha256` prints them for the terminal's certificate",
        )
    ]
