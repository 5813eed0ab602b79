from fractions import Fraction
from pathlib import Path

import pytest

from payroll_core.rules import RuleError, available_cities, load_rules
from payroll_core.rules import loader

REQUIRED = {"shanghai", "beijing", "shenzhen", "guangzhou", "dongguan", "suzhou", "hangzhou", "chengdu", "wuhan"}


def test_every_required_city_has_data_for_the_current_year() -> None:
    assert REQUIRED <= set(available_cities())
    rules = load_rules("2026-11")
    assert {c.key for c in rules.cities} >= REQUIRED


def test_shanghai_2025_07_figures() -> None:
    city = load_rules("2026-03", ["shanghai"]).cities[0]
    assert (city.minimum_wage_fen, city.minimum_wage_excludes_si_hf, city.contribution_from) == (274_000, True, "2025-07")
    pension = city.items["pension"]
    assert (pension.base_floor_fen, pension.base_cap_fen, pension.employee_rate) == (746_000, 3_730_200, Fraction(8, 100))
    hf = city.items["housing_fund"]
    assert (hf.base_floor_fen, hf.base_cap_fen, hf.employee_rate, hf.unit_fen) == (269_000, 3_730_200, Fraction(7, 100), 100)


def test_entry_in_force_follows_the_period() -> None:
    assert load_rules("2025-06", ["beijing"]).cities[0].contribution_from == "2024-07"
    assert load_rules("2026-06", ["beijing"]).cities[0].contribution_from == "2025-07"
    assert load_rules("2025-08", ["beijing"]).cities[0].minimum_wage_fen == 242_000
    assert load_rules("2025-09", ["beijing"]).cities[0].minimum_wage_fen == 254_000


def test_tax_table_and_version() -> None:
    rules = load_rules("2026-01", ["shanghai"])
    assert [(b.upto_fen, b.rate, b.quick_deduction_fen) for b in rules.tax.brackets][:2] == [
        (3_600_000, Fraction(3, 100), 0), (14_400_000, Fraction(1, 10), 252_000)]
    assert rules.tax.brackets[-1].upto_fen is None
    assert rules.version == "cn-iit-2026.1 cn-conventions-2026.1 shanghai:si@2025-07,mw@2025-07"


def test_quick_deductions_follow_from_the_brackets() -> None:
    brackets = load_rules("2026-01", ["shanghai"]).tax.brackets
    for prev, cur in zip(brackets, brackets[1:]):
        assert cur.quick_deduction_fen == prev.quick_deduction_fen + prev.upto_fen * (cur.rate - prev.rate)


def test_errors_name_what_and_where() -> None:
    with pytest.raises(RuleError, match=r"^pay period '2026-13' is not of the form YYYY-MM \(e\.g\. 2026-03\)$"):
        load_rules("2026-13")
    with pytest.raises(RuleError, match=r"iit-2031\.toml: no such rule file; add it"):
        load_rules("2031-01")
    with pytest.raises(RuleError, match=r"^unknown city 'atlantis': no .*atlantis\.toml; known cities: beijing, "):
        load_rules("2026-01", ["atlantis"])
    with pytest.raises(RuleError, match=r"shanghai\.toml: contribution: no entry in force for 2025-01 \(earliest from = 2025-07\); add one$"):
        load_rules("2025-01", ["shanghai"])


def test_bad_city_file_is_reported_with_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (loader.CITIES_DIR / "shanghai.toml").read_text().replace('employee_rate = "0.08"', "employee_rate = 0.08", 1)
    (tmp_path / "shanghai.toml").write_text(text)
    monkeypatch.setattr(loader, "CITIES_DIR", tmp_path)
    with pytest.raises(RuleError, match=r"shanghai\.toml: contribution from 2025-07 \[pension\]: employee_rate: 0.08 is a float; write decimal fractions as strings, e.g. \"0.08\"$"):
        load_rules("2026-01", ["shanghai"])
