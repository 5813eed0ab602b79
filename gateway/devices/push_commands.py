"""The command queue of ADMS push terminals, in the database (`push_commands`), so every process sees it.

- `enqueue` inserts a `queued` row; any process may (the CLI's user sync, the API, `serve`).
- `hand_over` chooses a terminal's commands and marks them `sent` in ONE statement
  (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) AND <still handable> RETURNING`): two
  receiver processes polled by the same terminal at once never hand one command twice. On PostgreSQL
  a row locked by the other poll is skipped, and the repeated state condition re-checks a row that
  changed meanwhile; SQLite runs one writer at a time.
- A command `sent` but not answered within `resend_after_s` is handed over again (the poll reply or
  the result was lost on the way; the queued commands are user changes, re-upload requests and INFO,
  which are harmless twice), at most `max_sends` times: after that it is `failed` with the reason.
- `record_results` stores the terminal's answers (`done` for Return=0, `failed` otherwise) with the
  lines that followed (an INFO answer). A result for a command that is already done, or that this
  terminal was never given, changes nothing.

Every function runs its own transaction, so a command handed over is recorded before the poll answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from drivers.zk_push import CommandResult
from gateway.store import PushCommand, utcnow

log = logging.getLogger(__name__)

DEFAULT_RESEND_AFTER_S = 300
DEFAULT_MAX_SENDS = 3
MAX_PER_POLL = 100  # commands handed over in one poll reply; the rest wait for the next poll


def enqueue(factory: sessionmaker[Session], serial_number: str, command: str) -> int:
    """Queue `command` (e.g. `drivers.zk_push.update_user_command(...)`) for the terminal's next poll."""
    with factory() as session, session.begin():
        return enqueue_in(session, serial_number, command)


def enqueue_in(session: Session, serial_number: str, command: str) -> int:
    """`enqueue` inside the caller's transaction (the template copy queues and audits in one)."""
    row = PushCommand(device_sn=serial_number, command=command, state="queued", attempts=0, created_at=utcnow())
    session.add(row)
    session.flush()
    return row.id


def hand_over(
    factory: sessionmaker[Session],
    serial_number: str,
    *,
    resend_after_s: float = DEFAULT_RESEND_AFTER_S,
    max_sends: int = DEFAULT_MAX_SENDS,
    now: datetime | None = None,
) -> list[tuple[int, str]]:
    """The terminal's commands to send now, oldest first, marked `sent` in the same transaction."""
    now = now or utcnow()
    stale = now - timedelta(seconds=resend_after_s)
    with factory() as session, session.begin():
        expired = session.execute(
            update(PushCommand)
            .where(
                PushCommand.device_sn == serial_number,
                PushCommand.state == "sent",
                PushCommand.sent_at < stale,
                PushCommand.attempts >= max_sends,
            )
            .values(state="failed", done_at=now, result=f"no answer after {max_sends} sends")
            .returning(PushCommand.id, PushCommand.command)
        ).all()
        for command_id, command in expired:
            log.warning("terminal %s never answered command %s (%s) after %s sends", serial_number, command_id,
                        command.split(" ", 1)[0], max_sends)  # fmt: skip
        handable = and_(
            PushCommand.device_sn == serial_number,
            or_(PushCommand.state == "queued", and_(PushCommand.state == "sent", PushCommand.sent_at < stale)),
        )
        chosen = (
            select(PushCommand.id)
            .where(handable)
            .order_by(PushCommand.id)
            .limit(MAX_PER_POLL)
            .with_for_update(skip_locked=True)
        )
        rows = session.execute(
            update(PushCommand)
            .where(PushCommand.id.in_(chosen.scalar_subquery()), handable)
            .values(state="sent", sent_at=now, attempts=PushCommand.attempts + 1)
            .returning(PushCommand.id, PushCommand.command)
        ).all()
    return sorted((row.id, row.command) for row in rows)


def record_results(
    factory: sessionmaker[Session], serial_number: str, results: Sequence[CommandResult], now: datetime | None = None
) -> list[tuple[int, str]]:
    """Store the terminal's results; returns (id, command) of those they finished (unknown or finished ids:
    skipped)."""
    now = now or utcnow()
    finished: list[tuple[int, str]] = []
    with factory() as session, session.begin():
        for result in results:
            if not result.command_id.isdigit():
                log.warning("terminal %s sent a result for command id %r, which punchclock never uses",
                            serial_number, result.command_id[:20])  # fmt: skip
                continue
            row = session.scalar(
                select(PushCommand).where(
                    PushCommand.id == int(result.command_id),
                    PushCommand.device_sn == serial_number,
                    PushCommand.state == "sent",
                )
            )
            if row is None:
                continue
            row.state = "done" if result.return_code == 0 else "failed"
            row.return_code, row.done_at = result.return_code, now
            row.result = "\n".join(result.lines) or None
            finished.append((row.id, row.command))
    return finished


def list_commands(session: Session, serial_number: str, limit: int, before_id: int | None) -> list[PushCommand]:
    """A terminal's commands, newest first; `before_id` pages further back."""
    query = select(PushCommand).where(PushCommand.device_sn == serial_number).order_by(PushCommand.id.desc())
    if before_id is not None:
        query = query.where(PushCommand.id < before_id)
    return list(session.scalars(query.limit(limit)))
