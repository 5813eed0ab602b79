"""Deterministic staff and punches for the simulated terminals (SOAP, ADMS push, Comet export).

One generator so that every simulator, test and benchmark sees the same office for the same seed:
each user taps in around 08:30 and out around 17:30 on workdays (Monday to Friday), with a little
seeded jitter, day after day until the requested number of records exists. Times are naive local
device time, like a terminal's clock. `(pin, ts)` is unique by construction (one in and one out per
user per day, hours apart), so a count of punches is also a count of distinct idempotent keys.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_SURNAMES = ("Zhang", "Wang", "Li", "Zhao", "Chen", "Yang", "Huang", "Zhou", "Wu", "Xu")
_GIVEN = ("Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yan", "Tao", "Ming")
_SURNAMES_ZH = ("张", "王", "李", "赵", "陈", "杨", "黄", "周", "吴", "徐")
_GIVEN_ZH = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "燕", "涛", "明")

# ZKTeco verify codes seen in attendance rows: 1 fingerprint, 4 card, 15 face (pyzk / ADMS docs).
_VERIFY_MODES = (1, 1, 1, 4, 15)

DEFAULT_START = date(2026, 3, 2)  # a Monday


@dataclass(frozen=True, slots=True)
class SimUser:
    uid: int  # the terminal's internal slot (SOAP <PIN>)
    pin: str  # the badge number people type and payroll maps (SOAP <PIN2>, ADMS PIN)
    name: str
    privilege: int = 0
    card: int = 0
    password: str = ""
    group: str = "1"


@dataclass(frozen=True, slots=True)
class SimPunch:
    pin: str
    ts: datetime
    state: int  # 0 check-in, 1 check-out (ZK "Status")
    verify: int  # ZK "Verified"/"Verify"
    workcode: str = "0"


def chinese_name(key: str) -> str:
    """A Chinese name (张伟) chosen by `key`, the same one for the same key: what HR has on file for someone
    whose terminal shows only a Latin display name."""
    rng = random.Random(f"name:{key}")
    return rng.choice(_SURNAMES_ZH) + rng.choice(_GIVEN_ZH)


def make_users(count: int, seed: int, *, chinese_names: bool = False) -> list[SimUser]:
    """`count` users with badge numbers 1001, 1002, …; the first one is an administrator."""
    rng = random.Random(f"users:{seed}")
    surnames, given = (_SURNAMES_ZH, _GIVEN_ZH) if chinese_names else (_SURNAMES, _GIVEN)
    sep = "" if chinese_names else " "
    users = []
    for i in range(count):
        name = f"{rng.choice(surnames)}{sep}{rng.choice(given)}"
        card = rng.randrange(1_000_000, 9_999_999) if rng.random() < 0.5 else 0
        users.append(SimUser(uid=i + 1, pin=str(1001 + i), name=name, privilege=14 if i == 0 else 0, card=card))
    return users


def make_punches(users: list[SimUser], count: int, seed: int, *, start: date = DEFAULT_START) -> list[SimPunch]:
    """Exactly `count` punches in time order per day: workdays from `start`, in and out per user."""
    if not users and count:
        raise ValueError("cannot make punches without users: pass at least one user")
    rng = random.Random(f"punches:{seed}")
    punches: list[SimPunch] = []
    day = start
    while len(punches) < count:
        if day.weekday() < 5:
            day_punches = []
            for user in users:
                verify = rng.choice(_VERIFY_MODES)
                arrive = datetime.combine(day, time(8, 30)) + timedelta(seconds=rng.randint(-1800, 1200))
                leave = datetime.combine(day, time(17, 30)) + timedelta(seconds=rng.randint(-600, 7200))
                day_punches.append(SimPunch(user.pin, arrive, 0, verify))
                day_punches.append(SimPunch(user.pin, leave, 1, verify))
            day_punches.sort(key=lambda p: (p.ts, p.pin))
            punches.extend(day_punches[: count - len(punches)])
        day += timedelta(days=1)
    return punches
