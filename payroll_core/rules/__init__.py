"""Pay rule data (TOML, versioned by year) and its loader; see `loader` for the file layout."""

from payroll_core.rules.loader import (
    CONTRIBUTION_ITEMS,
    SOCIAL_ITEMS,
    CityRules,
    ContributionItem,
    Conventions,
    RuleError,
    Rules,
    TaxBracket,
    TaxRules,
    available_cities,
    contribution_day,
    load_rules,
    parse_period,
)

__all__ = [
    "CONTRIBUTION_ITEMS",
    "SOCIAL_ITEMS",
    "CityRules",
    "ContributionItem",
    "Conventions",
    "RuleError",
    "Rules",
    "TaxBracket",
    "TaxRules",
    "available_cities",
    "contribution_day",
    "load_rules",
    "parse_period",
]
