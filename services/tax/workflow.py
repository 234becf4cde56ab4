"""The tax bureau's use cases, one function each (issue 16 item 4): what service.py's entrypoints call.

Each takes the store, the instant (`now`, at MongoDB's millisecond precision, or China's `today`) and,
when it publishes, the dispatcher; it reads and writes only through the store, so the unit tests run it
on `TaxStore.in_memory()` (tests/unit/tax/test_workflow.py). The rules are in `domain`, the crash-safe
invoicing steps in `invoicing`, the clerk queue's tax part in `clerk`, the 纳税申报 in `declarations`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from contracts.events import parse_event
from contracts.revocation import Revocation
from kit import bank_accounts
from kit.changes import answer_change
from kit.closing import answer_clearance
from kit.outbox import flush, relay
from services.tax import declarations, documents, domain, invoicing, views
from services.tax.offices import offices
from services.tax.store import TaxStore

Dispatch = Callable[[str, dict], None]


# ---- what registration tells the bureau ------------------------------------------------------------


def register(store: TaxStore, payload: dict, now: datetime, dispatch: Dispatch) -> bool:
    """licence_issued: the company's 税务登记 and its invoice-approval task; False for a redelivery."""
    reg = domain.new_registration(parse_event("registration", payload), now, offices())
    doc, created = store.insert_registration(reg, domain.registration_events(reg, [documents.notice_ref()]))
    if created:  # a duplicate delivery changes nothing; the relay finishes any unpublished events
        flush(store.registrations, doc["_id"], doc["outbox"], dispatch)
    return created


def record_revocation(store: TaxStore, payload: dict, now: datetime) -> None:
    """licence_revoked: recorded even for a company not registered here yet (its licence_issued may come later)."""
    store.revocations.record(Revocation.of(parse_event("registration", payload), now))


def answer_company_change(store: TaxStore, payload: dict, dispatch: Dispatch) -> None:
    """company_changed: the registration follows the licence, answered once per change (kit.changes)."""
    answer_change(domain.BUREAU, store.change_answers, dispatch, parse_event("registration", payload),
                  store.registration_if_any, lambda reg, event: domain.change_answer(reg, event, offices()),
                  store.apply_change)


def clearance_blockers(store: TaxStore, uscc: str, today: date) -> list:
    """What keeps the company from its 清税: unfinished invoices and undeclared periods."""
    registration = store.registration_if_any(uscc)
    return (domain.clearance_blockers(registration, store.open_ledgers(uscc))
            + declarations.blockers(store, registration, today))


def answer_clearance_request(store: TaxStore, payload: dict, today: date, dispatch: Dispatch) -> None:
    """clearance_requested: the 清税 answer, once per closing (kit.closing)."""
    answer_clearance(domain.BUREAU, store.change_answers, dispatch, parse_event("registration", payload),
                     lambda uscc: clearance_blockers(store, uscc, today))


def receive_bank_account(store: TaxStore, payload: dict, now: datetime) -> None:
    """The bank's account for the 三方协议, once."""
    bank_accounts.receive(store.bank_accounts, payload, now)


def relay_and_recover(store: TaxStore, now: datetime, dispatch: Dispatch) -> int:
    """The timer: publish what a dead worker left in an outbox, finish invoices it left reserved."""
    relay(store.registrations, dispatch)
    relay(store.change_answers.collection, dispatch)
    return invoicing.recover(store, now)


# ---- the founder's registration and invoices -------------------------------------------------------


def registration(store: TaxStore, uscc: str, now: datetime) -> dict:
    reg = store.registration(uscc)
    view = views.registration_view(reg, store.revocations.get(uscc))
    account = bank_accounts.bank_account_view(store.bank_accounts.get(uscc), bank_accounts.THREE_PARTY_AGREEMENT)
    return view | invoicing.quota_view(store, reg, now) | {"bank_account": account}


def issue_invoice(store: TaxStore, uscc: str, request: Any, now: datetime) -> dict:
    return views.invoice_view(invoicing.issue(store, uscc, request, now))


def red_letter(store: TaxStore, uscc: str, invoice_number: str, request: Any, now: datetime) -> dict:
    return views.invoice_view(invoicing.red_letter(store, uscc, invoice_number, request, now))


def raise_red_letter_form(store: TaxStore, uscc: str, invoice_number: str, request: Any, now: datetime) -> dict:
    return views.form_view(invoicing.raise_form(store, uscc, invoice_number, request, now), now)


def answer_red_letter_form(store: TaxStore, buyer_uscc: str, form_id: str, answer: Any, now: datetime) -> dict:
    return views.form_view(invoicing.answer_form(store, buyer_uscc, form_id, answer, now), now)


def red_letter_forms(store: TaxStore, uscc: str, now: datetime) -> list[dict]:
    """The 确认单 the company raised as seller and those waiting for it as buyer."""
    store.registration(uscc)
    return [views.form_view(f, now) for f in store.forms_of(uscc)]


def confirm_invoice_use(store: TaxStore, buyer_uscc: str, invoice_number: str, use: Any, now: datetime) -> dict:
    return views.invoice_view(invoicing.confirm_use(store, buyer_uscc, invoice_number, use, now))


def received_invoices(store: TaxStore, buyer_uscc: str) -> list[dict]:
    store.registration(buyer_uscc)
    return [views.invoice_view(i) for i in store.received_invoices(buyer_uscc)]


def list_invoices(store: TaxStore, uscc: str) -> list[dict]:
    store.registration(uscc)  # NotFound for an unknown taxpayer, not an empty list
    return [views.invoice_view(i) for i in store.invoices_of(uscc=uscc)]


def file_declaration(store: TaxStore, uscc: str, declaration: Any, today: date) -> dict:
    """One period's 纳税申报 (declarations.py: what a closing's 清税 checks)."""
    return declarations.file(store, store.registration(uscc), declaration, today)


def list_declarations(store: TaxStore, uscc: str, today: date) -> list[dict]:
    return declarations.listing(store, store.registration(uscc), today)


# ---- documents ---------------------------------------------------------------------------------------


def list_documents(store: TaxStore, application_id: str) -> list[dict]:
    store.registration_by_application(application_id)
    refs = [documents.notice_ref()] + [documents.invoice_ref(i)
                                       for i in store.invoices_of(application_id=application_id)]
    return [ref.model_dump(mode="json") for ref in refs]


def get_document(store: TaxStore, application_id: str, name: str, signer: Any) -> dict:
    reg = store.registration_by_application(application_id)
    number = name.removeprefix(documents.INVOICE_PREFIX) if name.startswith(documents.INVOICE_PREFIX) else None
    invoices = {number: store.invoice(reg["uscc"], number)} if number else {}
    # rendered once per state of what it shows, then served as issued (kit.documents)
    source = {"registration": {k: v for k, v in reg.items() if k not in ("task", "updated_at")},
              "invoices": invoices}
    return store.documents.issue(application_id, name, source,
                                 lambda: documents.render(name, reg, invoices, signer)).model_dump(mode="json")
