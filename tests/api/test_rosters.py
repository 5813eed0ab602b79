"""Rosters through the API: a pattern, a crew working it, the month's grid, single cells, bulk assignment, and the
refusals; attendance follows the roster (a rostered Saturday is a workday, a rostered Tuesday off a rest day)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from gateway.pay.attendance import month_attendance
from gateway.store import Office, PayRun, utcnow
from payroll_core.attendance import Fact, Period

HQ = "Shanghai HQ"
# 2-on-2-off from Sunday 1 March 2026: on 1, 2, off 3, 4, on 5, 6, ... — (day - 1) mod 4 < 2 is on.
TWO_ON_TWO_OFF = ["office", "office", None, None]
MARCH = [("office" if (d - 1) % 4 < 2 else None) for d in range(1, 32)]


def _setup(client: TestClient, hr: dict[str, str]) -> None:
    body = {"office": HQ, "code": "2on2off", "name": "做二休二", "cycle": TWO_ON_TWO_OFF}
    created = client.post("/api/v1/roster-patterns", json=body, headers=hr)
    assert created.status_code == 201, created.text
    assert created.json() == body
    crew = {"office": HQ, "code": "A", "name": "甲班", "pattern": "2on2off", "start": "2026-03-01", "members": ["E001"]}
    made = client.post("/api/v1/crews", json=crew, headers=hr)
    assert made.status_code == 201, made.text
    assert made.json() == crew


def test_crew_pattern_grid_cells_and_attendance(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _setup(client, hr)
    grid = client.get("/api/v1/rosters", params={"office": HQ, "period": "2026-03"}, headers=as_role("viewer")).json()
    assert grid["shifts"] == [{"name": "office", "start": "09:00", "end": "18:00"},
                              {"name": "flex", "start": "07:00", "end": "21:00"}]  # fmt: skip
    assert grid["rows"] == [
        {
            "employee": "E001",
            "name": "Worker E001",
            "department": None,
            "crew": "A",
            "cells": MARCH,
            "own": [False] * 31,
        }
    ]
    assert grid["headcount"]["office"] == [1 if c else 0 for c in MARCH]
    assert grid["days"][0] == "2026-03-01" and len(grid["days"]) == 31

    cells = {"office": HQ, "cells": [{"employee": "E001", "date": "2026-03-03", "shift": "office"},
                                     {"employee": "E001", "date": "2026-03-05", "shift": None}]}  # fmt: skip
    put = client.put("/api/v1/rosters/cells", json=cells, headers=hr)
    assert put.status_code == 200 and put.json() == {"cells": 2}
    row = client.get("/api/v1/rosters", params={"office": HQ, "period": "2026-03"}, headers=hr).json()["rows"][0]
    assert row["cells"] == MARCH[:2] + ["office", None, None] + MARCH[5:]
    assert [d + 1 for d, own in enumerate(row["own"]) if own] == [3, 5]

    with factory() as session:
        attendance = month_attendance(session, Period(2026, 3), session.query(Office).filter_by(name=HQ).one())
        kinds = attendance.facts[0, :, Fact.DAY_TYPE].tolist()
    # workday where a shift is rostered (Saturday 14 March too), rest day where none is (Wednesday 4 March too)
    assert kinds == [0 if c else 1 for c in row["cells"]]


def test_a_cleared_cell_follows_the_crews_pattern_again(
    client: TestClient, as_role, factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _setup(client, hr)
    own = [{"employee": "E001", "date": f"2026-03-{d:02d}", "shift": shift} for d, shift in ((3, "flex"), (5, None))]
    assert client.put("/api/v1/rosters/cells", json={"office": HQ, "cells": own}, headers=hr).json() == {"cells": 2}
    clear = {"office": HQ, "cells": [{"employee": "E001", "date": "2026-03-03", "shift": None, "clear": True}]}
    assert client.put("/api/v1/rosters/cells", json=clear, headers=hr).json() == {"cells": 1}
    row = client.get("/api/v1/rosters", params={"office": HQ, "period": "2026-03"}, headers=hr).json()["rows"][0]
    # 3 March is the pattern's rest day again; 5 March keeps its own rest day (the pattern has a shift there)
    assert row["cells"] == MARCH[:4] + [None] + MARCH[5:]
    assert [d + 1 for d, mine in enumerate(row["own"]) if mine] == [5]
    entries = client.get("/api/v1/audit", params={"target": f"roster:{HQ}"}, headers=hr).json()
    assert (entries[0]["action"], entries[0]["after"]) == (
        "roster.cells",
        [{"employee": "E001", "day": "2026-03-03", "clear": True}],
    )

    with factory() as session, session.begin():
        session.add(PayRun(period="2026-03", scope="all", status="locked", created_at=utcnow(), created_by="hr"))
    again = {"office": HQ, "cells": [{"employee": "E001", "date": "2026-03-05", "shift": None, "clear": True}]}
    refused = client.put("/api/v1/rosters/cells", json=again, headers=hr)
    assert refused.status_code == 422 and "is already paid in locked pay run" in refused.json()["detail"]


def test_assign_a_pattern_over_a_range(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _setup(client, hr)
    body = {"office": HQ, "pattern": "2on2off", "start": "2026-03-02", "first": "2026-03-10", "last": "2026-03-13",
            "employees": ["E001"]}  # fmt: skip
    done = client.post("/api/v1/rosters/assign", json=body, headers=hr)
    assert done.status_code == 200 and done.json() == {"cells": 4}
    cells = client.get("/api/v1/rosters", params={"office": HQ, "period": "2026-03"}, headers=hr).json()["rows"][0]
    # from 2 March: 10 March is day 9 of the count, (9 - 1) mod 4 = 0: on, on (11th), off (12th), off (13th)
    assert cells["cells"][9:13] == ["office", "office", None, None]
    assert cells["cells"][:9] == MARCH[:9] and cells["cells"][13:] == MARCH[13:]


def test_refusals_say_what_and_where(client: TestClient, as_role, factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    hr = as_role("hr")
    _setup(client, hr)
    bad = client.post("/api/v1/roster-patterns", json={"office": HQ, "code": "n", "name": "夜", "cycle": ["night"]},
                      headers=hr)  # fmt: skip
    assert bad.status_code == 422
    assert (
        bad.json()["detail"] == "cycle day 1: shift 'night' does not exist in office 'Shanghai HQ'; known: office, flex"
    )
    cell = {"office": HQ, "cells": [{"employee": "E002", "date": "2026-03-03", "shift": None}]}
    other = client.put("/api/v1/rosters/cells", json=cell, headers=hr)
    assert other.json()["detail"] == "employee E002 is not in office 'Shanghai HQ'; roster them in their own office"
    backwards = {"office": HQ, "pattern": "2on2off", "start": "2026-03-01", "first": "2026-03-10",
                 "last": "2026-03-09", "crew": "A"}  # fmt: skip
    assert client.post("/api/v1/rosters/assign", json=backwards, headers=hr).json()["detail"] == (
        "range 2026-03-10 to 2026-03-09: give a first day on or before the last, at most 366 days"
    )
    with factory() as session, session.begin():
        session.add(PayRun(period="2026-03", scope="all", status="locked", created_at=utcnow(), created_by="hr"))
    with factory() as session:
        run_id = session.query(PayRun).one().id
    locked = {"office": HQ, "cells": [{"employee": "E001", "date": "2026-03-03", "shift": None}]}
    refused = client.put("/api/v1/rosters/cells", json=locked, headers=hr)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"2026-03 is already paid in locked pay run {run_id}: its roster cannot change any more; "
        "roster from the next unpaid month"
    )
    assert client.put("/api/v1/rosters/cells", json=locked, headers=as_role("viewer")).status_code == 403


def test_an_unrostered_employees_grid_follows_the_calendar_from_the_first_of_the_month(  # type: ignore[no-untyped-def]
    client: TestClient, as_role
) -> None:
    """December 2026 begins on a Tuesday: without a roster the fixed shift is worked that day, as on every workday
    (the 1st once showed as 休, the day-before column read as the month's first)."""
    grid = client.get("/api/v1/rosters", params={"office": HQ, "period": "2026-12"}, headers=as_role("hr")).json()
    cells = grid["rows"][0]["cells"]
    # Tue 1 – Fri 4 worked, Sat 5 and Sun 6 rest, Mon 7 worked
    assert cells[:7] == ["office", "office", "office", "office", None, None, "office"]


def test_a_leave_request_counts_the_rostered_days_not_the_calendars(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    """On 做二休二 from 1 March, Saturday 14 March is a rostered workday and Wednesday 4 March a rostered rest day:
    事假 (rest days not counted) takes the Saturday's 8 hours and refuses the Wednesday as nothing to request."""
    _setup(client, as_role("hr"))
    employee = as_role("employee")

    def personal_leave(day: str, after: str) -> Response:
        body = {"kind": "leave", "leave_type": "personal", "reason": "家里有事",
                "starts_at": f"{day}T00:00:00", "ends_at": f"{after}T00:00:00"}  # fmt: skip
        return client.post("/api/v1/requests", json=body, headers=employee)

    saturday = personal_leave("2026-03-14", "2026-03-15")
    assert saturday.status_code == 201, saturday.text
    assert saturday.json()["amount"] == 480  # 事假 is taken by the hour and counted in minutes: one 8-hour day
    wednesday = personal_leave("2026-03-04", "2026-03-05")
    assert (wednesday.status_code, wednesday.json()["detail"]) == (
        422,
        "事假 from 2026-03-04 00:00 to 2026-03-05 00:00 covers only rest days and holidays, which personal leave "
        "does not count: nothing to request",
    )
