"""Office policy of onboarding (`payroll_core/rules/onboarding-policy.toml`): codes, badge numbers, the welcome.

The defaults under `[policy]`, an office's overrides under `[offices."NAME"]`, as `request-policy.toml` does;
an unknown key is refused (a misspelt key would silently keep the default).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from payroll_core.errors import RuleDataError

POLICY_FILE = Path(__file__).parents[2] / "payroll_core" / "rules" / "onboarding-policy.toml"
_KEYS = {"code_prefix", "code_digits", "pin_start", "report_place", "report_time", "bring"}


@dataclass(frozen=True)
class OnboardingPolicy:
    code_prefix: str
    code_digits: int
    pin_start: int
    report_place: str
    report_time: str
    bring: tuple[str, ...]


def onboarding_policy(office: str, path: Path = POLICY_FILE) -> OnboardingPolicy:
    """The defaults with `office`'s overrides laid over them."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    raw = dict(data["policy"])
    raw.update(data.get("offices", {}).get(office, {}))
    unknown = set(raw) - _KEYS
    if unknown:
        raise RuleDataError(f"{path}: unknown onboarding policy key(s) {', '.join(sorted(unknown))}")
    return OnboardingPolicy(
        str(raw["code_prefix"]), int(raw["code_digits"]), int(raw["pin_start"]), str(raw["report_place"]),
        str(raw["report_time"]), tuple(str(item) for item in raw["bring"]),
    )  # fmt: skip
