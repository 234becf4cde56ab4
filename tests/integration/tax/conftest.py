"""The tax service in a container on a fresh vhost and database, a listener for its events, an RPC proxy."""

from __future__ import annotations

import pytest
from nameko.events import event_handler
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from contracts.rpc import register_remote_errors
from services.tax.service import TaxService
from tests.support.events import as_published

register_remote_errors()


class TaxListener:
    """Stands in for the gateway's tracker: records every event the tax bureau publishes."""

    name = "tax_listener"
    seen: list[dict] = []

    def _record(self, payload):
        TaxListener.seen.append(payload)
        return payload

    @event_handler("tax", "tax_registered")
    def on_tax_registered(self, payload):
        return self._record(payload)

    @event_handler("tax", "invoices_approved")
    def on_invoices_approved(self, payload):
        return self._record(payload)

    @event_handler("tax", "task_queued")
    def on_task_queued(self, payload):
        return self._record(payload)

    @event_handler("tax", "step_rejected")
    def on_step_rejected(self, payload):
        return self._record(payload)

    @event_handler("tax", "change_recorded")
    def on_change_recorded(self, payload):
        return self._record(payload)


class Bureau:
    """Handles for one test: the tax container(s), the listener, publishing and RPC."""

    def __init__(self, containers, listener, config):
        self.containers, self.listener, self.config = containers, listener, config
        self.tax = containers[0]

    def payloads(self, application_id: str) -> list[dict]:
        return [p for p in TaxListener.seen if p["application_id"] == application_id]

    def events(self, application_id: str) -> list[str]:
        return [p["type"] for p in self.payloads(application_id)]

    def publish_licence(self, event, wait_for: str):
        """Publish `licence_issued` as registration does and wait until the tax bureau answers `wait_for`."""
        def answered(worker_ctx, result, exc_info):
            return result is not None and result["type"] == wait_for and \
                result["application_id"] == event.application_id

        with entrypoint_waiter(self.listener, f"on_{wait_for}", callback=answered, timeout=15):
            as_published(self.config)("registration", "licence_issued", event.model_dump(mode="json"))

    def publish_revocation(self, event):
        """Publish `licence_revoked` as registration does and wait until the tax bureau has handled it."""
        with entrypoint_waiter(self.tax, "on_licence_revoked", timeout=15):
            as_published(self.config)("registration", "licence_revoked", event.model_dump(mode="json"))

    def rpc(self):
        return ServiceRpcProxy("tax", self.config)


def _start(container_factory, config, instances: int) -> Bureau:
    TaxListener.seen = []
    containers = [container_factory(TaxService, config) for _ in range(instances)]
    listener = container_factory(TaxListener, config)
    for container in containers + [listener]:
        container.start()
    return Bureau(containers, listener, config)


@pytest.fixture
def bureau(container_factory, service_config):
    return _start(container_factory, service_config, 1)


@pytest.fixture
def two_instances(container_factory, service_config):
    """Two containers of the tax service on the same vhost and database, like `--scale tax=2`."""
    return _start(container_factory, service_config, 2)
