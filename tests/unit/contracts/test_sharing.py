"""Data minimisation: licence_issued as one copy per consuming bureau (contracts/sharing.py)."""

from __future__ import annotations

import json

from contracts import bureaus, sharing
from contracts.events import LicenceIssued, parse_event
from contracts.form import BankRequest
from tests.unit.housing_fund.factories import licence_issued, staff


def _event() -> dict:
    event = licence_issued(staff("6000", "8000"))
    event = event.model_copy(update={"bank": BankRequest(branch_id="jc-hongshan"), "founder_id": "acct-1"})
    return event.model_dump(mode="json")


def _copies() -> dict[str, dict]:
    return dict(sharing.copies("licence_issued", _event()))


def test_every_consumer_gets_its_own_copy_and_the_tracker_one_without_form_fields():
    out = _copies()
    consumers = [b.name for b in bureaus.BUREAUS if ("registration", "licence_issued") in b.consumes]
    assert set(out) == {"licence_issued", *(f"licence_issued.{b}" for b in consumers)}
    tracker = out["licence_issued"]
    assert set(tracker) == {*sharing.ENVELOPE, "licence", "documents", "founder_id", "shared"}
    assert set(tracker["shared"]) == set(consumers)


def test_the_bank_gets_no_employee_and_no_resident_id():
    event = _event()
    bank = _copies()["licence_issued.bank"]
    text = json.dumps(bank, ensure_ascii=False)
    assert "employees" not in bank
    for person in [*event["employees"], event["legal_representative"]]:
        assert person["resident_id"] not in text
    assert bank["legal_representative"] == {"name": "赵六"}  # the manifest: legal_representative.name
    assert bank["seals"] == {"kinds": event["seals"]["kinds"]}  # seals.kinds only
    assert bank["bank"] == event["bank"] and bank["contact_phone"] == event["contact_phone"]


def test_each_copy_holds_exactly_the_manifests_fields_and_parses():
    event = _event()
    for key, copy in _copies().items():
        parsed = parse_event("registration", copy)
        assert isinstance(parsed, LicenceIssued) and parsed.licence.uscc == event["licence"]["uscc"]
        if key == "licence_issued":
            continue
        bureau = key.split(".", 1)[1]
        extra = set(copy) - {*sharing.ENVELOPE, *sharing.PER_CONSUMER["licence_issued"]}
        assert extra == {p.split(".")[0] for p in sharing.event_paths(bureau)} & set(event), bureau


def test_the_seal_bureau_and_tax_get_no_employees_housing_fund_gets_no_bank():
    out = _copies()
    assert "employees" not in out["licence_issued.seal"] and "employees" not in out["licence_issued.tax"]
    assert "resident_id" not in out["licence_issued.seal"]["legal_representative"]
    assert out["licence_issued.tax"]["legal_representative"]["resident_id"]  # tax's real-name check needs it
    assert "bank" not in out["licence_issued.housing_fund"] and "tax" not in out["licence_issued.housing_fund"]


def test_the_trackers_copy_says_what_each_copy_carried():
    out = _copies()
    shared = out["licence_issued"]["shared"]
    for bureau, paths in shared.items():
        copy = out[f"licence_issued.{bureau}"]
        assert paths == [p for p in sharing.field_paths(copy) if p not in sharing.ENVELOPE]
    assert "employees[].resident_id" in shared["housing_fund"]
    assert not any(p.startswith("employees") for p in shared["bank"])


def test_other_events_go_out_as_they_are():
    payload = {"event_id": "e", "type": "licence_revoked", "application_id": "a", "uscc": "x", "reason": "r"}
    assert sharing.copies("licence_revoked", payload) == [("licence_revoked", payload)]
    assert sharing.routing_key("registration", "licence_revoked", "tax") == "licence_revoked"
    assert sharing.routing_key("registration", "licence_issued", "tax") == "licence_issued.tax"
    assert sharing.routing_key("registration", "licence_issued", "gateway") == "licence_issued"
