"""Helpers shared by the ZKTeco tests (imported by name: conftest puts this folder on sys.path)."""

from __future__ import annotations

from datetime import datetime

from zk import ZK

from simulators.zk import ZKTerminal

FROZEN = datetime(2026, 3, 2, 9, 30, 0)


def frozen_clock() -> datetime:
    return FROZEN


def pyzk(t: ZKTerminal, *, password: int = 0, timeout: float = 5) -> ZK:
    """pyzk itself, pointed at the simulator the way the driver points it at a terminal."""
    # pyzk decodes names as UTF-8 unless told; the simulator stores them in GBK, as Chinese firmware does.
    return ZK(
        "127.0.0.1", t.port, timeout=timeout, password=password, force_udp=t.udp, ommit_ping=True, encoding=t.encoding
    )


def expected_attendance(t: ZKTerminal) -> list[tuple[str, datetime, int, int]]:
    return [(r.user_id, r.timestamp, r.status, r.punch) for r in t.records]
