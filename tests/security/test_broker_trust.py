"""The broker is a trust boundary (issue 20, High): every process has its own RabbitMQ user that reaches
only its own exchanges and queues (kit/broker_users.py), and a bureau answers its personal-data and
acting RPCs only to the gateway, which the broker's validated user-id identifies (kit/callers.py).

The review's finding: any broker client could read another founder's licence PDF and staff list over
the broker without logging in. `test_a_broker_client_cannot_read_a_founders_licence_or_staff` is that
attack; it needs nothing but `guest` on the run's vhost (the test harness's administrator) so it runs
against code from before the fix too.
"""

from __future__ import annotations

import json
import uuid

import pytest
from amqp.exceptions import AccessRefused, PreconditionFailed
from kombu import Connection, Exchange, Producer, Queue
from kombu.exceptions import OperationalError
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.rpc import Forbidden, register_remote_errors

LICENCE = "registration.licence"  # services/registration/domain/licence.py LICENCE_DOC


def _uscc(world) -> str:
    doc = world.live.db("gateway").applications.find_one({"_id": world.alice_app}, {"outputs": 1})
    return doc["outputs"]["uscc"]


def _as(world, process: str) -> str:
    return world.live.system.broker_uri(process)


def test_a_broker_client_cannot_read_a_founders_licence_or_staff(world):
    """No login, just a broker connection: every call is refused by the bureau (on main: the PDF and
    the staff list came back)."""
    register_remote_errors()
    uscc = _uscc(world)
    with ClusterRpcProxy({"AMQP_URI": world.live.amqp_uri, "serializer": "json"}, timeout=30) as proxy:
        with pytest.raises(Forbidden):
            proxy.registration.get_document(world.alice_app, LICENCE)
        with pytest.raises(Forbidden):
            proxy.social_security.list_staff(uscc)
        with pytest.raises(Forbidden):
            proxy.tax.list_invoices(uscc)
        assert proxy.registration.health()["service"] == "registration"  # public RPCs still answer


def test_the_gateways_calls_still_work_and_carry_the_founders_principal(world):
    """The same documents through the gateway, logged in as their founder."""
    live, alice = world.live, world.alice
    response = live.request("GET", f"/api/v1/applications/{world.alice_app}/documents/{LICENCE}",
                            headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")
    principal = f"founder:{alice.account_id}"

    def audited():
        lines = "".join(text for name, text in live.logs().items() if "-registration-" in name).splitlines()
        return [json.loads(line) for line in lines if principal in line and "get_document" in line]

    seen = live.wait_for(audited, timeout=30, what="registration's audit line for the download")
    assert seen[-1]["caller"] == "web" and seen[-1]["msg"] == "rpc registration.get_document"


def test_a_client_cannot_claim_to_be_the_gateway(world):
    """A `user_id` that is not the connection's own user: the broker refuses the message itself."""
    web_user = world.live.system.users.user("web")
    with Connection(world.live.amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=Exchange("nameko-rpc", type="topic", durable=True))
        with pytest.raises(PreconditionFailed, match="user_id"):
            producer.publish({"args": [world.alice_app, LICENCE], "kwargs": {}},
                             routing_key="registration.get_document", user_id=web_user,
                             headers={"nameko.principal": f"founder:{world.alice.account_id}"},
                             reply_to=str(uuid.uuid4()), serializer="json", retry=False)


def test_the_seal_services_user_cannot_consume_registrations_rpc_queue(world):
    with Connection(_as(world, "seal")) as conn:
        channel = conn.channel()
        with pytest.raises(AccessRefused):
            channel.basic_consume("rpc-registration", callback=lambda message: None)


def test_the_seal_services_user_cannot_overhear_registrations_calls(world):
    """Its own queue bound to registration's routing keys: the topic permission refuses the binding."""
    with Connection(_as(world, "seal")) as conn:
        rpc = Exchange("nameko-rpc", type="topic", durable=True)
        queue = Queue("evt-registration-licence_issued--seal.overhear", exchange=rpc,
                      routing_key="registration.*", durable=False, auto_delete=True)
        with pytest.raises(AccessRefused):
            queue(conn.channel()).declare()


def test_the_seal_services_user_cannot_publish_licence_issued_as_registration(world):
    with Connection(_as(world, "seal"), transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=Exchange("registration.events", type="topic", durable=True))
        with pytest.raises(AccessRefused):
            producer.publish({"application_id": world.bob_app, "uscc": "91420100MA0000000X"},
                             routing_key="licence_issued", serializer="json", retry=False, declare=[])


def test_the_seal_services_user_cannot_call_registration(world):
    """Nor can it send an RPC request to another bureau: on `nameko-rpc` it may publish replies only."""
    with Connection(_as(world, "seal"), transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=Exchange("nameko-rpc", type="topic", durable=True))
        with pytest.raises(AccessRefused):
            producer.publish({"args": [world.alice_app, LICENCE], "kwargs": {}},
                             routing_key="registration.get_document", reply_to=str(uuid.uuid4()),
                             serializer="json", retry=False, declare=[])


def test_an_unknown_user_is_refused(world):
    stranger = world.live.amqp_uri.replace("guest:guest@", f"stranger-{uuid.uuid4().hex[:6]}:nothing@")
    assert stranger != world.live.amqp_uri
    with pytest.raises((AccessRefused, OperationalError)) as refused:
        with Connection(stranger, connect_timeout=10) as conn:
            conn.connect()
    assert "ACCESS_REFUSED" in str(refused.value) or isinstance(refused.value, AccessRefused)


def test_no_process_of_the_system_connects_as_guest(world):
    """Every process got its own user on the run's vhost, and none of them is guest."""
    for instance in [*world.live.system.instances, world.live.system.web]:
        env = world.live.system.env(instance.service)
        assert "guest:" not in env["AMQP_URI"]
    connections = world.live.system._ctl("GET", "/api/connections?columns=user,vhost", None)
    users = {c["user"] for c in connections if c.get("vhost") == world.live.vhost}
    expected = {world.live.system.users.user(p) for p in ("registration", "seal", "tax", "gateway", "web")}
    assert expected <= users, users
