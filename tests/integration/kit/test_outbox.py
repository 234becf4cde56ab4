"""The outbox publishes an event written with a state change, and relays one a dead worker left."""

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
