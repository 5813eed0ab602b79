"""Hand-checked attendance cases, one per rule; every expected figure is worked out in the comment."""

from __future__ import annotations

import pytest

SH = "Asia/Shanghai"
WORKDAY, RESTDAY, HOLIDAY = 0, 1, 2
HALF, FULL = 1, 2
ANY, IN, OUT, NONE = 0, 1, 2, 3  # punch directions (payroll_core.attendance.Direction)


def sh(day: str, *times: str) -> list[tuple[int, str]]:
    return [(0, f"{day} {t} {SH}") for t in times]


# Shanghai office 09:00-18:00, lunch 12:00-13:00 unpaid (scheduled 480), late grace 5,
# OT from 60 minutes in 30-minute units. 2026-03-02 is a Monday.
# Grace only decides whether lateness is reported; the minutes worked are the real ones.
@pytest.mark.parametrize("arrive, late, regular", [("09:05", 0, 475), ("09:06", 6, 474)])
def test_late_within_and_beyond_grace(run, day, facts, arrive, late, regular):
    r = run("2026-03", ["shanghai/office"], sh("2026-03-02", arrive, "18:00"))
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=regular, regular_minutes=regular, late_minutes=late, punches=2
    )


def test_early_leave_counts_without_grace(run, day, facts):
    r = run("2026-03", ["shanghai/office"], sh("2026-03-02", "08:50", "17:31"))
    # worked 08:50-17:31 = 521 - 60 lunch = 461; regular from 09:00 = 451; early 18:00-17:31 = 29
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=461, regular_minutes=451, early_minutes=29, punches=2
    )


def test_night_shift_belongs_to_its_start_day_across_the_month_end(run, day, facts):
    # Dongguan night 20:00-05:00 regular (break 00:00-01:00: scheduled 480), then break 05:00-05:30
    # and planned overtime to 08:00. In 19:55 on Tue 31 March, out 08:10 on 1 April:
    # worked 735 - 90 = 645; regular 540 - 60 = 480; after 05:00: 190 - 30 = 160 -> 150 (30-min units).
    punches = [(0, f"2026-03-31 19:55 {SH}"), (0, f"2026-04-01 08:10 {SH}")]
    march = run("2026-03", ["dongguan/night"], punches)
    assert day(march, 0, "2026-03-31") == facts(
        scheduled_minutes=480, worked_minutes=645, regular_minutes=480, ot_workday_minutes=150, punches=2
    )
    # In April the 08:10 punch is claimed by 31 March's night shift (roster column 0), so the
    # day shift of 1 April has no punch: a full-day absence, not a 10-minute lateness.
    april = run("2026-04", [["dongguan/night"] + ["dongguan/day"] * 30], punches)
    assert day(april, 0, "2026-04-01") == facts(scheduled_minutes=480, absence=FULL)


def test_night_shift_of_previous_month_is_not_counted(run, day, facts):
    # 28 Feb 2026 (a make-up Saturday) night shift ends 1 March 08:01; 1 March is a Sunday (rest).
    r = run("2026-03", ["dongguan/night"], [(0, f"2026-02-28 19:58 {SH}"), (0, f"2026-03-01 08:01 {SH}")])
    assert day(r, 0, "2026-03-01") == facts(RESTDAY)
    assert int(r.summary["ot_restday_minutes"][0]) == 0


def test_split_shift_paired_punches_around_both_meal_breaks(run, day, facts):
    # Dongguan day 08:00-17:00 with lunch 12:00-13:00 (scheduled 480), dinner 17:00-17:30, then
    # planned overtime. Pairs 07:58-12:01 (243, 1 on lunch), 12:58-17:02 (244, 2 on lunch, 2 on
    # dinner), 17:29-20:00 (151, 1 on dinner): worked 638 - 6 = 632; regular from 08:00 to 17:00
    # 240 + 240 = 480; after 17:00: 2 + 151 - 3 on dinner = 150.
    r = run("2026-03", ["dongguan/day"], sh("2026-03-02", "07:58", "12:01", "12:58", "17:02", "17:29", "20:00"))
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=632, regular_minutes=480, ot_workday_minutes=150, punches=6
    )


