"""GET /dashboard: today per office from hand-made punches, terminal health (the same on GET /devices), and
month trends from stored payslips — every figure exact."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pay_testkit import WORKDAYS, full_month, punch_day
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from drivers.base import RawPunch
from gateway.devices.ingest import ingest_punches
from gateway.pay.attendance import month_attendance, parse_period
from gateway.pay.dashboard import local_today, offices_today
from gateway.pay.lock_checks import WARNING_CODES
from gateway.pay.payrun import lock_payrun, run_payroll
from gateway.store import Device, Employee, Office, PayRun, StaffRequest, utcnow

SN_SH = "SH0001"
DAY = date(2026, 3, 3)  # a Tuesday, a workday in Shanghai


def _employee(session: Session, code: str, office: str, **fields: object) -> Employee:
    office_id = session.scalar(select(Office.id).where(Office.name == office))
    employee = Employee(
        code=code,
        name=f"Worker {code}",
        office_id=office_id,
        pay_basis="monthly",
        monthly_salary_fen=500_000,
        special_deductions_fen=0,
        **fields,
    )
    session.add(employee)
    return employee


def _punches(factory: sessionmaker[Session], pin: str, *times: tuple[int, int], day: date = DAY) -> None:
    ingest_punches(
        factory,
        SN_SH,
        [RawPunch(SN_SH, pin, datetime(day.year, day.month, day.day, h, m)) for h, m in times],
        source="zk-tcp",
        now=datetime(2026, 4, 1),
    )


def _badge(factory: sessionmaker[Session], code: str, pin: str, office: str = "Shanghai HQ", **fields: object) -> None:
    from gateway.store import Badge

    with factory() as session, session.begin():
        employee = _employee(session, code, office, **fields)
        session.flush()
        session.add(Badge(pin=pin, employee_id=employee.id, device_sn=None))


def test_today_counts_each_kind_of_day_exactly(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    _punches(factory, "1001", (8, 55), (18, 0))  # E001: on time
    _badge(factory, "E003", "1003")
    _punches(factory, "1003", (9, 20), (18, 5))  # late 20 minutes (grace 5)
    _badge(factory, "E004", "1004")
    # one punch: missing punch, not judged late; 3 March has ended by now, so the default missing_punch = "absent"
    # makes it a full-day absence (2 present: E001, E003; 3 absent: E004, E005, E006)
    _punches(factory, "1004", (9, 10))
    _badge(factory, "E005", "1005")  # no punch: absent
    _badge(factory, "E006", "1006")
    _punches(factory, "1006", (9, 0), (9, 30))  # 30 minutes: below absent_below_minutes (60), so absent
    _badge(factory, "E007", "1007", hired_on=date(2026, 3, 4))  # not employed yet: not counted at all
    _badge(factory, "E008", "1008", left_on=date(2026, 3, 2))  # left: not counted
    response = client.get("/api/v1/dashboard", params={"day": DAY.isoformat()}, headers=as_role("viewer"))
    assert response.status_code == 200, response.text
    assert response.json()["offices"] == [
        {
            "office": "Shanghai HQ",
            "timezone": "Asia/Shanghai",
            "date": "2026-03-03",
            "headcount": 5,
            "present": 2,
            "late": 1,
            "absent": 3,
            "missing_punch": 1,
            "on_leave": 0,
        },
        {
            "office": "Urumqi plant",
            "timezone": "Asia/Urumqi",
            "date": "2026-03-03",
            "headcount": 1,
            "present": 0,
            "late": 0,
            "absent": 1,
            "missing_punch": 0,
            "on_leave": 0,
        },
    ]


def test_today_in_progress_counts_a_missing_punch_present_not_absent(factory) -> None:  # type: ignore[no-untyped-def]
    # As of 10:00 in Shanghai on 3 March the day has not ended: E004's 09:10 in has no out yet, which is
    # only flagged, not absent; E001 has not punched at all: absent.
    _badge(factory, "E004", "1004")
    _punches(factory, "1004", (9, 10))
    with factory() as session:
        shanghai = offices_today(session, datetime(2026, 3, 3, 2, 0))[0]
    assert (shanghai.date, shanghai.headcount, shanghai.present, shanghai.absent, shanghai.missing_punch) == (
        DAY,
        2,
        1,
        1,
        1,
    )


def test_approved_leave_is_on_leave_not_absent(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    _badge(factory, "E005", "1005")  # no punch, approved leave today: on leave
    _badge(factory, "E006", "1006")  # no punch, leave still pending: absent
    _badge(factory, "E009", "1009")  # no punch, approved leave that ended yesterday: absent
    with factory() as session, session.begin():
        ids = dict(session.execute(select(Employee.code, Employee.id)).all())
        for code, status, start, end in (
            ("E005", "approved", datetime(2026, 3, 3, 9, 0), datetime(2026, 3, 3, 13, 0)),
            ("E006", "pending", datetime(2026, 3, 3, 0, 0), datetime(2026, 3, 4, 0, 0)),
            ("E009", "approved", datetime(2026, 3, 2, 0, 0), datetime(2026, 3, 3, 0, 0)),
        ):
            session.add(
                StaffRequest(
                    employee_id=ids[code], kind="leave", leave_type="personal", starts_at=start, ends_at=end,
                    amount=1, reason="family", status=status, steps=1, step=1, created_by="test",
                    created_at=datetime(2026, 3, 1),
                )
            )  # fmt: skip
    offices = client.get("/api/v1/dashboard", params={"day": DAY.isoformat()}, headers=as_role("hr")).json()["offices"]
    shanghai = next(o for o in offices if o["office"] == "Shanghai HQ")
    # E001 has no punch either: absent with E006 and E009
    assert (shanghai["headcount"], shanghai["on_leave"], shanghai["absent"]) == (4, 1, 3)


def test_a_rest_day_has_no_absence(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    saturday = date(2026, 3, 7)
    _punches(factory, "1001", (10, 0), (15, 0), day=saturday)
    offices = client.get("/api/v1/dashboard", params={"day": "2026-03-07"}, headers=as_role("hr")).json()["offices"]
    assert [(o["office"], o["headcount"], o["present"], o["absent"], o["late"]) for o in offices] == [
        ("Shanghai HQ", 1, 1, 0, 0),
        ("Urumqi plant", 1, 0, 0, 0),
    ]


def test_today_is_each_offices_own_date() -> None:
    shanghai = Office(name="sh", timezone="Asia/Shanghai", city="shanghai")
    urumqi = Office(name="ur", timezone="Asia/Urumqi", city="urumqi")
    now = datetime(2026, 3, 2, 17, 30)  # 01:30 on the 3rd in Shanghai, 23:30 on the 2nd in Urumqi
    assert (local_today(shanghai, now), local_today(urumqi, now)) == (date(2026, 3, 3), date(2026, 3, 2))


def test_one_days_facts_equal_the_months(factory) -> None:  # type: ignore[no-untyped-def]
    """Reading only the punches around a day gives that day exactly the facts the month's computation gives."""
    full_month(factory)
    _punches(factory, "1001", (8, 0), (23, 30), day=date(2026, 3, 31))  # overtime into the night, month end
    period = parse_period("2026-03")
    with factory() as session:
        office = session.scalar(select(Office).where(Office.name == "Shanghai HQ"))
        month = month_attendance(session, period, office)
        for day in (date(2026, 3, 2), date(2026, 3, 10), date(2026, 3, 31)):
            alone = month_attendance(session, period, office, day=day)
            assert alone.facts[:, day.day - 1].tolist() == month.facts[:, day.day - 1].tolist()


