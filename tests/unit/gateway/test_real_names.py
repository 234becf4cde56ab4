"""Real-name matching (issue 20): the person confirming must be the person named, and the form names one
person per resident ID; the founder's own number carries the founder account's name."""

from __future__ import annotations

from tests.factories import make_form
from tests.support.parties import Parties, named_people

API = "/api/v1"


def test_the_founders_own_number_under_another_name_is_a_field_error(client, sign_up):
    form = make_form()
    rid = form["legal_representative"]["resident_id"]  # the founder's number on the form
    founder = sign_up(name="王芳", number=rid)  # but the form calls that person 张伟
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 422, reply.text
    errors = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert "legal_representative.name" in errors and "王芳" in errors["legal_representative.name"]
    assert "shareholders.0.name" in errors  # every entry with that number


def test_one_number_under_two_names_is_a_field_error(client, sign_up):
    form = make_form()
    form["directors"][0]["name"] = "赵磊"  # the legal representative's number, another name
    reply = client.post(f"{API}/applications", json=form, headers=sign_up()["headers"])
    assert reply.status_code == 422
    errors = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert "一个身份证号码只对应一个人" in errors["directors.0.name"]


def test_an_account_whose_name_is_not_the_forms_cannot_confirm(client, sign_up, publisher):
    founder = sign_up()
    form = make_form()
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 201, reply.text
    app_id = reply.json()["id"]
    (first, first_name), (second, second_name) = named_people(form).items()
    people = Parties(client.request)
    impostor = people.account(second, "周杰")  # holds the number, not the name the form gives
    refused = client.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=impostor)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "name" and second_name in error["message"] and "不能以他人名义确认" in error["message"]
    # declining stays possible: the person named may always say no
    declined = client.put(f"{API}/confirmations/{app_id}", json={"decision": "decline", "reason": "不是我"},
                          headers=impostor)
    assert declined.status_code == 200 and publisher.sent == []