@pytest.mark.parametrize(
    "times, expect",
    [
        # core 10:00-16:00, 480 required between 07:00 and 21:00, lunch 12:00-13:00 unpaid
        (("10:20", "19:30"), {"worked_minutes": 490, "regular_minutes": 480, "late_minutes": 20}),  # OT 10 < 60
        (("07:30", "16:30"), {"worked_minutes": 480, "regular_minutes": 480}),
        (("08:00", "15:00"), {"worked_minutes": 360, "regular_minutes": 360, "early_minutes": 60}),
        # 07:00-19:30 = 750 - 60 = 690 worked; 690 - 480 = 210 over the requirement, a multiple of 30
        (("07:00", "19:30"), {"worked_minutes": 690, "regular_minutes": 480, "ot_workday_minutes": 210}),
    ],
)
def test_flex_shift_core_hours_and_required_minutes(run, day, facts, times, expect):
    r = run("2026-03", ["shanghai/flex"], sh("2026-03-03", *times))
    assert day(r, 0, "2026-03-03") == facts(scheduled_minutes=480, punches=2, **expect)


@pytest.mark.parametrize(
    "office, worked, regular, missing",
    [
        ("shanghai/office", 487, 480, 0),  # one interval 08:55-18:02: 547 - 60 lunch; regular 09:00-18:00
        ("shanghai-pairs/office", 477, 470, 0),  # 08:55-12:05 (190 - 5 lunch) + 13:10-18:02 (292); regular 180 + 290
    ],
)
def test_first_in_last_out_versus_pairs_with_four_punches(run, day, facts, office, worked, regular, missing):
    r = run("2026-03", [office], sh("2026-03-02", "08:55", "12:05", "13:10", "18:02"))
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=worked, regular_minutes=regular, missing_punch=missing, punches=4
    )


def test_pairs_with_an_odd_punch_count_flag_a_missing_punch(run, day, facts):
    # 5th punch unpaired: the two complete pairs count, late/early are not judged, and the default
    # missing_punch = "absent" makes the day a full-day absence.
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", "09:20", "12:00", "13:00", "18:00", "18:30"))
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=460, regular_minutes=460, missing_punch=1, absence=FULL, punches=5
    )


def test_double_taps_collapse_relative_to_the_last_kept_punch(run, day, facts):
    # window 3 min: 09:02 and 09:03 are within 3 of the kept 09:01; 09:04 is 3 after it and is kept.
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", "09:01", "09:02", "09:03", "18:00"))
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, worked_minutes=479, regular_minutes=479, punches=2)
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", "09:01", "09:04", "18:00"))
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=3, regular_minutes=3, missing_punch=1, absence=FULL, punches=3
    )


@pytest.mark.parametrize(
    "leave, worked, ot",
    [
        ("18:59", 539, 0),  # 59 after the end: under the 60-minute minimum
        ("19:00", 540, 60),
        ("20:29", 629, 120),  # 149 rounded down to 30-minute units
    ],
)
def test_overtime_minimum_and_rounding(run, day, facts, leave, worked, ot):
    r = run("2026-03", ["shanghai/office"], sh("2026-03-02", "09:00", leave))
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=worked, regular_minutes=480, ot_workday_minutes=ot, punches=2
    )


def test_statutory_holiday_and_shifted_rest_day(run, day, facts):
    # 1 May 2026 is a statutory holiday (300 %); 4 May is off in the Labour Day range but not
    # statutory, so it is a rest day (200 %).
    punches = sh("2026-05-01", "09:00", "18:00") + sh("2026-05-04", "09:00", "18:00")
    r = run("2026-05", ["shanghai/office"], punches)
    assert day(r, 0, "2026-05-01") == facts(
        HOLIDAY, worked_minutes=480, regular_minutes=480, ot_holiday_minutes=480, punches=2
    )
    assert day(r, 0, "2026-05-04") == facts(
        RESTDAY, worked_minutes=480, regular_minutes=480, ot_restday_minutes=480, punches=2
    )


def test_make_up_saturday_is_a_workday(run, day, facts):
    # Sat 9 May 2026 is a 调休 workday: scheduled, lateness judged, no rest-day overtime.
    r = run("2026-05", ["shanghai/office"], sh("2026-05-09", "09:30", "18:00"))
    assert day(r, 0, "2026-05-09") == facts(
        scheduled_minutes=480, worked_minutes=450, regular_minutes=450, late_minutes=30, punches=2
    )
    # Sat 28 Feb 2026 is one too: no punch there is a full-day absence.
    r = run("2026-02", ["shanghai/office"], [])
    assert day(r, 0, "2026-02-28") == facts(scheduled_minutes=480, absence=FULL)


