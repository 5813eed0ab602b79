"""Piece imports are batches: the same file twice is refused naming the first, a batch is listed, shown and
deleted (refused once a locked run paid it), each import and delete audited."""

from __future__ import annotations

import hashlib

from api_testkit import audit_rows
from fastapi.testclient import TestClient
from pay_testkit import PERIOD, SCOPE, full_month
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway import store
from gateway.pay.piece_import import MAX_UPLOAD_BYTES
from gateway.store import PieceRecord

HEADER = "employee,period,item,qty,rejects,unit_fen,grade_coef"
MARCH = f"{HEADER}\r\nE001,2026-03,LAMP-01,300,4,120,1.10\r\nE002,2026-03-17,LAMP-02,50,0,95,1\r\n".encode()
EXTRA = f"{HEADER}\r\nE001,2026-03,LAMP-03,10,0,200,1\r\n".encode()


def upload(client: TestClient, headers: dict[str, str], filename: str, content: bytes, name: str | None = None):  # type: ignore[no-untyped-def]
    params = {"filename": filename, **({"name": name} if name else {})}
    return client.post("/api/v1/piece-records", params=params, content=content, headers=headers)


def piece_rows(factory: sessionmaker[Session]) -> list[tuple[str, int, int]]:
    with factory() as session:
        return [(r.item, r.qty, r.batch_id) for r in session.scalars(select(PieceRecord).order_by(PieceRecord.id))]


def test_the_same_file_again_is_refused_naming_the_earlier_batch(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    first = upload(client, hr, "march.csv", MARCH)
    assert first.status_code == 201
    audited = audit_rows(factory)
    again = upload(client, hr, "march-copy.csv", MARCH)  # renamed, same bytes
    assert (again.status_code, again.headers["content-type"]) == (409, "application/problem+json")
    with factory() as session:
        batch = session.scalar(select(store.PieceBatch))
        assert batch is not None
    assert again.json()["detail"] == (
        f"march-copy.csv: nothing imported: the same file (SHA-256 {hashlib.sha256(MARCH).hexdigest()}) was imported "
        f"as piece batch 1 ('march.csv') at {batch.imported_at:%Y-%m-%d %H:%M} UTC by hr:hr-token; to import it "
        "again, delete batch 1 first"
    )
    assert piece_rows(factory) == [("LAMP-01", 300, 1), ("LAMP-02", 50, 1)]
    assert audit_rows(factory) == audited


def test_batches_are_listed_and_shown_with_their_rows(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    assert upload(client, hr, "march.csv", MARCH).status_code == 201
    named = upload(client, hr, "extra.csv", EXTRA, name="March top-up, line 3")
    assert (named.json()["batch_id"], named.json()["name"]) == (2, "March top-up, line 3")
    listed = client.get("/api/v1/piece-batches", headers=as_role("viewer")).json()
    assert [(b["id"], b["name"], b["periods"], b["rows"], b["qty"], b["imported_by"]) for b in listed] == [
        (2, "March top-up, line 3", ["2026-03"], 1, 10, "hr:hr-token"),
        (1, "march.csv", ["2026-03"], 2, 350, "hr:hr-token"),
    ]
    assert listed[1]["sha256"] == hashlib.sha256(MARCH).hexdigest()
    shown = client.get("/api/v1/piece-batches/1?limit=1", headers=as_role("viewer")).json()
    assert (shown["batch"]["id"], [(r["employee"], r["item"], r["batch_id"]) for r in shown["rows"]]) == (
        1,
        [("E001", "LAMP-01", 1)],
    )
    rest = client.get(f"/api/v1/piece-batches/1?limit=1&after_id={shown['next_after_id']}", headers=as_role("hr"))
    assert ([r["item"] for r in rest.json()["rows"]], rest.json()["next_after_id"]) == (["LAMP-02"], None)
    missing = client.get("/api/v1/piece-batches/99", headers=as_role("viewer"))
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no piece batch 99: GET /api/v1/piece-batches lists them",
    )
    assert client.get("/api/v1/piece-batches", headers=as_role("employee")).status_code == 403


def test_a_deleted_batch_takes_its_rows_and_is_audited(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    upload(client, hr, "march.csv", MARCH)
    upload(client, hr, "extra.csv", EXTRA)
    assert client.delete("/api/v1/piece-batches/1", headers=as_role("viewer")).status_code == 403
    deleted = client.delete("/api/v1/piece-batches/1", headers=hr)
    assert deleted.status_code == 200
    assert (deleted.json()["deleted_rows"], deleted.json()["batch"]["name"]) == (2, "march.csv")
    assert piece_rows(factory) == [("LAMP-03", 10, 2)]
    actor, action, target, before, after = audit_rows(factory)[-1]
    assert (actor, action, target, after) == ("hr:hr-token", "piece_records.delete", "piece_batch/1", None)
    assert {k: before[k] for k in ("name", "sha256", "periods", "rows", "qty")} == {
        "name": "march.csv",
        "sha256": hashlib.sha256(MARCH).hexdigest(),
        "periods": ["2026-03"],
        "rows": 2,
        "qty": 350,
    }
    assert upload(client, hr, "march.csv", MARCH).status_code == 201  # deleted, so it may come in again
    assert client.delete("/api/v1/piece-batches/1", headers=hr).status_code == 404


def test_a_batch_a_locked_run_paid_cannot_be_deleted(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    full_month(factory)
    upload(client, hr, "march.csv", MARCH)  # E001 (Shanghai HQ) and E002 (Urumqi plant)
    run = client.post("/api/v1/payruns", json={"period": PERIOD, "scope": SCOPE}, headers=hr).json()["id"]
    client.post(f"/api/v1/payruns/{run}/compute", headers=hr)
    client.post(f"/api/v1/payruns/{run}/lock", headers=hr)
    audited = audit_rows(factory)
    refused = client.delete("/api/v1/piece-batches/1", headers=hr)
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        f"piece batch 1 ('march.csv') cannot be deleted: locked pay runs paid its pieces (run {run} ({PERIOD}, scope "
        f"'{SCOPE}') paid E001); a locked run is immutable, so enter any correction in a later month's pieces",
    )
    assert piece_rows(factory) == [("LAMP-01", 300, 1), ("LAMP-02", 50, 1)]
    assert audit_rows(factory) == audited


def test_a_file_over_the_limit_is_refused_before_it_is_read(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    content = MARCH + b"E001,2026-03,LAMP-01,1,0,1,1\r\n" * (MAX_UPLOAD_BYTES // 30 + 1)
    response = upload(client, as_role("hr"), "huge.csv", content)
    assert (response.status_code, response.json()["detail"]) == (
        413,
        f"the body of {len(content):,} bytes is over the limit of 20,971,520 bytes: split it into files of at most "
        "20,971,520 bytes",
    )
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(store.PieceBatch)) == 0
