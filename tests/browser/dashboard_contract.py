"""The `GET /api/v1/dashboard` answer of the HR endpoints' contract, served by the browser tests while the app
has no such route yet (the real endpoint replaces it as soon as it is mounted: see `conftest.py`).

Two offices over six months, one terminal 8 hours off (the clock flag), one unreachable, one healthy.
"""

from __future__ import annotations

from typing import Any

MONTHS = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]


def dashboard_json() -> dict[str, Any]:
    return {
        "generated_at": "2026-03-31T02:15:00Z",
        "offices": [
            {
                "office": "Shanghai HQ",
                "timezone": "Asia/Shanghai",
                "date": "2026-03-31",
                "headcount": 42,
                "present": 37,
                "late": 3,
                "absent": 2,
                "missing_punch": 1,
                "on_leave": 0,
            },
            {
                "office": "Urumqi plant",
                "timezone": "Asia/Urumqi",
                "date": "2026-03-31",
                "headcount": 118,
                "present": 104,
                "late": 9,
                "absent": 5,
                "missing_punch": 4,
                "on_leave": 0,
            },
        ],
        "terminals": [
            {
                "name": "hq-door",
                "sn": "SH0001",
                "office": "Shanghai HQ",
                "kind": "zk-tcp",
                "state": "ok",
                "problems": [],
                "last_success_at": "2026-03-31T02:10:00Z",
            },
            {
                "name": "urumqi-gate",
                "sn": "UR0001",
                "office": "Urumqi plant",
                "kind": "zk-udp",
                "state": "failing",
                "problems": [
                    {
                        "code": "unreachable",
                        "message": "DeviceUnreachable: timed out",
                        "clock_offset_s": None,
                    }
                ],
                "last_success_at": "2026-03-30T10:00:00Z",
            },
            {
                "name": "urumqi-canteen",
                "sn": "UR0002",
                "office": "Urumqi plant",
                "kind": "zk-tcp",
                "state": "warning",
                "problems": [
                    {
                        "code": "clock_drift",
                        "message": "the terminal's clock is 28800 s ahead (max_clock_drift_s = 120)",
                        "clock_offset_s": 28800,
                    }
                ],
                "last_success_at": "2026-03-31T02:05:00Z",
            },
        ],
        "trends": {
            "months": MONTHS,
            "ot_limit_minutes": 2160,
            "offices": [
                {
                    "office": "Shanghai HQ",
                    "headcount": [38, 39, 40, 40, 41, 42],
                    "late_rate_bp": [312, 287, 405, 260, 198, 231],
                    "absence_rate_bp": [95, 120, 88, 140, 76, 102],
                    "ot_minutes_per_employee": [540, 610, 720, 480, 390, 655],
                    "gross_fen": [51234500, 52011000, 55320075, 53400000, 49876543, 56789012],
                    "net_fen": [41987600, 42500012, 45001234, 43560000, 40765432, 46123456],
                },
                {
                    "office": "Urumqi plant",
                    "headcount": [110, 112, 115, 117, 116, 118],
                    "late_rate_bp": [520, 610, 580, 700, 455, 498],
                    "absence_rate_bp": [230, 199, 310, 265, 180, 240],
                    "ot_minutes_per_employee": [1980, 2250, 2400, 2100, 1860, 2310],
                    "gross_fen": [79900000, 81234567, 88000001, 84500000, 80012345, 90123456],
                    "net_fen": [68000000, 69123456, 74800000, 71900000, 68010000, 76600099],
                },
            ],
        },
    }
