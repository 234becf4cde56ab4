from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts.contributions import Bounds, Policy, Rate
from contracts.form import Employee
from services.social_security import domain

from .helpers import broken_resident_id, resident_id

TODAY = date(2026, 11, 25)
ESTABLISHED = date(2026, 11, 20)


def policy(floor="4700.00", ceiling="23500.00", **rates) -> Policy:
    default = {"pension": ("0.16", "0.08"),
               "unemployment": ("0.007", "0.003"), "work_injury": ("0.005", "0")}
    default.update(rates)
    return Policy("420111", date(2026, 9, 1), date(2027, 8, 31), Bounds(Decimal(floor), Decimal(ceiling)),
                  {k: Rate(Decimal(e), Decimal(p)) for k, (e, p) in default.items()}, "test")


# ---- numbers ---------------------------------------------------------------------------------

def test_employer_number_is_district_year_sequence():
    assert domain.employer_number("420111", 2026, 7) == "4201112026000007"


def test_the_employment_registration_is_numbered_from_its_enrolment():
    assert domain.employment_number("420111202600000100001") == "JY420111202600000100001"


def test_record_number_format():
    assert domain.record_number("4201112026000007", 3) == "420111202600000700003"


@pytest.mark.parametrize("seq", [0, -1, 10**6])
def test_employer_number_refuses_a_sequence_it_cannot_print(seq):
    with pytest.raises(ValueError):
        domain.employer_number("420111", 2026, seq)


def test_form_employee_ids_are_stable_per_application_and_index():
    assert domain.form_employee_id("app-1", 0) == domain.form_employee_id("app-1", 0)
    assert domain.form_employee_id("app-1", 0) != domain.form_employee_id("app-1", 1)
    assert domain.form_employee_id("app-1", 0) != domain.form_employee_id("app-2", 0)
    assert domain.request_employee_id("u", "r1") != domain.request_employee_id("u", "r2")


# ---- dates -----------------------------------------------------------------------------------

def test_local_today_is_the_shanghai_date():
    assert domain.local_today(datetime(2026, 11, 24, 17, 0, tzinfo=UTC)) == date(2026, 11, 25)


@pytest.mark.parametrize("month,first,last", [
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
])
def test_parse_month(month, first, last):
    assert domain.parse_month(month) == (first, last)


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "202611", None, 202611, "2026/11"])
def test_parse_month_refuses_anything_else(bad):
    with pytest.raises((ValueError, TypeError)):
        domain.parse_month(bad)


def test_a_person_counts_for_the_months_of_joining_and_leaving():
    first, last = domain.parse_month("2026-12")
    assert domain.active_in_month(date(2026, 12, 31), None, first, last)
    assert domain.active_in_month(date(2026, 1, 1), date(2026, 12, 1), first, last)
    assert not domain.active_in_month(date(2026, 1, 1), date(2026, 11, 30), first, last)
    assert not domain.active_in_month(date(2027, 1, 1), None, first, last)


# ---- screening -------------------------------------------------------------------------------

def employee(**over) -> Employee:
    data = {"name": "张三", "resident_id": resident_id(), "start_date": None, "monthly_wage": "8000.00"} | over
    return Employee.model_validate(data)


def test_a_standard_employee_needs_no_clerk():
    assert domain.employee_review_reasons(employee(), ESTABLISHED, TODAY) == []


def test_a_bad_check_digit_goes_to_the_clerk():
    reasons = domain.employee_review_reasons(employee(resident_id=broken_resident_id()), ESTABLISHED, TODAY)
    assert reasons == ["身份证号码校验未通过，需核对本人身份证件"]


def test_a_future_birth_date_is_not_a_valid_id():
    reasons = domain.employee_review_reasons(employee(resident_id=resident_id(born="20301212")), ESTABLISHED, TODAY)
    assert "身份证号码校验未通过" in reasons[0]


def test_zero_wage_goes_to_the_clerk():
    assert domain.employee_review_reasons(employee(monthly_wage="0"), ESTABLISHED, TODAY) == ["月工资应大于0元，需核实"]


def test_form_insurance_starts_on_the_chosen_day_but_never_before_establishment():
    assert domain.form_start_date(employee(), ESTABLISHED) == ESTABLISHED
    assert domain.form_start_date(employee(start_date="2026-11-18"), ESTABLISHED) == ESTABLISHED
    assert domain.form_start_date(employee(start_date="2026-12-01"), ESTABLISHED) == date(2026, 12, 1)


def test_only_an_employer_outside_the_served_districts_goes_to_the_clerk():
    assert domain.employer_review_reasons("420111") == []
    assert len(domain.employer_review_reasons("110105")) == 1


# ---- enrolment requests ----------------------------------------------------------------------

