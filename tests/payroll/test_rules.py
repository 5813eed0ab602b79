import re
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest

from payroll_core.rules import RuleError, available_cities, load_rules, loader

REQUIRED = {"shanghai", "beijing", "shenzhen", "guangzhou", "dongguan", "suzhou", "hangzhou", "chengdu", "wuhan"}


def test_every_required_city_has_data_for_the_current_year() -> None:
    assert set(available_cities()) >= REQUIRED
    rules = load_rules("2026-11")
    assert {c.key for c in rules.cities} >= REQUIRED


def test_shanghai_2025_07_figures() -> None:
    city = load_rules("2026-03", ["shanghai"]).cities[0]
    assert (city.minimum_wage_fen, city.minimum_wage_excludes_si_hf, city.contribution_from) == (
        274_000,
        True,
        "2025-07",
    )
    pension = city.items["pension"]
    assert (pension.base_floor_fen, pension.base_cap_fen, pension.employee_rate) == (
        746_000,
        3_730_200,
        Fraction(8, 100),
    )
    hf = city.items["housing_fund"]
    assert (hf.base_floor_fen, hf.base_cap_fen, hf.employee_rate, hf.unit_fen) == (
        269_000,
        3_730_200,
        Fraction(7, 100),
        100,
    )


def test_entry_in_force_follows_the_period() -> None:
    assert load_rules("2025-06", ["beijing"]).cities[0].contribution_from == "2024-07"
    assert load_rules("2026-06", ["beijing"]).cities[0].contribution_from == "2025-07"
    assert load_rules("2025-08", ["beijing"]).cities[0].minimum_wage_fen == 242_000
    assert load_rules("2025-09", ["beijing"]).cities[0].minimum_wage_fen == 254_000


# (city, contribution entry, minimum wage entry, minimum wage fen, pension floor/cap fen, HF floor/cap fen,
#  HF employee rate)
# in force for pay period 2026-10: the figures and their sources are in payroll_core/rules/cities/<city>.toml.
CURRENT_YEAR = [
    ("beijing", "2026-07", "2025-09", 254_000, (727_000, 3_634_800), (254_000, 3_634_800), Fraction(12, 100)),
    ("shanghai", "2026-07", "2025-07", 274_000, (754_600, 3_773_100), (274_000, 3_773_100), Fraction(7, 100)),
    ("guangzhou", "2026-07", "2026-09", 268_000, (551_000, 2_754_900), (250_000, 4_169_700), Fraction(5, 100)),
    ("shenzhen", "2026-07", "2026-09", 270_000, (477_500, 2_754_900), (252_000, 4_847_100), Fraction(5, 100)),
    ("dongguan", "2026-01", "2026-09", 230_000, (477_500, 2_754_900), (208_000, 2_739_100), Fraction(5, 100)),
    ("hangzhou", "2026-07", "2026-07", 266_000, (498_600, 2_529_900), (266_000, 4_215_100), Fraction(12, 100)),
    ("suzhou", "2026-07", "2026-07", 266_000, (495_200, 2_476_200), (495_200, 4_060_000), Fraction(5, 100)),
    ("chengdu", "2026-07", "2025-01", 233_000, (469_900, 2_349_300), (233_000, 3_296_900), Fraction(5, 100)),
    ("wuhan", "2026-07", "2025-12", 240_000, (449_800, 2_248_800), (240_000, 3_607_225), Fraction(8, 100)),
]
# Items whose base differs from the pension base (Guangzhou's and Shenzhen's own medical and unemployment bases).
OWN_BASES = {
    "guangzhou": {"medical": (623_600, 3_117_900), "unemployment": (250_000, 4_426_500)},
    "shenzhen": {"medical": (673_300, 3_366_600), "unemployment": (252_000, 4_426_500)},
}


