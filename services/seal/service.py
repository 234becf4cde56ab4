"""The seal bureau (public security, 印章) as a Nameko service: entrypoints only.

Rules live in domain.py, the use cases in workflow.py, the database in store.py. Every state change
writes its events into the seal set's outbox in the same update; `_publish` sends them at once and
the timer relays whatever a dead worker left behind.

`licence_revoked` from registration is recorded per USCC (it causes no seal event); from then on the
clerk steps that make or send a physical seal refuse, and lookups show the seals as void.
"""

from __future__ import annotations

import logging

from nameko.events import EventDispatcher
from nameko.rpc import rpc
from nameko.timer import timer

from contracts import clock
from contracts.events import parse_event
from contracts.revocation import Revocation
from contracts.rpc import OneStopError
from kit import clerk
from kit.events import durable_handler
from kit.mongo import MongoStore
from kit.outbox import flush, relay
from kit.startup import configure_from_env
from services.seal import clerk as queue
from services.seal import workflow
from services.seal.store import SealStore

log = logging.getLogger(__name__)

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs


class SealService(clerk.ClerkRpc):
    name = "seal"
    store = MongoStore(SealStore)
    dispatch = EventDispatcher()

    @durable_handler("registration", "licence_issued")
    def on_licence_issued(self, payload: dict) -> None:
        event = parse_event("registration", payload)
        self._publish(event.application_id, workflow.open_seal_set(self.store, event))

    @durable_handler("registration", "licence_revoked")
    def on_licence_revoked(self, payload: dict) -> None:
        self.store.revocations.record(Revocation.of(parse_event("registration", payload), clock.now()))

    @timer(interval=2)
    def relay_outbox(self) -> int:
        return relay(self.store.sets, self.dispatch)

    def clerk_queue(self) -> queue.ClerkQueue:  # the five clerk RPCs come from kit.clerk.ClerkRpc
        return queue.ClerkQueue(self.store, self._publish)

    # ---- public

    @rpc(expected_exceptions=OneStopError)
    def lookup_seal(self, code: str) -> dict:
        return workflow.lookup_seal(self.store, code)

    @rpc(expected_exceptions=OneStopError)
    def list_seals(self, uscc: str) -> list[dict]:
        return workflow.list_seals(self.store, uscc)

    @rpc(expected_exceptions=OneStopError)
    def list_documents(self, application_id: str) -> list[dict]:
        return workflow.list_documents(self.store, application_id)

    @rpc(expected_exceptions=OneStopError)
    def get_document(self, application_id: str, name: str) -> dict:
        return workflow.get_document(self.store, application_id, name)

    @rpc(expected_exceptions=OneStopError)
    def health(self) -> dict:
        return workflow.health(self.store)

    def _publish(self, application_id: str, entries: list[dict]) -> None:
        if entries:
            flush(self.store.sets, application_id, entries, self.dispatch)
