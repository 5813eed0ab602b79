"""Notifications: the in-app inbox (an outbox the delivery worker reads) and its delivery channels.

`outbox` writes inbox rows inside the caller's transaction (a request's state change, a lock releasing
payslips), so a notification exists exactly when its change committed; `channels` sends one message by
e-mail (SMTP), WeCom or DingTalk group robot; `worker` fans each new notification out into the office's
configured channels and sends the due deliveries with retries and exponential backoff; `inbox` is what a
reader sees (their own, unread first; HR's delivery status).

May import: `gateway.store`, `gateway.config`, `gateway.errors` (it stands beside `gateway.access`, below the
pay and people sides, which call `outbox` from their transactions).
"""
