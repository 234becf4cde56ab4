"""The seal service on the real RabbitMQ and database: licence_issued in, seals and events out."""

import base64
import io
from datetime import timedelta

import pytest
from nameko.events import event_handler
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from PIL import Image
from pypdf import PdfReader

from contracts import clock
from contracts.form import SealKind
from contracts.rpc import Conflict, Invalid, NotFound, register_remote_errors
from services.seal import workflow
from services.seal.service import SealService
from services.seal.store import SealStore
from tests.support.numbers import next_number
from tests.support.outbox import pulled
from tests.unit.seal.factories import COMPANY, REP_ID, USCC, licence_issued

pytestmark = pytest.mark.integration


class Watcher:
    """Stands in for the gateway's tracker: records what the seal bureau tells the world."""

    name = "watcher"
    seen: list[dict] = []

    @event_handler("seal", "seals_filed")
    def on_seals_filed(self, payload):
        Watcher.seen.append(payload)

    @event_handler("seal", "seals_delivered")
    def on_seals_delivered(self, payload):
        Watcher.seen.append(payload)

    @event_handler("seal", "task_queued")
    def on_task_queued(self, payload):
        Watcher.seen.append(payload)

    @event_handler("seal", "step_progressed")
    def on_step_progressed(self, payload):
        Watcher.seen.append(payload)

    @staticmethod
    def of(kind):
        return [p for p in Watcher.seen if p["type"] == kind]


@pytest.fixture
def watcher(container_factory, service_config):
    Watcher.seen = []
    container = container_factory(Watcher, service_config)
    container.start()
    return container


def call(container, method, *args):
    with entrypoint_hook(container, method) as hook:
        return hook(*args)


