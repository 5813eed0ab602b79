"""Notification workers of several sites on one database: each sends its own site's offices' messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config, Office, OfficeNotify, WeComChannel
from gateway.devices.inventory import register_config
from gateway.notify.channels import Message
from gateway.notify.worker import ChannelConfig, run_pass
from gateway.store import Notification, NotificationDelivery
from gateway.store import Office as OfficeRow

NOW = datetime(2026, 12, 1, 6, 0)


def _office(name: str, site: str, key: str) -> Office:
    robot = WeComChannel.model_validate({"webhook": f"https://qyapi.example.cn/send?key={key}"})
    return Office(name=name, timezone="Asia/Shanghai", city="shanghai", site=site, notify=OfficeNotify(wecom=robot))


SH, BJ = _office("Shanghai HQ", "SH", "sh-key"), _office("Beijing plant", "BJ", "bj-key")


def test_each_sites_worker_sends_its_own_offices_notifications_once(factory: sessionmaker[Session]) -> None:
    register_config(factory, Config(offices=[SH, BJ]))
    with factory() as session, session.begin():
        offices = {row.name: row.id for row in session.execute(select(OfficeRow.name, OfficeRow.id))}
        for name in ("Shanghai HQ", "Beijing plant"):
            session.add(Notification(office_id=offices[name], recipient_role="hr", kind="request_submitted",
                                     title=f"to {name}", body="", created_at=NOW))  # fmt: skip
    sent: list[tuple[str, str]] = []

    def sender(channel: ChannelConfig, message: Message) -> None:
        assert isinstance(channel, WeComChannel)
        sent.append((channel.webhook.get_secret_value().rsplit("=", 1)[1], message.title))

    shanghai = Config(site="SH", offices=[SH, BJ])
    assert (run_pass(factory, shanghai, now=lambda: NOW, sender=sender).fanned_out, sent) == (
        1,
        [("sh-key", "to Shanghai HQ")],
    )
    beijing = Config(site="BJ", offices=[SH, BJ])
    assert run_pass(factory, beijing, now=lambda: NOW, sender=sender).fanned_out == 1
    assert run_pass(factory, shanghai, now=lambda: NOW, sender=sender).fanned_out == 0
    assert sent == [("sh-key", "to Shanghai HQ"), ("bj-key", "to Beijing plant")]
    with factory() as session:
        assert session.scalars(select(NotificationDelivery.status)).all() == ["sent", "sent"]
