"""Anchors: the audit chain's length and head, written outside the database so truncation shows.

A chain that verifies link by link cannot tell that its newest rows, or all of them, were deleted.
So at every pay-run lock and every `audit.ANCHOR_EVERY` rows, once the transaction has committed,
one line is appended to the anchor file (JSON lines, mode 0600, `[security] anchor_file`, default
`punchclock.anchors` next to the config):

    {"seq": 200, "row_id": 200, "head": "<row_hash of seq 200>", "at": "2026-11-30T09:12:03",
     "reason": "payrun.lock payrun/7", "prev": "<mac of the line before>", "mac": "<keyed digest>"}

Each line is keyed with the audit key and names the line before it, so a forged, edited or removed
line is found; the lock's answer prints the anchor, so HR holds a copy outside the server too.
Appending takes an exclusive `flock` on the file, so processes sharing one database (and one anchor
file) keep a single sequence of lines.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from gateway.access.digests import keyed_hash, same
from gateway.access.keys import keys_of

log = logging.getLogger(__name__)

SESSION_INFO_KEY = "anchor_file"
_PENDING = "audit_anchors_pending"
_LISTENING = "audit_anchors_listening"


@dataclass(frozen=True)
class Anchor:
    seq: int
    row_id: int
    head: str
    at: str
    reason: str
    prev: str = ""
    mac: str = ""

    def content(self) -> list[object]:
        return [self.seq, self.row_id, self.head, self.at, self.reason, self.prev]


@dataclass(frozen=True)
class AnchorProblem:
    line: int
    message: str


def anchor_file_of(session: Session) -> Path | None:
    """The anchor file bound to the session's factory (`session_factory(engine, anchor_file=...)`)."""
    value = session.info.get(SESSION_INFO_KEY)
    return Path(value) if value else None


def anchor_after_commit(session: Session, seq: int, row_id: int, head: str, reason: str) -> Anchor:
    """Queue an anchor of the chain at `seq`; it is appended to the anchor file when `session` commits.

    Returned at once so that the caller can print it (a lock's answer does); nothing is written if the
    transaction rolls back. Without an anchor file bound to the session nothing is written at all.
    """
    anchor = Anchor(seq, row_id, head, datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"), reason)
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _write_pending)
        event.listen(session, "after_rollback", _drop_pending)
        session.info[_LISTENING] = True
    session.info.setdefault(_PENDING, []).append(anchor)
    return anchor


def pending_anchor(session: Session, seq: int) -> Anchor | None:
    """The anchor queued in this transaction for `seq`, if any (as the lock's answer shows it)."""
    return next((a for a in session.info.get(_PENDING, []) if a.seq == seq), None)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _write_pending(session: Session) -> None:
    pending: list[Anchor] = session.info.pop(_PENDING, [])
    path = anchor_file_of(session)
    if path is None or not pending:
        return
    try:
        append_anchors(path, keys_of(session).audit_key, pending)
    except OSError as error:
        # The change is committed; the next anchor covers it. Say loudly what could not be written.
        log.error("could not append audit anchor(s) %s to %s: %s", [asdict(a) for a in pending], path, error)


def append_anchors(path: Path, key: bytes, anchors: list[Anchor]) -> list[Anchor]:
    """Append `anchors` to the file (created 0600), each keyed and chained to the line before."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        lines = file.read().splitlines()
        prev = json.loads(lines[-1])["mac"] if lines else ""
        written = []
        for anchor in anchors:
            chained = Anchor(anchor.seq, anchor.row_id, anchor.head, anchor.at, anchor.reason, prev)
            sealed = Anchor(**{**asdict(chained), "mac": keyed_hash(key, "anchor", chained.content())})
            file.write(json.dumps(asdict(sealed), ensure_ascii=False) + "\n")
            written.append(sealed)
            prev = sealed.mac
        file.flush()
        os.fsync(file.fileno())
    return written


def read_anchors(path: Path, key: bytes) -> tuple[list[Anchor], list[AnchorProblem]]:
    """The anchors that verify, and a problem for every line that does not (forged, edited, removed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    anchors: list[Anchor] = []
    problems: list[AnchorProblem] = []
    prev = ""
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            anchor = Anchor(**json.loads(line))
        except (ValueError, TypeError):
            problems.append(AnchorProblem(number, f"{path} line {number} is not an anchor: the file was edited"))
            continue
        if not same(anchor.mac, keyed_hash(key, "anchor", anchor.content())):
            problems.append(
                AnchorProblem(
                    number, f"{path} line {number} does not carry the audit key's digest: it was edited or forged"
                )
            )
            continue
        if anchor.prev != prev:
            problems.append(
                AnchorProblem(
                    number,
                    f"{path} line {number} does not follow the line before it: anchor lines were removed or reordered",
                )
            )
        anchors.append(anchor)
        prev = anchor.mac
    return anchors, problems
