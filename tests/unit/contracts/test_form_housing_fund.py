"""The form's housing-fund section: the unit's and the employee's rates, 5-12 % each."""

from __future__ import annotations

import pytest

from contracts.form import HOUSING_FUND_DEFAULT_RATE, validate_form
from contracts.rpc import Invalid
from tests.factories import make_form


def test_chosen_rates_are_kept_and_the_old_yes_means_the_default_rates():
    form = validate_form(make_form(housing_fund={"employer_rate": 12, "employee_rate": 5}))
    assert (form.housing_fund.employer_rate, form.housing_fund.employee_rate) == (12, 5)
    ticked = validate_form(make_form(housing_fund=True)).housing_fund
    assert (ticked.employer_rate, ticked.employee_rate) == (HOUSING_FUND_DEFAULT_RATE,) * 2
    assert validate_form(make_form(housing_fund=False)).housing_fund is None


@pytest.mark.parametrize("rates,field,message", [
    ({"employer_rate": 4}, "housing_fund.employer_rate", "不能小于5"),
    ({"employee_rate": 13}, "housing_fund.employee_rate", "不能大于12"),
    ({"employer_rate": "八"}, "housing_fund.employer_rate", "应为整数"),
    ({"rate": 8}, "housing_fund.rate", "表单中没有这一项"),
])
def test_a_rate_outside_5_to_12_percent_is_refused_on_its_field_in_chinese(rates, field, message):
    """住房公积金管理条例 art. 18: 职工和单位住房公积金的缴存比例均不得低于职工上一年度月平均工资的5%；
    有条件的城市，可以适当提高缴存比例 - 12 % is the ceiling the 2005 guidance (建金管〔2005〕5号) sets."""
    with pytest.raises(Invalid) as refused:
        validate_form(make_form(housing_fund=rates))
    assert [(e.field, e.message) for e in refused.value.field_errors] == [(field, message)]
