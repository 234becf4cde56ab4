"""What founders type into the form's amount and ID inputs, read the way they mean it."""

import pytest
from starlette.datastructures import FormData

from gateway.web.formdata import money, parse


@pytest.mark.parametrize(("typed", "yuan"), [
    ("50万", "500000"), ("50万元", "500000"), ("12.5万", "125000"), ("0.00015万", "1.5"),
    ("1,000,000", "1000000"), ("1，000，000元", "1000000"), ("8000.50", "8000.50"),
    ("abc", "abc"), ("12.345", "12.345"), ("万", "万"),  # not amounts: left for the form's own message
])
def test_amounts_in_wan_and_with_separators(typed, yuan):
    assert money(typed) == yuan


def test_posted_amounts_and_ids_are_normalised():
    data = parse(FormData([("registered_capital", "50万"), ("shareholders.0.subscribed_amount", "500,000"),
                           ("shareholders.0.resident_id", "11010519491231002x")]))
    assert data["registered_capital"] == "500000"
    assert data["shareholders"][0] == {"subscribed_amount": "500000", "resident_id": "11010519491231002X"}


def test_the_governance_row_checkboxes_become_the_forms_fields():
    """A 职工代表监事 tick is that supervisor's flag; ticked directors are governance.audit_committee
    (contracts.form.Governance: directors' resident IDs), the same fields the API takes."""
    data = parse(FormData([
        ("directors.0.name", "王芳"), ("directors.0.resident_id", "11010519491231002X"), ("directors.0.audit_committee", "true"),
        ("directors.1.name", "李娜"), ("directors.1.resident_id", "420102198503120016"),
        ("directors.2.name", "陈静"), ("directors.2.resident_id", "420102198503120032"), ("directors.2.audit_committee", "true"),
        ("supervisors.0.name", "刘洋"), ("supervisors.0.resident_id", "420102198503120059"),
        ("supervisors.0.staff_representative", "true"),
        ("supervisors.1.name", "赵敏"), ("supervisors.1.resident_id", "420102198503120075"),
        ("governance.supervision", "audit_committee")]))
    assert [d for d in data["directors"] if "audit_committee" in d] == []
    assert data["governance"]["audit_committee"] == ["11010519491231002X", "420102198503120032"]
    assert [s.get("staff_representative", False) for s in data["supervisors"]] == [True, False]
    assert "audit_committee" not in parse(FormData([("directors.0.name", "王芳")])).get("governance", {})
