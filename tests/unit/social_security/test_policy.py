import json
from decimal import Decimal

import pytest

from services.social_security.policy import PolicyNotConfigured, has_policy, load_policy


def write(directory, name, floor="4000.00", ceiling="20000.00", year=2026, source="测试 2026-11-25"):
    raw = {"year": year, "source": source, "base": {"floor": floor, "ceiling": ceiling},
           "rates": {k: {"employer_rate": "0.1", "personal_rate": "0.01"}
                     for k in ("pension", "medical", "unemployment", "work_injury")},
           "housing_fund": {"base": {"floor": "2000", "ceiling": ceiling}, "employer_rate": "0.05",
                            "personal_rate": "0.05"}}
    (directory / name).write_text(json.dumps(raw), "utf-8")


def test_shipped_wuhan_years_apply_to_every_district_and_say_they_are_assumptions():
    for year in (2025, 2026):
        p = load_policy("420111", year)
        assert p.district_code == "420111" and p.year == year
        assert p.base.floor < p.base.ceiling
        assert "ASSUMPTION" in p.source and "not officially confirmed" in p.source


def test_a_missing_year_is_a_clear_error_not_a_guess():
    with pytest.raises(PolicyNotConfigured) as caught:
        load_policy("420111", 2031)
    assert "2031" in str(caught.value) and "尚未配置" in str(caught.value)
    assert not has_policy("420111", 2031)


def test_a_district_file_overrides_the_city_file(tmp_path):
    write(tmp_path, "420100_2026.json", floor="4000.00")
    write(tmp_path, "420115_2026.json", floor="3500.00")
    assert load_policy("420111", 2026, tmp_path).base.floor == Decimal("4000.00")
    assert load_policy("420115", 2026, tmp_path).base.floor == Decimal("3500.00")


@pytest.mark.parametrize("kwargs", [{"floor": "30000"}, {"source": ""}, {"year": 2025}])
def test_a_malformed_file_is_refused(tmp_path, kwargs):
    write(tmp_path, "420111_2026.json", **kwargs)
    with pytest.raises(ValueError):
        load_policy("420111", 2026, tmp_path)
