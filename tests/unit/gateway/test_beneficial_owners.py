"""Beneficial owners through the gateway: refusals are 422 on the field in Chinese; a filing goes to
registration (and only there) with the form, and the data-sharing receipt says so."""

from __future__ import annotations

import json

from contracts.events import LicenceIssued, parse_event
from tests.factories import make_form
from tests.support.parties import Parties

API = "/api/v1"


def test_a_bad_owner_is_422_on_its_field(client, sign_up):
    form = make_form()
    form["beneficial_owners"]["owners"][0]["share"] = "120"
    form["beneficial_owners"]["owners"][1]["resident_id"] = "420106199007180029"
    reply = client.post(f"{API}/applications", json=form, headers=sign_up()["headers"])
    assert reply.status_code == 422
    fields = {e["field"]: e["message"] for e in reply.json()["errors"]}
    assert fields == {"beneficial_owners.owners.0.share": "不能大于100"}  # types first, then the rules
    form["beneficial_owners"]["owners"][0]["share"] = "60"
    reply = client.post(f"{API}/applications", json=form, headers=sign_up()["headers"])
    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == ["beneficial_owners.owners.1.resident_id"]


def test_the_filing_reaches_registration_only_and_is_in_the_data_sharing_receipt(client, sign_up, publisher):
    founder = sign_up()
    form = make_form()
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 201, reply.text
    assert publisher.sent == []  # the two people named confirm first
    Parties(client.request).confirm_all(reply.json()["id"], form)
    [(kind, payload)] = publisher.sent
    event = parse_event("gateway", payload)
    assert kind == "application_submitted"
    assert event.form.beneficial_owners.owners[0].resident_id == form["beneficial_owners"]["owners"][0]["resident_id"]
    # the event every other bureau receives carries none of it (data minimisation)
    assert "beneficial_owners" not in LicenceIssued.model_fields
    # the founder's timeline keeps no copy of the form, so no owner's ID
    body = client.get(f"{API}/applications/{reply.json()['id']}", headers=founder["headers"]).json()
    assert form["beneficial_owners"]["owners"][1]["resident_id"] not in json.dumps(body["timeline"], ensure_ascii=False)
    receipt = client.get(f"{API}/applications/{body['id']}/data-sharing", headers=founder["headers"]).json()
    [item] = [i for i in receipt["items"] if i["event"] == "application_submitted"]
    assert item["bureau"] == "registration"
    assert {"form.beneficial_owners.owners[].resident_id", "form.beneficial_owners.owners[].share",
            "form.beneficial_owners.owners[].basis[]"} <= set(item["fields"])