@pytest.mark.parametrize(
    "key, si_from, mw_from, minimum, pension, hf, hf_rate", CURRENT_YEAR, ids=[row[0] for row in CURRENT_YEAR]
)
def test_current_contribution_year_figures(
    key: str, si_from: str, mw_from: str, minimum: int, pension: tuple[int, int], hf: tuple[int, int], hf_rate: Fraction
) -> None:
    city = load_rules("2026-10", [key]).cities[0]
    assert (city.contribution_from, city.minimum_wage_from, city.minimum_wage_fen) == (si_from, mw_from, minimum)
    social = {item: (city.items[item].base_floor_fen, city.items[item].base_cap_fen) for item in loader.SOCIAL_ITEMS}
    assert social == {item: OWN_BASES.get(key, {}).get(item, pension) for item in loader.SOCIAL_ITEMS}
    housing = city.items["housing_fund"]
    assert (housing.base_floor_fen, housing.base_cap_fen, housing.employee_rate, housing.employer_rate) == (
        *hf,
        hf_rate,
        hf_rate,
    )


def _rates(city: loader.CityRules) -> dict[str, tuple[Fraction, Fraction, int]]:
    return {item: (c.employee_rate, c.employer_rate, c.employee_fixed_fen) for item, c in city.items.items()}


def test_current_year_rates_of_the_two_cities_with_2026_notices() -> None:
    beijing, shanghai = load_rules("2026-10", ["beijing", "shanghai"]).cities
    assert _rates(beijing) == {
        "pension": (Fraction(8, 100), Fraction(16, 100), 0),
        "medical": (Fraction(2, 100), Fraction(98, 1000), 300),
        "unemployment": (Fraction(5, 1000), Fraction(5, 1000), 0),
        "injury": (Fraction(0), Fraction(2, 1000), 0),
        "maternity": (Fraction(0), Fraction(0), 0),
        "housing_fund": (Fraction(12, 100), Fraction(12, 100), 0),
    }
    assert _rates(shanghai) == {
        "pension": (Fraction(8, 100), Fraction(16, 100), 0),
        "medical": (Fraction(2, 100), Fraction(9, 100), 0),
        "unemployment": (Fraction(5, 1000), Fraction(5, 1000), 0),
        "injury": (Fraction(0), Fraction(16, 10000), 0),
        "maternity": (Fraction(0), Fraction(0), 0),
        "housing_fund": (Fraction(7, 100), Fraction(7, 100), 0),
    }
    assert (shanghai.items["housing_fund"].rounding, shanghai.items["housing_fund"].unit_fen) == ("yuan_half_up", 100)


def test_newer_entries_start_in_their_own_month() -> None:
    assert [load_rules(p, ["beijing"]).cities[0].contribution_from for p in ("2026-06", "2026-07")] == [
        "2025-07",
        "2026-07",
    ]
    assert [load_rules(p, ["guangzhou"]).cities[0].minimum_wage_fen for p in ("2026-08", "2026-09")] == [
        250_000,
        268_000,
    ]
    assert [load_rules(p, ["shenzhen"]).cities[0].contribution_from for p in ("2025-06", "2025-07")] == [
        "2024-07",
        "2025-07",
    ]
    assert [load_rules(p, ["wuhan"]).cities[0].minimum_wage_fen for p in ("2025-11", "2025-12")] == [221_000, 240_000]
    assert [
        load_rules(p, ["dongguan"]).cities[0].items["housing_fund"].base_cap_fen for p in ("2025-12", "2026-01")
    ] == [3_957_900, 2_739_100]


def test_every_entry_in_force_names_its_source_and_marker() -> None:
    for city in load_rules("2026-10").cities:
        assert re.search(r"\[[CTD]\]", city.contribution_source), (
            f"{city.key}: source {city.contribution_source!r} has no [C]/[T]/[D]"
        )


def test_tax_table_and_version() -> None:
    rules = load_rules("2026-01", ["shanghai"])
    assert [(b.upto_fen, b.rate, b.quick_deduction_fen) for b in rules.tax.brackets][:2] == [
        (3_600_000, Fraction(3, 100), 0),
        (14_400_000, Fraction(1, 10), 252_000),
    ]
    assert rules.tax.brackets[-1].upto_fen is None
    assert rules.version == (
        "cn-iit-2026.1 cn-conventions-2026.1 shanghai:si@2025-07,mw@2025-07,aw@2025-07 "
        "holidays:chinesecalendar-1.11.0+overrides-e3b0c44298fc"
    )


