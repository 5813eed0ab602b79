"""The roster's day kinds (`day_types` of GET /rosters): the office calendar's rest days, statutory holidays and
make-up workdays, which the 排班 screen marks in its head row."""

from __future__ import annotations

from fastapi.testclient import TestClient

# February 2026 in the cn calendar: Spring Festival 15–23 February (16–19 statutory, 15 and 20–23 rest days by
# 调休 or weekend), make-up workdays Saturday 14 and Saturday 28 February; the other Saturdays and Sundays rest.
W, R, H, M = "workday", "rest_day", "holiday", "makeup_workday"
FEBRUARY = [R, W, W, W, W, W, R, R, W, W, W, W, W, M, R, H, H, H, H, R, R, R, R, W, W, W, W, M]


def test_the_grid_names_each_days_kind_in_the_office_calendar(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    grid = client.get(
        "/api/v1/rosters", params={"office": "Shanghai HQ", "period": "2026-02"}, headers=as_role("viewer")
    )
    assert grid.status_code == 200, grid.text
    assert grid.json()["day_types"] == FEBRUARY
    assert len(grid.json()["days"]) == 28
