"""Office, device and token names in the config file are refused with a control character, as in the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import load_config
from gateway.errors import ConfigError

OFFICE = '[[offices]]\nname = "{office}"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n'
DEVICE = '[[devices]]\nname = "{device}"\nkind = "zk-tcp"\nhost = "10.0.0.5"\noffice = "{office}"\n'
TOKEN = '[[api.tokens]]\nname = "{token}"\ntoken = "a-long-config-secret-0001"\nrole = "hr"\n'
ADVICE = "names may hold letters, digits, spaces and punctuation (such as ·), not control characters or line breaks"


def load(tmp_path: Path, office: str = "上海总部", device: str = "前门", token: str = "人事部") -> object:
    path = tmp_path / "punchclock.toml"
    text = (OFFICE + DEVICE + TOKEN).format(office=office, device=device, token=token)
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_chinese_names_with_a_middle_dot_load(tmp_path: Path) -> None:
    config = load(tmp_path, office="乌鲁木齐·工厂")
    assert [o.name for o in config.offices] == ["乌鲁木齐·工厂"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("names", "key", "what"),
    [
        ({"office": "HQ\\u0007"}, "offices[0].name", "character 3 is U+0007, a control character"),
        ({"device": "door\\u2028"}, "devices[0].name", "character 5 is U+2028, a line separator"),
        ({"token": "hr\\u009b"}, "api.tokens[0].name", "character 3 is U+009B, a control character"),
    ],
    ids=["office", "device", "token"],
)
def test_a_control_character_in_a_name_is_a_config_error(
    tmp_path: Path, names: dict[str, str], key: str, what: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, **names)
    path = tmp_path / "punchclock.toml"
    assert str(error.value).replace(str(path), "FILE") == f"FILE: {key}: {what}: {ADVICE}; remove it"