def test_rest_day_overtime_is_all_worked_time_rounded(run, day, facts):
    # Sat 7 March 2026: 10:00-15:10 = 310 - 60 lunch = 250, rounded down to 240.
    r = run("2026-03", ["shanghai/office"], sh("2026-03-07", "10:00", "15:10"))
    assert day(r, 0, "2026-03-07") == facts(
        RESTDAY, worked_minutes=250, regular_minutes=250, ot_restday_minutes=240, punches=2
    )


@pytest.mark.parametrize(
    "office, expect",
    [
        # absent (the shipped default): 缺卡 is a full-day absence until a 补卡 is approved; one punch
        # makes no interval, so 0 minutes; lateness (30 min) is not judged.
        ("shanghai/office", {"absence": FULL}),
        # worked: the scheduled day is credited, 09:00-18:00 less lunch = 480 regular and worked; no late.
        ("shanghai-worked/office", {"worked_minutes": 480, "regular_minutes": 480}),
        # flag: only the paired time (none) counts and nothing is judged: today's behaviour before the policy.
        ("shanghai-flag/office", {}),
    ],
)
def test_missing_out_punch_under_each_policy(run, day, facts, office, expect):
    r = run("2026-03", [office], sh("2026-03-02", "09:30"))
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, missing_punch=1, punches=1, **expect)


@pytest.mark.parametrize("office", ["shanghai/office", "shanghai-worked/office", "shanghai-flag/office"])
def test_missing_punch_on_a_rest_day_is_flagged_only(run, day, facts, office):
    # Sat 7 March 2026: nothing is scheduled, so no policy has an absence or a credit to give.
    r = run("2026-03", [office], sh("2026-03-07", "10:00"))
    assert day(r, 0, "2026-03-07") == facts(RESTDAY, missing_punch=1, punches=1)


def test_missing_punch_month_summary_under_each_policy(run):
    # Mon 2 March: one punch; Tue 3 March: 09:00-18:00. Scheduled days in March 2026: 22.
    punches = sh("2026-03-02", "09:00") + sh("2026-03-03", "09:00", "18:00")
    absent, worked, flag = (
        {k: int(v[0]) for k, v in run("2026-03", [o], punches).summary.items() if k.endswith("days")}
        for o in ("shanghai/office", "shanghai-worked/office", "shanghai-flag/office")
    )
    # 20 days without punches are absent under every policy; the missing-punch day is the 21st
    # absence under `absent`, a worked day under `worked` and `flag`.
    assert absent == {"scheduled_days": 22, "worked_days": 1, "absent_days": 21, "absent_half_days": 0}
    assert worked == flag == {"scheduled_days": 22, "worked_days": 2, "absent_days": 20, "absent_half_days": 0}


@pytest.mark.parametrize(
    "times, absence, regular",
    [
        ((), FULL, 0),
        (("09:00", "09:30"), FULL, 30),  # below absent_below_minutes 60
        (("09:00", "12:00"), HALF, 180),  # below half_day_below_minutes 240
    ],
)
def test_absence_full_and_half_day(run, day, facts, times, absence, regular):
    r = run("2026-03", ["shanghai/office"], sh("2026-03-02", *times))
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=regular, regular_minutes=regular, absence=absence, punches=len(times)
    )


def test_same_utc_punches_in_shanghai_and_urumqi(run, day, facts):
    # 02:00Z = 10:00 in Shanghai (+08) and 08:00 in Urumqi (+06); 11:30Z = 19:30 / 17:30.
    punches = [(0, "2026-03-02T02:00Z"), (0, "2026-03-02T11:30Z"), (1, "2026-03-02T02:00Z"), (1, "2026-03-02T11:30Z")]
    r = run("2026-03", ["shanghai/office", "urumqi/office"], punches)
    # Shanghai 10:00-19:30: 570 - 60 = 510 worked, 420 regular, late 60, 90 after 18:00
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480,
        worked_minutes=510,
        regular_minutes=420,
        late_minutes=60,
        ot_workday_minutes=90,
        punches=2,
    )
    # Urumqi 10:00-19:30 with lunch 14:00-15:30 (scheduled 480): 08:00-17:30 = 570 - 90 = 480
    # worked, 360 regular (from 10:00), early 120
    assert day(r, 1, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=480, regular_minutes=360, early_minutes=120, punches=2
    )


