"""The outbox publishes an event written with a state change, and relays one a dead worker left."""

import time
from datetime import timedelta

import pytest
from nameko.events import EventDispatcher, event_handler
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from contracts import clock
from contracts.events import ReviewStarted
from kit.mongo import MongoStore
from kit.outbox import flush, outbox_entry, relay

pytestmark = pytest.mark.integration


class CaseStore:
    def __init__(self, db):
        self.cases = db["cases"]

    def ensure_indexes(self):
        self.cases.create_index("application_id", unique=True)


class Emitter:
    name = "registration"
    store = MongoStore(CaseStore)
    dispatch = EventDispatcher()

    @rpc
    def start(self, application_id, publish=True):
        event = ReviewStarted(application_id=application_id, path="automatic", deadline="2026-12-01")
        entry = outbox_entry(event)
        self.store.cases.insert_one({"_id": application_id, "application_id": application_id,
                                     "outbox": [entry]})
        if publish:
            flush(self.store.cases, application_id, [entry], self.dispatch)
        return event.event_id

    @rpc
    def relay(self):
        return relay(self.store.cases, self.dispatch, min_age=timedelta(0))


class Listener:
    name = "listener"
    seen: list = []

    @event_handler("registration", "review_started")
    def on_review(self, payload):
        Listener.seen.append(payload)


def test_flush_publishes_and_empties_the_outbox(container_factory, service_config, mongo_db):
    Listener.seen = []
    emitter = container_factory(Emitter, service_config)
    listener = container_factory(Listener, service_config)
    emitter.start()
    listener.start()
    with entrypoint_waiter(listener, "on_review"):
        with entrypoint_hook(emitter, "start") as start:
            event_id = start("app-1")
    assert [p["event_id"] for p in Listener.seen] == [event_id]
    assert mongo_db["cases"].find_one({"_id": "app-1"})["outbox"] == []


def test_relay_publishes_what_a_dead_worker_left(container_factory, service_config, mongo_db):
    Listener.seen = []
    emitter = container_factory(Emitter, service_config)
    listener = container_factory(Listener, service_config)
    emitter.start()
    listener.start()
    with entrypoint_hook(emitter, "start") as start:
        event_id = start("app-2", publish=False)  # "crash" between write and publish
    assert Listener.seen == []
    stale = clock.now() - timedelta(minutes=1)
    mongo_db["cases"].update_one({"_id": "app-2"}, {"$set": {"outbox.0.created_at": stale}})
    with entrypoint_waiter(listener, "on_review"):
        with entrypoint_hook(emitter, "relay") as relay_now:
            assert relay_now() == 1
    assert [p["event_id"] for p in Listener.seen] == [event_id]
    with entrypoint_hook(emitter, "relay") as relay_now:
        assert relay_now() == 0


def _stored(collection, doc_id: str) -> dict:
    entry = outbox_entry(ReviewStarted(application_id=doc_id, path="automatic", deadline="2026-12-01"))
    collection.insert_one({"_id": doc_id, "outbox": [entry]})
    return entry


def test_where_a_relay_sweeps_the_pulls_wait_for_it_and_are_one_update(mongo_db):
    cases, sent = mongo_db["cases"], []

    def dispatch(kind, payload):
        sent.append(payload["event_id"])

    assert relay(cases, dispatch) == 0  # this process now sweeps `cases`
    entries = {doc_id: _stored(cases, doc_id) for doc_id in ("a", "b", "c")}
    for doc_id, entry in entries.items():
        assert flush(cases, doc_id, [entry], dispatch) == 1
    assert sent == [e["event_id"] for e in entries.values()]
    assert all(len(d["outbox"]) == 1 for d in cases.find())  # published, not pulled yet

    from pymongo import MongoClient

    from tests.conftest import MONGO_URI
    from tests.support.commands import CommandLog

    commands = CommandLog()
    client = MongoClient(MONGO_URI, event_listeners=[commands])
    watched = client[mongo_db.name]["cases"]
    stale = clock.now() - timedelta(minutes=1)
    cases.update_many({}, {"$set": {"outbox.0.created_at": stale}})  # old enough to look left behind
    try:
        assert relay(watched, dispatch, min_age=timedelta(0)) == 0  # never republished: they are ours
    finally:
        client.close()
    assert commands.names("update", "findAndModify") == ["update"]  # one update pulled all three
    assert all(d["outbox"] == [] for d in cases.find())
    assert len(sent) == 3


