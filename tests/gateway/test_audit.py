"""The audit log is a keyed, sequenced, anchored chain: every way of tampering with it is found and named.

The tampering tests act as an attacker holding the database password but not the key file: they drop the
guard triggers first, then edit, delete, reorder or re-chain rows with plain SQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.access import audit
from gateway.access.anchors import read_anchors
from gateway.access.audit import GENESIS_HASH, append_audit, record_audit, verify_chain
from gateway.access.keys import KeyRing
from gateway.access.verify import verify_all
from gateway.store import AuditLog

DropTriggers = Callable[[Engine], None]


def fill(factory: sessionmaker[Session], count: int) -> None:
    for n in range(count):
        record_audit(factory, "hr:alice", "badge.add", f"employee:E00{n}", None, {"pin": str(n)})


def findings(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as session:
        return [(f.kind, f.message) for f in verify_all(session).findings]


def kinds(factory: sessionmaker[Session]) -> list[str]:
    return [kind for kind, _message in findings(factory)]


def test_rows_chain_from_genesis_with_the_audit_key(factory: sessionmaker[Session], test_keys: KeyRing) -> None:
    fill(factory, 3)
    with factory() as session:
        rows = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
        assert [r.seq for r in rows] == [1, 2, 3]
        assert [r.prev_hash for r in rows] == [GENESIS_HASH, rows[0].row_hash, rows[1].row_hash]
        first = rows[0]
        content = json.dumps(
            [1, GENESIS_HASH, first.at.isoformat(), "hr:alice", "badge.add", "employee:E000", "null", '{"pin":"0"}'],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        expected = hmac.new(test_keys.audit_key, f"audit\n{content}".encode(), hashlib.sha256).hexdigest()
        assert first.row_hash == expected
        assert verify_chain(session) is None
        assert verify_all(session).intact


def test_the_database_refuses_to_change_or_delete_audit_rows(factory: sessionmaker[Session]) -> None:
    fill(factory, 2)
    for statement in (update(AuditLog).values(actor="mallory"), delete(AuditLog).where(AuditLog.seq == 2)):
        with factory() as session, pytest.raises(IntegrityError, match="the audit log is append-only"):
            session.execute(statement)
            session.commit()
    assert kinds(factory) == []


def test_an_edited_row_is_named(factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers) -> None:
    fill(factory, 4)
    drop_triggers(engine)
    with factory() as session, session.begin():
        session.execute(update(AuditLog).where(AuditLog.seq == 2).values(after_json='{"pin":"666"}'))
    with factory() as session:
        row_id = session.scalar(select(AuditLog.id).where(AuditLog.seq == 2))
        assert verify_chain(session) == row_id
    [(kind, message)] = findings(factory)
    assert kind == "edited"
    assert f"row {row_id} (seq 2, " in message and "badge.add employee:E001) was edited" in message


def test_rows_deleted_from_the_middle_are_named_by_their_places(
    factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers
) -> None:
    fill(factory, 6)
    drop_triggers(engine)
    with factory() as session, session.begin():
        session.execute(delete(AuditLog).where(AuditLog.seq.in_([3, 4])))
    assert findings(factory) == [("missing", "audit rows seq 3–4 are missing: they were deleted")]


def test_a_deleted_tail_is_found_against_the_anchor(
    factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "ANCHOR_EVERY", 4)
    fill(factory, 9)  # anchors at seq 4 and 8
    drop_triggers(engine)
    with factory() as session, session.begin():
        session.execute(delete(AuditLog).where(AuditLog.seq >= 6))
    [(kind, message)] = findings(factory)
    assert kind == "truncated"
    assert message.startswith("the audit log ends at seq 5, but the anchor of ")
    assert message.endswith("(badge.add employee:E007) recorded seq 8: rows 6–8 were deleted")


def test_an_emptied_log_is_found_against_the_anchor(
    factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "ANCHOR_EVERY", 2)
    fill(factory, 3)
    drop_triggers(engine)
    with factory() as session, session.begin():
        session.execute(delete(AuditLog))
    [(kind, message)] = findings(factory)
    assert kind == "emptied"
    assert message.startswith("the audit log is empty, but the anchor of ")
    assert message.endswith("recorded 2 rows: every row was deleted")


def test_a_re_chained_log_is_found_without_anchors(
    factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers
) -> None:
    """Edit row 2 and recompute every later hash as the unkeyed chain did: the key is what is missing."""
    fill(factory, 5)
    drop_triggers(engine)
    with factory() as session, session.begin():
        rows = session.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
        rows[1].after_json = '{"pin":"666"}'
        for prev, row in zip(rows, rows[1:], strict=False):
            row.prev_hash = prev.row_hash
            content = json.dumps(
                [row.seq, row.prev_hash, row.at.isoformat(), row.actor, row.action, row.target, row.before_json,
                 row.after_json], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
            )  # fmt: skip
            row.row_hash = hashlib.sha256(content.encode()).hexdigest()
        first_id, last_id = rows[1].id, rows[-1].id
    [(kind, message)] = findings(factory)
    assert kind == "re-chained"
    assert message.startswith(f"row {first_id} (seq 2, ")
    assert f"to row {last_id} (seq 5, " in message
    assert message.endswith("4 rows whose hashes were recomputed without the audit key (edited and re-chained)")


def test_a_re_chained_log_is_also_found_against_an_anchor(
    factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even with a guessed key the rewritten rows no longer hold the anchored head hash."""
    monkeypatch.setattr(audit, "ANCHOR_EVERY", 3)
    fill(factory, 4)
    drop_triggers(engine)
    guessed = b"0" * 32
    with factory() as session, session.begin():
        rows = session.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
        rows[0].actor = "mallory"
        prev = GENESIS_HASH
        for row in rows:
            row.prev_hash = prev
            row.row_hash = audit.keyed_hash(guessed, "audit", audit._row_content(row))
            prev = row.row_hash
    assert kinds(factory) == ["re-chained", "re-chained"]
    assert "is not the one anchored at" in findings(factory)[1][1]


