"""Annual leave of a year against hand-worked cases (职工带薪年休假条例 art. 3; 实施办法 art. 5; 149号 item 2).

Each expected value is worked by hand in the comment: calendar days ÷ 365 × days per year, summed, rounded down.
"""

from __future__ import annotations

from datetime import date

import pytest

from payroll_core.leave import LeaveRuleError, annual_leave_days, load_leave_types
from payroll_core.rules import load_rules

CONVENTIONS = load_rules("2026-01", ["shanghai"]).cities[0].conventions


@pytest.mark.parametrize(
    ("work_started_on", "hired_on", "left_on", "expected"),
    [
        # Joiner on 1 July with 12 years of prior work: 10 days a year; 1 Jul–31 Dec = 184 days;
        # 184 / 365 × 10 = 5.04 → 5.
        (date(2014, 3, 1), date(2026, 7, 1), None, 5),
        # Leaver on 30 September, 6 years of work: 5 days a year; 1 Jan–30 Sep = 273 days; 273 / 365 × 5 = 3.74 → 3.
        (date(2020, 1, 1), date(2022, 4, 1), date(2026, 9, 30), 3),
        # 20 years reached on 15 May 2026: 15 days a year from 1 June. 1 Jan–31 May = 151 days at 10,
        # 1 Jun–31 Dec = 214 days at 15: (1510 + 3210) / 365 = 12.93 → 12.
        (date(2006, 5, 15), date(2015, 1, 1), None, 12),
        # A whole year at 10–20 years: 365 / 365 × 10 = 10.
        (date(2010, 1, 1), date(2015, 1, 1), None, 10),
        # Under one year of work all year long: 0.
        (date(2026, 2, 1), date(2026, 2, 1), None, 0),
        # The first year reached on 1 February 2026 counts from 1 March: 306 days (1 Mar–31 Dec) / 365 × 5 = 4.19 → 4.
        (date(2025, 2, 1), date(2025, 2, 1), None, 4),
    ],
)
def test_hand_worked_cases(work_started_on: date, hired_on: date, left_on: date | None, expected: int) -> None:
    got = annual_leave_days(
        2026, work_started_on=work_started_on, hired_on=hired_on, left_on=left_on, conventions=CONVENTIONS
    )
    assert got == expected


def test_leave_types_carry_their_data_and_office_overrides(tmp_path) -> None:  # type: ignore[no-untyped-def]
    types, policy = load_leave_types()
    assert [(t.code, t.name, t.paid, t.unit) for t in types.values()] == [
        ("annual", "年假", "1", "half_day"), ("sick", "病假", "sick", "half_day"), ("personal", "事假", "0", "hour"),
        ("marriage", "婚假", "1", "day"), ("maternity", "产假", "1", "day"), ("paternity", "陪产假", "1", "day"),
        ("bereavement", "丧假", "1", "day"), ("in_lieu", "调休", "1", "hour"),
    ]  # fmt: skip
    assert (types["annual"].by_service, types["maternity"].quota_days, types["maternity"].rest_days_count) == (
        True, 98, True
    )  # fmt: skip
    assert (policy.carry_over_days, policy.carry_over_expires) == (0, "03-31")
    from payroll_core.leave import LEAVE_FILE

    local = tmp_path / "leave.toml"
    local.write_text(
        LEAVE_FILE.read_text(encoding="utf-8") + '\n[offices."Shanghai HQ".types.marriage]\nquota_days = 10\n'
        '[offices."Shanghai HQ".policy]\ncarry_over_days = 5\n', encoding="utf-8"
    )  # fmt: skip
    shanghai, sh_policy = load_leave_types("Shanghai HQ", local)
    assert (shanghai["marriage"].quota_days, sh_policy.carry_over_days) == (10, 5)
    assert load_leave_types("Urumqi plant", local)[0]["marriage"].quota_days == 3
    local.write_text(LEAVE_FILE.read_text(encoding="utf-8") + '\n[offices."X".types.nap]\nquota_days = 1\n')
    with pytest.raises(LeaveRuleError, match=r"offices.'X'.types.nap: no such leave type in \[types\]"):
        load_leave_types("X", local)
