"""A payslip's lines in their two stored forms: one text on the payslip (since migration 0040) and `payslip_lines`
rows (runs computed before it). Both read the same, the rows of a locked run stay guarded, and an edited row is
found by `audit verify`."""

from __future__ import annotations

from collections.abc import Callable

import orjson
import pytest
from gateway_testkit import seed_march
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.access.verify import verify_all
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import compute_payrun, create_payrun, lock_payrun
from gateway.pay.payslip_documents import build_documents
from gateway.pay.payslip_lines import StoredLine, lines_text, parse_lines, stored_lines
from gateway.store import Payslip, PayslipLine
from payroll_core.lines import Line


def test_the_stored_text_is_the_documents_lines_and_reads_back_exactly() -> None:
    lines = [
        Line("BASE_PAY", 600_000, {"monthly_salary_fen": 600_000, "employed_days": 21, "scheduled_days": 22}, "r"),
        Line("BONUS", 1, {"taxed_separately": True, "chosen_by_hr": False, "big": 2**63 - 1, "none": None}),
        Line("LEAVE", -12, {"name": "年假", "quote": 'a "b" \\ c', "control": "line\nnext\ttab\x01"}, "《条例》第三条"),
    ]
    text = lines_text(lines)
    assert text.startswith(
        '[{"code":"BASE_PAY","amount_fen":600000,"quantities":{"monthly_salary_fen":600000,"employed_days":21,'
        '"scheduled_days":22},"rule":"r"},'
    )
    assert '"name":"年假"' in text  # UTF-8 as it is, not \\u escapes
    assert parse_lines(text) == [StoredLine(line.code, line.amount_fen, line.quantities, line.rule) for line in lines]


def _computed(factory: sessionmaker[Session]) -> int:
    with factory() as session, session.begin():
        seed_march(session)
        run = create_payrun(session, "2026-03", "all", "hr")
        compute_payrun(session, run.id, "hr")
        return run.id


def test_both_forms_give_the_same_lines_and_documents(
    factory: sessionmaker[Session], lines_as_rows: Callable[[Session], None]
) -> None:
    _computed(factory)
    with factory() as session, session.begin():
        ids = session.scalars(select(Payslip.id).order_by(Payslip.id)).all()
        as_text = stored_lines(session, ids), build_documents(session, Payslip.id.in_(ids))
        only_tax = stored_lines(session, ids, codes={"IIT"})
        lines_as_rows(session)
    with factory() as session:
        assert session.scalar(select(Payslip.lines_json).where(Payslip.id == ids[0])) is None
        as_rows = stored_lines(session, ids), build_documents(session, Payslip.id.in_(ids))
        assert stored_lines(session, ids, codes={"IIT"}) == only_tax
    assert as_rows[0] == as_text[0]
    assert {i: orjson.loads(d) for i, d in as_rows[1].items()} == {i: orjson.loads(d) for i, d in as_text[1].items()}
    assert [line.code for line in as_text[0][ids[0]]][:1] == ["BASE_PAY"] and len(as_text[0][ids[0]]) > 5
    assert all([line.code for line in lines] == ["IIT"] for lines in only_tax.values())


def test_the_line_rows_of_a_locked_run_are_guarded_and_an_edited_one_is_found(
    factory: sessionmaker[Session], drop_triggers: Callable[[Engine], None], lines_as_rows: Callable[[Session], None]
) -> None:
    run_id = _computed(factory)
    with factory() as session, session.begin():
        lines_as_rows(session)
        lock_payrun(session, run_id, "hr", WARNING_CODES)
    every_line = select(PayslipLine.id, PayslipLine.amount_fen, PayslipLine.rule).order_by(PayslipLine.id)
    with factory() as session:
        lines = session.execute(every_line).all()
        assert [
            f for f in verify_all(session).findings if f.kind == "payrun-altered"
        ] == []  # (seeded account: no audit)
    for statement in (update(PayslipLine).values(amount_fen=1), delete(PayslipLine)):
        with factory() as session, pytest.raises(IntegrityError, match="a locked pay run never changes"):
            session.execute(statement)
            session.commit()
    with factory() as session:
        assert len(lines) > 10 and session.execute(every_line).all() == lines
    drop_triggers(factory.kw["bind"])
    with factory() as session, session.begin():
        session.execute(update(PayslipLine).where(PayslipLine.id == lines[0].id).values(rule="paid in full"))
    with factory() as session:
        found = [f.message for f in verify_all(session).findings if f.kind == "payrun-altered"]
    assert len(found) == 1 and found[0].endswith(
        "(employee E001) of pay run 1 (2026-03, all) was changed after the lock"
    )


def test_postgresql_compresses_the_payslip_texts_with_lz4(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("column compression is PostgreSQL's (migration 0041)")
    with engine.connect() as connection:
        if (
            "lz4"
            not in connection.exec_driver_sql(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            ).scalar_one()
        ):
            pytest.skip("this PostgreSQL server was built without LZ4")
        methods = connection.exec_driver_sql(
            "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute "
            "WHERE attrelid IN ('payslips'::regclass, 'payslip_documents'::regclass) AND attcompression <> ''"
        ).all()
    assert sorted(methods) == [
        ("payslip_documents.document", "l"),
        ("payslips.attendance_json", "l"),
        ("payslips.figures_json", "l"),
        ("payslips.inputs_json", "l"),
        ("payslips.lines_json", "l"),
    ]
