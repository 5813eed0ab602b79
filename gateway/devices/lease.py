"""One operation per terminal at a time: a lease in the database, shared by every process on it.

A terminal's firmware serves one client session badly at best: a poll and a user sync interleaving
their commands on one terminal (or two `serve` processes, or `punchclock sync` beside `serve`) end in
half-read buffers and `CMD_ACK_ERROR`s. So every operation that talks to a terminal — the poller's
poll, `POST /devices/{ref}/sync`, `punchclock sync`, user sync — runs inside `device_lease(...)`:

- **Taken in one transaction**: `INSERT … ON CONFLICT DO NOTHING` of the row keyed by the device
  name; if a row was there, `UPDATE … WHERE expires_at < now` takes it over only when it ran out.
  Both statements are decided by the database (SQLite's write lock, PostgreSQL's row lock), so two
  processes asking at once never both get it. Otherwise `TerminalBusy` names the holder. On PostgreSQL each
  statement reads what committed before it, so the holder may have let go between the insert and the select
  that names it: then the lease is asked for again (a few times at most), not refused with a holder gone.
- **Renewed while held**: a daemon thread moves `expires_at` to now + `ttl_s` every `ttl_s / 3`, so a
  download of any length keeps its terminal; a holder that died (SIGKILL, power cut) stops renewing
  and its terminal is free `ttl_s` later at most — at once when the holder was a process of this host
  that no longer exists (the lease names its pid and host). Renewal and release touch the row only while it
  still carries the holder's random token, so a holder that lost its lease never frees another's.
- **Clock**: expiry is judged by the clock of the process asking (naive UTC). Processes sharing one
  database are expected to share a clock (NTP), as the audit log's times already assume.

Unlike the poller lock (`poller_lock`: the OS or the server releases it with its holder, no row),
this lease must work the same on SQLite across processes, where no per-terminal OS lock would live
in the database; a lease row does, at the cost of `ttl_s` of waiting after a crash.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from gateway.errors import TerminalBusy
from gateway.store import DeviceLease, utcnow

log = logging.getLogger(__name__)

#: Seconds a lease lives without renewal: how long a crashed holder keeps its terminal at most.
LEASE_TTL_S = 60.0

#: Times `acquire` asks again when the holder it was refused by let go before it could be named.
_ASKS = 3


@dataclass(frozen=True, slots=True)
class Lease:
    """A held lease: the device it holds and the token that proves it is ours."""

    device_name: str
    token: str
    operation: str


def busy_message(device_name: str, row: DeviceLease) -> str:
    """Who holds the terminal and what to do about it."""
    since = row.acquired_at.isoformat(timespec="seconds")
    return (
        f"device {device_name} is busy: {row.operation} by pid {row.pid} on host {row.host} since {since} UTC; "
        "one operation talks to a terminal at a time, try again when it has finished"
    )


def acquire(factory: sessionmaker[Session], device_name: str, operation: str, ttl_s: float = LEASE_TTL_S) -> Lease:
    """Take the terminal's lease for `operation`, or raise `TerminalBusy` naming its holder."""
    token = secrets.token_hex(16)
    now = utcnow()
    values = {
        "device_name": device_name,
        "token": token,
        "operation": operation,
        "pid": os.getpid(),
        "host": socket.gethostname()[:255],
        "acquired_at": now,
        "expires_at": now + timedelta(seconds=ttl_s),
    }
    for _ask in range(_ASKS):
        with factory() as session, session.begin():
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            inserted = session.scalar(
                insert(DeviceLease).values(values).on_conflict_do_nothing().returning(DeviceLease.token)
            )
            if inserted == token:
                return Lease(device_name, token, operation)
            if _take_over(session, values, DeviceLease.expires_at < now):
                log.warning("device %s: took over a lease that ran out (its holder stopped renewing it)", device_name)
                return Lease(device_name, token, operation)
            holder = session.scalars(select(DeviceLease).where(DeviceLease.device_name == device_name)).one_or_none()
            if holder is None:  # freed since the insert: on PostgreSQL each statement reads what committed last
                continue
            if _died_here(holder) and _take_over(session, values, DeviceLease.token == holder.token):
                _UNRELEASED.discard(holder.token)
                log.warning("device %s: took over the lease of pid %d, whose operation ended", device_name, holder.pid)
                return Lease(device_name, token, operation)
            raise TerminalBusy(busy_message(device_name, holder))
    raise TerminalBusy(
        f"device {device_name} is busy: other operations took and freed it {_ASKS} times while this one asked; "
        "try again in a moment"
    )


