"""The typed clients validate every reply against its contract: a reply that does not fit is BadReply
(502, never a 500 or the bad data), logged with where it failed but not what it held."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from contracts.rpc import BadReply, Unavailable
from contracts.rpc.tax import Invoice, InvoiceRequest
from gateway.clients import Clients

CAPTURED = Path(__file__).parents[1] / "contracts" / "replies"
INVOICE = json.loads((CAPTURED / "tax.json").read_text())["issue_invoice"][0]
REQUEST = InvoiceRequest(request_id="r1", buyer_name="武汉买方有限公司",
                         items=[{"name": "服务费", "quantity": "1", "unit_price": "1", "tax_rate": "0.01"}])


class FakeBureaus:
    def __init__(self, reply):
        self.reply, self.calls = reply, []

    def call(self, service, method, *args, timeout=None, **kwargs):
        self.calls.append((service, method))
        return self.reply


def test_a_reply_that_fits_comes_back_as_the_contract_says_it():
    answer = Clients(FakeBureaus(INVOICE)).tax.issue_invoice(INVOICE["uscc"], REQUEST)
    assert answer["number"] == INVOICE["number"] and answer["issued_at"] == INVOICE["issued_at"]
    assert answer["red_letters"] == [] and answer["reason"] is None  # every field of the contract, always


def test_a_reply_with_a_field_the_contract_does_not_name_is_a_bad_reply_logged_without_its_content(caplog):
    reply = INVOICE | {"buyer": {"name": "王小明", "tax_id": None, "resident_id": "110101199003070038"}}
    with caplog.at_level(logging.ERROR, logger="gateway.clients"), pytest.raises(BadReply) as raised:
        Clients(FakeBureaus(reply)).tax.issue_invoice(INVOICE["uscc"], REQUEST)
    assert raised.value.status == 502 and isinstance(raised.value, Unavailable)  # staffing: "unavailable"
    logged = caplog.text
    assert "tax.issue_invoice" in logged and "buyer.resident_id: extra_forbidden" in logged
    assert "王小明" not in logged and "110101199003070038" not in logged


def test_a_reply_of_the_wrong_type_is_a_bad_reply():
    with pytest.raises(BadReply):
        Clients(FakeBureaus({"number": 1})).tax.list_invoices(INVOICE["uscc"])
    with pytest.raises(BadReply):
        Clients(FakeBureaus(None)).seal.lookup_seal("4201110000001")


def test_registrations_change_replies_are_checked_too():
    change = json.loads((CAPTURED / "registration.json").read_text())["get_change"][0]
    client = Clients(FakeBureaus([change])).registration
    listed = client.list_changes(change["uscc"], "founder-1")
    # a part that does not apply to this change is there as None, not left out
    assert listed[0]["change_id"] == change["change_id"] and listed[0]["objections"] is None
    with pytest.raises(BadReply):  # a field the contract does not name
        Clients(FakeBureaus([change | {"founder_resident_id": "110101199003070038"}])).registration.list_changes(
            change["uscc"], "founder-1")
    with pytest.raises(BadReply):  # what used to pass through unchecked
        Clients(FakeBureaus({"anything": "a bare dict"})).registration.get_change(change["uscc"], "founder-1", "c")


def test_every_bureau_answers_health_in_one_shape_its_own_checks_named_inside():
    reply = {"service": "seal", "status": "ok", "database": "ok", "checks": {"font": "ok"}}
    assert Clients(FakeBureaus(reply)).seal.health() == reply
    assert Clients(FakeBureaus(reply | {"service": "tax", "checks": {}})).tax.health()["checks"] == {}
    with pytest.raises(BadReply):  # an extra check beside the contract's fields is outside it
        Clients(FakeBureaus({"service": "seal", "status": "ok", "database": "ok", "font": "ok"})).seal.health()


def test_the_api_answers_a_bad_reply_with_502_and_a_good_one_as_its_contract(client, sign_up, bureaus, gateway):
    from gateway.recording import record
    from tests.unit.gateway import captured
    from tests.unit.gateway.test_api import API, licence_payload, submitted

    owner = sign_up()
    app_id = submitted(client, owner)
    record(gateway.store, "registration", licence_payload(app_id))
    uscc = client.get(f"{API}/applications/{app_id}", headers=owner["headers"]).json()["outputs"]["uscc"]
    good = captured.reply("tax", "list_invoices", uscc=uscc)
    bureaus.on("tax", "list_invoices", lambda u: [good])
    reply = client.get(f"{API}/companies/{uscc}/invoices", headers=owner["headers"])
    # every field of the contract, those the bureau left out as their defaults (a blue invoice's red fields)
    assert reply.status_code == 200 and reply.json() == [Invoice.model_validate(good).model_dump(mode="json")]
    assert reply.json()[0]["reason"] is None and reply.json()[0]["issued_at"] == good["issued_at"]
    bureaus.on("tax", "list_invoices", lambda u: [good | {"internal_note": "x"}])
    reply = client.get(f"{API}/companies/{uscc}/invoices", headers=owner["headers"])
    assert reply.status_code == 502 and reply.json()["code"] == "BAD_BUREAU_REPLY"
    assert "internal_note" not in reply.text


def _openapi(client):
    """(the JSON schema of one path's answer, the components' schemas) of the API's OpenAPI document."""
    document = client.get("/openapi.json").json()

    def answer(path, method, status):
        return document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]

    return answer, document["components"]["schemas"]


