"""Electronic seals' credentials on the real database: made on each seal's first use, not on the
licence_issued path, once however many makers race, and revoked from birth when the seal was voided or
the licence revoked before that first use, even when the maker dies between its insert and its check."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

import pytest
from cryptography import x509

from contracts import clock
from contracts.calendar import aware
from contracts.events import CompanyDeregistered
from contracts.form import SealKind
from contracts.revocation import Revocation
from services.seal import esign, workflow
from services.seal.store import UNSETTLED, SealStore
from tests.unit.seal.factories import USCC, licence_issued, licence_revoked

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
REVOKED_AT = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    config = {"PKI_DIR": str(directory), esign.KEY_CONFIG: base64.b64encode(os.urandom(32)).decode()}
    return esign.seal_ca(config), esign.key_encryption_key(config)


@pytest.fixture
def store(mongo_db):
    store = SealStore(mongo_db)
    store.ensure_indexes()
    return store


@pytest.fixture
def seals(store, keys):
    seals = esign.ElectronicSeals(store, *keys, "http://onestop.test")
    seals.ensure_indexes()
    return seals


def opened(store, kinds=(SealKind.company, SealKind.contract)):
    event = licence_issued(kinds=list(kinds), issued_at=NOW)
    with clock.using(clock.fixed_at(NOW)):
        assert workflow.open_seal_set(store, event)
    seal_set = store.get(event.application_id)
    return seal_set, [s for s in seal_set.seals if s.medium == "electronic"]


def crl_serials(seals) -> set[int]:
    return {entry.serial_number for entry in x509.load_der_x509_crl(seals.crl())}


def test_the_licence_path_stores_no_credential_and_the_first_use_makes_one_once(store, seals, mongo_db):
    seal_set, [company, contract] = opened(store)
    assert mongo_db.electronic_seals.count_documents({}) == 0  # the automatic path wrote the set alone

    first = seals.credential(seal_set, company)
    assert first["_id"] == company.code and first["uscc"] == USCC and first["revoked_at"] is None
    assert UNSETTLED not in first and seals.credential(seal_set, company)["serial"] == first["serial"]
    # a maker that lost the race (its own key pair, same seal code) gets the stored one
    loser = seals._make(seal_set, company)
    assert loser["serial"] != first["serial"]
    assert seals.store.insert_credential(loser)["serial"] == first["serial"]
    assert mongo_db.electronic_seals.count_documents({"_id": company.code}) == 1
    assert mongo_db.electronic_seals.count_documents({"_id": contract.code}) == 0  # not used yet
    status = seals.status(first["serial"])
    assert status["code"] == company.code and status["valid_now"] is True
    assert crl_serials(seals) == set()


def test_a_seal_first_used_after_its_licence_was_revoked_is_revoked_from_birth(store, seals):
    seal_set, [company, _] = opened(store)
    store.revocations.record(Revocation.of(licence_revoked(application_id=seal_set.application_id,
                                                           occurred_at=REVOKED_AT), REVOKED_AT))
    assert esign.revoke_company(seals, USCC, REVOKED_AT, "连续六个月未开业") == 0  # nothing made yet

    credential = seals.credential(seal_set, company)
    assert credential["revocation_reason"] == "营业执照已吊销：连续六个月未开业"
    assert aware(credential["revoked_at"]) == REVOKED_AT
    assert int(credential["serial"], 16) in crl_serials(seals)
    assert seals.status(credential["serial"])["valid_now"] is False


def test_a_maker_killed_between_its_insert_and_its_check_is_finished_by_the_next_reader(store, seals, mongo_db):
    seal_set, [company, contract] = opened(store)
    # the revoker runs whole (cause recorded, then the certificates: none yet) while two makers, which
    # had read the set before, insert their credentials; both are killed before their check
    store.revocations.record(Revocation.of(licence_revoked(application_id=seal_set.application_id,
                                                           occurred_at=REVOKED_AT), REVOKED_AT))
    assert esign.revoke_company(seals, USCC, REVOKED_AT, "连续六个月未开业") == 0
    unchecked = [seals.store.insert_credential(seals._make(seal_set, s)) for s in (company, contract)]
    assert all(c[UNSETTLED] and c["revoked_at"] is None for c in unchecked)

    assert seals.status(unchecked[0]["serial"])["valid_now"] is False  # a public check finishes it
    assert int(unchecked[1]["serial"], 16) in crl_serials(seals)  # so does the CRL, for every one left
    assert mongo_db.electronic_seals.count_documents({UNSETTLED: {"$exists": True}}) == 0
    assert mongo_db.electronic_seals.count_documents({"revoked_at": None}) == 0


def test_a_seal_voided_before_its_first_use_is_revoked_from_birth(store, seals):
    seal_set, [company, _] = opened(store)
    event = CompanyDeregistered(application_id=seal_set.application_id, uscc=USCC, closure_id="close-1",
                                deregistered_on=REVOKED_AT.date(), occurred_at=REVOKED_AT)
    workflow.void_on_deregistration(store, seals, event)
    voided = next(s for s in store.get(seal_set.application_id).seals if s.code == company.code)
    assert voided.void

    credential = seals.credential(seal_set, company)  # made from the set as the caller read it, earlier
    assert credential["revocation_reason"] == "企业已注销"
    assert aware(credential["revoked_at"]) == REVOKED_AT
    assert int(credential["serial"], 16) in crl_serials(seals)
