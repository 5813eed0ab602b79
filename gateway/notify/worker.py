"""The delivery worker: fan new notifications out into their office's channels, send what is due, retry.

One pass (`run_pass`, also `punchclock notify send`), in short transactions, none held while a channel talks:
1. **Fan out**: each notification not fanned out yet gets one `pending` delivery per channel its office
   configures for its kind (`[offices.notify]` `events`), and is marked fanned out (the same transaction;
   UNIQUE (notification, channel), so a delivery is made once).
2. **Send**: each due delivery is claimed by a conditional UPDATE that moves its `next_attempt_at` a lease
   ahead (`CLAIM_S`), so two workers never send the same one; the message is sent outside any transaction;
   the outcome is recorded: `sent`, or the attempt counted with the error (no secret in it) and the next try
   `backoff_base_s × 2^(attempts − 1)` later (at most `backoff_max_s`), or `failed` once `max_attempts` are
   spent. A crash between sending and recording sends that message again after the lease (at least once).

A new hire's welcome (`employee_welcome`, not a `NotifyKind`: no group channel ever carries its code) goes by e-mail
only, through the office's SMTP channel but to the address on the hire's onboarding application alone, when one
was given. Each pass first takes the code out of welcomes older than `[onboarding] activation_days` (expired;
a used one is taken out by the activation itself): the inbox then keeps no code in clear that has stopped working.

`DeliveryWorker` runs passes every `[notify] interval_s` in a thread of `punchclock serve`. Both claims are
decided by the database, so any number of workers may share it; a site's gateway (`site = "SH"`) handles the
notifications of its own site's offices (and those of no office, which have no channels) and no other site's,
whose channels live in that site's config.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, true, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Config, DingTalkChannel, EmailChannel, Notify, OfficeNotify, WeComChannel
from gateway.notify.channels import ChannelError, Message, send_dingtalk, send_email, send_wecom
from gateway.notify.outbox import EXPIRED, WELCOME, forget_welcome_code
from gateway.store import Notification, NotificationDelivery, Office, Onboarding, utcnow

logger = logging.getLogger(__name__)

CLAIM_S = 300  # a claimed delivery is another worker's again after this, if its sender died mid-send
_BATCH = 500

ChannelConfig = EmailChannel | WeComChannel | DingTalkChannel
Sender = Callable[[ChannelConfig, Message], None]


def _send(channel: ChannelConfig, message: Message) -> None:
    if isinstance(channel, DingTalkChannel):
        send_dingtalk(channel, message)
    elif isinstance(channel, WeComChannel):
        send_wecom(channel, message)
    else:
        send_email(channel, message)


@dataclass
class PassResult:
    fanned_out: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # "delivery 7 (wecom): …", one per failed attempt


def _channels(notify: OfficeNotify) -> dict[str, ChannelConfig]:
    found = {"email": notify.email, "wecom": notify.wecom, "dingtalk": notify.dingtalk}
    return {name: channel for name, channel in found.items() if channel is not None}


def _office_channels(session: Session, config: Config) -> dict[int | None, dict[str, ChannelConfig]]:
    by_name = {office.name: _channels(office.notify) for office in config.offices}
    found: dict[int | None, dict[str, ChannelConfig]] = {None: {}}  # an employee without an office: inbox only
    for oid, name in session.execute(select(Office.id, Office.name)):
        found[oid] = by_name.get(name, {})
    return found


def _of_this_site(config: Config) -> ColumnElement[bool]:
    """The notifications this worker handles: every one without a site, else those of the site's offices."""
    if config.site is None:
        return true()
    own = select(Office.id).where(Office.name.in_([o.name for o in config.own_offices]))
    return or_(Notification.office_id.is_(None), Notification.office_id.in_(own))


