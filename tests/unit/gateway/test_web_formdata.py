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
