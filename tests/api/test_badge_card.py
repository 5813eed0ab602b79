"""A badge's card number and device privilege over the API: set on create (POST) and on edit (PATCH), shown in
the employee detail, 422 naming the field for a card no ZK terminal stores, 409 naming the card's holder."""

from __future__ import annotations

from api_testkit import audit_rows
from fastapi.testclient import TestClient

BADGES = "/api/v1/employees/E001/badges"


def test_a_badge_is_created_with_card_and_privilege_and_shown_in_the_detail(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    created = client.post(
        BADGES, json={"pin": "2001", "card": "0012345678", "device_privilege": "admin"}, headers=as_role("hr")
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "badge": {"id": 3, "pin": "2001", "device_sn": None, "card": "12345678", "device_privilege": "admin"},
        "remapped_punches": 0,
    }
    detail = client.get("/api/v1/employees/E001", headers=as_role("viewer")).json()
    assert detail["badges"] == [
        {"id": 1, "pin": "1001", "device_sn": None, "card": None, "device_privilege": "user"},
        {"id": 3, "pin": "2001", "device_sn": None, "card": "12345678", "device_privilege": "admin"},
    ]


def test_patch_sets_and_clears_the_card_audited_old_to_new(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    set_card = client.patch(f"{BADGES}/1", json={"card": "4294967295"}, headers=hr)
    assert set_card.status_code == 200, set_card.text
    assert set_card.json() == {
        "id": 1,
        "pin": "1001",
        "device_sn": None,
        "card": "4294967295",
        "device_privilege": "user",
    }
    admin = client.patch(f"{BADGES}/1", json={"device_privilege": "admin"}, headers=hr).json()
    assert (admin["card"], admin["device_privilege"]) == ("4294967295", "admin")  # the card is kept
    cleared = client.patch(f"{BADGES}/1", json={"card": None}, headers=hr).json()
    assert (cleared["card"], cleared["device_privilege"]) == (None, "admin")
    edits = [row[1:] for row in audit_rows(factory) if row[1] == "badge.edit"]
    assert edits == [
        (
            "badge.edit",
            "employee:E001",
            {"pin": "1001", "card": 0, "device_privilege": "user"},
            {"pin": "1001", "card": 4294967295, "device_privilege": "user"},
        ),
        (
            "badge.edit",
            "employee:E001",
            {"pin": "1001", "card": 4294967295, "device_privilege": "user"},
            {"pin": "1001", "card": 4294967295, "device_privilege": "admin"},
        ),
        (
            "badge.edit",
            "employee:E001",
            {"pin": "1001", "card": 4294967295, "device_privilege": "admin"},
            {"pin": "1001", "card": 0, "device_privilege": "admin"},
        ),
    ]


def test_a_card_beyond_32_bits_is_422_naming_the_field(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    response = client.patch(f"{BADGES}/1", json={"card": "4294967296"}, headers=as_role("hr"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        "body field card: card number 4294967296 is more than 4294967295, the largest a ZK terminal stores (32 bits): "
        "check the number printed on the card (got '4294967296')"
    ]
    letters = client.post(BADGES, json={"pin": "2001", "card": "12AB"}, headers=as_role("hr"))
    assert (letters.status_code, letters.json()["errors"]) == (
        422,
        ["body field card: card number '12AB': digits only, as printed on the card (e.g. 0012345678) (got '12AB')"],
    )
    privilege = client.patch(f"{BADGES}/1", json={"device_privilege": "root"}, headers=as_role("hr"))
    assert (privilege.status_code, privilege.json()["errors"]) == (
        422,
        ["body field device_privilege: Input should be 'user' or 'admin' (got 'root')"],
    )
    assert [row for row in audit_rows(factory) if row[1] == "badge.edit"] == []


def test_a_card_another_badge_of_the_office_holds_is_409_naming_it(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    assert client.patch(f"{BADGES}/1", json={"card": "777"}, headers=hr).status_code == 200
    taken = client.post(BADGES, json={"pin": "2001", "card": "777"}, headers=hr)
    assert (taken.status_code, taken.json()["detail"]) == (
        409,
        "card 777 is already on badge '1001' of employee 'E001' in office Shanghai HQ: clear it there first "
        "(one card opens one badge per office)",
    )
    # E002 works in the Urumqi plant, whose terminals are others: the same card is theirs to use.
    other = client.patch("/api/v1/employees/E002/badges/2", json={"card": "777"}, headers=hr)
    assert (other.status_code, other.json()["card"]) == (200, "777")
    assert client.get(BADGES, headers=hr).json() == [
        {"id": 1, "pin": "1001", "device_sn": None, "card": "777", "device_privilege": "user"}
    ]


def test_patch_of_another_employees_badge_is_404(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    response = client.patch(f"{BADGES}/2", json={"card": "1"}, headers=as_role("hr"))
    assert (response.status_code, response.json()["detail"]) == (404, "employee 'E001' has no badge with id 2")
    assert client.patch(f"{BADGES}/1", json={"card": "1"}, headers=as_role("viewer")).status_code == 403
