"""Data minimisation (PIPL's minimum necessary; issue 20, Low): `licence_issued` reaches each bureau as its
own copy with only the fields its manifest entry names (contracts/sharing.py), and the data-sharing
receipt shows exactly what each copy carried.

Checked where it matters, in what each bureau STORED: a search of every document of the bureau's own
database for the resident IDs it must not have. Before the per-bureau copies every bureau got the whole
event: the bank and the seal bureau the employees' resident IDs, every bureau the legal representative's.
"""

from __future__ import annotations

import json

import pytest

from tests.factories import make_form

pytestmark = pytest.mark.e2e

API = "/api/v1"
RESERVED = {"kinds": ["company", "finance", "invoice", "legal_representative"], "electronic": True}
BUREAUS = ("seal", "tax", "social_security", "medical_insurance", "housing_fund")


@pytest.fixture(scope="module")
def banked(world):
    """Alice's application with everything: employees, housing fund, a bank account, beneficial owners."""
    form = make_form(bank={"branch_id": "jc-wuchang"}, seals=RESERVED)
    app_id = world.live.submit(world.alice, form)

    def done():
        doc = world.live.db("gateway").applications.find_one({"_id": app_id}, {"steps": 1, "outputs": 1}) or {}
        steps = doc.get("steps", {})
        finished = all(steps.get(b, {}).get("state") == "done" for b in BUREAUS)
        return doc if finished and (doc.get("outputs") or {}).get("bank") else None

    world.live.wait_for(done, timeout=180, what="every bureau's output and the bank's appointment")
    return app_id, form


def _stored(world, bureau: str) -> str:
    db = world.live.db(bureau)
    return "\n".join(json.dumps(doc, ensure_ascii=False, default=str)
                     for name in db.list_collection_names() for doc in db[name].find())


def _ids(form: dict) -> tuple[list[str], list[str]]:
    staff = [e["resident_id"] for e in form["employees"]]
    owners = [o["resident_id"] for o in form["beneficial_owners"]["owners"]]  # the shareholders, the rep
    return staff, owners


def test_the_bank_stores_no_employees_and_no_ones_resident_id(world, banked):
    app_id, form = banked
    stored = _stored(world, "bank")
    assert world.live.db("bank").list_collection_names() and form["name"]["trade_name"] in stored
    staff, owners = _ids(form)
    for rid in [*staff, *owners]:
        assert rid not in stored
    for employee in form["employees"]:
        assert employee["name"] not in stored


def test_the_housing_fund_stores_its_staff_but_no_beneficial_owner(world, banked):
    app_id, form = banked
    stored = _stored(world, "housing_fund")
    staff, owners = _ids(form)
    assert all(rid in stored for rid in staff)  # the personal accounts need them
    assert not any(rid in stored for rid in owners)


def test_the_seal_bureau_and_tax_store_no_employee(world, banked):
    app_id, form = banked
    staff, owners = _ids(form)
    seal, tax = _stored(world, "seal"), _stored(world, "tax")
    assert not any(rid in seal or rid in tax for rid in staff)
    assert form["legal_representative"]["resident_id"] not in seal  # the name seal needs the name only


def test_the_receipt_shows_exactly_what_each_bureau_received(world, banked):
    app_id, form = banked
    receipt = world.live.request("GET", f"{API}/applications/{app_id}/data-sharing",
                                 headers=world.alice.headers).json()
    got = {i["bureau"]: set(i["fields"]) for i in receipt["items"] if i["event"] == "licence_issued"}
    assert set(got) == {*BUREAUS, "bank"}
    assert not any(f.startswith("employees") for f in got["bank"] | got["seal"] | got["tax"])
    assert {"employees[].resident_id", "employees[].name"} <= got["housing_fund"] & got["social_security"]
    assert "legal_representative.resident_id" in got["tax"]  # its real-name check
    assert "legal_representative.resident_id" not in got["seal"] | got["bank"] | got["housing_fund"]
    assert {"legal_representative.name", "seals.kinds[]", "bank.branch_id"} <= got["bank"]
    assert not any("beneficial" in f or "shareholders" in f for fields in got.values() for f in fields)
    for fields in got.values():
        assert {"licence.uscc", "founder_id"} <= fields