def good_request(**over) -> dict:
    return {"name": "李四", "resident_id": resident_id(seq="456"), "start_date": "2026-12-01",
            "monthly_wage": "6500.50"} | over


def test_a_good_request_parses():
    person, errors = domain.parse_new_employee(good_request(), ESTABLISHED, TODAY)
    assert errors == []
    assert person == domain.NewEmployee("李四", resident_id(seq="456"), date(2026, 12, 1), Decimal("6500.50"))


def test_an_omitted_start_date_means_today():
    person, _ = domain.parse_new_employee(good_request(start_date=None), ESTABLISHED, TODAY)
    assert person.start_date == TODAY


@pytest.mark.parametrize("field,value", [
    ("name", "王"), ("name", None),
    ("resident_id", broken_resident_id()), ("resident_id", "42011119900307123"), ("resident_id", 42),
    ("start_date", "2026-13-01"), ("start_date", "2026-11-19"), ("start_date", "2028-01-01"),
    ("monthly_wage", "0"), ("monthly_wage", "-1"), ("monthly_wage", 8000.5), ("monthly_wage", "8000.123"),
    ("monthly_wage", "abc"), ("monthly_wage", "NaN"),
])
def test_each_bad_field_is_named_as_the_gateway_names_it(field, value):
    person, errors = domain.parse_new_employee(good_request(**{field: value}), ESTABLISHED, TODAY)
    assert person is None
    assert [e.field for e in errors] == [field]


def test_all_problems_are_reported_at_once_and_unknown_keys_refused():
    raw = {"name": "", "resident_id": "x", "start_date": "soon", "monthly_wage": "0", "salary": "1"}
    _, errors = domain.parse_new_employee(raw, ESTABLISHED, TODAY)
    assert [e.field for e in errors] == ["salary", "name", "resident_id", "start_date", "monthly_wage"]


# ---- bases and contributions ---------------------------------------------------------------

@pytest.mark.parametrize("wage,base", [("3000.00", "4700.00"), ("8000.00", "8000.00"),
                                       ("4700.00", "4700.00"), ("30000", "23500.00"), ("23500.01", "23500.00")])
def test_base_is_the_wage_clamped_to_floor_and_ceiling(wage, base):
    assert domain.contribution_base(Decimal(wage), policy().base) == Decimal(base)


def test_monthly_contribution_per_kind_and_party():
    owed = domain.employee_contribution(Decimal("8000.00"), policy())
    kinds = owed["kinds"]
    assert kinds["pension"] == {"base": Decimal("8000.00"), "employer": Decimal("1280.00"), "personal": Decimal("640.00")}
    assert kinds["unemployment"]["employer"] == Decimal("56.00") and kinds["unemployment"]["personal"] == Decimal("24.00")
    assert kinds["work_injury"] == {"base": Decimal("8000.00"), "employer": Decimal("40.00"), "personal": Decimal("0.00")}
    assert owed["employer"] == Decimal("1376.00") and owed["personal"] == Decimal("664.00")
    assert "housing_fund" not in kinds and "medical" not in kinds  # the centre's and the 医疗保障局's


def test_half_a_fen_rounds_up_not_to_even():
    # 5001.00 x 0.5% = 25.005: ROUND_HALF_UP gives 25.01 (banker's rounding would give 25.00)
    owed = domain.employee_contribution(Decimal("5001.00"), policy())
    assert owed["kinds"]["work_injury"]["employer"] == Decimal("25.01")
    # 5001.00 x 0.3% = 15.003 -> 15.00
    assert owed["kinds"]["unemployment"]["personal"] == Decimal("15.00")


def test_totals_are_the_sums_of_the_kinds_and_the_floor_applies():
    owed = domain.employee_contribution(Decimal("3000.00"), policy())
    assert set(owed["kinds"]) == {"pension", "unemployment", "work_injury"}  # no medical, no housing fund here
    assert owed["kinds"]["pension"]["base"] == Decimal("4700.00")  # social insurance floor applies
    assert owed["employer"] == sum(k["employer"] for k in owed["kinds"].values())


def test_month_totals_are_sums_of_rounded_amounts():
    staff = [{"employee_id": "a", "name": "甲", "monthly_wage": "5001.00"},
             {"employee_id": "b", "name": "乙", "monthly_wage": "5001.00"}]
    result = domain.month_contributions(staff, policy())
    one = result["employees"][0]
    assert one["kinds"]["work_injury"]["employer"] == "25.01"
    assert result["totals"]["employer"] == str(Decimal(one["employer"]) * 2)
    assert result["totals"]["total"] == str(Decimal(one["total"]) * 2)
    assert result["totals"]["headcount"] == 2
