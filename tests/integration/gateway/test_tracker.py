"""The tracker with real RabbitMQ and a fresh database: bureau events land once in the timeline, the
gateway's leftover outbox is relayed from source "gateway"; the RPC pool maps timeouts and typed errors."""

from __future__ import annotations

from datetime import timedelta

import eventlet
import pytest
from nameko.events import event_handler
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from contracts import clock
from contracts.events import TaxRegistered
from contracts.rpc import NotFound, OneStopError, Unavailable, register_remote_errors
from gateway.applications import ApplicationService
from gateway.auth import Principal
from gateway.rpc import RpcPool
from gateway.store import GatewayStore
from gateway.tracker import GatewayTracker
from tests.factories import make_form, resident_id
from tests.support.parties import founder_only

pytestmark = pytest.mark.integration

FOUNDER = Principal(id="f1", role="founder", name="张伟", login="f1@example.com")


def own_form(store: GatewayStore) -> dict:
    """The founder's account (identity and e-mail verified, holding its number) and a form naming only them: submitted at once."""
    number = resident_id()
    store.accounts.insert_one({"_id": FOUNDER.id, "role": "founder", "name": FOUNDER.name, "resident_id": number,
                               "email": FOUNDER.login, "logins": [FOUNDER.login],
                               "identity": {"verified": True, "method": "format_check"},
                               "contact_verified": {"channel": "email", "destination": FOUNDER.login}})
    return founder_only(make_form(), number)


class Listener:
    name = "listener"
    seen: list = []

    @event_handler("gateway", "application_submitted")
    def on_submitted(self, payload):
        Listener.seen.append(payload)


class SlowTax:
    name = "tax"

    @rpc(expected_exceptions=OneStopError)
    def get_registration(self, uscc):
        raise NotFound("没有该纳税人")

    @rpc
    def health(self):
        eventlet.sleep(3)
        return {"status": "ok"}


def test_bureau_events_are_recorded_once_and_leftovers_relayed(container_factory, service_config, mongo_db):
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    tracker = container_factory(GatewayTracker, service_config)
    listener = container_factory(Listener, service_config)
    tracker.start()
    listener.start()
    Listener.seen = []

    # the web process stored an application but died before publishing it
    broken = ApplicationService(store, clients=None, publish=_fail, base_url="http://x")
    view, _ = broken.submit(FOUNDER, own_form(store))
    app_id = view["id"]
    stale = clock.now() - timedelta(minutes=1)
    mongo_db["applications"].update_one({"_id": app_id}, {"$set": {"outbox.0.created_at": stale}})
    with entrypoint_waiter(listener, "on_submitted", timeout=15):
        pass  # the tracker's timer relays it within its interval
    assert [p["application_id"] for p in Listener.seen] == [app_id]

    event = TaxRegistered(application_id=app_id, uscc="91350100M000100Y43", taxpayer_id="91350100M000100Y43",
                          taxpayer_type="small_scale", tax_office="洪山区税务局")
    dispatch = event_dispatcher(service_config)
    for _ in range(2):  # at-least-once delivery: the same event twice
        with entrypoint_waiter(tracker, "on_tax_tax_registered", timeout=10):
            dispatch("tax", "tax_registered", event.model_dump(mode="json"))
    doc = store.application(app_id)
    assert [e["type"] for e in doc["timeline"]] == ["application_submitted", "tax_registered"]
    assert doc["outputs"]["tax_registration"]["tax_office"] == "洪山区税务局"
    assert mongo_db["applications"].find_one({"_id": app_id})["outbox"] == []

    with entrypoint_hook(tracker, "health") as health:
        assert health()["status"] == "ok"


def test_rpc_pool_typed_errors_and_timeouts(container_factory, service_config):
    register_remote_errors()
    container_factory(SlowTax, service_config).start()
    pool = RpcPool({"AMQP_URI": service_config["AMQP_URI"]}, timeout=1, size=2)
    try:
        with pytest.raises(NotFound, match="没有该纳税人"):
            pool.call("tax", "get_registration", "x")
        with pytest.raises(Unavailable):
            pool.call("tax", "health")  # answers after 3 s: the caller gets 503 after 1 s
        with pytest.raises(Unavailable):
            pool.call("seal", "health")  # nobody serves seal in this vhost
        with pytest.raises(NotFound):  # the pool still works after discarding broken proxies
            pool.call("tax", "get_registration", "x")
    finally:
        pool.close()


def _fail(event_type, payload):
    raise ConnectionError("broker gone")


