"""The housing-fund centre on the real RabbitMQ and database: licence_issued in, the unit, its staff's
accounts and the events out; hires, leavers and the clerk over RPC."""

from __future__ import annotations

import base64
import io

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from contracts import clock
from contracts.events import CompanyChanged
from contracts.rpc import Conflict, Invalid
from kit import events as kit_events
from kit.revocations import Revocations
from services.housing_fund.service import HousingFundService
from tests.support.events import as_published
from tests.support.numbers import next_number, only_counter
from tests.support.outbox import pulled
from tests.support.watchers import publish, started, watcher
from tests.unit.housing_fund.factories import licence_issued, resident_id, staff
from tests.unit.seal.factories import licence_revoked

pytestmark = pytest.mark.integration


# stands in for the gateway's tracker: records what the centre tells the world
Watcher = watcher("housing_fund", on_registered="housing_fund_registered", on_task_queued="task_queued",
                  on_step_rejected="step_rejected", on_change_recorded="change_recorded")


@pytest.fixture
def centre(container_factory, service_config):
    return started(container_factory, service_config, HousingFundService, Watcher)


def test_a_licence_registers_the_unit_once_and_hires_and_leavers_go_through_rpc(centre, service_config, mongo_db):
    container, watcher = centre
    event = licence_issued(staff("8000.00", "1000.00"), rates=(12, 5))
    with entrypoint_waiter(watcher, "on_registered"):
        publish(service_config, event, container)
    publish(service_config, event, container)  # redelivered: nothing new
    [registered] = Watcher.seen
    assert registered["type"] == "housing_fund_registered" and registered["uscc"] == event.licence.uscc
    year = clock.china_today().year % 100
    assert registered["unit_account"] == f"GJJ420111{year:02d}000001"
    assert (registered["employer_rate"], registered["employee_rate"]) == (12, 5)
    assert [a["deposit_base"] for a in registered["accounts"]] == ["8000.00", "2210.00"]
    assert resident_id(1) not in str(registered)
    assert mongo_db["units"].count_documents({}) == 1
    assert next_number(mongo_db, only_counter(mongo_db)) == 2  # one series, one number drawn
    assert pulled(mongo_db["units"], {})  # published, pulled at the next sweep

    uscc = event.licence.uscc
    hire = {"name": "李四", "resident_id": resident_id(7), "start_date": clock.china_today().isoformat(),
            "monthly_wage": "30000.00"}
    with ServiceRpcProxy("housing_fund", service_config) as rpc:
        first = rpc.open_account(uscc, hire, "req-1")
        assert rpc.open_account(uscc, hire, "req-1") == first  # a retry opens nothing new
        assert first["deposit_base"] == "23499.00"  # 3 x 7833, the shipped figures' ceiling
        with pytest.raises(Invalid) as refused:
            rpc.open_account(uscc, {**hire, "resident_id": "420111199003070010"}, "req-2")
        assert [e.field for e in refused.value.field_errors] == ["resident_id"]
        with pytest.raises(Conflict):
            rpc.open_account(uscc, hire, "req-3")  # the same person again
        assert rpc.close_account(uscc, first["employee_id"], None)["state"] == "closed"
        assert [a["state"] for a in rpc.list_accounts(uscc)] == ["active", "active", "closed"]
        doc = rpc.get_document(event.application_id, "housing_fund.certificate")
        assert rpc.health()["status"] == "ok"
    text = PdfReader(io.BytesIO(base64.b64decode(doc["data_base64"]))).pages[0].extract_text()
    assert registered["unit_account"] in text and resident_id(1) not in text


def test_a_district_without_figures_goes_to_the_clerk_queue_and_a_refusal_closes_the_step(centre, service_config):
    container, watcher = centre
    event = licence_issued(staff("8000.00"), district="420501")  # 宜昌: no figures shipped
    with entrypoint_waiter(watcher, "on_task_queued"):
        publish(service_config, event, container)
    with ServiceRpcProxy("housing_fund", service_config) as rpc:
        [task] = rpc.list_tasks("open")
        assert task["kind"] == "deposit_registration" and task["application_id"] == event.application_id
        with pytest.raises(Conflict, match="仍未配置"):
            rpc.act_on_task(task["id"], "clerk-a", "approve", {})
        with entrypoint_waiter(watcher, "on_step_rejected"):
            done = rpc.act_on_task(task["id"], "clerk-a", "reject", {"reasons": ["请先在宜昌市中心办理"]})
        assert done["state"] == "rejected" and rpc.list_tasks("open") == []
    assert [p["type"] for p in Watcher.seen] == ["task_queued", "step_rejected"]


def changed(issued, change_id: str, version: int, district: str) -> CompanyChanged:
    licence = issued.licence.model_copy(update={"district_code": district, "company_name": "武汉海陆空贸易有限公司"})
    return CompanyChanged(application_id=issued.application_id, uscc=licence.uscc, change_id=change_id,         version=version, changed=["domicile", "name"], licence=licence,         previous_district_code=issued.licence.district_code, answerers=["housing_fund"])


def test_a_change_of_details_is_answered_once_and_an_older_one_never_undoes_it(centre, service_config, mongo_db):
    container, watcher = centre
    issued = licence_issued(staff("8000.00"))
    with entrypoint_waiter(watcher, "on_registered"):
        publish(service_config, issued, container)
    move = changed(issued, "change-hf-1", 2, "420106")
    with entrypoint_waiter(watcher, "on_change_recorded"):
        publish(service_config, move, container, wait_for="on_company_changed")
    publish(service_config, move, container, wait_for="on_company_changed")  # replayed: no second answer
    with entrypoint_waiter(watcher, "on_change_recorded"):  # an older change arriving late: answered, not applied
        publish(service_config, changed(issued, "change-hf-0", 1, "420102"), container, wait_for="on_company_changed")
    [answer] = [p for p in Watcher.seen if p["type"] == "change_recorded" and p["change_id"] == "change-hf-1"]
    assert answer["change_id"] == "change-hf-1" and answer["version"] == 2
    assert answer["detail"]["unit_account"] == Watcher.seen[0]["unit_account"] and "不变" in answer["summary"]
    unit = mongo_db["units"].find_one({"uscc": issued.licence.uscc})
    assert (unit["district_code"], unit["company_name"], unit["licence_version"]) == ("420106", "武汉海陆空贸易有限公司", 2)
    assert mongo_db["change_answers"].count_documents({"_id": "change-hf-1"}) == 1


def test_the_inherited_licence_revoked_handler_redelivers_a_passing_failure_and_records_once(
        centre, service_config, mongo_db, monkeypatch):
    # kit.entrypoints.RevocationHandler on the real broker: durable (requeued, acknowledged only once
    # the record is written), bound to this bureau's own queue
    monkeypatch.setattr(kit_events, "REDELIVERY_PAUSE_SECONDS", 0.05)
    failures, record = [ConnectionError("database went away")], Revocations.record

    def flaky(self, revocation):
        if failures:
            raise failures.pop()
        return record(self, revocation)

    monkeypatch.setattr(Revocations, "record", flaky)
    container, _ = centre
    revoked = licence_revoked("app-revoked-hf")
    with entrypoint_waiter(container, "on_licence_revoked", timeout=15,
                           callback=lambda worker_ctx, result, exc_info: exc_info is None):
        as_published(service_config)("registration", revoked.type, revoked.model_dump(mode="json"))
    assert failures == []  # the first delivery failed
    [stored] = list(mongo_db["revocations"].find())
    assert (stored["_id"], stored["event_id"]) == (revoked.uscc, revoked.event_id)