def _take_over(session: Session, values: dict[str, object], condition: ColumnElement[bool]) -> bool:
    """Write the lease `values` over the device's row where `condition` holds; whether it did."""
    taken = session.scalar(
        update(DeviceLease)
        .where(DeviceLease.device_name == values["device_name"], condition)
        .values(values)
        .returning(DeviceLease.token)
        .execution_options(synchronize_session=False)
    )
    return taken == values["token"]


#: Tokens of this process's leases whose release failed (the database went away mid-operation, e.g. a
#: PostgreSQL restart): their rows outlive the operation, and without this the process would find its own
#: terminal "busy" with itself until the lease ran out.
_UNRELEASED: set[str] = set()


def _died_here(holder: DeviceLease) -> bool:
    """Whether the holder was a process of this host that no longer exists (killed, crashed), or an operation
    of this process whose release failed: its terminal is free now rather than when its lease runs out.
    Another host's holder is judged by expiry alone."""
    if holder.token in _UNRELEASED:
        return True
    if holder.host != socket.gethostname()[:255] or holder.pid == os.getpid():
        return False
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by another user
        return False
    return False


def renew(factory: sessionmaker[Session], lease: Lease, ttl_s: float = LEASE_TTL_S) -> bool:
    """Push the lease's expiry to now + `ttl_s`; False if it is no longer ours (it ran out and was taken)."""
    with factory() as session, session.begin():
        renewed = session.scalar(
            update(DeviceLease)
            .where(DeviceLease.device_name == lease.device_name, DeviceLease.token == lease.token)
            .values(expires_at=utcnow() + timedelta(seconds=ttl_s))
            .returning(DeviceLease.token)
            .execution_options(synchronize_session=False)
        )
        return renewed == lease.token


def release(factory: sessionmaker[Session], lease: Lease) -> None:
    """Free the terminal, if the lease is still ours; a failed release is remembered (`_UNRELEASED`)."""
    try:
        with factory() as session, session.begin():
            session.execute(
                delete(DeviceLease).where(
                    DeviceLease.device_name == lease.device_name, DeviceLease.token == lease.token
                )
            )
    except Exception:
        _UNRELEASED.add(lease.token)
        raise


def _keep_renewing(factory: sessionmaker[Session], lease: Lease, ttl_s: float, stop: threading.Event) -> None:
    while not stop.wait(ttl_s / 3):
        try:
            still_ours = renew(factory, lease, ttl_s)
        except Exception:  # a database hiccup: the next renewal may succeed before the lease runs out
            log.warning("device %s: renewing its lease failed; retrying", lease.device_name, exc_info=True)
            continue
        if not still_ours:
            log.warning("device %s: its lease ran out during %s and was taken", lease.device_name, lease.operation)
            return


@contextmanager
def device_lease(
    factory: sessionmaker[Session], device_name: str, operation: str, ttl_s: float = LEASE_TTL_S
) -> Iterator[Lease]:
    """Hold the terminal for the block (renewed in the background), or raise `TerminalBusy` at once."""
    lease = acquire(factory, device_name, operation, ttl_s)
    stop = threading.Event()
    renewer = threading.Thread(
        target=_keep_renewing, args=(factory, lease, ttl_s, stop), name=f"lease-{device_name}", daemon=True
    )
    renewer.start()
    try:
        yield lease
    finally:
        stop.set()
        renewer.join()
        release(factory, lease)