def backoff(notify: Notify, attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a delivery is tried again."""
    return timedelta(seconds=min(notify.backoff_base_s * 2 ** (attempts - 1), notify.backoff_max_s))


def fan_out(session: Session, config: Config, now: datetime) -> int:
    """Make the deliveries of up to `_BATCH` new notifications (in the caller's transaction); how many."""
    rows = list(
        session.scalars(
            select(Notification)
            .where(Notification.fanned_out_at.is_(None), _of_this_site(config))
            .order_by(Notification.id)
            .limit(_BATCH)
        )
    )
    if not rows:
        return 0
    offices = _office_channels(session, config)
    welcomed = _welcome_addresses(session, [r.recipient_employee_id for r in rows if r.kind == WELCOME])
    claimed = session.execute(
        update(Notification)
        .where(Notification.id.in_([r.id for r in rows]), Notification.fanned_out_at.is_(None))
        .values(fanned_out_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(rows):  # type: ignore[attr-defined]
        session.rollback()  # another worker fanned some out meanwhile: let the next pass take the rest
        return 0
    for row in rows:
        for name, channel in offices.get(row.office_id, {}).items():
            if row.kind in channel.events or (name == "email" and row.recipient_employee_id in welcomed):
                session.add(NotificationDelivery(notification_id=row.id, channel=name, status="pending", attempts=0,
                                                 next_attempt_at=now, created_at=now))  # fmt: skip
    return len(rows)


def _welcome_addresses(session: Session, employee_ids: list[int | None]) -> dict[int, str]:
    """The e-mail address each new hire gave on their onboarding application (those who gave one)."""
    if not employee_ids:
        return {}
    rows = session.execute(
        select(Onboarding.employee_id, Onboarding.email).where(
            Onboarding.employee_id.in_([e for e in employee_ids if e is not None]), Onboarding.email.is_not(None)
        )
    )
    return {employee_id: email for employee_id, email in rows if employee_id is not None and email}


def _recipient(
    channel: ChannelConfig | None, notification: Notification, welcomed: dict[int, str]
) -> ChannelConfig | None:
    """The channel as this notification uses it: a welcome's e-mail goes to the new hire's address alone."""
    if notification.kind != WELCOME or channel is None:
        return channel
    address = welcomed.get(notification.recipient_employee_id or 0)
    return channel.model_copy(update={"to": [address]}) if isinstance(channel, EmailChannel) and address else None


def _message(notification: Notification, notify: Notify) -> Message:
    url = f"{notify.public_url.rstrip('/')}/#{notification.link}" if notify.public_url and notification.link else None
    return Message(notification.title, notification.body, url)


def _claim(factory: sessionmaker[Session], delivery_id: int, now: datetime) -> bool:
    with factory() as session, session.begin():
        claimed = session.execute(
            update(NotificationDelivery)
            .where(
                NotificationDelivery.id == delivery_id,
                NotificationDelivery.status == "pending",
                NotificationDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_S))
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def _record(factory: sessionmaker[Session], notify: Notify, delivery_id: int, now: datetime, error: str | None) -> str:
    with factory() as session, session.begin():
        row = session.get_one(NotificationDelivery, delivery_id)
        row.attempts += 1
        row.last_attempt_at = now
        if error is None:
            row.status, row.sent_at = "sent", now
        else:
            row.last_error = error
            if row.attempts >= notify.max_attempts:
                row.status = "failed"
            else:
                row.next_attempt_at = now + backoff(notify, row.attempts)
        return row.status if error is None or row.status == "failed" else "retry"


def run_pass(
    factory: sessionmaker[Session],
    config: Config,
    now: Callable[[], datetime] = utcnow,
    sender: Sender = _send,
) -> PassResult:
    """One pass of the worker (see the module doc); `now` and `sender` are the clock and the channels."""
    result = PassResult()
    with factory() as session, session.begin():
        forget_welcome_code(session, EXPIRED, posted_before=now() - timedelta(days=config.onboarding.activation_days))
    while True:
        with factory() as session, session.begin():
            fanned = fan_out(session, config, now())
        result.fanned_out += fanned
        if fanned < _BATCH:
            break
    with factory() as session:
        due = session.execute(
            select(NotificationDelivery.id, NotificationDelivery.channel, Notification)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .where(
                NotificationDelivery.status == "pending",
                NotificationDelivery.next_attempt_at <= now(),
                _of_this_site(config),
            )
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
        ).all()
        offices = _office_channels(session, config)
        welcomed = _welcome_addresses(session, [n.recipient_employee_id for _, _, n in due if n.kind == WELCOME])
        session.expunge_all()
    for delivery_id, channel_name, notification in due:
        channel = _recipient(offices.get(notification.office_id, {}).get(channel_name), notification, welcomed)
        at = now()
        if not _claim(factory, delivery_id, at):
            continue
        error: str | None
        if channel is None:
            error = f"the office no longer configures {channel_name}: add it back to [offices.notify] to send this"
        else:
            try:
                sender(channel, _message(notification, config.notify))
                error = None
            except ChannelError as failure:
                error = str(failure)
        outcome = _record(factory, config.notify, delivery_id, at, error)
        if outcome == "sent":
            result.sent += 1
            continue
        line = f"delivery {delivery_id} ({channel_name}, notification {notification.id}): {error}"
        result.errors.append(line)
        if outcome == "failed":
            result.failed += 1
            logger.warning("%s; gave up after %d attempts", line, config.notify.max_attempts)
        else:
            result.retried += 1
            logger.info("%s; will retry", line)
    return result


class DeliveryWorker:
    """`run_pass` every `[notify] interval_s` in a daemon thread until `stop` is set (for `punchclock serve`)."""

    def __init__(self, factory: sessionmaker[Session], config: Config, report: Callable[[PassResult], None]) -> None:
        self.factory, self.config, self.report = factory, config, report

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(stop,), name="notify-worker", daemon=True)
        thread.start()
        return thread

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.report(run_pass(self.factory, self.config))
            except SQLAlchemyError:  # the worker outlives a database hiccup; the next pass tries again
                logger.exception("notification pass failed; trying again in %s s", self.config.notify.interval_s)
            stop.wait(self.config.notify.interval_s)
