"""The seal bureau (public security, 印章) as a Nameko service: entrypoints only.

Rules live in domain/, what the RPCs return in views.py, the use cases in workflow.py, the database
in store.py. Every state change writes its events into the seal set's outbox in the same update;
`_publish` sends them at once and the timer relays whatever a dead worker left behind.

`licence_revoked` from registration is recorded per USCC (it causes no seal event); from then on the
clerk steps that make or send a physical seal refuse, and lookups show the seals as void.
"""

from __future__ import annotations

import logging

from nameko.events import EventDispatcher
from nameko.timer import timer

from contracts.events import parse_event
from contracts.rpc import OneStopError
from kit import clerk, entrypoints
from kit.changes import answer_change
from kit.closing import answer_clearance
from kit.entrypoints import Desk
from kit.events import durable_handler
from kit.mongo import MongoStore
from kit.outbox import flush, relay
from kit.owners import Owners, Source, owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.seal import clerk as queue
from services.seal import documents, domain, esign, workflow
from services.seal.store import SealStore

log = logging.getLogger(__name__)

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs


class SealService(entrypoints.BureauEntrypoints, clerk.ClerkRpc):
    name = "seal"
    signer = SigningIdentity(documents.signing_identity)  # signs every PDF the bureau issues
    seal_keys = esign.Keys()  # the electronic-seal CA and the key that encrypts the seals' keys
    store = MongoStore(SealStore)
    owners = Owners(source=Source("seal_sets"))  # who founded what, folded into the first write
    dispatch = EventDispatcher()

    @durable_handler("registration", "licence_issued")
    def on_licence_issued(self, payload: dict) -> None:
        with self.owners.recorded(payload):  # the owner rides on the first write (kit/owners.py)
            event = parse_event("registration", payload)
            self._publish(event.application_id, workflow.open_seal_set(self.store, event))

    def record_revocation(self, event) -> None:  # licence_revoked (kit.entrypoints): also every e-seal
        super().record_revocation(event)
        esign.revoke_company(self._seals, event.uscc, event.occurred_at, event.reason)

    @durable_handler("registration", "company_changed")
    def on_company_changed(self, payload: dict) -> None:
        # a new name renews the seals first (old ones void, new ones made); the answer then says what
        # the change means for each seal
        event = parse_event("registration", payload)
        self._publish(event.application_id, workflow.renew_for_name_change(self.store, self._seals, event))
        answer_change(self.name, self.store.change_answers, self.dispatch, event, self.store.by_uscc,
                      domain.change_answer)

    @durable_handler("registration", "clearance_requested")
    def on_clearance_requested(self, payload: dict) -> None:
        answer_clearance(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                         lambda uscc: domain.clearance_blockers(self.store.by_uscc(uscc)))

    @durable_handler("registration", "company_deregistered")
    def on_company_deregistered(self, payload: dict) -> None:
        # 注销: every seal of the company is void (lookups say so), its certificates in the CRL
        workflow.void_on_deregistration(self.store, self._seals, parse_event("registration", payload))

    @timer(interval=2)
    def relay_outbox(self) -> int:
        return relay(self.store.sets, self.dispatch) + relay(self.store.change_answers.collection, self.dispatch)

    def clerk_queue(self) -> queue.ClerkQueue:  # the five clerk RPCs come from kit.clerk.ClerkRpc
        return queue.ClerkQueue(self.store, self._publish)

    def document_desk(self) -> Desk:  # list_documents, get_document: kit.entrypoints
        return Desk(lambda application_id: workflow.list_documents(self.store, application_id),
                    lambda application_id, name: workflow.get_document(self.store, application_id, name, self.signer))

    def health_checks(self) -> dict:  # beside the database (kit.entrypoints): the font seal pictures need
        return {"font": workflow.font_health}

    # ---- public

    @rpc(expected_exceptions=OneStopError, public=True)
    def lookup_seal(self, code: str) -> dict:
        return workflow.lookup_seal(self.store, code)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_seals(self, uscc: str) -> list[dict]:
        return workflow.list_seals(self.store, uscc)

    # ---- electronic seals that sign (esign.py)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def sign_document(self, uscc: str, code: str, request: dict) -> dict:
        return esign.sign_document(self.store, self._seals, uscc, code, request)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_seal_uses(self, uscc: str) -> list[dict]:
        return self._seals.list_uses(domain.check_uscc(uscc))

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def electronic_seal_data(self, uscc: str, code: str) -> dict:
        return esign.electronic_seal_data(self.store, self._seals, uscc, code)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def report_seal_lost(self, uscc: str, code: str, reason: str) -> dict:
        return esign.report_lost(self.store, self._seals, uscc, code, reason)

    @rpc(expected_exceptions=OneStopError, public=True)
    def seal_crl(self) -> str:
        return self._seals.crl_base64()

    @rpc(expected_exceptions=OneStopError, public=True)
    def seal_certificate_status(self, serial: str, signed_sha256: str | None = None) -> dict | None:
        return self._seals.status(str(serial), signed_sha256)

    @property
    def _seals(self) -> esign.ElectronicSeals:
        return self.seal_keys.over(self.store)

    def _publish(self, application_id: str, entries: list[dict]) -> None:
        if entries:
            flush(self.store.sets, application_id, entries, self.dispatch)
