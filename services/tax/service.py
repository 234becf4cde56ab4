"""The tax bureau (税务): registration on `licence_issued`, 数电发票 approval and invoicing.

On `licence_revoked` the bureau records the revocation; from then on the company can issue no new
invoice and a clerk cannot approve its invoice use, while red-letter invoices, rejecting, listing and
documents stay available, and `get_registration` shows `licence_revoked`.

Entrypoints only; the rules are in `domain`, the invoicing steps in `invoicing`, the clerk queue in
`clerk`, the database in `store`, the PDFs in `documents`.
"""

from __future__ import annotations

from datetime import datetime

from nameko.events import EventDispatcher
from nameko.timer import timer

from contracts import clock
from contracts.events import parse_event
from contracts.revocation import Revocation
from contracts.rpc import OneStopError
from kit import bank_accounts, clerk
from kit.changes import answer_change
from kit.closing import answer_clearance
from kit.events import durable_handler
from kit.mongo import MongoStore
from kit.outbox import flush, relay
from kit.owners import Owners, Source, owned
from kit.pki import SigningIdentity
from kit.queues import rpc
from kit.startup import configure_from_env
from services.tax import clerk as queue
from services.tax import declarations, documents, domain, invoicing, views
from services.tax.offices import offices
from services.tax.store import TaxStore

configure_from_env()  # the process clock and holiday notices, before any entrypoint runs


