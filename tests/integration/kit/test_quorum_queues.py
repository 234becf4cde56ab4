"""ONESTOP_QUEUE_TYPE=quorum on the real broker: every durable queue a service declares is a quorum
queue, reply queues are exclusive, and a poison message ends in the dead-letter queue, from where
`onestop dead-letters` lists it and replays it into the queue it died in."""

import eventlet
import pytest
from nameko.standalone.events import event_dispatcher

from gateway.ops.cli import main as onestop
from kit import deadletters
from kit import events as kit_events
from kit.events import Unprocessable, durable_handler
from kit.queues import DEAD_LETTER_QUEUE, cluster_proxy, rpc

pytestmark = pytest.mark.integration


class Poisoned:
    name = "poisoned"
    calls: list = []
    cured: set = set()  # payload numbers that no longer fail
    always_failing: set = set()

    @rpc(public=True)  # called as guest by nameko's own proxy (kit/callers.py)
    def ping(self) -> str:
        return "pong"

    @durable_handler("registration", "licence_issued")
    def on_licence(self, payload):
        n = payload["n"]
        Poisoned.calls.append(n)
        if n in Poisoned.always_failing and n not in Poisoned.cured:
            raise ConnectionError("the database is still away")
        if payload.get("bad") and n not in Poisoned.cured:
            raise Unprocessable("this payload can never work")


def wait_for(condition, timeout=15):
    with eventlet.Timeout(timeout):
        while not condition():
            eventlet.sleep(0.05)


@pytest.fixture(autouse=True)
def reset(monkeypatch):
    monkeypatch.setattr(kit_events, "REDELIVERY_PAUSE_SECONDS", 0.02)
    Poisoned.calls, Poisoned.cured, Poisoned.always_failing = [], set(), set()


@pytest.fixture
def quorum_config(rabbit_config):
    return {**rabbit_config, "QUEUE_TYPE": "quorum", "DELIVERY_LIMIT": 3}


def queue_types(rabbit_manager, config) -> dict[str, tuple[str, bool]]:
    vhost = config["AMQP_URI"].rsplit("/", 1)[1]
    return {q["name"]: (q.get("type"), q.get("exclusive", False)) for q in rabbit_manager.get_queues(vhost)}


def dead_letters(config):
    return deadletters.inspect(config["AMQP_URI"])


def test_every_durable_queue_is_quorum_and_reply_queues_are_exclusive(container_factory, quorum_config,
                                                                      rabbit_manager):
    container_factory(Poisoned, quorum_config).start()
    with cluster_proxy(quorum_config, timeout=10) as proxy:
        assert proxy.poisoned.ping() == "pong"
        types = queue_types(rabbit_manager, quorum_config)
    assert types["rpc-poisoned"] == ("quorum", False)
    assert types["evt-registration-licence_issued--poisoned.on_licence"] == ("quorum", False)
    assert types[DEAD_LETTER_QUEUE] == ("quorum", False)
    replies = {name: t for name, t in types.items() if name.startswith("rpc.reply-")}
    assert replies and all(t == ("classic", True) for t in replies.values()), replies


def test_classic_stays_nameko_s_own_declaration(container_factory, rabbit_config, rabbit_manager):
    container_factory(Poisoned, rabbit_config).start()
    types = queue_types(rabbit_manager, rabbit_config)
    assert types["rpc-poisoned"] == ("classic", False)
    assert DEAD_LETTER_QUEUE not in types


def test_an_unprocessable_event_is_dead_lettered_then_replayed(container_factory, quorum_config, monkeypatch,
                                                               capsys):
    container_factory(Poisoned, quorum_config).start()
    dispatch = event_dispatcher(quorum_config)
    dispatch("registration", "licence_issued", {"n": 1, "bad": True, "event_id": "e-1", "application_id": "a-1"})
    dispatch("registration", "licence_issued", {"n": 2})
    wait_for(lambda: 2 in Poisoned.calls and dead_letters(quorum_config))
    [dead] = dead_letters(quorum_config)
    assert dead["queue"] == "evt-registration-licence_issued--poisoned.on_licence"
    assert (dead["reason"], dead["event_id"], dead["application_id"]) == ("rejected", "e-1", "a-1")
    assert Poisoned.calls == [1, 2]  # not redelivered in a loop

    monkeypatch.setenv("AMQP_URI", quorum_config["AMQP_URI"])
    assert onestop(["dead-letters"]) == 1  # something for an operator to act on
    assert "e-1" in capsys.readouterr().out
    Poisoned.cured.add(1)  # the bug is fixed: replay
    assert onestop(["dead-letters", "replay"]) == 0
    wait_for(lambda: Poisoned.calls.count(1) == 2)
    assert dead_letters(quorum_config) == []


def test_a_message_failing_past_the_delivery_limit_is_dead_lettered_not_looped(container_factory,
                                                                               quorum_config):
    Poisoned.always_failing.add(7)
    container_factory(Poisoned, quorum_config).start()
    event_dispatcher(quorum_config)("registration", "licence_issued", {"n": 7, "event_id": "e-7"})
    wait_for(lambda: dead_letters(quorum_config))
    [dead] = dead_letters(quorum_config)
    assert (dead["reason"], dead["event_id"]) == ("delivery_limit", "e-7")
    eventlet.sleep(0.3)
    # the first delivery and DELIVERY_LIMIT redeliveries, then no more
    assert Poisoned.calls == [7] * (1 + quorum_config["DELIVERY_LIMIT"])
    # dropped on the operator's word
    assert [d["event_id"] for d in deadletters.act(quorum_config["AMQP_URI"], "drop", lambda d: True)] == ["e-7"]
    assert dead_letters(quorum_config) == []
