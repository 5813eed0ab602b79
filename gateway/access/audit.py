"""Append-only audit log with a keyed hash chain.

Row n holds its place `seq` (= n), `prev_hash` = row n-1's `row_hash`, and `row_hash` = HMAC-SHA-256,
under the audit key of the key file (never in the database), over its own content, `seq` and
`prev_hash`. So, without the key:
- editing a row breaks its own hash; recomputing the hashes of it and every later row ("re-chaining")
  is impossible, because a hash recomputed without the key does not verify;
- deleting rows from the middle leaves a gap in `seq`; deleting the newest rows, or all of them, is
  found against the anchors (`gateway.access.anchors`): every lock and every `ANCHOR_EVERY` rows, the
  chain's position and head are appended to a keyed anchor file next to the database and printed in
  the lock's answer;
- the database itself refuses UPDATE and DELETE on the table (triggers of migration 0005).
`prev_hash` and `seq` are UNIQUE, so two concurrent appenders cannot both extend the same row: the
loser's commit fails with IntegrityError and `record_audit` (or the API's write helper) retries it.

Rows written before the chain was keyed (plain SHA-256, migration 0005 gave them their `seq`) are
accepted only as the chain's beginning; the first keyed row covers them through its `prev_hash`.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.access import anchors
from gateway.access.digests import canonical, keyed_hash
from gateway.access.keys import keys_of
from gateway.store import AuditLog

GENESIS_HASH = "0" * 64
ANCHOR_EVERY = 100  # rows between two routine anchors (every lock anchors too)
_APPEND_ATTEMPTS = 30


def _row_content(row: AuditLog) -> list[Any]:
    return [
        row.seq,
        row.prev_hash,
        row.at.isoformat(),
        row.actor,
        row.action,
        row.target,
        row.before_json,
        row.after_json,
    ]


def _legacy_hash(row: AuditLog) -> str:
    """The unkeyed SHA-256 of rows written before migration 0005 (no `seq` in the content)."""
    content = canonical(
        [row.prev_hash, row.at.isoformat(), row.actor, row.action, row.target, row.before_json, row.after_json]
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def append_audit(session: Session, actor: str, action: str, target: str, before: Any, after: Any) -> AuditLog:
    """Add one audit row to `session`; the caller commits it together with the change it records.

    A lock (`action` "payrun.lock") or every `ANCHOR_EVERY`-th row is anchored once the transaction
    has committed (`gateway.access.anchors`).
    """
    key = keys_of(session).audit_key
    head = session.execute(select(AuditLog.seq, AuditLog.row_hash).order_by(AuditLog.seq.desc()).limit(1)).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    row = AuditLog(
        seq=seq,
        at=datetime.now(UTC).replace(tzinfo=None),
        actor=actor,
        action=action,
        target=target,
        before_json=canonical(before),
        after_json=canonical(after),
        prev_hash=prev_hash,
    )
    row.row_hash = keyed_hash(key, "audit", _row_content(row))
    session.add(row)
    session.flush()
    if action == "payrun.lock" or seq % ANCHOR_EVERY == 0:
        anchors.anchor_after_commit(session, seq, row.id, row.row_hash, f"{action} {target}")
    return row


def record_audit(factory: sessionmaker[Session], actor: str, action: str, target: str, before: Any, after: Any) -> None:
    """Append and commit one audit row on its own, retrying when a concurrent writer took the chain head."""
    for attempt in range(_APPEND_ATTEMPTS):
        with factory() as session:
            try:
                append_audit(session, actor, action, target, before, after)
                session.commit()
                return
            except IntegrityError:
                session.rollback()
                if attempt == _APPEND_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, 0.005 * attempt))  # jitter: concurrent writers do not collide again


FindingKind = Literal[
    "edited",
    "re-chained",
    "missing",
    "reordered",
    "truncated",
    "emptied",
    "anchor-altered",
    "payrun-altered",
    "row-altered",
]


@dataclass(frozen=True)
class Finding:
    """One way the stored data does not match what was recorded; `row_id` points at the audit row if any."""

    kind: FindingKind
    message: str
    row_id: int | None = None


@dataclass(frozen=True)
class ChainState:
    """What the chain walk saw: its length and head (for the anchors) and the findings."""

    rows: int
    legacy_rows: int
    head_seq: int
    head_hash: str
    findings: tuple[Finding, ...]


def _describe(row: AuditLog) -> str:
    return f"row {row.id} (seq {row.seq}, {row.at:%Y-%m-%d %H:%M:%S} UTC, {row.actor}, {row.action} {row.target})"


def walk_chain(session: Session) -> ChainState:
    """Check every row's keyed hash, link and place; name each finding once, by what was done to the rows.

    Places first: a `seq` missing from 1..head means deleted rows; a row whose `seq` is lower than one
    stored before it (by id) means rows were swapped. Then hashes, in `seq` order: one row whose keyed
    hash fails while its neighbours pass was edited; a run of failing rows that still link to each
    other had their hashes recomputed without the key (re-chained).
    """
    key = keys_of(session).audit_key
    findings: list[Finding] = []
    places = session.execute(select(AuditLog.id, AuditLog.seq).order_by(AuditLog.id)).all()
    seqs = {seq for _id, seq in places}
    highest = 0
    for row_id, seq in places:
        if seq < highest:
            findings.append(
                Finding(
                    "reordered",
                    f"row {row_id} holds seq {seq} after seq {highest}: rows were swapped or renumbered",
                    row_id,
                )
            )
        highest = max(highest, seq)
    missing = [seq for seq in range(1, highest + 1) if seq not in seqs]
    for first, last in _ranges(missing):
        which = f"seq {first}" if first == last else f"seq {first}–{last}"
        findings.append(Finding("missing", f"audit rows {which} are missing: they were deleted"))
    rows = legacy = 0
    prev: AuditLog | None = None
    run: list[AuditLog] = []  # consecutive rows whose keyed hash fails
    keyed_seen = False
    for row in session.scalars(select(AuditLog).order_by(AuditLog.seq)).yield_per(1000):
        rows += 1
        genuine = hmac.compare_digest(row.row_hash, keyed_hash(key, "audit", _row_content(row)))
        if genuine:
            keyed_seen = True
        elif not keyed_seen and row.row_hash == _legacy_hash(row):
            genuine, legacy = True, legacy + 1
        follows_gap = prev is not None and row.seq != prev.seq + 1
        if prev is not None and not follows_gap and row.prev_hash != prev.row_hash:
            findings.append(
                Finding(
                    "reordered", f"{_describe(row)} does not link to the row before it: the chain was relinked", row.id
                )
            )
        if genuine or follows_gap:
            _close_run(findings, run)
            run = []
        if not genuine:
            run.append(row)
        prev = row
    _close_run(findings, run)
    return ChainState(rows, legacy, prev.seq if prev else 0, prev.row_hash if prev else GENESIS_HASH, tuple(findings))


def _ranges(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted numbers as (first, last) runs: [3, 4, 5, 9] → (3, 5), (9, 9)."""
    start = end = None
    for n in numbers:
        if end is not None and n == end + 1:
            end = n
            continue
        if start is not None and end is not None:
            yield start, end
        start = end = n
    if start is not None and end is not None:
        yield start, end


def _close_run(findings: list[Finding], run: list[AuditLog]) -> None:
    if len(run) == 1:
        findings.append(
            Finding(
                "edited", f"{_describe(run[0])} was edited: its content no longer matches its keyed hash", run[0].id
            )
        )
    elif run:
        findings.append(
            Finding(
                "re-chained",
                f"{_describe(run[0])} to {_describe(run[-1])}: {len(run)} rows whose "
                "hashes were recomputed without the audit key (edited and re-chained)",
                run[0].id,
            )
        )


def verify_chain(session: Session) -> int | None:
    """The id of the first audit row with a finding, or None when the chain itself is intact."""
    findings = walk_chain(session).findings
    return findings[0].row_id if findings else None