def test_openapi_shows_the_bureaus_reply_models(client):
    answer, schemas = _openapi(client)
    company = "/api/v1/companies/{uscc}"
    assert answer(f"{company}/invoices", "post", "201") == {"$ref": "#/components/schemas/Invoice"}
    assert answer(f"{company}/invoices", "get", "200")["items"] == {"$ref": "#/components/schemas/Invoice"}
    assert answer(f"{company}/bank-account", "get", "200") == {"$ref": "#/components/schemas/BankAccount"}
    assert answer(f"{company}/employees", "get", "200")["items"] == {"$ref": "#/components/schemas/StaffMember"}
    assert answer("/api/v1/verify/seals/{code}", "get", "200") == {"$ref": "#/components/schemas/SealLookup"}
    # the schema is the contract's: every field it names, none it does not
    assert schemas["Invoice"]["additionalProperties"] is False
    assert set(schemas["Invoice"]["properties"]) >= {"number", "issued_at", "items", "buyer_use", "red_letters"}


# (path under a company, or absolute; method; status; the contract; a list of it)
REGISTRATION_ANSWERS = (("/changes", "post", "201", "Change", False), ("/changes", "get", "200", "Change", True),
                        ("/closures/{closure_id}/recheck", "post", "200", "Closure", False),
                        ("/liquidations", "post", "201", "Closure", False), ("/closures", "get", "200", "Closure", True),
                        ("/api/v1/change-confirmations", "get", "200", "ChangeConfirmation", True),
                        ("/api/v1/verify/licences/{uscc}/objections", "post", "201", "ClosureObjectionRecorded", False))


def test_openapi_shows_registrations_change_and_closing_replies(client):
    answer, schemas = _openapi(client)
    company = "/api/v1/companies/{uscc}"
    for path, method, status, model, listed in REGISTRATION_ANSWERS:
        schema = answer(path if path.startswith("/api/") else company + path, method, status)
        assert (schema["items"] if listed else schema) == {"$ref": f"#/components/schemas/{model}"}, path
    licence = answer("/api/v1/verify/licences/{uscc}", "get", "200")
    assert {r["$ref"] for r in licence["oneOf"]} == {"#/components/schemas/UnknownLicence",
                                                     "#/components/schemas/LicenceCheck"}
    assert schemas["Change"]["additionalProperties"] is False
    assert set(schemas["PublicNotice"]["properties"]) == {"kind", "from", "ends_on"}  # the wire's name
    # the gateway adds the company's name and timeline to one change or closure: no bureau contract there
    assert "$ref" not in answer(f"{company}/changes/{{change_id}}", "get", "200")


def test_the_api_passes_a_verified_licence_on_as_its_contract(client, bureaus):
    check = json.loads((CAPTURED / "registration.json").read_text())["verify"][0]
    bureaus.on("registration", "verify", lambda uscc, version: check)
    reply = client.get(f"/api/v1/verify/licences/{check['licence']['uscc']}")
    assert reply.status_code == 200 and reply.json()["licence"] == check["licence"]
    assert reply.json()["versions"] == check["versions"] and reply.json()["deregistered_on"] is None
    bureaus.on("registration", "verify", lambda uscc, version: check | {"founder_id": "f-1"})
    assert client.get(f"/api/v1/verify/licences/{check['licence']['uscc']}").status_code == 502
