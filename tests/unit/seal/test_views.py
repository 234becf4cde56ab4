"""services/seal/views.py: what the seal RPCs return (a clerk's task, a public lookup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.seal import domain, views
from tests.unit.seal.factories import COMPANY, REP_ID
from tests.unit.seal.test_domain import NOW, make, open_task


def test_task_view_shows_claim_deadline_and_overdue():
    seal_set, _ = make(physical=True)
    task = open_task(seal_set)
    view = views.task_view(seal_set, task, NOW)
    assert (view.state, view.actions, view.overdue, view.title) == ("open", ["mark_engraved", "reject"], False, COMPANY)
    domain.claim(seal_set, task.id, "王", NOW)
    assert views.task_view(seal_set, task, NOW).state == "claimed"
    assert views.task_view(seal_set, task, NOW + timedelta(hours=2)).state == "open"  # claim lapsed
    late = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday: the Thursday deadline has passed
    assert views.task_view(seal_set, task, late).overdue
    assert REP_ID not in view.model_dump_json()


def test_lookup_says_genuine_only_for_filed_seals_and_never_shows_an_id():
    seal_set, _ = make(physical=True)
    electronic, physical = seal_set.seals
    result = views.lookup_result(seal_set, electronic.code)
    assert result["genuine"] is True
    assert result["seal"]["company_name"] == COMPANY and result["seal"]["kind_label"] == "公章"
    assert views.lookup_result(seal_set, physical.code)["genuine"] is False  # not yet filed
    assert views.lookup_result(None, "4201119999999") == {"genuine": False, "seal": None}
    assert REP_ID not in str(result)


# ---- electronic seals that sign: the replies esign.py used to build as dicts -----------------------

SIGNED_AT = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
USE = {"_id": "91420111000000013X:key-1", "uscc": "91420111000000013X", "code": "4201110000001", "kind": "company",
       "serial": "1f", "signed_at": SIGNED_AT, "signer": {"id": "founder-1", "name": "张三"},
       "document_sha256": "a" * 64, "signed_sha256": "b" * 64, "idempotency_key": "key-1", "pdf": b"%PDF"}
CREDENTIAL = {"_id": "4201110000001", "kind": "company", "uscc": "91420111000000013X", "serial": "1f",
              "revoked_at": None, "revocation_reason": None}


def test_a_use_is_named_by_its_key_with_the_time_in_china():
    assert views.use_view(USE) == {
        "id": "key-1", "code": "4201110000001", "kind": "company", "kind_label": "公章",
        "signed_at": "2026-12-03T09:30:00+08:00", "signer": {"id": "founder-1", "name": "张三"},
        "document_sha256": "a" * 64, "signed_sha256": "b" * 64}
    keyless = USE | {"_id": "c0ffee", "idempotency_key": None}
    assert views.use_view(keyless)["id"] == "c0ffee"
    assert views.signed_view(USE, b"%PDF-1.7")["pdf_base64"] == "JVBERi0xLjc="


def test_a_certificate_s_status_says_whether_it_was_valid_when_it_signed_the_file():
    assert views.certificate_status(CREDENTIAL, None) == {
        "code": "4201110000001", "kind": "company", "uscc": "91420111000000013X", "revoked_at": None,
        "revocation_reason": None, "valid_now": True, "recorded_signed_at": None, "valid_when_signed": None}
    revoked = CREDENTIAL | {"revoked_at": SIGNED_AT + timedelta(hours=1), "revocation_reason": "印章挂失：丢了"}
    later = views.certificate_status(revoked, USE)
    assert (later["revoked_at"], later["recorded_signed_at"]) == ("2026-12-03T10:30:00+08:00", "2026-12-03T09:30:00+08:00")
    assert (later["valid_now"], later["valid_when_signed"]) == (False, True)  # signed before the loss
    after = views.certificate_status(revoked, USE | {"signed_at": SIGNED_AT + timedelta(hours=2)})
    assert after["valid_when_signed"] is False


def test_a_stored_field_the_contract_does_not_name_never_reaches_the_caller():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):  # a signer stored with more than the contract's Signer
        views.use_view(USE | {"signer": {"id": "founder-1", "name": "张三", "resident_id": REP_ID}})
