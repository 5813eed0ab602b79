"""Sending one message over one channel: e-mail (SMTP), WeCom group robot, DingTalk custom robot.

Each sender either returns (the channel accepted the message) or raises `ChannelError` whose text says what
went wrong and never holds a secret: the SMTP password, a robot's webhook URL (its query is the robot's key)
and DingTalk's signing secret are cut out of every message before it is raised, stored or logged.

- E-mail: `smtplib` with `tls` starttls (STARTTLS after EHLO, the server's certificate checked against the
  system's CAs — `SSL_CERT_FILE` names a private CA's file), ssl (SMTPS) or none; `email.message` builds a
  UTF-8 text message (subject = the title).
- WeCom (企业微信群机器人): POST `{"msgtype":"text","text":{"content":…}}` to the webhook; the answer is
  `{"errcode":0,"errmsg":"ok"}`. Text is at most 2,048 bytes of UTF-8 (longer text is cut at a character).
- DingTalk (钉钉自定义机器人): the same body to the webhook; with 加签, `timestamp` (ms) and
  `sign` = URL-encoded Base64 of HMAC-SHA256(key = secret, message = f"{timestamp}\\n{secret}") are added
  to the query. The answer is `{"errcode":0,"errmsg":"ok"}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qsl, quote_plus, urlsplit

from gateway.config import DingTalkChannel, EmailChannel, WeComChannel
from gateway.errors import GatewayError

WECOM_MAX_BYTES = 2048


class ChannelError(GatewayError):
    """A channel refused or could not take a message; the text holds no secret."""


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    url: str | None = None  # the web app's page for it, when [notify] public_url is set

    @property
    def text(self) -> str:
        """The message as one text: title, body, link (the group robots and the mail body)."""
        return "\n".join(part for part in (self.title, self.body, self.url) if part)


def _redact(text: str, secrets: list[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text[:500]


def _webhook_secrets(url: str) -> list[str]:
    return [url, urlsplit(url).query, *(value for _key, value in parse_qsl(urlsplit(url).query))]


def send_email(channel: EmailChannel, message: Message) -> None:
    password = channel.password.get_secret_value() if channel.password is not None else None
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = channel.sender
    mail["To"] = ", ".join(channel.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=channel.sender.rpartition("@")[2].strip("> ") or None)
    mail.set_content("\n\n".join(part for part in (message.body, message.url) if part))
    try:
        smtp: smtplib.SMTP
        if channel.tls == "ssl":
            smtp = smtplib.SMTP_SSL(channel.host, channel.port, timeout=channel.timeout_s,
                                    context=ssl.create_default_context())  # fmt: skip
        else:
            smtp = smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_s)
        with smtp:
            if channel.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if channel.username is not None and password is not None:
                smtp.login(channel.username, password)
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as error:
        raise ChannelError(
            _redact(f"SMTP {channel.host}:{channel.port}: {type(error).__name__}: {error}", [password or ""])
        ) from None


def _post_robot(url: str, content: str, timeout_s: float, secrets: list[str]) -> None:
    """POST the text body; urllib rather than httpx, whose INFO log line would print the URL (the robot's key)."""
    body = json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            raw = answer.read(65536)
    except urllib.error.HTTPError as error:
        raise ChannelError(f"the robot answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        raise ChannelError(_redact(f"the robot cannot be reached: {reason}", secrets)) from None
    try:
        reply = json.loads(raw)
    except ValueError:
        raise ChannelError("the robot's answer is not JSON: is the webhook URL the robot's?") from None
    errcode = reply.get("errcode") if isinstance(reply, dict) else None
    if errcode != 0:
        errmsg = reply.get("errmsg", "") if isinstance(reply, dict) else ""
        raise ChannelError(_redact(f"the robot refused the message: errcode {errcode}: {errmsg}", secrets))


def send_wecom(channel: WeComChannel, message: Message) -> None:
    url = channel.webhook.get_secret_value()
    content = message.text.encode()[:WECOM_MAX_BYTES].decode(errors="ignore")
    _post_robot(url, content, channel.timeout_s, _webhook_secrets(url))


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: URL-encoded Base64 of HMAC-SHA256 over "timestamp\\nsecret", keyed by the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def send_dingtalk(channel: DingTalkChannel, message: Message, now_ms: int | None = None) -> None:
    url = channel.webhook.get_secret_value()
    secrets = _webhook_secrets(url)
    if channel.secret is not None:
        secret = channel.secret.get_secret_value()
        timestamp = now_ms if now_ms is not None else int(time.time() * 1000)
        sign = dingtalk_sign(secret, timestamp)
        url += f"{'&' if urlsplit(url).query else '?'}timestamp={timestamp}&sign={sign}"
        secrets += [secret, sign, url]
    _post_robot(url, message.text, channel.timeout_s, secrets)
