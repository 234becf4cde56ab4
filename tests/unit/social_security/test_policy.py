"""Contribution figures by period: the month's own period, the last one continued (provisional), the
operator's file superseding the shipped assumption, and malformed files refused with their line."""

import json
from datetime import date
from decimal import Decimal

import pytest

from contracts.contributions import InvalidRatesFile, PolicyNotConfigured, check_no_overlap, parse_policy
from services.social_security.policy import PolicyBook

KINDS = ("pension", "medical", "unemployment", "work_injury")


def figures(region="420100", valid_from="2026-09-01", valid_until="2027-08-31", floor="4000.00",
            ceiling="20000.00", source="测试 2026-12-01", **extra) -> dict:
    return {"region_code": region, "valid_from": valid_from, "valid_until": valid_until, "source": source,
            "base": {"floor": floor, "ceiling": ceiling},
            "rates": {k: {"employer_rate": "0.1", "personal_rate": "0.01"} for k in KINDS},
            "housing_fund": {"base": {"floor": "2000", "ceiling": ceiling}, "employer_rate": "0.05",
                             "personal_rate": "0.05"}, **extra}


def write(directory, name, **kwargs):
    (directory / name).write_text(json.dumps(figures(**kwargs), indent=1), "utf-8")


def test_the_shipped_wuhan_periods_run_september_to_august_and_say_they_are_assumptions():
    book = PolicyBook(operator_dir=None)
    autumn = book.policy("420111", date(2026, 9, 1))
    summer = book.policy("420111", date(2026, 8, 31))
    assert autumn.valid_from == date(2026, 9, 1) and summer.valid_until == date(2026, 8, 31)
    assert autumn.base.floor != summer.base.floor  # a new period, not a new calendar year
    assert book.policy("420111", date(2027, 1, 4)).period == autumn.period  # January keeps the autumn figures
    for p in (autumn, summer):
        assert "ASSUMPTION" in p.source and not p.confirmed and not p.provisional


def test_after_the_last_published_period_its_figures_continue_marked_provisional():
    book = PolicyBook(operator_dir=None)
    later = book.policy("420111", date(2030, 6, 3))
    last = book.policy("420111", date(2027, 8, 31))
    assert later.provisional and not last.provisional
    assert later.base == last.base and later.rates == last.rates and later.period == last.period


def test_before_the_first_period_nothing_can_be_continued():
    with pytest.raises(PolicyNotConfigured) as caught:
        PolicyBook(operator_dir=None).policy("420111", date(2020, 1, 1))
    assert "尚未配置" in str(caught.value)


def test_a_district_file_overrides_the_city_file(tmp_path):
    write(tmp_path, "a.json", floor="4000.00")
    write(tmp_path, "b.json", region="420115", floor="3500.00")
    book = PolicyBook(operator_dir=tmp_path, shipped_dir=tmp_path / "none")
    assert book.policy("420111", date(2026, 12, 1)).base.floor == Decimal("4000.00")
    assert book.policy("420115", date(2026, 12, 1)).base.floor == Decimal("3500.00")


def test_a_loaded_period_ends_the_provisional_continuation_and_supersedes_shipped_overlaps(tmp_path):
    book = PolicyBook(operator_dir=tmp_path)
    assert book.policy("420111", date(2027, 9, 15)).provisional
    assert book.changed_since_last_look() and not book.changed_since_last_look()
    write(tmp_path, "420100_2027-09.json", valid_from="2027-09-01", valid_until="2028-08-31", floor="4900.00",
          ceiling="24500.00", confirmed=True)
    book.reload()
    now_known = book.policy("420111", date(2027, 9, 15))
    assert not now_known.provisional and now_known.base.floor == Decimal("4900.00") and now_known.confirmed
    assert book.changed_since_last_look()


@pytest.mark.parametrize("change, line, reason", [
    (lambda f: f.update(valid_until="2026-08-01"), 4, "before valid_from"),
    (lambda f: f["base"].update(floor="30000"), 6, "out of order"),
    (lambda f: f.update(source=""), 5, "source"),
    (lambda f: f["rates"]["pension"].update(employer_rate="16"), 11, "not a fraction"),
    (lambda f: f["rates"].pop("work_injury"), 10, "work_injury"),
    (lambda f: f.update(region_code="4201"), 2, "6-digit"),
    (lambda f: f.update(valid_from="2026-13-01"), 3, "date"),
])
def test_a_malformed_file_is_refused_with_its_line_and_reason(change, line, reason):
    raw = figures()
    change(raw)
    text = json.dumps(raw, indent=1)
    with pytest.raises(InvalidRatesFile) as caught:
        parse_policy(text)
    assert caught.value.line == line and reason in caught.value.reason


def test_text_that_is_not_json_is_refused_with_its_line():
    with pytest.raises(InvalidRatesFile) as caught:
        parse_policy('{\n "region_code": "420100",\n "valid_from": \n}')
    assert caught.value.line == 4 and "not JSON" in caught.value.reason


def test_overlapping_periods_of_one_region_are_contradictory():
    a = parse_policy(json.dumps(figures()))
    b = parse_policy(json.dumps(figures(valid_from="2027-03-01", valid_until="2028-02-29")))
    with pytest.raises(InvalidRatesFile, match="overlaps"):
        check_no_overlap([a, b])
    check_no_overlap([a, parse_policy(json.dumps(figures(valid_from="2027-09-01", valid_until="2028-08-31")))])
