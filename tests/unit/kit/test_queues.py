"""Queue declarations from config, and several broker addresses in one AMQP_URI."""

import ast
from pathlib import Path

import pytest

from kit.brokers import addresses, vhost_of, with_vhost
from kit.mongo import redact_uri
from kit.queues import DEAD_LETTER_EXCHANGE, durable_arguments, queue_type

ROOT = Path(__file__).resolve().parents[3]
CLUSTER = "pyamqp://u:secret@r0:5672/;pyamqp://u:secret@r1:5673/;pyamqp://u:secret@r2:5674/"


def test_quorum_queues_carry_a_delivery_limit_and_the_dead_letter_exchange():
    args = durable_arguments({"QUEUE_TYPE": "Quorum", "DELIVERY_LIMIT": 7})
    assert args["x-queue-type"] == "quorum" and args["x-delivery-limit"] == 7
    assert args["x-dead-letter-exchange"] == DEAD_LETTER_EXCHANGE
    assert args["x-dead-letter-strategy"] == "at-least-once" and args["x-overflow"] == "reject-publish"


def test_classic_is_nameko_s_declaration_untouched():
    assert durable_arguments({}) is None
    assert durable_arguments({"QUEUE_TYPE": "classic"}) is None


def test_an_unknown_queue_type_is_refused():
    with pytest.raises(ValueError, match="ONESTOP_QUEUE_TYPE"):
        queue_type({"QUEUE_TYPE": "mirrored"})


def test_a_vhost_applies_to_every_broker_address():
    uri = with_vhost(CLUSTER, "one stop")
    assert addresses(uri) == [f"pyamqp://u:secret@r{i}:{5672 + i}/one%20stop" for i in range(3)]
    assert vhost_of(uri) == "one stop"
    assert vhost_of("pyamqp://u:p@h:5672/") == "/"


def test_no_password_of_any_address_reaches_a_log_line():
    redacted = redact_uri(CLUSTER)
    assert "secret" not in redacted and redacted.count("u:***@") == 3 and "r2:5674" in redacted


def test_every_service_declares_its_queues_through_kit():
    """nameko's own `rpc` / `event_handler` would declare classic queues whatever ONESTOP_QUEUE_TYPE says."""
    offenders = []
    shared = [p for p in ROOT.glob("kit/*.py") if p.name not in ("queues.py", "events.py")]  # the mixins too
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("gateway/**/*.py"), *shared]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in ("nameko.rpc", "nameko.events"):
                names = {a.name for a in node.names} & {"rpc", "event_handler", "Rpc", "EventHandler"}
                if names:
                    offenders.append(f"{path.relative_to(ROOT)}: {sorted(names)}")
    assert not offenders, offenders
