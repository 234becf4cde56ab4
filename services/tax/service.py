"""The tax bureau (税务): registration on `licence_issued`, 数电发票 approval and invoicing.

On `licence_revoked` the bureau records the revocation; from then on the company can issue no new
invoice and a clerk cannot approve its invoice use, while red-letter invoices, rejecting, listing and
documents stay available, and `get_registration` shows `licence_revoked`.

Entrypoints only, a few lines each: the use cases are in `workflow`, the rules in `domain`, the clerk queue
in `clerk`, the database in `store`, the PDFs in `documents`.
"""

from __future__ import annotations

from datetime import datetime

from nameko.events import EventDispatcher
from nameko.timer import timer

from contracts import clock
from contracts.rpc import OneStopError
from kit import bank_accounts, clerk, entrypoints
from kit.entrypoints import Desk
from kit.events import durable_handler
from kit.mongo import MongoStore
from kit.outbox import flush
from kit.owners import Owners, Source, owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.tax import clerk as queue
from services.tax import documents, workflow
from services.tax.store import TaxStore

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs


def _now() -> datetime:
    # MongoDB keeps milliseconds: an invoice returned at once and the same one read back on a retry
    # must be identical, so times start out at that precision.
    now = clock.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class TaxService(entrypoints.BureauEntrypoints, clerk.ClerkRpc):
    name = "tax"
    signer = SigningIdentity(documents.signing_identity)  # signs every PDF the bureau issues
    store = MongoStore(TaxStore)
    owners = Owners(source=Source("registrations", application="application_id", uscc="_id"))  # who founded what, folded into the first write
    dispatch = EventDispatcher()

    @durable_handler("registration", "licence_issued")
    def on_licence_issued(self, payload: dict) -> None:
        with self.owners.recorded(payload):  # the owner rides on the first write (kit/owners.py)
            workflow.register(self.store, payload, _now(), self.dispatch)

    @durable_handler("registration", "company_changed")
    def on_company_changed(self, payload: dict) -> None:
        workflow.answer_company_change(self.store, payload, self.dispatch)

    @durable_handler("registration", "clearance_requested")
    def on_clearance_requested(self, payload: dict) -> None:
        workflow.answer_clearance_request(self.store, payload, clock.china_today(), self.dispatch)

    @durable_handler(*bank_accounts.BANK_ACCOUNT)
    def on_bank_account_reserved(self, payload: dict) -> None:
        workflow.receive_bank_account(self.store, payload, _now())

    @timer(interval=2)
    def relay_and_recover(self) -> None:
        workflow.relay_and_recover(self.store, _now(), self.dispatch)

    revocation_clock = staticmethod(_now)  # licence_revoked is recorded by kit.entrypoints

    # ---- registration and invoices ------------------------------------------------------------

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def get_registration(self, uscc: str) -> dict:
        return workflow.registration(self.store, uscc, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def issue_invoice(self, uscc: str, request: dict) -> dict:
        return workflow.issue_invoice(self.store, uscc, request, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def red_letter(self, uscc: str, invoice_number: str, request: dict) -> dict:
        return workflow.red_letter(self.store, uscc, invoice_number, request, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def raise_red_letter_form(self, uscc: str, invoice_number: str, request: dict) -> dict:
        return workflow.raise_red_letter_form(self.store, uscc, invoice_number, request, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("buyer_uscc")
    def answer_red_letter_form(self, buyer_uscc: str, form_id: str, answer: dict) -> dict:
        return workflow.answer_red_letter_form(self.store, buyer_uscc, form_id, answer, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def red_letter_forms(self, uscc: str) -> list[dict]:
        return workflow.red_letter_forms(self.store, uscc, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("buyer_uscc")
    def confirm_invoice_use(self, buyer_uscc: str, invoice_number: str, use: dict) -> dict:
        return workflow.confirm_invoice_use(self.store, buyer_uscc, invoice_number, use, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("buyer_uscc")
    def received_invoices(self, buyer_uscc: str) -> list[dict]:
        return workflow.received_invoices(self.store, buyer_uscc)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def file_declaration(self, uscc: str, declaration: dict) -> dict:
        return workflow.file_declaration(self.store, uscc, declaration, _now())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_declarations(self, uscc: str) -> list[dict]:
        return workflow.list_declarations(self.store, uscc, clock.china_today())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_invoices(self, uscc: str) -> list[dict]:
        return workflow.list_invoices(self.store, uscc)

    # ---- documents ------------------------------------------------------------------------------

    def document_desk(self) -> Desk:  # list_documents, get_document: kit.entrypoints
        return Desk(lambda application_id: workflow.list_documents(self.store, application_id),
                    lambda application_id, name: workflow.get_document(self.store, application_id, name, self.signer))

    # ---- clerk queue: the five RPCs come from kit.clerk.ClerkRpc ---------------------------------

    clerk_clock = staticmethod(_now)

    def clerk_queue(self) -> queue.ClerkQueue:
        return queue.ClerkQueue(self.store, self._publish)

    def _publish(self, uscc: str, entries: list[dict]) -> None:
        flush(self.store.registrations, uscc, entries, self.dispatch)
