"""The digests of a locked run are pinned: a faster lock must seal exactly what the first implementation sealed.

The values below were computed by the ORM-object implementation of the lock (snapshot, `current_digests`) before
the set-based one replaced it, with a fixed audit key over fixed data, so any change to what goes into a digest,
its order or its encoding fails here (and would make `audit verify` report every older locked run as altered).
Re-pinned, deliberately, when the attendance summary a payslip seals gained the approved-overtime keys
(`ot_in_lieu_minutes` and the 3 h / 36 h limit figures) and the payslip the leave figures (leave minutes by
payment, `paid_leave_fen`, `sick_pay_fen` …), and again when it gained the working-time keys
(`consecutive_days_max` / `_over_limit`, `wts_period_minutes`, `wts_standard_minutes`, `wts_settled_minutes`, 0
for standard hours), and the run's when its rules version gained the holiday source
(`holidays:chinesecalendar-<version>+overrides-<digest>`): new data sealed, the same encoding; older runs keep
verifying because `audit verify` re-digests what each run stored.

Since migration 0040 a payslip stores its lines as one text and seals it in the `payslip-v2` form, pinned anew
below and derived once more by hand (HMAC-SHA-256 of the fields, the four JSON texts by their SHA-256). The pins
of the form before stay: a run whose lines are `payslip_lines` rows (as every run computed before 0040 has them)
must keep sealing and verifying exactly as it did, which the second test shows by storing the same run's lines as
such rows before locking it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

from gateway_testkit import seed_march
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.access.integrity import current_digests
from gateway.access.keys import KeyRing
from gateway.access.verify import verify_all
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import compute_payrun, create_payrun, lock_payrun
from gateway.store import Payslip, make_engine, session_factory

KEYS = KeyRing(b"\x01" * 32, {"k1": b"\x02" * 32}, "k1")
RUN_DIGEST = "9073df18db6d0aabac13f43096bd4adde61838a6136273dd048bfd4f787ab9b6"
SLIP_DIGESTS = {
    1: "170fa92c1b163d8326a9bd2e6fd11fca7568ff6262a8d6b9298207a6510f57cc",
    2: "14fdcb9c596c98253250c7e8749af1b4df8dc1b34db21914c6a71085ac29badc",
    3: "26922ba206b992ff5692c2b13354d0e66058853232af99a1dd973ab6b0c52159",
}
#: The form before migration 0040 (lines as rows): pinned by the ORM-object implementation, unchanged since.
OLDER_RUN_DIGEST = "3f6523ac3891429dddf962a851001f0000c6d1614420a15c483e27c60006b562"
OLDER_SLIP_DIGESTS = {
    1: "e6909e192a3e52334a55f5ea453001f95546b263c07559702a09bdb509df2d61",
    2: "d2abe47d9b8ab129f50c62738b2f61e963b8bb9b2f4190f1037533af7e5206a0",
    3: "ebaab728fd156bcdb0772b46db409dbc1bedbcddf4d857511c044c96ce1cc377",
}


def _locked(
    db_url: str, as_rows: Callable[[Session], None] | None = None
) -> tuple[str | None, dict[int, str | None], dict[int, str], list[str]]:
    """Seed, compute, (store the lines as rows,) lock; then the run's digest, the stored payslip digests, the
    digests of what is stored now and the payrun findings of `audit verify`."""
    factory = session_factory(make_engine(db_url), keys=KEYS)
    with factory() as session, session.begin():
        seed_march(session)
    with factory() as session, session.begin():
        run = create_payrun(session, "2026-03", "all", "hr")
        compute_payrun(session, run.id, "hr")
        if as_rows is not None:
            as_rows(session)
        lock_payrun(session, run.id, "hr", WARNING_CODES)
        run_id = run.id
    with factory() as session:
        run = session.get(type(run), run_id)
        assert run is not None
        stored = dict(session.execute(select(Payslip.id, Payslip.digest).order_by(Payslip.id)).all())
        # the bank account was added without its audit row; the locked run itself verifies
        findings = [f.kind for f in verify_all(session).findings if f.kind.startswith("payrun")]
        return run.digest, stored, current_digests(session, run), findings


def test_a_locked_runs_digests_are_the_pinned_ones(db_url: str) -> None:
    assert _locked(db_url) == (RUN_DIGEST, SLIP_DIGESTS, SLIP_DIGESTS, [])


def test_a_run_whose_lines_are_rows_seals_them_as_before_migration_0040(
    db_url: str, lines_as_rows: Callable[[Session], None]
) -> None:
    assert _locked(db_url, lines_as_rows) == (OLDER_RUN_DIGEST, OLDER_SLIP_DIGESTS, OLDER_SLIP_DIGESTS, [])


def test_the_v2_digest_is_the_keyed_hash_of_the_fields_with_the_texts_by_their_sha256(db_url: str) -> None:
    _locked(db_url)
    fields = [
        "id", "payrun_id", "employee_id", "gross_fen", "net_fen", "iit_fen", "figures_json", "inputs_json",
        "attendance_json", "employee_code", "employee_name", "office_name", "bank_name", "account_name", "account_no",
        "id_type", "id_number", "department_name", "lines_json",
    ]  # fmt: skip
    with session_factory(make_engine(db_url), keys=KEYS)() as session:
        row = session.execute(select(*(getattr(Payslip, f) for f in fields)).where(Payslip.id == 1)).one()
    values = [
        hashlib.sha256(value.encode()).hexdigest() if name.endswith("_json") else value
        for name, value in zip(fields, row, strict=True)
    ]
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    assert hmac.new(KEYS.audit_key, f"payslip-v2\n{text}".encode(), hashlib.sha256).hexdigest() == SLIP_DIGESTS[1]
