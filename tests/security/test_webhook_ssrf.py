"""Webhooks cannot be aimed inside (SSRF): loopback, private, link-local, multicast and reserved
addresses are refused at registration and again at every delivery (DNS rebinding), the connection
goes to the address that was checked, only the operator's allow-list reaches an internal receiver,
and the founder's delivery log says delivered/failed/refused without echoing the target's answer.

The first tests run against the running system over HTTP (tests/security/conftest.py allows exactly
one internal receiver, 127.0.0.1:<its port>); the rebinding and pinning ones drive the tracker's
delivery code against the real database with a resolver the test controls (the only way to make a
name change its answer between two lookups on a machine without DNS)."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime

import pytest

from contracts.rpc import Invalid
from gateway import webhooks
from gateway.egress import Egress, Refused, is_public
from gateway.store import GatewayStore
from tests.factories import make_form
from tests.support.hooks import BANNER, HookReceiver

API = "/api/v1"

INSIDE = ["127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
          "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "169.254.169.254", "fe80::1", "10.0.0.1",
          "172.16.5.4", "192.168.1.1", "100.64.0.1", "fc00::1", "224.0.0.1", "239.255.255.250", "ff02::1",
          "240.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.1"]


@pytest.mark.parametrize("address", INSIDE)
def test_inside_addresses_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))
    assert not Egress().permits(ipaddress.ip_address(address), 80)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_internet_addresses_are(address):
    assert is_public(ipaddress.ip_address(address))


def test_the_allow_list_admits_one_port_or_one_network_and_nothing_more():
    egress = Egress.from_setting("127.0.0.1:8099, [::1]:8099, 10.1.0.0/16")
    allowed = [("127.0.0.1", 8099), ("::ffff:127.0.0.1", 8099), ("::1", 8099), ("10.1.2.3", 5672)]
    refused = [("127.0.0.1", 15672), ("127.0.0.1", 27017), ("127.0.0.2", 8099), ("::1", 80), ("10.2.0.1", 80)]
    assert all(egress.permits(ipaddress.ip_address(a), p) for a, p in allowed)
    assert not any(egress.permits(ipaddress.ip_address(a), p) for a, p in refused)


@pytest.mark.parametrize("url", ["http://localhost:15672/api/overview", "http://2130706433:27017/",
                                 "http://0x7f000001/", "http://127.1/", "http://[::ffff:127.0.0.1]:5672/",
                                 "http://0.0.0.0:8000/", "https://169.254.169.254/latest/meta-data/"])
def test_a_name_or_spelling_that_resolves_inside_is_refused(url):
    with pytest.raises(Invalid) as refused:
        webhooks.check_url(url, Egress())
    assert [e.field for e in refused.value.field_errors] == ["url"]


def test_a_name_with_one_bad_address_among_good_ones_is_refused():
    egress = Egress(resolve=lambda host, port: ["8.8.8.8", "127.0.0.1"])
    with pytest.raises(Refused):
        egress.target("http://hooks.example.com/x")


# ---- over HTTP, on the running system ------------------------------------------------------------


def test_registration_refuses_every_inside_address(world):
    live, alice = world.live, world.alice
    urls = ["http://127.0.0.1:15672/", "http://127.0.0.1:27017/", "http://[::1]/", "http://0.0.0.0/",
            "http://[::ffff:127.0.0.1]:5672/", "http://localhost:15672/", "http://169.254.169.254/",
            "http://10.0.0.1/", "http://192.168.0.1/", "http://172.16.0.1/", "http://224.0.0.1/",
            "http://[fe80::1]/", "http://2130706433/", "http://no-such-host.invalid/",
            f"http://127.0.0.1:{world.receiver.port + 1}/",  # the allowed receiver's port only
            f"http://[::ffff:127.0.0.2]:{world.receiver.port}/"]
    for url in urls:
        response = live.request("POST", f"{API}/webhooks", json={"url": url}, headers=alice.headers)
        assert response.status_code == 422, (url, response.status_code, response.text[:200])
        assert [e["field"] for e in response.json()["errors"]] == ["url"], url
    listed = live.request("GET", f"{API}/webhooks", headers=alice.headers).json()
    assert not {h["url"] for h in listed} & set(urls)


def test_the_allowed_receiver_gets_events_and_the_log_tells_nothing_of_its_answers(world):
    live, receiver = world.live, world.receiver
    carol, _ = world.newcomer("陈静")
    hooks = {}
    for path in ("/ok", "/teapot"):
        created = live.request("POST", f"{API}/webhooks", json={"url": receiver.url + path}, headers=carol.headers)
        assert created.status_code == 201, created.text
        hooks[path] = created.json()["id"]
    app_id = live.submit(carol, make_form())

    def logs():
        rows = {p: live.request("GET", f"{API}/webhooks/{h}/deliveries", headers=carol.headers).json()
                for p, h in hooks.items()}
        done = any(r["state"] == "delivered" for r in rows["/ok"]) and any(r["log"] for r in rows["/teapot"])
        return rows if done else None

    rows = live.wait_for(logs, timeout=90, what="webhook deliveries")
    assert {r["body"]["application_id"] for r in receiver.received("/ok")} == {app_id}
    assert all(r["host"] == f"127.0.0.1:{receiver.port}" for r in receiver.received())
    attempts = [a for row in rows["/teapot"] for a in row["log"]]
    assert attempts and {a["outcome"] for a in attempts} == {"failed"}
    assert {a["outcome"] for row in rows["/ok"] for a in row["log"]} == {"delivered"}
    # each attempt says when, which, and our fixed wording: nothing the target answered (status 418,
    # its banner), how it failed (refused, reset, timed out) or how long it took
    every = attempts + [a for row in rows["/ok"] for a in row["log"]]
    assert all(set(a) == {"at", "attempt", "outcome", "message"} for a in every), every[0]
    assert {a["message"] for a in every} <= set(webhooks.OUTCOMES.values())
    assert BANNER not in json.dumps(rows, ensure_ascii=False)


# ---- at delivery: DNS rebinding and the pinned connection ----------------------------------------


class Resolver:
    """Answers from a list, one answer per lookup; remembers every lookup."""

    def __init__(self, *answers: list[str]):
        self.answers = list(answers)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def receiver():
    r = HookReceiver()
    yield r
    r.close()


def _hook_with_one_delivery(store: GatewayStore, url: str) -> str:
    now = datetime.now(UTC)
    store.webhooks.insert_one({"_id": "h1", "founder_id": "f1", "url": url, "secret": "s" * 32, "active": True,
                               "created_at": now, "swept_to": now})
    store.webhook_deliveries.insert_one({
        "_id": "h1:e1", "webhook_id": "h1", "founder_id": "f1", "application_id": "a1", "event_id": "e1",
        "payload": {"webhook_id": "h1", "application_id": "a1", "event": {"event_id": "e1", "type": "x"}},
        "state": "pending", "attempts": 0, "created_at": now, "next_at": now, "log": []})
    return "h1:e1"


def test_a_name_pointed_inside_after_registration_is_refused_at_delivery(mongo_db, receiver):
    store = GatewayStore(mongo_db)
    allow = f"127.0.0.1:{receiver.port}"
    # registration: hooks.example.com is public. Then the attacker repoints it at the broker's port.
    resolver = Resolver(["93.184.216.34"], ["127.0.0.1"])
    egress = Egress.from_setting(allow, resolve=resolver)
    url = "http://hooks.example.com:15672/api/overview"
    assert webhooks.check_url(url, egress) == url
    delivery = _hook_with_one_delivery(store, url)
    assert webhooks.send_due(store, egress) == 0
    row = store.webhook_deliveries.find_one({"_id": delivery})
    assert [a["outcome"] for a in row["log"]] == ["refused"] and row["state"] == "pending"
    assert resolver.lookups == ["hooks.example.com"] * 2  # checked again at delivery
    assert receiver.received() == []


def test_the_connection_goes_to_the_checked_address_not_to_a_second_lookup(mongo_db, receiver):
    store = GatewayStore(mongo_db)
    # the first lookup answers the allowed receiver; any later one would answer somewhere refused
    resolver = Resolver(["127.0.0.1"], ["127.0.0.2"])
    egress = Egress.from_setting(f"127.0.0.1:{receiver.port}", resolve=resolver)
    delivery = _hook_with_one_delivery(store, f"http://hooks.example.test:{receiver.port}/pinned?x=1")
    assert webhooks.send_due(store, egress) == 1
    assert resolver.lookups == ["hooks.example.test"]  # one lookup, and the socket went to its answer
    [request] = receiver.received()
    assert request["host"] == f"hooks.example.test:{receiver.port}" and request["path"] == "/pinned?x=1"
    row = store.webhook_deliveries.find_one({"_id": delivery})
    assert row["state"] == "delivered" and [a["outcome"] for a in row["log"]] == ["delivered"]


def test_redirects_are_not_followed(mongo_db):
    redirecting = HookReceiver(status_for=lambda path: 307)
    try:
        store = GatewayStore(mongo_db)
        egress = Egress.from_setting(f"127.0.0.1:{redirecting.port}")
        delivery = _hook_with_one_delivery(store, f"{redirecting.url}/moved")
        assert webhooks.send_due(store, egress) == 0
        row = store.webhook_deliveries.find_one({"_id": delivery})
        assert [a["outcome"] for a in row["log"]] == ["failed"] and len(redirecting.received()) == 1
    finally:
        redirecting.close()