def test_dst_changes_the_length_of_a_night_shift(run, day, facts):
    # Berlin night 22:00-06:00, break 02:00-02:30. On the night of 28/29 March 2026 clocks jump
    # 02:00 -> 03:00: the shift lasts 7 h; the break's clock times do not exist that night and are
    # read with the pre-transition offset (zoneinfo fold=0), i.e. 03:00-03:30 CEST, still 30 min:
    # scheduled 420 - 30 = 390. On 24/25 October clocks go 03:00 -> 02:00: 9 h - 30 = 510 (the
    # ambiguous break is read at its first occurrence).
    punches = [
        (0, "2026-03-28 22:00 Europe/Berlin"),
        (0, "2026-03-29 06:00 Europe/Berlin"),
        (0, "2026-10-24 22:00 Europe/Berlin"),
        (0, "2026-10-25 06:00 Europe/Berlin"),
    ]
    march = run("2026-03", ["berlin/night"], punches)
    assert day(march, 0, "2026-03-28") == facts(
        scheduled_minutes=390, worked_minutes=390, regular_minutes=390, punches=2
    )
    october = run("2026-10", ["berlin/night"], punches)
    assert day(october, 0, "2026-10-24") == facts(
        scheduled_minutes=510, worked_minutes=510, regular_minutes=510, punches=2
    )


def test_month_summary_feeds_the_pay_case_keys(run):
    # Shanghai, February 2026: 20 weekdays - 6 off in Spring Festival (16-20, 23) + 2 make-up
    # Saturdays (14, 28) = 16 scheduled days.
    punches = []
    for d in (9, 10, 11, 12, 13, 14, 24, 25, 26, 27, 28):
        punches += sh(f"2026-02-{d:02}", "09:00", "18:00")
    punches += sh("2026-02-03", "09:20", "18:00")  # late 20
    punches += sh("2026-02-04", "09:00", "20:00")  # workday OT 120
    punches += sh("2026-02-05", "09:00")  # missing punch: absent under the default policy
    punches += sh("2026-02-06", "09:00", "12:00")  # half-day absence; 2 Feb: no punch, absent
    punches += sh("2026-02-07", "09:00", "12:00")  # Saturday: rest-day OT 180
    punches += sh("2026-02-16", "09:00", "18:00")  # 除夕, statutory: holiday OT 480
    punches += sh("2026-02-20", "09:00", "13:00")  # off but not statutory: rest-day OT 240 - 60 lunch = 180
    r = run("2026-02", ["shanghai/office"], punches)
    assert {k: int(v[0]) for k, v in r.summary.items()} == {
        "scheduled_days": 16,
        "worked_days": 13,
        "absent_days": 2,
        "absent_half_days": 1,
        "late_minutes": 20,
        "early_minutes": 0,
        "ot_workday_minutes": 120,
        "ot_restday_minutes": 360,
        "ot_holiday_minutes": 480,
        "missing_punches": 1,
    }


def test_in_only_and_out_only_gates_pair_by_direction(run, day, facts):
    # Pairs office 09:00-18:00, lunch 12:00-13:00. The in gate (IN) takes 08:55 and 13:10, the out
    # gate (OUT) 12:05 and 18:02, but a colleague's tailgate leaves the out gate's 12:05 ... and a
    # second in at 12:50 through the in gate: in 08:55, out 12:05, in 12:50, in 13:10, out 18:02.
    # By direction: 08:55-12:05 (190 - 5 lunch = 185) and 13:10-18:02 (292); the 12:50 in is unpaired
    # (missing, so absent by default). Positional pairs would have paired 12:50-13:10 and left 18:02.
    times = ("08:55", "12:05", "12:50", "13:10", "18:02")
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", *times), [IN, OUT, IN, IN, OUT])
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=477, regular_minutes=470, missing_punch=1, absence=FULL, punches=5
    )
    # Without the stray 12:50: two clean in/out pairs, 185 + 292 = 477 worked, 180 + 290 regular,
    # late 0 (08:55), early 0 (18:02).
    times = ("08:55", "12:05", "13:10", "18:02")
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", *times), [IN, OUT, IN, OUT])
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, worked_minutes=477, regular_minutes=470, punches=4)


def test_out_before_in_is_unpaired_by_direction(run, day, facts):
    # Out gate 08:50 (went back out to the car park), then in 09:00 and out 18:00: the leading out has
    # no open in, so it is unpaired; 09:00-18:00 = 540 - 60 = 480 worked. Missing, so absent by default.
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", "08:50", "09:00", "18:00"), [OUT, IN, OUT])
    assert day(r, 0, "2026-03-02") == facts(
        scheduled_minutes=480, worked_minutes=480, regular_minutes=480, missing_punch=1, absence=FULL, punches=3
    )


