"""Real local peers for the notification channels: an SMTP server (aiosmtpd, optionally STARTTLS with a
self-signed certificate) and an HTTP server standing in for the WeCom / DingTalk robots, on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, Session

from simulators.tls import write_self_signed


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, PEM files in `folder`."""
    return write_self_signed(folder, "127.0.0.1", ("smtp.crt", "smtp.key"), days=1)


@dataclass
class Mailbox:
    messages: list[tuple[Envelope, bool]] = field(default_factory=list)  # (envelope, was the session TLS)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.messages.append((envelope, session.ssl is not None))
        return "250 OK"

    def authenticate(self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)


def _free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd's controller needs its port before it starts
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(tls_context: Any = None) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    extra: dict[str, Any] = {}
    if tls_context is not None:
        extra = {"tls_context": tls_context, "require_starttls": True, "authenticator": mailbox.authenticate,
                 "auth_require_tls": True}  # fmt: skip
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(), **extra)
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


@dataclass
class Robot:
    """What the robot received (path with query, JSON body) and what it answers next."""

    received: list[tuple[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    status: int = 200
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)  # path prefix → the answer there instead

    def answer_for(self, path: str) -> dict[str, Any]:
        return next((a for prefix, a in self.refusals.items() if path.startswith(prefix)), self.answer)


@contextmanager
def robot_server() -> Iterator[tuple[Robot, str]]:
    robot = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            robot.received.append((self.path, json.loads(self.rfile.read(length))))
            body = json.dumps(robot.answer_for(self.path)).encode()
            self.send_response(robot.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield robot, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
