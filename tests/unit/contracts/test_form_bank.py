"""The form's bank section: a branch from the participating bank's list, and the reserved seals it needs."""

from __future__ import annotations

from datetime import date

import pytest

from contracts import banks
from contracts.calendar import add_working_days
from contracts.form import single_field_errors, validate_form
from contracts.rpc import Invalid
from tests.factories import make_form

RESERVED = {"kinds": ["company", "finance", "legal_representative"], "electronic": True}


def test_a_branch_from_the_list_with_the_reserved_seals_is_accepted():
    form = validate_form(make_form(bank={"branch_id": "jc-hongshan"}, seals=RESERVED))
    assert form.bank.branch_id == "jc-hongshan"
    assert validate_form(make_form()).bank is None  # the section is optional


def test_an_unknown_branch_is_refused_on_its_field_in_chinese():
    with pytest.raises(Invalid) as refused:
        validate_form(make_form(bank={"branch_id": "no-such-branch"}, seals=RESERVED))
    assert [(e.field, e.message) for e in refused.value.field_errors] == [
        ("bank.branch_id", "所选开户网点不在参与银行的网点名录中，请从列表中选择")]
    # the raw body's one-field checks say so too (a form that does not parse yet)
    assert [e.field for e in single_field_errors({"bank": {"branch_id": "x"}})] == ["bank.branch_id"]


@pytest.mark.parametrize("kinds,missing", [
    (["company"], "财务专用章、法定代表人名章"),
    (["company", "finance"], "法定代表人名章"),
    (["company", "legal_representative"], "财务专用章"),
])
def test_a_bank_account_needs_the_finance_and_name_seals_ordered(kinds, missing):
    with pytest.raises(Invalid) as refused:
        validate_form(make_form(bank={"branch_id": "jc-hongshan"}, seals={"kinds": kinds, "electronic": True}))
    errors = [(e.field, e.message) for e in refused.value.field_errors]
    assert len(errors) == 1 and errors[0][0] == "seals.kinds"
    assert errors[0][1].endswith(f"请勾选：{missing}") and "预留印鉴" in errors[0][1]


def test_the_branch_list_is_marked_demo_data_and_every_branch_has_slots():
    assert banks.book().demo is True and "DEMO" in banks.book().note
    for branch in banks.branches().values():
        assert banks.slots(branch) and branch.capacity_per_slot >= 1
    assert banks.slots(banks.branch("jc-jiangan")) == ("09:30-10:30", "10:30-11:30")


def test_a_preferred_appointment_is_a_working_day_and_one_of_the_branchs_slots():
    chosen = {"branch_id": "jc-hongshan", "appointment_date": "2026-12-09", "appointment_slot": "13:30-14:30"}
    form = validate_form(make_form(bank=chosen, seals=RESERVED))
    assert (form.bank.appointment_date.isoformat(), form.bank.appointment_slot) == ("2026-12-09", "13:30-14:30")


@pytest.mark.parametrize(("chosen", "field", "words"), [
    ({"appointment_date": "2026-12-09"}, "bank.appointment_slot", "同时选择日期和时段"),
    ({"appointment_slot": "09:00-10:00"}, "bank.appointment_date", "同时选择日期和时段"),
    ({"appointment_date": "2026-12-09", "appointment_slot": "12:00-13:00"}, "bank.appointment_slot",
     "09:00-10:00、10:00-11:00、11:00-12:00、13:30-14:30"),  # the lunch break is no slot at this branch
    ({"appointment_date": "2026-12-12", "appointment_slot": "09:00-10:00"}, "bank.appointment_date", "工作日"),  # Saturday
    ({"appointment_date": "2027-01-01", "appointment_slot": "09:00-10:00"}, "bank.appointment_date", "工作日"),  # 元旦
])
def test_a_preferred_appointment_the_branch_cannot_give_is_refused_on_its_field(chosen, field, words):
    with pytest.raises(Invalid) as refused:
        validate_form(make_form(bank={"branch_id": "jc-hongshan", **chosen}, seals=RESERVED))
    [error] = refused.value.field_errors
    assert error.field == field and words in error.message, error


# the appointment day's rules, one function for the gateway's check at submission and the bank's at a move
FRIDAY = date(2026, 12, 4)  # a working day; the next one is Monday 7 December


@pytest.mark.parametrize(("day", "words"), [
    (None, "请填写预约日期"),
    (FRIDAY, "今天之后"),
    (date(2026, 12, 1), "今天之后"),
    (date(2026, 12, 5), "工作日"),  # a Saturday
    (add_working_days(FRIDAY, banks.HORIZON_WORKING_DAYS + 1), "最晚为"),
])
def test_an_appointment_day_outside_the_rules_is_one_error_on_the_given_field(day, words):
    [error] = banks.appointment_day_errors(day, FRIDAY, "bank.appointment_date")
    assert error.field == "bank.appointment_date" and words in error.message


def test_the_next_working_day_and_the_last_one_of_the_horizon_are_accepted():
    assert banks.appointment_day_errors(date(2026, 12, 7), FRIDAY, "appointment_date") == []
    last = add_working_days(FRIDAY, banks.HORIZON_WORKING_DAYS)
    assert banks.appointment_day_errors(last, FRIDAY, "appointment_date") == []
