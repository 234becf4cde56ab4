"""The medical insurance bureau on the real RabbitMQ and database: licence_issued in, the unit, its
staff's records and the event out; hires, leavers, the certificate and the clerk over RPC."""

from __future__ import annotations

import base64
import io

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from contracts import clock
from contracts.rpc import Conflict, Invalid, NotFound
from services.medical_insurance.service import MedicalInsuranceService
from tests.support.numbers import next_number, only_counter
from tests.support.outbox import pulled
from tests.support.watchers import publish, started, watcher
from tests.unit.housing_fund.factories import licence_issued, resident_id, staff
from tests.unit.seal.factories import licence_revoked

pytestmark = pytest.mark.integration


# stands in for the gateway's tracker: records what the bureau tells the world
Watcher = watcher("medical_insurance", on_registered="medical_insurance_registered", on_task_queued="task_queued",
                  on_step_rejected="step_rejected")


@pytest.fixture
def bureau(container_factory, service_config):
    return started(container_factory, service_config, MedicalInsuranceService, Watcher)


def test_a_licence_registers_the_unit_once_and_hires_and_leavers_go_through_rpc(bureau, service_config, mongo_db):
    container, watcher = bureau
    event = licence_issued(staff("8000.00", "1000.00"), rates=None)
    with entrypoint_waiter(watcher, "on_registered"):
        publish(service_config, event, container)
    publish(service_config, event, container)  # redelivered: nothing new
    [registered] = Watcher.seen
    assert registered["type"] == "medical_insurance_registered" and registered["uscc"] == event.licence.uscc
    year = clock.china_today().year % 100
    assert registered["unit_number"] == f"YB420111{year:02d}000001"
    assert registered["insurances"] == ["职工基本医疗保险", "生育保险"]
    assert [m["record_number"][-4:] for m in registered["members"]] == ["0001", "0002"]
    assert registered["members"][1]["contribution_base"] != "1000.00"  # held up to the floor
    assert resident_id(1) not in str(registered)
    assert mongo_db["units"].count_documents({}) == 1
    assert next_number(mongo_db, only_counter(mongo_db)) == 2  # one series, one number drawn
    assert pulled(mongo_db["units"], {})  # published, pulled at the next sweep

    uscc = event.licence.uscc
    hire = {"name": "李四", "resident_id": resident_id(7), "start_date": clock.china_today().isoformat(),
            "monthly_wage": "90000.00"}
    with ServiceRpcProxy("medical_insurance", service_config) as rpc:
        first = rpc.enrol_member(uscc, hire, "req-1")
        assert rpc.enrol_member(uscc, hire, "req-1") == first  # a retry enrols nothing new
        assert first["contribution_base"] != "90000.00" and set(first["contributions"]) == {"medical", "maternity"}
        with pytest.raises(Invalid) as refused:
            rpc.enrol_member(uscc, {**hire, "resident_id": "420111199003070010"}, "req-2")
        assert [e.field for e in refused.value.field_errors] == ["resident_id"]
        with pytest.raises(Conflict):
            rpc.enrol_member(uscc, hire, "req-3")  # the same person again
        ended = rpc.end_membership(uscc, resident_id(7), None)
        assert ended["state"] == "ended" and ended["employee_id"] == first["employee_id"]
        assert [m["state"] for m in rpc.list_members(uscc)] == ["active", "active", "ended"]
        with pytest.raises(NotFound):
            rpc.end_membership(uscc, resident_id(8), None)
        doc = rpc.get_document(event.application_id, "medical_insurance.certificate")
        assert rpc.health() == {"service": "medical_insurance", "status": "ok", "database": "ok", "checks": {}}
        revoked = licence_revoked(event.application_id, uscc)
        publish(service_config, revoked, container, "on_licence_revoked")
        with pytest.raises(Conflict, match="被吊销"):
            rpc.enrol_member(uscc, {**hire, "resident_id": resident_id(9)}, "req-4")
    text = PdfReader(io.BytesIO(base64.b64decode(doc["data_base64"]))).pages[0].extract_text()
    assert registered["unit_number"] in text and resident_id(1) not in text


def test_a_district_without_figures_goes_to_the_clerk_queue_and_a_refusal_closes_the_step(bureau, service_config):
    container, watcher = bureau
    event = licence_issued(staff("8000.00"), district="420501", rates=None)  # 宜昌: no figures shipped
    with entrypoint_waiter(watcher, "on_task_queued"):
        publish(service_config, event, container)
    with ServiceRpcProxy("medical_insurance", service_config) as rpc:
        [task] = rpc.list_tasks("open")
        assert task["kind"] == "medical_registration" and task["application_id"] == event.application_id
        with pytest.raises(Conflict, match="仍未配置"):
            rpc.act_on_task(task["id"], "clerk-a", "approve", {})
        with entrypoint_waiter(watcher, "on_step_rejected"):
            done = rpc.act_on_task(task["id"], "clerk-a", "reject", {"reasons": ["请到宜昌市医疗保障局办理"]})
        assert done["state"] == "rejected" and rpc.list_tasks("open") == []
    assert [p["type"] for p in Watcher.seen] == ["task_queued", "step_rejected"]


def test_bases_due_are_found_in_the_real_database_and_settled_once_the_figures_are_loaded(mongo_db_name, tmp_path):
    """The finder's `$lte` on the stored ISO day, and its index, on MongoDB (the unit tests use dicts)."""
    import json
    from datetime import UTC, datetime

    from kit.mongo import connect
    from services.medical_insurance import workflow
    from services.medical_insurance.figures import DATA_DIR, FiguresBook
    from services.medical_insurance.store import MedicalInsuranceStore
    from tests.conftest import MONGO_URI
    from tests.unit.medical_insurance.test_workflow import NEXT_PERIOD

    store = MedicalInsuranceStore(connect(MONGO_URI, mongo_db_name))
    store.ensure_indexes()
    book = FiguresBook(DATA_DIR, operator_dir=tmp_path, recheck=0)
    at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    event = licence_issued(staff("1000.00"), issued_at=at, rates=None)
    with clock.using(clock.fixed_at(at)):
        workflow.open_unit(store, book, event, at)
    assert store.units.find_one({})["bases_due"] == "2027-09-01"
    assert workflow.refigure_bases(store, book, datetime(2027, 8, 31, 2, tzinfo=UTC)) == 0
    run_out = datetime(2027, 9, 1, 2, tzinfo=UTC)
    assert workflow.refigure_bases(store, book, run_out) == 1
    assert store.units.find_one({})["bases_due"] == "0001-01-01"  # provisional: due whenever figures come
    (tmp_path / "420100_2027-09.json").write_text(json.dumps(NEXT_PERIOD), "utf-8")
    assert workflow.refigure_bases(store, book, run_out) == 1
    [member] = workflow.list_members(store, event.licence.uscc)
    assert (member["contribution_base"], member["base_provisional"], member["previous_base"]) == ("5000.00", False, "4700.00")
    assert workflow.refigure_bases(store, book, run_out) == 0
    store.db.client.close()
