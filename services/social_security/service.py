"""The social_security bureau as a Nameko service: entrypoints only; the work is in workflow.py,
clerk.py (rules in domain/, what RPCs return in views.py), persistence in store.py, the PDF in documents.py.

It starts work on registration's `licence_issued` and records `licence_revoked`, after which
enrolling staff and approving clerk tasks are refused for that company (domain.REFUSED_WHEN_REVOKED)."""

from __future__ import annotations

from nameko.events import EventDispatcher
from nameko.timer import timer

from contracts import clock
from contracts.events import LicenceRevoked, parse_event
from contracts.rpc import OneStopError
from kit import bank_accounts, clerk, entrypoints
from kit.changes import answer_change
from kit.closing import answer_clearance
from kit.events import Unprocessable, durable_handler
from kit.mongo import MongoStore
from kit.outbox import relay
from kit.owners import Owners, Source, owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.social_security import clerk as queue
from services.social_security import documents, domain, workflow
from services.social_security.policy import operator_book
from services.social_security.store import SocialSecurityStore

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs
workflow.use_policies(operator_book())


class SocialSecurityService(entrypoints.BureauEntrypoints, clerk.ClerkRpc):
    name = "social_security"
    signer = SigningIdentity(documents.signing_identity)  # signs every PDF the bureau issues
    store = MongoStore(SocialSecurityStore)
    owners = Owners(source=Source("employers", application="application_id", uscc="_id"))  # who founded what, folded into the first write
    dispatch = EventDispatcher()

    # ---- events and background -------------------------------------------------------------

    @durable_handler("registration", "licence_issued")
    def on_licence_issued(self, payload: dict) -> None:
        with self.owners.recorded(payload):  # the owner rides on the first write (kit/owners.py)
            workflow.receive_licence(self.store, self.dispatch, parse_event("registration", payload), clock.now())

    def record_revocation(self, event) -> None:  # licence_revoked (kit.entrypoints)
        if not isinstance(event, LicenceRevoked):  # routed here under another type: it never will fit
            raise Unprocessable(f"expected licence_revoked, got {event.type}")
        super().record_revocation(event)

    @durable_handler("registration", "company_changed")
    def on_company_changed(self, payload: dict) -> None:
        answer_change(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                      self.store.employer, domain.change_answer, self.store.apply_change)

    @durable_handler("registration", "clearance_requested")
    def on_clearance_requested(self, payload: dict) -> None:
        answer_clearance(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                         lambda uscc: domain.clearance_blockers(self.store.staff(uscc, active_only=True)))

    @durable_handler(*bank_accounts.BANK_ACCOUNT)
    def on_bank_account_reserved(self, payload: dict) -> None:
        bank_accounts.receive(self.store.bank_accounts, payload, clock.now())  # direct debit's account, once

    @timer(interval=2)
    def relay_and_resume(self) -> None:
        for collection in self.store.outbox_collections:
            relay(collection, self.dispatch)
        workflow.resume_stalled(self.store, self.dispatch, clock.now())
        if workflow.POLICIES.changed_since_last_look():
            workflow.reconcile_provisional(self.store)

    # ---- employers and staff ---------------------------------------------------------------

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def get_employer(self, uscc: str) -> dict:
        return workflow.get_employer(self.store, uscc)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def enrol_employee(self, uscc: str, employee: dict, request_id: str | None = None) -> dict:
        return workflow.enrol_employee(self.store, self.dispatch, uscc, employee, request_id, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def end_employment(self, uscc: str, employee_id: str, end_date: str | None = None) -> dict:
        return workflow.end_employment(self.store, uscc, employee_id, end_date, clock.now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def person_of(self, uscc: str, employee_id: str) -> dict:
        return workflow.person_of(self.store, uscc, employee_id)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_staff(self, uscc: str) -> list[dict]:
        return workflow.list_staff(self.store, uscc)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def contributions(self, uscc: str, month: str) -> dict:
        return workflow.contributions(self.store, uscc, month)

    # ---- clerk tasks: the five RPCs come from kit.clerk.ClerkRpc ---------------------------

    def clerk_queue(self) -> queue.ClerkQueue:
        return queue.ClerkQueue(self.store, self.dispatch)

    def document_desk(self) -> documents.CertificateDesk:  # list_documents, get_document: kit.entrypoints
        return documents.CertificateDesk(self.store, workflow.CERTIFICATE, self.signer)