def _set_device(factory: sessionmaker[Session], sn: str, **values: object) -> None:
    with factory() as session, session.begin():
        session.execute(update(Device).where(Device.sn == sn).values(**values))


def _health(client: TestClient, headers: dict[str, str], name: str) -> tuple[dict[str, object], dict[str, object]]:
    """(the device's health on GET /devices, its row on GET /dashboard)."""
    devices = {d["name"]: d["health"] for d in client.get("/api/v1/devices", headers=headers).json()}
    terminals = {t["name"]: t for t in client.get("/api/v1/dashboard", headers=headers).json()["terminals"]}
    return devices[name], terminals[name]


def test_a_clock_eight_hours_off_is_a_warning_with_the_fix(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    factory = client.app.state.settings.session_factory  # type: ignore[attr-defined]
    _set_device(factory, SN_SH, last_success_at=utcnow() - timedelta(seconds=5), clock_offset_s=28_800)
    health, terminal = _health(client, as_role("viewer"), "hq-door")
    problem = {
        "code": "clock_drift",
        "message": "the terminal's clock is 8 h 0 min fast (+28800 s; allowed ±60 s), so its punches are stamped "
        "with the wrong time: set sync_clock = true for 'hq-door' in the config (the poller then sets its clock), "
        "or set the date and time on the terminal (Menu → System → Date/Time)",
        "clock_offset_s": 28_800,
    }
    assert (health["state"], health["problems"]) == ("warning", [problem])
    assert (terminal["state"], terminal["problems"], terminal["sn"], terminal["office"], terminal["kind"]) == (
        "warning",
        [problem],
        SN_SH,
        "Shanghai HQ",
        "zk-tcp",
    )
    _set_device(factory, SN_SH, clock_offset_s=-60)  # exactly the allowed drift: fine
    assert _health(client, as_role("viewer"), "hq-door")[1]["state"] == "ok"


def test_failures_are_classified_from_the_last_error(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    factory = client.app.state.settings.session_factory  # type: ignore[attr-defined]
    _set_device(factory, "UR0001", last_error="AuthFailed: the terminal refused comm key 0")
    health, terminal = _health(client, as_role("hr"), "urumqi-gate")
    assert health["state"] == terminal["state"] == "failing"
    assert [(p["code"], p["message"]) for p in terminal["problems"]] == [
        (
            "wrong_comm_key",
            "the terminal refused the comm key (AuthFailed: the terminal refused comm key 0): set comm_key for "
            "'urumqi-gate' in the config to the terminal's (Menu → Comm. → Comm Key), then restart",
        )
    ]
    _set_device(factory, "UR0001", last_error="ProtocolError: reply too short: 0a0b")
    assert [(p["code"], p["message"]) for p in _health(client, as_role("hr"), "urumqi-gate")[1]["problems"]] == [
        ("poll_failed", "the last poll failed: ProtocolError: reply too short: 0a0b")
    ]


def test_a_terminal_not_read_for_three_intervals_is_a_warning(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    factory = client.app.state.settings.session_factory  # type: ignore[attr-defined]
    _set_device(factory, SN_SH, last_success_at=utcnow() - timedelta(seconds=120))  # 2 of its 60 s intervals
    assert _health(client, as_role("hr"), "hq-door")[1]["state"] == "ok"
    _set_device(factory, SN_SH, last_success_at=datetime(2026, 3, 2, 1, 0))
    health, terminal = _health(client, as_role("hr"), "hq-door")
    assert health["state"] == terminal["state"] == "warning"
    [problem] = terminal["problems"]
    assert problem["code"] == "not_read_recently"
    assert str(problem["message"]).startswith("not read since 2026-03-02 01:00 UTC (")
    assert str(problem["message"]).endswith(
        "ago; polled every 60 s): check that `punchclock serve` is running and polls this terminal"
    )


@pytest.mark.usefixtures("overtime_by_punches")  # the punches' overtime, no approval needed
def test_trends_come_from_the_stored_payslips(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)  # E001: 22 workdays, absent on one, on time on the others
    punch_day(factory, date(2026, 3, 11))  # re-read, harmless
    _punches(factory, "1001", (9, 10), (18, 0), day=date(2026, 3, 12))  # an earlier 08:55 stays the first punch
    _badge(factory, "E003", "1003")
    for day in WORKDAYS:
        _punches(factory, "1003", (9, 30), (18, 0), day=day)  # late every day
    _punches(factory, "1003", (20, 0), day=date(2026, 3, 16))  # out at 20:00: 120 minutes of overtime
    with factory() as session, session.begin():
        session.execute(update(Employee).where(Employee.code == "E002").values(si_city="shanghai"))  # no Urumqi rules
        run, _changes = run_payroll(session, "2026-03", "all", "test")
        session.add(PayRun(period="2026-04", scope="all", status="draft", created_at=utcnow(), created_by="test"))
    slips = client.get(f"/api/v1/payruns/{run.id}", headers=as_role("hr")).json()["payslips"]
    by_code = {s["employee"]: s for s in slips}
    trends = client.get("/api/v1/dashboard", headers=as_role("viewer")).json()["trends"]
    assert trends == {
        "months": ["2026-03"],  # the April draft is no basis for a trend
        "ot_limit_minutes": 2160,
        "offices": [
            {
                "office": "Shanghai HQ",
                "headcount": [2],
                "late_rate_bp": [5000],  # E003 late, E001 not
                "absence_rate_bp": [227],  # 1 absent day of 2 × 22 scheduled: 227.27
                "ot_minutes_per_employee": [60],  # 120 minutes ÷ 2
                "gross_fen": [by_code["E001"]["gross_fen"] + by_code["E003"]["gross_fen"]],
                "net_fen": [by_code["E001"]["net_fen"] + by_code["E003"]["net_fen"]],
            },
            {
                "office": "Urumqi plant",
                "headcount": [1],
                "late_rate_bp": [0],
                # 21 days without a punch and one missing-punch day, absent too under the default
                # missing_punch = "absent": 22 ÷ 22
                "absence_rate_bp": [10000],
                "ot_minutes_per_employee": [0],
                "gross_fen": [by_code["E002"]["gross_fen"]],
                "net_fen": [by_code["E002"]["net_fen"]],
            },
        ],
    }
    assert by_code["E003"]["gross_fen"] > 0


def test_a_locked_payslip_stays_with_the_office_it_was_paid_in(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    full_month(factory)
    with factory() as session, session.begin():
        run, _changes = run_payroll(session, "2026-03", "Shanghai HQ", "test")
        lock_payrun(session, run.id, "test", WARNING_CODES)
        employee = session.scalar(select(Employee).where(Employee.code == "E001"))
        assert employee is not None
        employee.office_id = session.scalar(select(Office.id).where(Office.name == "Urumqi plant"))
    trends = client.get("/api/v1/dashboard", headers=as_role("hr")).json()["trends"]
    assert [(o["office"], o["headcount"], o["gross_fen"]) for o in trends["offices"]] == [
        ("Shanghai HQ", [1], [1_177_805])
    ]


def test_the_last_six_months_with_a_run(client: TestClient, as_role, factory) -> None:  # type: ignore[no-untyped-def]
    with factory() as session, session.begin():
        for period in ("2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"):
            session.add(PayRun(period=period, scope="all", status="computed", created_at=utcnow(), created_by="t"))
    trends = client.get("/api/v1/dashboard", headers=as_role("hr")).json()["trends"]
    assert trends == {
        "months": ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"],
        "ot_limit_minutes": 2160,
        "offices": [],
    }


@pytest.mark.parametrize("role", ["employee"])
def test_employees_get_no_dashboard(client: TestClient, as_role, role: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/dashboard", headers=as_role(role)).status_code == 403
