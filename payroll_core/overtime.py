"""Which overtime counts, per employee-day: the three counting methods Chinese HR systems offer, in integers.

K is the overtime the punches show (the attendance kernel's minutes of the day), P the minutes asked for by the
day's approved requests compensated by pay and L those taken as time off in lieu (调休). Under ``punches`` P = K
(no approval needed); under ``approved_hours`` P and L are the requests' approved minutes; under
``approved_window`` they are the punched minutes inside the approved windows (measured from the punches by the
gateway, `gateway.pay.overtime_rule`). Then:

    counted = min(K, P + L)    in_lieu = min(counted, L)    paid = counted − in_lieu

so an approval never pays more than was worked, and rest-day overtime taken as 调休 is never paid at 200 % too.
The gateway applies it to whole months at once; the pay case files (`payroll_core.cases`, ``overtime:``) use the
same function, so the hand-checked cases hold the rule the pay runs apply.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Method = Literal["approved_hours", "approved_window", "punches"]
METHODS: tuple[Method, ...] = ("approved_hours", "approved_window", "punches")


def count_overtime_minutes(
    punched: np.ndarray, paid_asked: np.ndarray, in_lieu_asked: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(paid, in_lieu) minutes, element-wise, from K = `punched`, P = `paid_asked`, L = `in_lieu_asked` (int64)."""
    counted = np.minimum(punched, paid_asked + in_lieu_asked)
    in_lieu = np.minimum(counted, in_lieu_asked)
    return counted - in_lieu, in_lieu