def submitted_with_bureau_events(mongo_db) -> tuple[GatewayStore, str, list[tuple[str, dict]]]:
    """A submitted application and the (source, payload) of every bureau event of its automatic path."""
    from tests.unit.gateway.test_timeline import automatic_path

    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    view, _ = ApplicationService(store, clients=None, publish=lambda *a: None, base_url="http://x").submit(
        FOUNDER, own_form(store))
    app_id = view["id"]
    events = [(e["source"], {**e["data"], "type": e["type"], "event_id": e["event_id"], "application_id": app_id,
                             "occurred_at": e["at"].isoformat()})
              for e in automatic_path(store.application(app_id)["form"]) if e["source"] != "gateway"]
    return store, app_id, events


def test_events_racing_on_one_application_all_land_and_the_status_reflects_them_all(mongo_db):
    from gateway.recording import RecentApplications, append
    from gateway.timeline import derive

    store, app_id, events = submitted_with_bureau_events(mongo_db)
    # two tracker instances, each with its own memory of the application, every event twice, all at once
    instances = [RecentApplications(), RecentApplications()]
    pool = eventlet.GreenPool(len(events) * 2)
    for n, (source, payload) in enumerate(events * 2):
        pool.spawn(append, store, source, payload, instances[n % 2])
    pool.waitall()
    doc = store.application(app_id)
    assert sorted(e["event_id"] for e in doc["timeline"][1:]) == sorted(p["event_id"] for _, p in events)
    assert 1 <= doc["version"] <= len(events)  # at most one write per event (events arriving together share one)
    assert doc["status"] == "completed" == derive(doc["form"], doc["timeline"], doc["submitted_at"])["status"]


def test_a_burst_of_events_is_one_timeline_update_and_every_worker_returns_after_it(mongo_db):
    from gateway.recording import RecentApplications, append

    store, app_id, events = submitted_with_bureau_events(mongo_db)
    recent = RecentApplications(window=0.2)
    pool = eventlet.GreenPool(len(events))
    results = [pool.spawn(append, store, source, payload, recent) for source, payload in events]
    docs = [r.wait() for r in results]
    doc = store.application(app_id)
    assert doc["version"] == 1  # one update for the whole burst
    assert [e["event_id"] for e in doc["timeline"][1:]] == [p["event_id"] for _, p in events]
    assert all(d["version"] == 1 for d in docs)  # each worker saw the write that holds its event


def test_the_batch_that_completes_an_application_is_written_without_waiting_out_its_window(mongo_db):
    """The founder waits for the last output: once the batch holds it, nothing else is expected."""
    from gateway.recording import TRACKER_FIELDS, RecentApplications, append
    from gateway.timeline import required_events

    store, app_id, events = submitted_with_bureau_events(mongo_db)
    recent = RecentApplications(window=0)
    recent.put(app_id, store.application(app_id, TRACKER_FIELDS))
    *before, last = [i for i, (_, p) in enumerate(events) if p["type"] in required_events(store.application(app_id)["form"])]
    for source, payload in events[:last]:
        append(store, source, payload, recent)
    recent.batches.window = 600  # a batch that waited it out would fail the timeout below
    pool = eventlet.GreenPool(len(events))
    with eventlet.Timeout(30):
        docs = [r.wait() for r in [pool.spawn(append, store, s, p, recent) for s, p in events[last:]]]
    doc = store.application(app_id)
    assert doc["status"] == "completed"
    assert doc["version"] == last + 1 and all(d["version"] == last + 1 for d in docs)  # the rest in one write


def test_a_failed_batch_write_fails_every_event_in_it_and_a_redelivery_records_them(mongo_db):
    from gateway.recording import RecentApplications, append

    store, app_id, events = submitted_with_bureau_events(mongo_db)
    recent = RecentApplications(window=0.2)
    real = store.update_with_entries

    def down(*args, **kwargs):
        raise ConnectionError("database gone")

    store.update_with_entries = down
    pool = eventlet.GreenPool(len(events))
    results = [pool.spawn(append, store, source, payload, recent) for source, payload in events[:3]]
    for r in results:
        with pytest.raises(ConnectionError):  # every worker raises: its message is requeued, not acked
            r.wait()
    assert len(store.application(app_id)["timeline"]) == 1
    store.update_with_entries = real
    for source, payload in events:  # the redeliveries, and the rest
        append(store, source, payload, recent)
    doc = store.application(app_id)
    assert [e["event_id"] for e in doc["timeline"][1:]] == [p["event_id"] for _, p in events]


def test_an_application_changed_behind_the_trackers_back_is_read_again(mongo_db):
    from gateway.recording import RecentApplications, append, record

    store, app_id, events = submitted_with_bureau_events(mongo_db)
    recent = RecentApplications()
    for source, payload in events[:2]:
        append(store, source, payload, recent)
    # another tracker instance records the next event: this one's memory of the application is stale
    append(store, *events[2])
    # and the web records a change of its own
    record(store, "gateway", {"type": "application_corrected", "event_id": "e-web", "application_id": app_id,
                              "occurred_at": events[2][1]["occurred_at"], "revision": 1})
    for source, payload in events[3:]:
        append(store, source, payload, recent)
    doc = store.application(app_id)
    assert [e["event_id"] for e in doc["timeline"]][1:] == [p["event_id"] for _, p in events[:3]] + ["e-web"] + [
        p["event_id"] for _, p in events[3:]]
    assert doc["version"] == len(events) + 1


