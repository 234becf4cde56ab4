"""A passing failure in an event handler means redelivery, not a lost event; a bad payload is dropped."""

import eventlet
import pytest
from nameko.standalone.events import event_dispatcher

from kit import events as kit_events
from kit.events import Unprocessable, durable_handler

pytestmark = pytest.mark.integration


class Flaky:
    name = "flaky"
    calls: list = []
    fail_first = 0

    @durable_handler("registration", "licence_issued")
    def on_licence(self, payload):
        Flaky.calls.append(payload["n"])
        if payload.get("bad"):
            raise Unprocessable("this payload can never work")
        if Flaky.fail_first > 0:
            Flaky.fail_first -= 1
            raise ConnectionError("database went away")


def wait_for(condition, timeout=10):
    with eventlet.Timeout(timeout):
        while not condition():
            eventlet.sleep(0.05)


@pytest.fixture(autouse=True)
def quick_redelivery(monkeypatch):
    monkeypatch.setattr(kit_events, "REDELIVERY_PAUSE_SECONDS", 0.05)
    Flaky.calls = []


def test_a_failed_delivery_is_retried_until_it_succeeds(container_factory, rabbit_config):
    Flaky.fail_first = 2
    container = container_factory(Flaky, rabbit_config)
    container.start()
    event_dispatcher(rabbit_config)("registration", "licence_issued", {"n": 1})
    wait_for(lambda: len(Flaky.calls) == 3)
    eventlet.sleep(0.3)
    assert Flaky.calls == [1, 1, 1]  # two failures, one success, then no more deliveries


def test_an_unprocessable_payload_is_dropped_not_looped(container_factory, rabbit_config):
    Flaky.fail_first = 0
    container = container_factory(Flaky, rabbit_config)
    container.start()
    dispatch = event_dispatcher(rabbit_config)
    dispatch("registration", "licence_issued", {"n": 1, "bad": True})
    dispatch("registration", "licence_issued", {"n": 2})
    wait_for(lambda: 2 in Flaky.calls)
    eventlet.sleep(0.3)
    assert Flaky.calls == [1, 2]