def test_what_a_dead_process_published_and_never_pulled_is_published_again_and_pulled(mongo_db):
    from kit import outbox

    cases, sent = mongo_db["cases"], []
    relay(cases, lambda *a: None)
    entry = _stored(cases, "d")
    flush(cases, "d", [entry], lambda kind, payload: sent.append(payload["event_id"]))
    outbox.published.take(cases)  # the process died before its sweep: its memory is gone
    cases.update_one({"_id": "d"}, {"$set": {"outbox.0.created_at": clock.now() - timedelta(minutes=1)}})
    # searched at every call: a timer's relay would find it at its next periodic search
    assert relay(cases, lambda kind, payload: sent.append(payload["event_id"]), search_every=0) == 1
    assert sent == [entry["event_id"]] * 2  # at least once: the consumers dedupe on event_id
    assert cases.find_one({"_id": "d"})["outbox"] == []


def test_a_relay_searches_at_its_first_call_after_a_failed_flush_and_then_only_every_interval(mongo_db):
    cases, sent = mongo_db["cases"], []
    finds = _count_finds(cases)
    assert relay(finds.collection, lambda *a: None) == 0 and finds.seen == 1  # the first call searches
    assert relay(finds.collection, lambda *a: None) == 0 and finds.seen == 1  # then not until the interval

    def broken(kind, payload):
        raise ConnectionError("broker unreachable")

    entry = _stored(cases, "e")
    with pytest.raises(ConnectionError):
        flush(finds.collection, "e", [entry], broken)
    # searched at every call until a search is late enough to see the entry as left behind
    assert relay(finds.collection, sent.append, min_age=timedelta(seconds=30)) == 0 and finds.seen == 2
    assert relay(finds.collection, lambda kind, payload: sent.append(payload["event_id"]),
                 min_age=timedelta(0)) == 1 and finds.seen == 3
    assert sent == [entry["event_id"]]
    assert relay(finds.collection, sent.append, min_age=timedelta(0)) == 0 and finds.seen == 3
    assert relay(finds.collection, sent.append, min_age=timedelta(0), search_every=0) == 0 and finds.seen == 4
    finds.close()


class _count_finds:
    """The collection through a client that counts the `find`s sent."""

    def __init__(self, collection):
        from pymongo import MongoClient

        from tests.conftest import MONGO_URI
        from tests.support.commands import CommandLog

        self.commands = CommandLog()
        self.client = MongoClient(MONGO_URI, event_listeners=[self.commands])
        self.collection = self.client[collection.database.name][collection.name]

    @property
    def seen(self) -> int:
        return len(self.commands.names("find"))

    def close(self):
        self.client.close()


def test_without_a_relay_in_the_process_flush_pulls_at_once(mongo_db):
    cases = mongo_db["cases"]
    entry = _stored(cases, "e")
    flush(cases, "e", [entry], lambda *a: None)
    assert cases.find_one({"_id": "e"})["outbox"] == []


def test_a_sweeper_pulls_what_its_process_published_into_a_collection_another_process_relays(mongo_db):
    from kit.outbox import Sweeper, pull

    applications = mongo_db["applications"]
    sweeper = Sweeper(applications, interval=0.2)
    try:
        for doc_id in ("f", "g"):
            pull(applications, doc_id, [_stored(applications, doc_id)["event_id"]])
        deadline = time.monotonic() + 20
        while any(d["outbox"] for d in applications.find()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(d["outbox"] == [] for d in applications.find())
        pull(applications, "h", [_stored(applications, "h")["event_id"]])
    finally:
        sweeper.close()  # sweeps once more on the way out
    assert applications.find_one({"_id": "h"})["outbox"] == []