def test_swapped_rows_are_named_reordered(
    factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers
) -> None:
    fill(factory, 4)
    drop_triggers(engine)
    with factory() as session, session.begin():
        two, three = session.scalars(select(AuditLog).where(AuditLog.seq.in_([2, 3])).order_by(AuditLog.seq))
        # Swap the two rows' places by swapping their ids (a row's content cannot be changed unnoticed).
        ids = two.id, three.id
        session.execute(update(AuditLog).where(AuditLog.id == ids[0]).values(id=-1))
        session.execute(update(AuditLog).where(AuditLog.id == ids[1]).values(id=ids[0]))
        session.execute(update(AuditLog).where(AuditLog.id == -1).values(id=ids[1]))
    assert kinds(factory) == ["reordered"]


def test_a_forged_anchor_line_is_named(
    factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "ANCHOR_EVERY", 2)
    fill(factory, 4)
    anchors = tmp_path / "punchclock.anchors"
    lines = anchors.read_text().splitlines()
    forged = json.loads(lines[0]) | {"seq": 1}
    anchors.write_text("\n".join([json.dumps(forged), lines[1]]) + "\n")
    assert kinds(factory) == ["anchor-altered", "anchor-altered"]
    assert "line 1 does not carry the audit key's digest" in findings(factory)[0][1]
    assert "line 2 does not follow the line before it" in findings(factory)[1][1]


def test_anchor_files_are_private_and_keyed(
    factory: sessionmaker[Session], tmp_path: Path, test_keys: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "ANCHOR_EVERY", 2)
    fill(factory, 4)
    path = tmp_path / "punchclock.anchors"
    assert path.stat().st_mode & 0o777 == 0o600
    anchors, problems = read_anchors(path, test_keys.audit_key)
    assert [(a.seq, a.reason) for a in anchors] == [(2, "badge.add employee:E001"), (4, "badge.add employee:E003")]
    assert problems == []
    assert read_anchors(path, KeyRing.generate().audit_key)[1] != []  # another key's anchors do not verify


def test_rows_written_before_the_key_are_accepted_only_as_the_beginning(
    factory: sessionmaker[Session], engine: Engine, drop_triggers: DropTriggers
) -> None:
    fill(factory, 3)
    drop_triggers(engine)
    with factory() as session, session.begin():
        rows = session.scalars(select(AuditLog).order_by(AuditLog.seq)).all()
        prev = GENESIS_HASH
        for row in rows[:2]:  # as migration 0005 left rows of the unkeyed chain
            row.prev_hash = prev
            row.row_hash = audit._legacy_hash(row)
            prev = row.row_hash
        rows[2].prev_hash = prev
        rows[2].row_hash = audit.keyed_hash(audit.keys_of(session).audit_key, "audit", audit._row_content(rows[2]))
    with factory() as session:
        report = verify_all(session)
    assert report.intact and report.legacy_rows == 2
    with factory() as session, session.begin():  # an unkeyed row after a keyed one is not "legacy"
        session.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"))
    assert kinds(factory) == ["edited"]


def test_append_in_the_callers_transaction_rolls_back_with_it(factory: sessionmaker[Session]) -> None:
    fill(factory, 1)
    with factory() as session:
        append_audit(session, "admin", "device.delete", "device:SN1", {"sn": "SN1"}, None)
        session.rollback()
    fill(factory, 1)
    with factory() as session:
        assert session.scalars(select(AuditLog.target).order_by(AuditLog.id)).all() == [
            "employee:E000",
            "employee:E000",
        ]
        assert verify_chain(session) is None


GUARDS = {
    "audit_log_append_only_update", "audit_log_append_only_delete", "payruns_locked_update", "payruns_locked_delete",
    "payslips_locked_insert", "payslips_locked_update", "payslips_locked_delete", "payslip_lines_locked_insert",
    "payslip_lines_locked_update", "payslip_lines_locked_delete", "payslip_documents_no_update",
    "payslip_documents_no_delete",
}  # fmt: skip


def test_the_migrated_schema_holds_every_guard_trigger(engine: Engine) -> None:
    """A later migration that rebuilds a guarded table on SQLite drops its triggers: this catches it."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            names = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        else:
            names = set(connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
            per_row = connection.execute(  # tgtype bit 0: FOR EACH ROW
                text(
                    "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE c.relname = 'payslip_lines' AND NOT t.tgisinternal AND t.tgtype & 1 = 1"
                )
            ).all()
            assert per_row == []  # migration 0037: the line guards check once per statement (a COPY of 85,000 lines)
    assert names == GUARDS
