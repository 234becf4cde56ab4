"""Change of details: what may change, and that the result keeps the application form's rules."""

from __future__ import annotations

import json

import pytest

from contracts.changes import apply_change, licensed_items, parse_change
from contracts.form import ApplicationForm
from contracts.rpc import Invalid
from tests.factories import make_form, resident_id


def fields_of(refused: Invalid) -> dict[str, str]:
    return {e["field"]: e["message"] for e in json.loads(str(refused.args[0]))["errors"]}


@pytest.fixture
def form() -> ApplicationForm:
    return ApplicationForm.model_validate(make_form())


def test_a_move_across_districts_changes_only_the_domicile(form):
    change = parse_change({"domicile": {"district_code": "420106", "detail": "武昌区中南路99号"}})
    after = apply_change(form, change)
    assert change.sections() == ["domicile"]
    assert after.domicile.district_code == "420106" and after.name == form.name
    assert after.legal_representative == form.legal_representative


def test_an_empty_change_and_an_unknown_section_are_field_errors():
    with pytest.raises(Invalid) as empty:
        parse_change({})
    assert "body" in fields_of(empty.value)
    with pytest.raises(Invalid) as unknown:
        parse_change({"company_type": "joint_stock"})
    assert "company_type" in fields_of(unknown.value)


def test_a_legal_representative_who_is_neither_director_nor_manager_is_refused_in_chinese(form):
    stranger = {"name": "李娜", "resident_id": resident_id(female=True), "position": "director"}
    with pytest.raises(Invalid) as refused:
        apply_change(form, parse_change({"legal_representative": stranger}))
    assert "公司法第十条" in fields_of(refused.value)["legal_representative"]


def test_a_new_representative_who_is_made_director_in_the_same_change_is_accepted(form):
    person = {"name": "李娜", "resident_id": resident_id(female=True)}
    after = apply_change(form, parse_change({"legal_representative": {**person, "position": "director"},
                                             "directors": [person]}))
    assert after.legal_representative.name == "李娜"


def test_moving_to_the_same_domicile_is_no_change(form):
    with pytest.raises(Invalid) as refused:
        apply_change(form, parse_change({"domicile": form.domicile.model_dump()}))
    assert "domicile" in fields_of(refused.value)


def test_only_added_licensed_scope_items_are_reported(form):
    same = parse_change({"business_scope": list(form.business_scope)})
    assert licensed_items(same, form) == []


def test_the_creditor_period_of_a_capital_decrease_is_45_days_moved_past_a_rest_day():
    from datetime import date

    from contracts.calendar import is_working_day
    from contracts.capital import creditor_period_ends_on

    # 2026-12-02 + 45 days = 2027-01-16, a Saturday: the period ends on the next working day
    ends = creditor_period_ends_on(date(2026, 12, 2))
    assert ends > date(2027, 1, 16) and is_working_day(ends)
    assert all(not is_working_day(date.fromordinal(d)) for d in range(date(2027, 1, 16).toordinal(), ends.toordinal()))
    assert creditor_period_ends_on(date(2026, 11, 30)) == date(2027, 1, 14)  # a Thursday: as counted


def test_a_capital_change_keeps_the_subscriptions_adding_up(form):
    holders = [{**h, "subscribed_amount": "1"} for h in make_form()["shareholders"]]
    with pytest.raises(Invalid) as refused:
        apply_change(form, parse_change({"registered_capital": "2000000.00", "shareholders": holders}))
    assert "shareholders" in fields_of(refused.value)