def _now() -> datetime:
    # MongoDB keeps milliseconds: an invoice returned at once and the same one read back on a retry
    # must be identical, so times start out at that precision.
    now = clock.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class TaxService(clerk.ClerkRpc):
    name = "tax"
    signer = SigningIdentity(documents.signing_identity)  # signs every PDF the bureau issues
    store = MongoStore(TaxStore)
    owners = Owners(source=Source("registrations", application="application_id", uscc="_id"))  # who founded what, folded into the first write
    dispatch = EventDispatcher()

    @durable_handler("registration", "licence_issued")
    def on_licence_issued(self, payload: dict) -> None:
        with self.owners.recorded(payload):  # the owner rides on the first write (kit/owners.py)
            reg = domain.new_registration(parse_event("registration", payload), _now(), offices())
            doc, created = self.store.insert_registration(reg, domain.registration_events(reg, [documents.notice_ref()]))
            if created:  # a duplicate delivery changes nothing; the relay finishes any unpublished events
                flush(self.store.registrations, doc["_id"], doc["outbox"], self.dispatch)

    @durable_handler("registration", "licence_revoked")
    def on_licence_revoked(self, payload: dict) -> None:
        # Recorded even for a company not registered here yet: its licence_issued may come later.
        self.store.revocations.record(Revocation.of(parse_event("registration", payload), _now()))

    @durable_handler("registration", "company_changed")
    def on_company_changed(self, payload: dict) -> None:
        answer_change(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                      self.store.registration_if_any, lambda reg, event: domain.change_answer(reg, event, offices()),
                      self.store.apply_change)

    @durable_handler("registration", "clearance_requested")
    def on_clearance_requested(self, payload: dict) -> None:
        answer_clearance(self.name, self.store.change_answers, self.dispatch, parse_event("registration", payload),
                         lambda uscc: domain.clearance_blockers(self.store.registration_if_any(uscc),
                                                                self.store.open_ledgers(uscc))
                         + declarations.blockers(self.store.db, self.store.registration_if_any(uscc),
                                                 clock.china_today()))

    @durable_handler(*bank_accounts.BANK_ACCOUNT)
    def on_bank_account_reserved(self, payload: dict) -> None:
        bank_accounts.receive(self.store.bank_accounts, payload, _now())  # the 三方协议's account, once

    @timer(interval=2)
    def relay_and_recover(self) -> None:
        relay(self.store.registrations, self.dispatch)
        relay(self.store.change_answers.collection, self.dispatch)
        invoicing.recover(self.store, _now())

    @rpc(expected_exceptions=OneStopError, public=True)
    def health(self) -> dict:
        self.store.ping()
        return {"service": self.name, "status": "ok", "database": "ok"}

    # ---- registration and invoices ------------------------------------------------------------

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def get_registration(self, uscc: str) -> dict:
        reg = self.store.registration(uscc)
        view = views.registration_view(reg, self.store.revocations.get(uscc))
        account = bank_accounts.bank_account_view(self.store.bank_accounts.get(uscc), bank_accounts.THREE_PARTY_AGREEMENT)
        return view | invoicing.quota_view(self.store, reg, _now()) | {"bank_account": account}

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def issue_invoice(self, uscc: str, request: dict) -> dict:
        return views.invoice_view(invoicing.issue(self.store, uscc, request, _now()))

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def red_letter(self, uscc: str, invoice_number: str, request: dict) -> dict:
        return views.invoice_view(invoicing.red_letter(self.store, uscc, invoice_number, request, _now()))

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def raise_red_letter_form(self, uscc: str, invoice_number: str, request: dict) -> dict:
        now = _now()
        return views.form_view(invoicing.raise_form(self.store, uscc, invoice_number, request, now), now)

    @rpc(expected_exceptions=OneStopError)
    @owned("buyer_uscc")
    def answer_red_letter_form(self, buyer_uscc: str, form_id: str, answer: dict) -> dict:
        now = _now()
        return views.form_view(invoicing.answer_form(self.store, buyer_uscc, form_id, answer, now), now)

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def red_letter_forms(self, uscc: str) -> list[dict]:
        """The 确认单 the company raised as seller and those waiting for it as buyer."""
        self.store.registration(uscc)
        now = _now()
        return [views.form_view(f, now) for f in self.store.forms_of(uscc)]

    @rpc(expected_exceptions=OneStopError)
    @owned("buyer_uscc")
    def confirm_invoice_use(self, buyer_uscc: str, invoice_number: str, use: dict) -> dict:
        return views.invoice_view(invoicing.confirm_use(self.store, buyer_uscc, invoice_number, use, _now()))

    @rpc(expected_exceptions=OneStopError)
    @owned("buyer_uscc")
    def received_invoices(self, buyer_uscc: str) -> list[dict]:
        self.store.registration(buyer_uscc)
        return [views.invoice_view(i) for i in self.store.received_invoices(buyer_uscc)]

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def file_declaration(self, uscc: str, declaration: dict) -> dict:
        """One period's 纳税申报 (declarations.py: what a closing's 清税 checks)."""
        return declarations.file(self.store.db, self.store.registration(uscc), declaration, clock.china_today())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_declarations(self, uscc: str) -> list[dict]:
        return declarations.listing(self.store.db, self.store.registration(uscc), clock.china_today())

    @rpc(expected_exceptions=OneStopError)
    @owned("uscc")
    def list_invoices(self, uscc: str) -> list[dict]:
        self.store.registration(uscc)  # NotFound for an unknown taxpayer, not an empty list
        return [views.invoice_view(i) for i in self.store.invoices_of(uscc=uscc)]

    # ---- documents ------------------------------------------------------------------------------

    @rpc(expected_exceptions=OneStopError)
    @owned("application_id")
    def list_documents(self, application_id: str) -> list[dict]:
        self.store.registration_by_application(application_id)
        refs = [documents.notice_ref()] + [documents.invoice_ref(i)
                                           for i in self.store.invoices_of(application_id=application_id)]
        return [ref.model_dump(mode="json") for ref in refs]

    @rpc(expected_exceptions=OneStopError)
    @owned("application_id")
    def get_document(self, application_id: str, name: str) -> dict:
        reg = self.store.registration_by_application(application_id)
        number = name.removeprefix(documents.INVOICE_PREFIX) if name.startswith(documents.INVOICE_PREFIX) else None
        invoices = {number: self.store.invoice(reg["uscc"], number)} if number else {}
        # rendered once per state of what it shows, then served as issued (kit.documents)
        source = {"registration": {k: v for k, v in reg.items() if k not in ("task", "updated_at")},
                  "invoices": invoices}
        return self.store.documents.issue(application_id, name, source,
                                          lambda: documents.render(name, reg, invoices, self.signer)
                                          ).model_dump(mode="json")

    # ---- clerk queue: the five RPCs come from kit.clerk.ClerkRpc ---------------------------------

    clerk_clock = staticmethod(_now)

    def clerk_queue(self) -> queue.ClerkQueue:
        return queue.ClerkQueue(self.store, self._publish)

    def _publish(self, uscc: str, entries: list[dict]) -> None:
        flush(self.store.registrations, uscc, entries, self.dispatch)
