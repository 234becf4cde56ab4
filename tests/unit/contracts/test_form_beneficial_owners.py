"""The form's beneficial-owner section (受益所有人, 人民银行 市场监管总局令〔2024〕第3号): natural persons with
their basis of control and share, or the exemption (capital <= 10 million yuan, every shareholder a
natural person, a signed commitment); each refusal on its field, in Chinese."""

from __future__ import annotations

import pytest

from contracts.form import ControlBasis, validate_form
from contracts.rpc import Invalid
from tests.factories import make_form, resident_id


def refused(form) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        validate_form(form)
    return [(e.field, e.message) for e in caught.value.field_errors]


def owners(*rows) -> dict:
    return {"owners": [dict(r) for r in rows]}


def test_the_example_files_its_shareholders_as_owners():
    form = validate_form(make_form())
    assert [o.basis for o in form.beneficial_owners.owners] == [[ControlBasis.equity, ControlBasis.control],
                                                                [ControlBasis.equity]]


def test_the_exemption_needs_small_capital_natural_shareholders_and_a_signed_commitment():
    exempt = validate_form(make_form(beneficial_owners={"exempt": True, "commitment_signed": True, "owners": []}))
    assert exempt.beneficial_owners.exempt
    assert refused(make_form(beneficial_owners={"exempt": True, "owners": []})) == [
        ("beneficial_owners.commitment_signed", "免于填报须签署承诺书（承诺股东均为自然人且不存在其他受益所有人）")]
    big = make_form(registered_capital="20000000.00", beneficial_owners={"exempt": True, "commitment_signed": True})
    big["shareholders"][0]["subscribed_amount"], big["shareholders"][1]["subscribed_amount"] = "12000000.00", "8000000.00"
    assert ("beneficial_owners.exempt", "注册资本超过1000万元，不能承诺免于填报受益所有人信息") in refused(big)


def test_an_owner_with_an_invalid_id_or_a_share_over_100_percent_is_refused_on_that_field():
    errors = refused(make_form(beneficial_owners=owners(
        {"name": "张伟", "resident_id": "420102198503120017", "basis": ["control"]})))
    assert errors == [("beneficial_owners.owners.0.resident_id", "身份证号码无效：请核对出生日期和最后一位校验码")]
    assert refused(make_form(beneficial_owners=owners(
        {"name": "张伟", "resident_id": resident_id(), "basis": ["equity"], "share": "120"}))) == [
        ("beneficial_owners.owners.0.share", "不能大于100")]


def test_shares_add_up_to_at_most_100_and_an_equity_owner_holds_25_percent():
    a, b = resident_id(), resident_id(female=True)
    assert refused(make_form(beneficial_owners=owners(
        {"name": "张伟", "resident_id": a, "basis": ["equity"], "share": "70"},
        {"name": "李娜", "resident_id": b, "basis": ["equity"], "share": "40"}))) == [
        ("beneficial_owners.owners", "受益所有人持股比例合计110%，超过100%")]
    assert refused(make_form(beneficial_owners=owners(
        {"name": "张伟", "resident_id": a, "basis": ["equity"], "share": "10"}))) == [
        ("beneficial_owners.owners.0.share", "按持股认定的受益所有人，持股比例应不低于25%")]
    assert refused(make_form(beneficial_owners=owners())) == [
        ("beneficial_owners.owners", "请填写至少一名受益所有人，或在符合条件时承诺免于填报")]
    assert refused(make_form(beneficial_owners=owners(
        {"name": "张伟", "resident_id": a, "basis": [], "share": "60"})))[0][0] == "beneficial_owners.owners.0.basis"