def test_quick_deductions_follow_from_the_brackets() -> None:
    brackets = load_rules("2026-01", ["shanghai"]).tax.brackets
    for prev, cur in pairwise(brackets):
        assert cur.quick_deduction_fen == prev.quick_deduction_fen + prev.upto_fen * (cur.rate - prev.rate)


def test_errors_name_what_and_where() -> None:
    with pytest.raises(RuleError, match=r"^pay period '2026-13' is not of the form YYYY-MM \(e\.g\. 2026-03\)$"):
        load_rules("2026-13")
    with pytest.raises(RuleError, match=r"iit-2031\.toml: no such rule file; add it"):
        load_rules("2031-01")
    with pytest.raises(RuleError, match=r"^unknown city 'atlantis': no .*atlantis\.toml; known cities: beijing, "):
        load_rules("2026-01", ["atlantis"])
    with pytest.raises(
        RuleError,
        match=r"shanghai\.toml: contribution: no entry in force for 2025-01 \(earliest from = 2025-07\); add one$",
    ):
        load_rules("2025-01", ["shanghai"])


def test_bad_city_file_is_reported_with_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        (loader.CITIES_DIR / "shanghai.toml").read_text().replace('employee_rate = "0.08"', "employee_rate = 0.08", 1)
    )
    (tmp_path / "shanghai.toml").write_text(text)
    monkeypatch.setattr(loader, "CITIES_DIR", tmp_path)
    with pytest.raises(
        RuleError,
        match=r"shanghai\.toml: contribution from 2025-07 \[pension\]: employee_rate: 0.08 is a float; write "
        r"decimal fractions as strings, e.g. \"0.08\"$",
    ):
        load_rules("2026-01", ["shanghai"])


# (city, part-time hourly minimum fen or None, average wage: entry month and annual fen, or None) for 2026-03 and
# 2026-10; figures and sources in payroll_core/rules/cities/<city>.toml.
PART_TIME_AND_AVERAGE = {
    "2026-03": [
        ("beijing", 2_770, ("2025-07", 14_324_400)),
        ("shanghai", 2_500, ("2025-07", 14_920_800)),
        ("guangzhou", 2_370, ("2025-07", 15_931_200)),
        ("shenzhen", 2_370, ("2025-07", 17_706_000)),
        ("dongguan", None, ("2026-01", 10_956_400)),
        ("hangzhou", None, ("2025-07", 16_277_600)),
        ("suzhou", None, ("2025-07", 15_560_000)),
        ("chengdu", 2_300, ("2025-07", 12_551_200)),
        ("wuhan", 2_400, ("2025-07", 13_824_000)),
    ],
    "2026-10": [
        ("beijing", 2_770, ("2026-07", 14_539_200)),
        ("shanghai", 2_500, ("2026-07", 15_092_400)),
        ("guangzhou", None, ("2026-07", 16_678_800)),
        ("shenzhen", None, ("2026-07", 19_388_400)),
        ("dongguan", None, ("2026-01", 10_956_400)),
        ("hangzhou", None, ("2026-07", 16_860_400)),
        ("suzhou", None, ("2026-07", 16_240_000)),
        ("chengdu", 2_300, ("2026-07", 13_187_600)),
        ("wuhan", 2_400, ("2026-07", 14_428_900)),
    ],
}


@pytest.mark.parametrize("period", sorted(PART_TIME_AND_AVERAGE))
def test_part_time_minimum_and_average_wage_in_force(period: str) -> None:
    cities = load_rules(period).cities
    got = [(c.key, c.minimum_wage_hourly_fen, (c.average_wage_from, c.average_wage_annual_fen)) for c in cities]
    assert sorted(got) == sorted(PART_TIME_AND_AVERAGE[period])
    for city in cities:
        assert re.search(r"\[[CTD]\]", city.average_wage_source), f"{city.key}: {city.average_wage_source!r}"


