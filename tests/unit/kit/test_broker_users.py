"""The broker users' grants, derived from the manifest, and the caller check (kit/broker_users.py,
kit/callers.py). The broker itself enforcing them: tests/security/test_broker_trust.py."""

from __future__ import annotations

import re
import stat
import uuid

from contracts import bureaus
from kit import callers
from kit.broker_users import PROCESSES, BrokerUsers, grant
from kit.brokers import user_of, with_credentials


def matches(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


def test_every_process_of_the_manifest_has_a_user():
    assert set(bureaus.SERVICES) <= set(PROCESSES)
    assert {"web", "operator", "probe"} <= set(PROCESSES)


def test_a_bureau_reaches_its_own_queues_only():
    seal = grant("seal", "onestop")
    assert matches(seal.read, "rpc-seal") and not matches(seal.read, "rpc-registration")
    assert matches(seal.read, "evt-registration-licence_issued--seal.on_licence_issued")
    assert not matches(seal.read, "evt-registration-licence_issued--tax.on_licence_issued")
    assert not matches(seal.read, "evt-gateway-application_submitted--seal.x")  # seal does not consume it
    assert matches(seal.write, "seal.events") and not matches(seal.write, "registration.events")
    assert not matches(seal.write, "amq.default")
    rpc_write, rpc_read = seal.topics["nameko-rpc"]
    assert matches(rpc_write, str(uuid.uuid4())) and not matches(rpc_write, "registration.get_document")
    assert matches(rpc_read, "seal.*") and not matches(rpc_read, "registration.*")
    assert not matches(rpc_read, str(uuid.uuid4()))  # it may not bind the web's reply key
    events_write, events_read = seal.topics["registration.events"]
    assert matches(events_read, "licence_issued.seal") and not matches(events_read, "application_rejected")
    # its own copy of the broad event only (contracts/sharing.py): neither tax's nor the tracker's
    assert not matches(events_read, "licence_issued.tax") and not matches(events_read, "licence_issued")
    assert not matches(events_write, "licence_issued")


def test_a_new_consumer_in_the_manifest_is_a_new_permission():
    registration = grant("registration", "onestop")
    assert matches(registration.read, "gateway.events")  # it consumes application_submitted
    _, read = registration.topics["gateway.events"]
    assert matches(read, "application_submitted")


def test_the_web_calls_bureaus_and_reads_its_own_replies():
    web = grant("web", "onestop")
    write, read = web.topics["nameko-rpc"]
    assert matches(write, "registration.get_document") and not matches(write, str(uuid.uuid4()))
    assert matches(read, str(uuid.uuid4())) and not matches(read, "registration.*")
    mine = f"rpc.reply-onestop-web-{uuid.uuid4()}"
    assert matches(web.read, mine) and not matches(web.read, f"rpc.reply-onestop-seal-{uuid.uuid4()}")
    assert not matches(web.read, "rpc-registration")


def test_the_probe_may_call_health_only():
    write, _ = grant("probe", "onestop").topics["nameko-rpc"]
    assert matches(write, "tax.health") and not matches(write, "tax.list_invoices")


def test_stored_passwords_are_private_and_stable(tmp_path):
    path = tmp_path / "broker" / "users.json"
    first = BrokerUsers.stored("onestop", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert BrokerUsers.stored("onestop", path).passwords == first.passwords
    assert set(first.passwords) == set(PROCESSES) and len(set(first.passwords.values())) == len(PROCESSES)


def test_each_process_gets_its_own_credentials_on_every_address():
    users = BrokerUsers.ephemeral("run1")
    uri = users.uri("pyamqp://guest:guest@a:5672/v;pyamqp://guest:guest@b:5673/v", "seal")
    assert uri.count("run1-seal:") == 2 and "guest" not in uri and "@b:5673/v" in uri
    assert user_of(with_credentials("pyamqp://h:1/", "x", "p w")) == "x"


def test_only_the_gateway_web_user_may_call_a_restricted_rpc():
    config = {"AMQP_URI": "pyamqp://run1-registration:pw@127.0.0.1:5672/v"}
    assert callers.allowed(config, "registration", "run1-web", public=False)
    for caller in ("run1-seal", "guest", "run2-web", None, "run1-"):
        assert not callers.allowed(config, "registration", caller, public=False), caller
    assert callers.allowed(config, "registration", "guest", public=True)
    assert callers.caller_process(config, "registration", "run1-tax") == "tax"
    # a service that is not connected as its own user trusts nobody
    assert not callers.allowed({"AMQP_URI": "pyamqp://guest:guest@h/"}, "registration", "guest", public=False)
    assert callers.allowed({**config, callers.CHECK_KEY: False}, "registration", None, public=False)