def test_a_state_255_terminal_is_read_first_in_last_out(run, day, facts):
    # Pairs office, but the terminal sends state 255 (no direction): 08:55, 12:05, 13:10, 18:02 are
    # one interval 08:55-18:02 = 547 - 60 lunch = 487 worked, 480 regular (09:00-18:00), no OT (2 < 60).
    punches = sh("2026-03-02", "08:55", "12:05", "13:10", "18:02")
    r = run("2026-03", ["shanghai-pairs/office"], punches, [NONE] * 4)
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, worked_minutes=487, regular_minutes=480, punches=4)
    # Three punches (odd) are still a whole day first-in/last-out: 08:55-18:02, nothing missing.
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", "08:55", "12:05", "18:02"), [NONE] * 3)
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, worked_minutes=487, regular_minutes=480, punches=3)


def test_terminal_without_a_state_key_reporting_in_on_every_punch_pairs_positionally(run, day, facts):
    # Every punch state 0 (in): no out to pair with, so 1-2, 3-4 as without directions (test above: 477/470).
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", "08:55", "12:05", "13:10", "18:02"), [IN] * 4)
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, worked_minutes=477, regular_minutes=470, punches=4)


def test_double_tap_on_two_terminals_40_seconds_apart_is_one_punch(run, day, facts):
    # In gate at 08:59:10, the lobby terminal at 09:00:00 (40 s later; minutes 08:59 and 09:00): the
    # kernel has no terminal column, so the later is a double tap (< 3 min). 08:59-18:00 = 541 - 60.
    times = ("08:59", "09:00", "18:00")
    r = run("2026-03", ["shanghai-pairs/office"], sh("2026-03-02", *times), [IN, IN, OUT])
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, worked_minutes=481, regular_minutes=480, punches=2)


def test_flexible_shift_is_unaffected_by_directions(run, day, facts):
    # Shanghai flex (first_last): in 07:30, out 16:30 through gates = the direction-less case above,
    # 480 worked, 480 regular; an extra in at 12:00 changes nothing in first-in/last-out.
    r = run("2026-03", ["shanghai/flex"], sh("2026-03-03", "07:30", "12:00", "16:30"), [IN, IN, OUT])
    assert day(r, 0, "2026-03-03") == facts(scheduled_minutes=480, worked_minutes=480, regular_minutes=480, punches=3)


@pytest.mark.parametrize("office", ["shanghai/office", "shanghai-worked/office"])
def test_a_day_in_progress_only_flags_its_missing_punch(run, day, facts, office):
    # As of Tue 3 March 10:00 Shanghai: Mon 2 March (one punch) has ended, so its policy applies;
    # Tue 3 March (in at 09:30, the out is still to come) is flagged only: no absence, no credit,
    # no lateness judged.
    punches = sh("2026-03-02", "09:00") + sh("2026-03-03", "09:30")
    r = run("2026-03", [office], punches, as_of=f"2026-03-03 10:00 {SH}")
    ended = {"absence": FULL} if office == "shanghai/office" else {"worked_minutes": 480, "regular_minutes": 480}
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, missing_punch=1, punches=1, **ended)
    assert day(r, 0, "2026-03-03") == facts(scheduled_minutes=480, missing_punch=1, punches=1)
    # At local midnight the day has ended (window 06:00-24:00): the policy applies to it.
    r = run("2026-03", [office], punches, as_of=f"2026-03-04 00:00 {SH}")
    assert day(r, 0, "2026-03-03") == facts(scheduled_minutes=480, missing_punch=1, punches=1, **ended)


def test_a_night_shift_is_in_progress_until_its_window_ends(run, day, facts):
    # Dongguan night 20:00-05:00, window until 05:00 + 240 = 09:00 next morning. In at Mon 2 March
    # 20:00; as of Tue 3 March 03:00 the local day of 2 March has ended but its out punch can still
    # come: flagged only. As of 09:00 the window has closed: absent (the default policy).
    punches = sh("2026-03-02", "20:00")
    r = run("2026-03", ["dongguan/night"], punches, as_of=f"2026-03-03 03:00 {SH}")
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, missing_punch=1, punches=1)
    r = run("2026-03", ["dongguan/night"], punches, as_of=f"2026-03-03 09:00 {SH}")
    assert day(r, 0, "2026-03-02") == facts(scheduled_minutes=480, missing_punch=1, absence=FULL, punches=1)
