"""Issue 20: a shareholder that is a company is confirmed by its legal representative's own account
(gateway/corporate_parties.py): registration's record names them for a company registered here, the
form for any other."""

from __future__ import annotations

import json

from gateway.corporate_parties import BAD_NUMBER, NAME_THEM, REGISTERED_HERE
from tests.factories import make_form, resident_id
from tests.support.parties import founder_only

API = "/api/v1"
USCC = "914403001922038216"  # a valid code; the fake registration says whether it is registered here


def with_company(founder: dict, representative: dict | None = None) -> dict:
    form = founder_only(make_form(), founder["resident_id"], founder["name"])
    form["shareholders"][0]["subscribed_amount"] = "900000.00"
    company = {"kind": "corporate", "name": "武汉光谷投资有限公司", "uscc": USCC, "subscribed_amount": "100000.00",
               "payment_due": form["shareholders"][0]["payment_due"]}
    if representative:
        company["legal_representative"] = representative
    form["shareholders"].append(company)
    form["beneficial_owners"]["owners"][0]["share"] = "90.00"
    return form


def registered_here(bureaus, name: str, number: str) -> list:
    asked = []
    bureaus.on("registration", "legal_representative_of", lambda uscc, founder_id: asked.append((uscc, founder_id))
               or {"registered": True, "name": name, "resident_id": number})
    return asked


def test_a_company_registered_here_is_confirmed_by_its_registered_legal_representative(client, sign_up, bureaus,
                                                                                        publisher):
    founder = sign_up()
    rep = sign_up(name="王芳")
    asked = registered_here(bureaus, rep["name"], rep["resident_id"])
    reply = client.post(f"{API}/applications", json=with_company(founder), headers=founder["headers"])
    assert reply.status_code == 201, reply.text
    app_id = reply.json()["id"]
    assert asked == [(USCC, founder["id"])]  # over RPC, as the founder's own call
    assert reply.json()["status"] == "awaiting_confirmation" and publisher.sent == []
    assert rep["resident_id"] not in json.dumps(reply.json(), ensure_ascii=False)  # the founder never sees it
    [waiting] = client.get(f"{API}/confirmations", headers=rep["headers"]).json()
    assert waiting["application_id"] == app_id and waiting["my_roles"] == ["corporate_representative"]
    stranger = sign_up(name="李娜")
    assert client.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"},
                      headers=stranger["headers"]).status_code == 404
    done = client.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=rep["headers"])
    assert done.status_code == 200 and done.json()["status"] != "awaiting_confirmation", done.text
    assert [kind for kind, _ in publisher.sent] == ["application_submitted"]


def test_a_registered_company_takes_its_representative_from_the_register_not_the_form(client, sign_up, bureaus):
    founder = sign_up()
    registered_here(bureaus, "王芳", resident_id())
    form = with_company(founder, {"name": "赵磊", "resident_id": resident_id()})
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 422
    assert reply.json()["errors"] == [{"field": "shareholders.1.legal_representative", "message": REGISTERED_HERE}]


def test_another_company_must_name_its_representative_who_then_confirms(client, sign_up, publisher):
    founder = sign_up()
    missing = client.post(f"{API}/applications", json=with_company(founder), headers=founder["headers"])
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "shareholders.1.legal_representative.name", "message": NAME_THEM}]
    bad = with_company(founder, {"name": "赵磊", "resident_id": "420103197208239570"})
    refused = client.post(f"{API}/applications", json=bad, headers=founder["headers"])
    assert refused.status_code == 422
    assert {"field": "shareholders.1.legal_representative.resident_id", "message": BAD_NUMBER} in refused.json()["errors"]

    rep = sign_up(name="赵磊")
    form = with_company(founder, {"name": "赵磊", "resident_id": rep["resident_id"]})
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 201 and reply.json()["status"] == "awaiting_confirmation", reply.text
    app_id = reply.json()["id"]
    [waiting] = client.get(f"{API}/confirmations", headers=rep["headers"]).json()
    assert waiting["my_roles"] == ["corporate_representative"]
    done = client.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=rep["headers"])
    assert done.status_code == 200, done.text
    assert [kind for kind, _ in publisher.sent] == ["application_submitted"]


def test_the_named_representative_must_confirm_under_the_name_the_form_gives(client, sign_up):
    founder = sign_up()
    impostor = sign_up(name="周杰")
    form = with_company(founder, {"name": "赵磊", "resident_id": impostor["resident_id"]})
    app_id = client.post(f"{API}/applications", json=form, headers=founder["headers"]).json()["id"]
    reply = client.put(f"{API}/confirmations/{app_id}", json={"decision": "confirm"}, headers=impostor["headers"])
    assert reply.status_code == 422 and reply.json()["errors"][0]["field"] == "name"