def test_a_city_without_an_average_wage_for_the_period_has_none() -> None:
    # Guangzhou's first [[average_wage]] entry starts 2025-07.
    assert load_rules("2025-06", ["guangzhou"]).cities[0].average_wage_annual_fen is None


def test_items_beyond_the_shared_base_and_rates_rechecked_in_2026() -> None:
    wuhan, shenzhen = load_rules("2026-03", ["wuhan", "shenzhen"]).cities
    assert wuhan.items["medical"].employee_fixed_fen == 700  # the 7-yuan serious-illness item
    assert shenzhen.items["unemployment"].employee_rate == Fraction(2, 1000)
    guangzhou_2025 = load_rules("2025-08", ["guangzhou"]).cities[0]
    hf = guangzhou_2025.items["housing_fund"]
    assert (hf.base_floor_fen, hf.base_cap_fen) == (250_000, 3_982_800)
    assert hf.base_floor_fen >= guangzhou_2025.minimum_wage_fen, "an HF floor below the minimum wage cannot be right"


def test_conventions_for_housing_fund_severance_damages_and_sick_pay() -> None:
    beijing, shanghai = load_rules("2026-03", ["beijing", "shanghai"]).cities
    conv = beijing.conventions
    assert (conv.hf_legal_rate_min, conv.hf_legal_rate_max) == (Fraction(5, 100), Fraction(12, 100))
    assert (conv.severance_wage_cap_multiple, conv.severance_capped_years) == (3, 12)
    assert (conv.damages_max_share, conv.damages_policy) == (Fraction(1, 5), "cap")
    assert (conv.sick_pay_floor_share, conv.sick_pay_tiers) == (Fraction(4, 5), ())
    assert shanghai.conventions.sick_pay_tiers == (
        (0, Fraction(6, 10)),
        (2, Fraction(7, 10)),
        (4, Fraction(8, 10)),
        (6, Fraction(9, 10)),
        (8, Fraction(1)),
    )
    assert shanghai.conventions.sick_pay_long_tiers == (
        (0, Fraction(4, 10)),
        (1, Fraction(5, 10)),
        (3, Fraction(6, 10)),
    )


def test_bonus_table_housing_fund_and_severance_tax_rules() -> None:
    tax = load_rules("2026-01", ["shanghai"]).tax
    assert [(b.upto_fen, b.rate, b.quick_deduction_fen) for b in tax.bonus_brackets] == [
        (300_000, Fraction(3, 100), 0),
        (1_200_000, Fraction(10, 100), 21_000),
        (2_500_000, Fraction(20, 100), 141_000),
        (3_500_000, Fraction(25, 100), 266_000),
        (5_500_000, Fraction(30, 100), 441_000),
        (8_000_000, Fraction(35, 100), 716_000),
        (None, Fraction(45, 100), 1_516_000),
    ]
    for prev, cur in pairwise(tax.bonus_brackets):  # the monthly table's quick deductions follow from its brackets
        assert cur.quick_deduction_fen == prev.quick_deduction_fen + prev.upto_fen * (cur.rate - prev.rate)
    assert (tax.bonus_valid_until, tax.hf_deductible_rate, tax.severance_exempt_multiple) == (
        "2027-12",
        Fraction(12, 100),
        3,
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'damages_policy = "cap"',
            'damages_policy = "warn"',
            r"\[deductions\]: damages_policy 'warn' unknown; use one of cap, flag_only$",
        ),
        (
            "tiers = []",
            'tiers = [{ from_years = 2, share = "0.7" }]',
            r"\[sick_pay\]: tiers must start at from_years = 0 and increase$",
        ),
    ],
)
def test_bad_conventions_are_reported_with_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    text = (loader.RULES_DIR / "conventions-2026.toml").read_text()
    assert old in text
    (tmp_path / "conventions-2026.toml").write_text(text.replace(old, new, 1))
    (tmp_path / "iit-2026.toml").write_text((loader.RULES_DIR / "iit-2026.toml").read_text())
    monkeypatch.setattr(loader, "RULES_DIR", tmp_path)
    with pytest.raises(RuleError, match=message):
        load_rules("2026-01", ["beijing"])  # Shanghai sets its own sick-pay tiers
