"""Config loading: the example parses, and every malformed config names file, key path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.base import known_kinds
from gateway.config import load_config
from gateway.errors import ConfigError

EXAMPLE = Path(__file__).parents[2] / "punchclock.example.toml"

OFFICE = '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n'
DEVICE = '[[devices]]\nname = "door"\nkind = "zk-tcp"\nhost = "10.0.0.5"\noffice = "HQ"\n'


def error_for(tmp_path: Path, text: str) -> str:
    path = tmp_path / "punchclock.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    return str(error.value).replace(str(path), "FILE")


def test_example_config_loads_and_resolves_the_sqlite_path_next_to_it() -> None:
    config = load_config(EXAMPLE)
    assert [o.name for o in config.offices] == ["Shanghai HQ", "Dongguan plant"]
    assert [(d.label, d.kind, d.port, d.office) for d in config.devices] == [
        ("hq-front-door", "zk-tcp", 4370, "Shanghai HQ"),
        ("plant-gate", "zk-udp", 4370, "Dongguan plant"),
    ]
    assert config.database.url == f"sqlite:///{EXAMPLE.parent / 'punchclock.db'}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            OFFICE + DEVICE.replace('office = "HQ"', 'office = "Beijing"'),
            "FILE: devices[0].office: no office named 'Beijing'; offices are 'HQ'",
        ),
        (
            OFFICE.replace("Asia/Shanghai", "Asia/Shangai") + DEVICE,
            "FILE: offices[0].timezone: unknown IANA time zone 'Asia/Shangai': use a name such as 'Asia/Shanghai' "
            "or 'Asia/Urumqi'",
        ),
        (
            OFFICE.replace('city = "shanghai"', 'city = "urumqi"') + DEVICE,
            "FILE: offices[0].city: no pay rule data for city 'urumqi': use one of beijing, chengdu, dongguan, "
            "guangzhou, "
            "hangzhou, shanghai, shenzhen, suzhou, wuhan (or add payroll_core/rules/cities/urumqi.toml)",
        ),
        (
            OFFICE + DEVICE.replace("zk-tcp", "zk-tpc"),
            f"FILE: devices[0].kind: unknown device kind 'zk-tpc': use one of {', '.join(known_kinds())}",
        ),
        (
            OFFICE + DEVICE + 'direction = "both"\n',
            "FILE: devices[0].direction: Input should be 'auto', 'in' or 'out' (got 'both')",
        ),
        (
            OFFICE + DEVICE + "port = 70000\n",
            "FILE: devices[0].port: Input should be less than or equal to 65535 (got 70000)",
        ),
        (
            OFFICE + DEVICE + "poll_intervall_s = 5\n",
            "FILE: devices[0].poll_intervall_s: unknown key: check its spelling against punchclock.example.toml",
        ),
        (
            OFFICE + DEVICE.replace('host = "10.0.0.5"\n', ""),
            "FILE: devices[0].host: required for a zk-tcp device: its IP address or host name",
        ),
        (
            OFFICE + DEVICE + DEVICE,
            "FILE: devices[1].name: 'door' is already used by devices[0]: give each device its own name and sn",
        ),
        (OFFICE + OFFICE, "FILE: offices[1].name: duplicate office name 'HQ': office names must be unique"),
        (
            '[database]\nurl = "mysql://x"\n',
            "FILE: database.url: unsupported database url 'mysql://x': use 'sqlite:///FILE.db' or "
            "'postgresql+psycopg://USER:PASSWORD@HOST:5432/DB'",
        ),
        (
            '[api]\n[[api.tokens]]\nname = "me"\ntoken = "0123456789abcdef"\nrole = "employee"\n',
            "FILE: api.tokens[0].employee: an employee token must name the employee code it belongs to, e.g. "
            'employee = "E001"',
        ),
        (
            OFFICE + 'double_punch_window_s = "60"\n',
            "FILE: offices[0].double_punch_window_s: Input should be a valid integer (got '60')",
        ),
        (
            "[[offices]\nname = 1\n",
            "FILE: invalid TOML: Expected ']]' at the end of an array declaration (at line 1, column 10)",
        ),
    ],
    ids=[
        "unknown-office",
        "bad-zone",
        "unknown-city",
        "bad-kind",
        "bad-direction",
        "port-range",
        "typo-key",
        "missing-host",
        "duplicate-device",
        "duplicate-office",
        "bad-db",
        "employee-token",
        "string-for-int",
        "bad-toml",
    ],
)
def test_malformed_config_names_file_key_and_reason(tmp_path: Path, text: str, expected: str) -> None:
    assert error_for(tmp_path, text) == expected


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = OFFICE + DEVICE.replace('kind = "zk-tcp"\n', "") + "comm_key = -1\n"
    assert error_for(tmp_path, text).splitlines() == [
        "FILE: devices[0].kind: required key is missing",
        "FILE: devices[0].comm_key: Input should be greater than or equal to 0 (got -1)",
    ]


def test_push_terminal_needs_its_serial_not_a_host_and_is_never_polled(tmp_path: Path) -> None:
    push = '[[devices]]\nname = "lobby"\nkind = "zk-push"\noffice = "HQ"\n'
    assert error_for(tmp_path, OFFICE + push) == (
        "FILE: devices[0].sn: required for a zk-push device: the serial number it pushes as (SN=…)"
    )
    path = tmp_path / "ok.toml"
    path.write_text(OFFICE + DEVICE + push + 'sn = "CGXH201360003"\n', encoding="utf-8")
    config = load_config(path)
    assert [d.label for d in config.polled_devices] == ["door"]
    assert config.device("CGXH201360003").label == "lobby"


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "nope.toml")
    assert (
        str(error.value)
        == f"{tmp_path / 'nope.toml'}: file not found: pass --config PATH or create it from punchclock.example.toml"
    )


PUSH = '[[devices]]\nname = "lobby"\nkind = "zk-push"\nsn = "CGXH201360003"\noffice = "HQ"\n'


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            'allow_from = ["10.8.0.0/24", "10.8.1.9/24"]\n',
            "FILE: devices[0].allow_from[1]: '10.8.1.9/24' has host bits set: write the network 10.8.1.0/24, or "
            "10.8.1.9 alone for one address",
        ),
        (
            'allow_from = ["plant-lan"]\n',
            "FILE: devices[0].allow_from[0]: 'plant-lan' is not an IP network: write it as 10.1.2.0/24, or 10.1.2.7 "
            "for one address",
        ),
        (
            'push_comm_key = "s3cret key&x"\n',
            "FILE: devices[0].push_comm_key: the push comm key must be 1 to 64 letters, digits and . _ ~ - (the "
            "terminal sends it unescaped in a URL); the value given is not repeated here because it is a secret",
        ),
        (
            "push_comm_key = 81.37\n",
            'FILE: devices[0].push_comm_key: the push comm key must be text or a number, e.g. push_comm_key = "8137"',
        ),
    ],
    ids=["host-bits", "not-a-network", "key-characters", "key-type"],
)
def test_bad_push_access_names_the_key_and_never_repeats_a_secret(tmp_path: Path, extra: str, expected: str) -> None:
    assert error_for(tmp_path, OFFICE + PUSH + extra) == expected


def test_push_access_is_only_for_push_terminals(tmp_path: Path) -> None:
    text = OFFICE + DEVICE + 'push_comm_key = "abc"\nallow_from = ["10.0.0.0/8"]\n'
    assert error_for(tmp_path, text).splitlines() == [
        "FILE: devices[0].push_comm_key: only for push terminals (kind zk-push); a zk-tcp device is polled: its key "
        "is comm_key",
        "FILE: devices[0].allow_from: only for push terminals (kind zk-push); a zk-tcp device is polled",
    ]


def test_push_limits_and_access_load(tmp_path: Path) -> None:
    path = tmp_path / "push.toml"
    extra = 'push_comm_key = 8137\nallow_from = ["10.8.0.0/24", "2001:db8::7"]\n'
    path.write_text(OFFICE + PUSH + extra + "[push]\nmax_body_bytes = 65536\n", encoding="utf-8")
    config = load_config(path)
    device = config.device("lobby")
    assert (device.push_comm_key, device.allow_from, config.push.max_body_bytes) == (
        "8137",
        ["10.8.0.0/24", "2001:db8::7"],
        65536,
    )
    assert error_for(tmp_path, "[push]\nmax_body_bytes = 100\n") == (
        "FILE: push.max_body_bytes: Input should be greater than or equal to 1024 (got 100)"
    )


def test_the_examples_push_terminal_loads_once_uncommented(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index('# [[devices]]\n# name = "hq-lobby"')
    block = text[start : text.index("\n\n", start)]
    path = tmp_path / "punchclock.toml"
    path.write_text(text.replace(block, "\n".join(line.removeprefix("# ") for line in block.splitlines())))
    lobby = load_config(path).device("CGXH201360003")
    assert (lobby.kind, lobby.push_comm_key, lobby.allow_from) == (
        "zk-push",
        "change-me-to-the-terminals-key",
        ["192.168.1.0/24"],
    )
