"""Sites in the config: a device belongs to its office's site, and a gateway lists only its own site's devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Config, load_config
from gateway.errors import ConfigError

SH = '[[offices]]\nname = "Shanghai HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n'
BJ = '[[offices]]\nname = "Beijing plant"\ntimezone = "Asia/Shanghai"\ncity = "beijing"\nsite = "BJ"\n'
SH_DOOR = '[[devices]]\nname = "sh-door"\nkind = "zk-tcp"\nhost = "10.1.0.5"\noffice = "Shanghai HQ"\n'
BJ_GATE = '[[devices]]\nname = "bj-gate"\nkind = "zk-udp"\nhost = "10.2.0.5"\noffice = "Beijing plant"\n'


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "punchclock.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text)
    return str(error.value).replace(str(tmp_path / "punchclock.toml"), "FILE")


def test_a_site_gateway_lists_its_own_offices_devices_and_may_name_another_sites_office(tmp_path: Path) -> None:
    config = load(tmp_path, 'site = "SH"\n' + SH + BJ + SH_DOOR)
    assert config.site == "SH"
    assert [o.name for o in config.own_offices] == ["Shanghai HQ"]
    assert [d.label for d in config.polled_devices] == ["sh-door"]


def test_a_site_gateway_refuses_a_device_of_another_sites_office(tmp_path: Path) -> None:
    assert error_for(tmp_path, 'site = "SH"\n' + SH + BJ + SH_DOOR + BJ_GATE) == (
        "FILE: devices[1].office: office 'Beijing plant' is in site 'BJ', and this gateway is site 'SH' (the "
        "top-level site): a gateway polls only its own site's terminals; move this [[devices]] table to the BJ "
        "gateway's config, or correct the office's site"
    )


def test_a_config_without_a_site_refuses_a_device_of_an_office_with_one(tmp_path: Path) -> None:
    assert error_for(tmp_path, SH + BJ + BJ_GATE) == (
        "FILE: devices[0].office: office 'Beijing plant' is in site 'BJ', and this config names no site: a site's "
        "terminals are polled by that site's gateway alone; set site = 'BJ' at the top of this file if this is "
        "the BJ gateway, or move this [[devices]] table to the BJ gateway's config"
    )


def test_the_bj_gateway_polls_the_bj_device(tmp_path: Path) -> None:
    config = load(tmp_path, 'site = "BJ"\n' + SH.replace("\n", '\nsite = "SH"\n', 1) + BJ + BJ_GATE)
    assert [d.label for d in config.polled_devices] == ["bj-gate"]
    assert [o.name for o in config.own_offices] == ["Beijing plant"]


def test_a_site_name_becomes_a_lock_file_name_so_it_has_no_slash(tmp_path: Path) -> None:
    assert error_for(tmp_path, 'site = "../SH"\n' + SH) == (
        "FILE: site: '../SH' is not a site name: use 1 to 32 letters, digits, - or _ (starting with a letter or "
        'digit), e.g. site = "SH"'
    )