def test_electronic_seals_are_filed_at_once_with_image_and_certificate(seal, watcher, publish):
    event = licence_issued(kinds=[SealKind.company, SealKind.finance, SealKind.invoice])
    with entrypoint_waiter(watcher, "on_seals_filed", timeout=15):
        publish(event)
    [filed] = Watcher.of("seals_filed")
    codes = [s["code"] for s in filed["seals"]]
    assert filed["application_id"] == event.application_id and filed["uscc"] == USCC
    assert len(codes) == 3 and len(set(codes)) == 3
    assert all(len(c) == 13 and c.isdigit() and c.startswith("420111") for c in codes)
    assert {s["medium"] for s in filed["seals"]} == {"electronic"}

    refs = call(seal, "list_documents", event.application_id)
    assert [r["name"] for r in refs] == ["seal.certificate", "seal.image.company", "seal.image.finance",
                                         "seal.image.invoice"]
    certificate = call(seal, "get_document", event.application_id, "seal.certificate")
    assert certificate["content_type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(base64.b64decode(certificate["data_base64"]))).pages)
    assert COMPANY in text and all(code in text for code in codes)

    image_doc = call(seal, "get_document", event.application_id, "seal.image.finance")
    image = Image.open(io.BytesIO(base64.b64decode(image_doc["data_base64"])))
    assert (image.format, image.size, image.mode) == ("PNG", (600, 600), "RGBA")
    r, g, b, a = image.getpixel((300, 20))  # top of the ring
    assert a > 200 and r > 180 and g < 90 and b < 90

    public = call(seal, "lookup_seal", codes[0])
    assert public["genuine"] is True and public["seal"]["company_name"] == COMPANY
    assert public["seal"]["medium"] == "electronic" and public["seal"]["status"] == "filed"
    assert REP_ID not in str(public)
    assert [s["code"] for s in call(seal, "list_seals", USCC)] == codes
    assert call(seal, "lookup_seal", "4201119999999") == {"genuine": False, "seal": None}
    assert call(seal, "health") == {"service": "seal", "status": "ok", "database": "ok",
                                  "checks": {"font": "ok"}}


def test_physical_seals_go_through_engraving_filing_dispatch_and_delivery(seal, watcher, publish):
    event = licence_issued(kinds=[SealKind.company, SealKind.legal_representative], electronic=False, physical=True)
    with entrypoint_waiter(watcher, "on_task_queued", timeout=15):
        publish(event)
    [queued] = Watcher.of("task_queued")
    assert queued["kind"] == "engraving" and Watcher.of("seals_filed") == []

    [task] = call(seal, "list_tasks", "open")
    assert (task["id"], task["kind"], task["title"]) == (queued["task_id"], "engraving", COMPANY)
    assert task["actions"] == ["mark_engraved", "reject"] and task["deadline"] == queued["deadline"]
    assert call(seal, "claim_task", task["id"], "engraver-1")["state"] == "claimed"
    with pytest.raises(Conflict):
        call(seal, "act_on_task", task["id"], "someone-else", "mark_engraved", {"engraver": "测试用印章刻制单位"})

    def act(action, payload=None, clerk="engraver-1", wait_for="on_task_queued"):
        [open_task] = call(seal, "list_tasks", "open")
        with entrypoint_waiter(watcher, wait_for, timeout=15):
            if action == "mark_engraved" and payload is None:
                payload = {"engraver": "测试用印章刻制单位"}
            done = call(seal, "act_on_task", open_task["id"], clerk, action, payload or {})
        assert done["state"] == "done" and done["history"][-1]["action"] == action
        return open_task

    act("mark_engraved")
    with entrypoint_waiter(watcher, "on_seals_filed", timeout=15):
        act("file_with_police", clerk="police-7")
    [filed] = Watcher.of("seals_filed")
    assert len(filed["seals"]) == 2 and all(s["filed_at"] for s in filed["seals"])

    [dispatch_task] = call(seal, "list_tasks", "open")
    assert dispatch_task["kind"] == "dispatch" and dispatch_task["details"]["postal_address"]
    with pytest.raises(Invalid) as err:
        call(seal, "act_on_task", dispatch_task["id"], "post-1", "dispatch", {})
    assert err.value.field_errors[0].field == "payload.tracking_number"
    act("dispatch", {"tracking_number": "SF1234567890"}, clerk="post-1")
    with entrypoint_waiter(watcher, "on_seals_delivered", timeout=15):
        act("mark_delivered", clerk="post-1", wait_for="on_seals_delivered")

    [delivered] = Watcher.of("seals_delivered")
    assert delivered["tracking_number"] == "SF1234567890" and delivered["delivery"] == "post"
    assert [p["step"] for p in Watcher.of("step_progressed")] == ["engraved", "filed_with_police", "dispatched"]
    assert call(seal, "list_tasks", "open") == []
    done = call(seal, "list_tasks", "done")
    assert [t["kind"] for t in done] == ["engraving", "police_filing", "dispatch", "delivery"]
    code = filed["seals"][0]["code"]
    assert call(seal, "lookup_seal", code)["seal"]["status"] == "delivered"


def test_concurrent_duplicate_licence_issued_yields_one_seal_set(seal, publish, mongo_db):
    event = licence_issued(kinds=[SealKind.company, SealKind.contract], physical=True)
    redelivered = event.model_copy(update={"event_id": "a-different-delivery"})
    calls = []
    # Three deliveries at once run in parallel workers: all pass the "exists?" check and race.
    with entrypoint_waiter(seal, "on_licence_issued", timeout=15,
                           callback=lambda *args: calls.append(1) or len(calls) == 3):
        publish(event)
        publish(event)
        publish(redelivered)
    assert mongo_db["seal_sets"].count_documents({}) == 1
    [doc] = mongo_db["seal_sets"].find()
    assert len(doc["seals"]) == 4 and len({s["code"] for s in doc["seals"]}) == 4
    assert len(doc["tasks"]) == 1 and pulled(mongo_db["seal_sets"], {"_id": doc["_id"]})
    # Losers' codes are skipped, never stored: the series moved in whole sets of 4.
    assert next_number(mongo_db, "seal_code:420111") in (5, 9, 13)


def test_a_late_duplicate_spends_no_codes(seal, publish, mongo_db):
    event = licence_issued(kinds=[SealKind.company, SealKind.contract], physical=True)
    for _ in range(2):
        with entrypoint_waiter(seal, "on_licence_issued", timeout=15):
            publish(event)
    assert mongo_db["seal_sets"].count_documents({}) == 1
    assert next_number(mongo_db, "seal_code:420111") == 5  # the late duplicate drew no code
    [doc] = mongo_db["seal_sets"].find()
    assert sorted(s["code"] for s in doc["seals"]) == [f"420111{n:07d}" for n in range(1, 5)]


def test_events_left_by_a_dead_worker_are_relayed(container_factory, service_config, watcher, mongo_db):
    store = SealStore(mongo_db)
    store.ensure_indexes()
    event = licence_issued()
    workflow.open_seal_set(store, event)  # written, then the worker "died" before publishing
    long_ago = clock.now() - timedelta(minutes=1)
    mongo_db["seal_sets"].update_one({"_id": event.application_id}, {"$set": {"outbox.0.created_at": long_ago}})
    seal = container_factory(SealService, service_config)
    relayed = entrypoint_waiter(seal, "relay_outbox", timeout=15, callback=lambda ctx, result, exc: result == 1)
    with entrypoint_waiter(watcher, "on_seals_filed", timeout=15), relayed:
        seal.start()  # its timer relays the outbox
    assert [p["application_id"] for p in Watcher.of("seals_filed")] == [event.application_id]
    assert pulled(mongo_db["seal_sets"], {"_id": event.application_id})


def test_errors_reach_rpc_callers_as_typed_errors(seal, service_config):
    register_remote_errors()
    with ServiceRpcProxy("seal", service_config) as proxy:
        with pytest.raises(Invalid):
            proxy.lookup_seal("12345")
        with pytest.raises(Invalid):
            proxy.list_seals("not-a-uscc")
        with pytest.raises(NotFound):
            proxy.list_seals(USCC)
        with pytest.raises(NotFound):
            proxy.get_task("seal-missing")
        with pytest.raises(NotFound):
            proxy.get_document("app-missing", "seal.certificate")
        with pytest.raises(Invalid):
            proxy.list_tasks("pending")
        with pytest.raises(Invalid):
            proxy.act_on_task("seal-missing", "clerk", "mark_engraved", ["not", "a", "dict"])
