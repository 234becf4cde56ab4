"""A change of details at tax on the real RabbitMQ and database: a change that overtakes the company's
licence_issued waits for it (redelivered, not answered from nothing), a replay answers once, and an
older change redelivered late does not undo a newer one."""

from __future__ import annotations

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from contracts.events import CompanyChanged
from tests.unit.tax.factories import licence_issued

pytestmark = pytest.mark.integration


def changed(issued, change_id: str, version: int, district: str) -> CompanyChanged:
    licence = issued.licence.model_copy(update={"district_code": district, "domicile": "武汉市武昌区中南路99号"})
    return CompanyChanged(application_id=issued.application_id, uscc=licence.uscc, change_id=change_id,
                          version=version, changed=["domicile"], licence=licence,
                          previous_district_code=issued.licence.district_code, answerers=["seal", "tax"])


def answers(bureau, application_id):
    return [p for p in bureau.payloads(application_id) if p["type"] == "change_recorded"]


def test_a_change_is_answered_once_after_the_registration_it_needs(bureau, mongo_db):
    issued = licence_issued(org_body="00000077")
    move = changed(issued, "change-move-1", 2, "420106")
    publish = event_dispatcher(bureau.config)
    with entrypoint_waiter(bureau.tax, "on_company_changed", timeout=15):  # first delivery: not yet known
        publish("registration", "company_changed", move.model_dump(mode="json"))
    assert answers(bureau, issued.application_id) == []
    with entrypoint_waiter(bureau.listener, "on_change_recorded", timeout=30):  # the redelivery answers
        bureau.publish_licence(issued, wait_for="tax_registered")
    [answer] = answers(bureau, issued.application_id)
    assert answer["bureau"] == "tax" and answer["change_id"] == "change-move-1"
    assert answer["detail"]["tax_office"] == "国家税务总局武汉市武昌区税务局"

    # replayed: no second answer; an older version arriving late changes nothing
    with entrypoint_waiter(bureau.tax, "on_company_changed", timeout=15):
        publish("registration", "company_changed", move.model_dump(mode="json"))
    stale = changed(issued, "change-old-0", 1, "420102")
    with entrypoint_waiter(bureau.tax, "on_company_changed", timeout=15):
        publish("registration", "company_changed", stale.model_dump(mode="json"))
    assert len([a for a in answers(bureau, issued.application_id) if a["change_id"] == "change-move-1"]) == 1
    registration = mongo_db["registrations"].find_one({"_id": issued.licence.uscc})
    assert registration["tax_office"] == "国家税务总局武汉市武昌区税务局" and registration["licence_version"] == 2
    assert mongo_db["change_answers"].count_documents({"_id": "change-move-1"}) == 1
