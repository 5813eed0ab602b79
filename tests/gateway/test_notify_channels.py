"""The notification channels against real local peers: SMTP (aiosmtpd, STARTTLS and login), the WeCom and
DingTalk robots' JSON bodies and DingTalk's 加签 query, and refusals whose messages hold no secret."""

from __future__ import annotations

import email
import ssl
from email.policy import default
from pathlib import Path

import pytest

from gateway.config import DingTalkChannel, EmailChannel, WeComChannel
from gateway.notify.channels import ChannelError, Message, dingtalk_sign, send_dingtalk, send_email, send_wecom
from tests.gateway.notify_peers import robot_server, self_signed, smtp_server

MESSAGE = Message("已批准：您的年假申请", "张三，您的年假申请（2026-12-07 至 2026-12-09，共 2.5 天）已批准。",
                  "https://hr.example.cn/#/notifications")  # fmt: skip


def test_email_over_starttls_with_login_has_the_exact_subject_and_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this test's CA, as with a private CA
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    with smtp_server(server_tls) as (mailbox, port):
        channel = EmailChannel.model_validate({
            "host": "127.0.0.1", "port": port, "tls": "starttls", "username": "robot@example.cn",
            "password": "smtp-pass-5e3", "sender": "考勤 <robot@example.cn>", "to": ["hr@example.cn", "li@example.cn"],
        })  # fmt: skip
        send_email(channel, MESSAGE)
    assert mailbox.logins == [("robot@example.cn", "smtp-pass-5e3")]
    [(envelope, was_tls)] = mailbox.messages
    assert was_tls is True
    assert (envelope.mail_from, envelope.rcpt_tos) == ("robot@example.cn", ["hr@example.cn", "li@example.cn"])
    mail = email.message_from_bytes(envelope.original_content or b"", policy=default)
    assert (mail["Subject"], mail["From"], mail["To"]) == (
        "已批准：您的年假申请", "考勤 <robot@example.cn>", "hr@example.cn, li@example.cn")  # fmt: skip
    assert mail.get_content() == (
        "张三，您的年假申请（2026-12-07 至 2026-12-09，共 2.5 天）已批准。\n\nhttps://hr.example.cn/#/notifications\n"
    )


def test_email_refused_without_tls_says_so_and_hides_the_password(tmp_path: Path) -> None:
    with smtp_server() as (_mailbox, port):
        channel = EmailChannel.model_validate({
            "host": "127.0.0.1", "port": port, "tls": "starttls", "username": "robot@example.cn",
            "password": "smtp-pass-5e3", "sender": "robot@example.cn", "to": ["hr@example.cn"],
        })  # fmt: skip
        with pytest.raises(ChannelError) as refused:
            send_email(channel, MESSAGE)
    assert str(refused.value) == (
        f"SMTP 127.0.0.1:{port}: SMTPNotSupportedError: STARTTLS extension not supported by server."
    )


def test_wecom_robot_gets_the_text_body() -> None:
    with robot_server() as (robot, base):
        send_wecom(WeComChannel.model_validate({"webhook": f"{base}/cgi-bin/webhook/send?key=wk-693a"}), MESSAGE)
    assert robot.received == [("/cgi-bin/webhook/send?key=wk-693a", {"msgtype": "text", "text": {"content": (
        "已批准：您的年假申请\n张三，您的年假申请（2026-12-07 至 2026-12-09，共 2.5 天）已批准。\n"
        "https://hr.example.cn/#/notifications")}})]  # fmt: skip


def test_dingtalk_sign_follows_the_documented_algorithm() -> None:
    # HMAC-SHA256(key=secret, "timestamp\nsecret"), Base64, URL-encoded: pinned from DingTalk's Python sample.
    assert (
        dingtalk_sign("SEC0123456789abcdef", 1764561600000) == "4%2F3%2Fk%2By2aZzBB7ghTRckH3sINhKyAHvZ497%2BcxnCYnE%3D"
    )


def test_dingtalk_robot_gets_the_body_with_timestamp_and_sign() -> None:
    with robot_server() as (robot, base):
        channel = DingTalkChannel.model_validate(
            {"webhook": f"{base}/robot/send?access_token=dt-98975", "secret": "SEC0123456789abcdef"}
        )
        send_dingtalk(channel, Message("待审批：张三的年假申请", "张三提交了年假申请。"), now_ms=1764561600000)
    assert robot.received == [(
        "/robot/send?access_token=dt-98975&timestamp=1764561600000&sign=4%2F3%2Fk%2By2aZzBB7ghTRckH3sINhKyAHvZ497%2BcxnCYnE%3D",
        {"msgtype": "text", "text": {"content": "待审批：张三的年假申请\n张三提交了年假申请。"}},
    )]  # fmt: skip


def test_a_robot_refusal_names_the_errcode_and_no_secret() -> None:
    with robot_server() as (robot, base):
        robot.answer = {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc...]"}
        channel = DingTalkChannel.model_validate(
            {"webhook": f"{base}/robot/send?access_token=dt-98975", "secret": "SEC0123456789abcdef"}
        )
        with pytest.raises(ChannelError) as refused:
            send_dingtalk(channel, MESSAGE, now_ms=1764561600000)
        robot.status = 502
        with pytest.raises(ChannelError) as down:
            send_wecom(WeComChannel.model_validate({"webhook": f"{base}/send?key=wk-693a"}), MESSAGE)
    assert str(refused.value) == (
        "the robot refused the message: errcode 310000: sign not match, more: [https://ding-doc...]"
    )
    assert str(down.value) == "the robot answered HTTP 502"


def test_an_unreachable_robot_is_named_without_its_key() -> None:
    with robot_server() as (_robot, base):
        pass  # stopped: nothing listens on its port any more
    with pytest.raises(ChannelError) as refused:
        send_wecom(WeComChannel.model_validate({"webhook": f"{base}/send?key=wk-693a"}), MESSAGE)
    assert "wk-693a" not in str(refused.value)
    assert str(refused.value) == "the robot cannot be reached: [Errno 111] Connection refused"