def test_a_plain_redelivery_writes_nothing(mongo_db):
    from gateway.recording import append

    store, app_id, events = submitted_with_bureau_events(mongo_db)
    for source, payload in events:
        append(store, source, payload)
    before = mongo_db["applications"].find_one({"_id": app_id})
    for source, payload in events:
        append(store, source, payload)
    assert mongo_db["applications"].find_one({"_id": app_id}) == before


def test_a_shared_events_receipt_is_written_with_its_timeline_entry_once(mongo_db):
    """The data-sharing receipt rides in the timeline update (no write of its own); a redelivery adds nothing."""
    from contracts.events import BankAccountReserved
    from gateway.receipts import ReceiptService
    from gateway.recording import RecentApplications, append

    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    view, _ = ApplicationService(store, clients=None, publish=lambda *a: None, base_url="http://x").submit(
        FOUNDER, own_form(store))
    event = BankAccountReserved(application_id=view["id"], uscc="91350100M000100Y43", company_name="武汉某某科技有限公司",
                                bank_name="某银行", branch_id="b1", branch_name="洪山支行", branch_address="洪山区一号",
                                account_number="6222000000000001")
    recent = RecentApplications()
    for _ in range(2):  # at-least-once delivery
        append(store, "bank", event.model_dump(mode="json"), recent)
    doc = mongo_db["applications"].find_one({"_id": view["id"]})
    assert [e["type"] for e in doc["timeline"]] == ["application_submitted", "bank_account_reserved"]
    assert doc["version"] == 1
    receipt = doc["receipts"][event.event_id]
    assert receipt["recipients"] == ["tax", "social_security", "medical_insurance", "housing_fund"]
    assert "account_number" in receipt["paths"] and "event_id" not in receipt["paths"]
    assert mongo_db["data_receipts"].count_documents({}) == 0
    assert "receipts" not in store.application(view["id"])  # the pages' reads leave it out
    items = ReceiptService(store).receipt(FOUNDER, view["id"])["items"]
    to_tax = [i for i in items if i["bureau"] == "tax" and i["event"] == "bank_account_reserved"]
    assert [i["basis"] for i in to_tax] == ["event payload"] and "account_number" in to_tax[0]["fields"]


def test_the_first_bureau_event_needs_no_read_when_the_submission_primed_the_tracker(mongo_db):
    """From application_submitted the tracker rebuilds the inserted application exactly: the first
    bureau event is one write and no read, and the state it derives is the one a read would give."""
    from pymongo import MongoClient

    from gateway.recording import RecentApplications, append, prime
    from gateway.timeline import derive
    from tests.conftest import MONGO_URI
    from tests.support.commands import CommandLog

    sent = []
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    view, _ = ApplicationService(store, clients=None, publish=lambda kind, payload: sent.append(payload),
                                 base_url="http://x").submit(FOUNDER, own_form(store))
    [submitted] = sent
    inserted = store.application(view["id"], {"form": 1, "timeline": 1, "submitted_at": 1, "version": 1,
                                              "founder_id": 1})
    recent = RecentApplications()
    prime(recent, submitted)
    cached = recent.get(view["id"])
    assert {k: cached[k] for k in ("form", "submitted_at", "version", "founder_id")} == {
        k: inserted[k] for k in ("form", "submitted_at", "version", "founder_id")}

    commands = CommandLog()
    client = MongoClient(MONGO_URI, event_listeners=[commands], tz_aware=True)
    watched = GatewayStore(client[mongo_db.name])
    event = TaxRegistered(application_id=view["id"], uscc="91350100M000100Y43", taxpayer_id="91350100M000100Y43",
                          taxpayer_type="small_scale", tax_office="洪山区税务局")
    try:
        append(watched, "tax", event.model_dump(mode="json"), recent)
    finally:
        client.close()
    assert commands.names("find", "update", "findAndModify", "aggregate") == ["update"]
    # the state written from the rebuilt copy is the state derived from the stored document
    doc = store.application(view["id"])
    again = store.application(view["id"], {"form": 1, "timeline": 1, "submitted_at": 1, "version": 1,
                                           "founder_id": 1})
    assert doc["version"] == 1 and [e["type"] for e in doc["timeline"]] == ["application_submitted", "tax_registered"]
    assert {k: doc[k] for k in ("status", "steps", "outputs")} == {
        k: derive(again["form"], again["timeline"], again["submitted_at"])[k] for k in ("status", "steps", "outputs")}
