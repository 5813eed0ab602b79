"""The notification settings in the TOML config: clear errors naming the key, never repeating a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import load_config
from gateway.errors import ConfigError

OFFICE = '[[offices]]\nname = "HQ"\ntimezone = "Asia/Shanghai"\ncity = "shanghai"\n'


def _problems(tmp_path: Path, text: str) -> str:
    path = tmp_path / "punchclock.toml"
    path.write_text(OFFICE + text, encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    return str(refused.value)


def test_a_bad_webhook_is_named_and_not_repeated(tmp_path: Path) -> None:
    text = _problems(tmp_path, '[offices.notify.wecom]\nwebhook = "qyapi.weixin.qq.com/send?key=wk-secret-1"\n')
    assert "offices[0].notify.wecom.webhook: webhook must be the robot's URL" in text
    assert "wk-secret-1" not in text


def test_a_mail_channel_needs_recipients_and_a_real_address(tmp_path: Path) -> None:
    text = _problems(tmp_path, '[offices.notify.email]\nhost = "smtp.example.cn"\nsender = "hr"\nto = []\n'
                     'password = 12345\n')  # fmt: skip
    assert "offices[0].notify.email.sender: 'hr' is not an e-mail address: write it as hr@example.cn" in text
    assert "offices[0].notify.email.to: List should have at least 1 item after validation, not 0 (got [])" in text
    assert "offices[0].notify.email.password: " in text and "12345" not in text
    assert "unknown key" not in text


def test_the_channels_and_worker_settings_load(tmp_path: Path) -> None:
    path = tmp_path / "punchclock.toml"
    path.write_text(OFFICE + '[offices.notify.dingtalk]\nwebhook = "https://oapi.dingtalk.com/robot/send?access_token=t"\n'
                    'secret = "SECx"\nevents = ["request_submitted", "payslip_released"]\n'
                    '[notify]\npublic_url = "https://hr.example.cn"\nmax_attempts = 5\n', encoding="utf-8")  # fmt: skip
    config = load_config(path)
    ding = config.offices[0].notify.dingtalk
    assert ding is not None and ding.events == ["request_submitted", "payslip_released"]
    assert (config.notify.public_url, config.notify.max_attempts, config.notify.backoff_base_s) == (
        "https://hr.example.cn", 5, 30.0)  # fmt: skip
