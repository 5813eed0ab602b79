"""Notification tables: the in-app inbox (the outbox the delivery worker reads) and each channel's delivery.

- `notifications`: one message to one recipient, written in the same transaction as the change it tells of
  (a request's state change, a payslip released by a lock), so it is never lost and never written for a change
  that rolled back. The recipient is an employee (`recipient_employee_id`: employees and managers, whose logins
  and tokens are bound to an employee) or the HR team (`recipient_role = 'hr'`: one shared inbox for hr and
  admin callers, read by one is read for all). `fanned_out_at` is NULL until the delivery worker has made the
  office's channel deliveries for it.
- `notification_deliveries`: one row per notification and channel (email, wecom, dingtalk), made by the worker
  from the office's config: `pending` → `sent` | `failed` (after the configured number of attempts), with the
  attempts, the next attempt's time and the last error (never a secret).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.store.base import Base

NOTIFICATION_KINDS = (
    "request_submitted",
    "request_step",
    "request_approved",
    "request_rejected",
    "request_withdrawn",
    "payslip_released",
    "onboarding_submitted",  # HR's inbox only (gateway.people.onboarding)
    "employee_welcome",  # the new hire's own inbox: it holds the activation code, so no group channel carries it
)
CHANNELS = ("email", "wecom", "dingtalk")
DELIVERY_STATUSES = ("pending", "sent", "failed")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(
            "(recipient_employee_id IS NULL) <> (recipient_role IS NULL)", name="ck_notifications_one_recipient"
        ),
        CheckConstraint("recipient_role IS NULL OR recipient_role = 'hr'", name="ck_notifications_role"),
        Index("ix_notifications_employee", "recipient_employee_id", "read_at", "id"),
        Index("ix_notifications_role", "recipient_role", "read_at", "id"),
        Index(
            "ix_notifications_unfanned",
            "id",
            sqlite_where=text("fanned_out_at IS NULL"),
            postgresql_where=text("fanned_out_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))  # whose channels carry it
    recipient_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    recipient_role: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(255))  # the web app's route, e.g. /my/payslips/7
    request_id: Mapped[int | None] = mapped_column(ForeignKey("staff_requests.id"))
    # No foreign key: a payslip row is guarded by its run's triggers and digests, and `audit verify` must still be
    # able to report one deleted behind punchclock's back rather than the inbox refusing the deletion.
    payslip_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    fanned_out_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotificationDelivery(Base):
    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_notification_deliveries_channel"),
        CheckConstraint("channel IN ('email', 'wecom', 'dingtalk')", name="ck_notification_deliveries_channel"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_notification_deliveries_status"),
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
