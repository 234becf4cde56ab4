"""The tax bureau's use cases, one function each (issue 16 item 4): what service.py's entrypoints call.

Each takes the store, the instant (`now`, at MongoDB's millisecond precision, or China's `today`) and,
when it publishes, the dispatcher; it reads and writes only through the store, so the unit tests run it
on `TaxStore.in_memory()` (tests/unit/tax/test_workflow.py). The rules are in `domain`, the clerk queue's
tax part in `clerk`; the VAT rates table comes from `rates` (read once).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.events import parse_event
from contracts.form import TaxpayerType
from contracts.revocation import Revocation
from contracts.rpc import Conflict, NotFound
from contracts.rpc import tax as tax_rpc
from kit import bank_accounts
from kit.changes import answer_change
from kit.closing import answer_clearance
from kit.outbox import flush, relay
from services.tax import documents, domain, views
from services.tax.domain import declarations, redletter
from services.tax.offices import offices
from services.tax.rates import vat_rates
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
    blockers = domain.clearance_blockers(registration, store.open_ledgers(uscc))
    if registration is None:  # nothing registered here, so nothing to declare (and no read for it)
        return blockers
    return blockers + declarations.missing(registration, store.declarations_of(uscc), today)


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
    return store.tidy_allocations(now - RECOVER_AFTER)


RECOVER_AFTER = timedelta(seconds=30)  # an invoice allocation this old has lost its worker


# ---- the founder's registration and invoices -------------------------------------------------------


def registration(store: TaxStore, uscc: str, now: datetime) -> dict:
    reg = store.registration(uscc)
    view = views.registration_view(reg, store.revocations.get(uscc))
    account = bank_accounts.bank_account_view(store.bank_accounts.get(uscc), bank_accounts.THREE_PARTY_AGREEMENT)
    month = domain.month_key(now)
    quota = views.quota_view(reg, month, store.month_if_any(uscc, month))
    return view | quota | {"bank_account": account}


def issue_invoice(store: TaxStore, uscc: str, raw: Any, now: datetime) -> dict:
    """An invoice, numbered uniquely and charged exactly to the month's quota:

    1. A request already answered (same `request_id`) returns its invoice, or materialises the allocation a
       dead worker left behind.
    2. A quick read of the month's ledger refuses a request that cannot fit, before a number is drawn.
    3. A number is drawn from an atomic counter.
    4. ONE conditional update charges the quota and records the allocation (the whole invoice, number
       included). It fails if the quota would be exceeded or the request was answered meanwhile: then the
       drawn number is written to `skipped_numbers` with the reason.
    5. The invoice is materialised from the allocation. A crash between 4 and 5 loses nothing: a retry or
       the recovery timer finds the allocation and finishes it with the same number.
    A crash between 3 and 4 leaves a gap in the sequence and nothing else (no quota used, no invoice).

    A company whose licence is revoked (a record in `revocations`, read before anything else is spent) gets
    no new invoice; a retry of a request answered before the revocation still gets its invoice.
    """
    registration = store.registration(uscc)
    revocation = store.revocations.get(uscc)
    if revocation is not None:
        return views.invoice_view(_issued_before_revocation(store, registration, raw, revocation))
    domain.check_may_invoice(registration)
    rates = vat_rates()
    request = domain.parse_invoice_request(raw, uscc, registration["invoice_kinds"],
                                           TaxpayerType(registration["taxpayer_type"]), domain.local_day(now), rates)
    fingerprint = domain.request_fingerprint(request.model_dump(mode="json"))
    ledger = store.month(uscc, domain.month_key(now), registration["monthly_quota_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    if done:
        return views.invoice_view(done)

    quota_fen = domain.quota_fen(domain.price(request.items), rates)
    if ledger["used_fen"] + quota_fen > ledger["limit_fen"]:
        raise domain.quota_exceeded(ledger, quota_fen)

    number = _draw_number(store, now, rates)
    invoice = domain.build_invoice(registration, request, number, now, rates) | {"fingerprint": fingerprint}
    if store.reserve(ledger, invoice, now):
        return views.invoice_view(store.materialise(invoice, now))

    ledger = store.month(uscc, ledger["month"], ledger["limit_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    store.record_skipped(number, uscc, "同一开票请求已由另一实例开具" if done else "开票额度在分配号码后用尽", now)
    if done:
        return views.invoice_view(done)
    raise domain.quota_exceeded(ledger, quota_fen)


RED_LETTER_ATTEMPTS = 5


def red_letter(store: TaxStore, uscc: str, invoice_number: str, raw: Any, now: datetime) -> dict:
    """A red-letter invoice of all that is left of a blue one, or of part of it (domain.redletter); reversing
    stays allowed after a revocation: it is how a closing company cleans up."""
    return views.invoice_view(_red_letter(store, uscc, invoice_number, raw, now))


def _red_letter(store: TaxStore, uscc: str, original_number: str, raw: Any, now: datetime,
                confirmed_form: dict[str, Any] | None = None) -> dict[str, Any]:
    """Once the buyer has used the blue invoice, only a 确认单 the buyer confirmed (`confirmed_form`) may
    reverse it. The reversed amounts are compared-and-set in the quota ledger: a red-letter invoice of
    the same original issued meanwhile makes this one recompute against what is left, with the same number.
    """
    registration = store.registration(uscc)
    request = domain.parse_red_letter_request(raw)
    fingerprint = domain.request_fingerprint({"reverses": original_number, **request.model_dump(mode="json")})
    original = store.invoice(uscc, original_number)
    ledger = store.month(uscc, original["quota_month"], registration["monthly_quota_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    if done:
        return done
    domain.check_reversible(original)
    if redletter.buyer_used(original) and confirmed_form is None:
        raise Conflict(f"受票方已对发票 {original_number} 进行{tax_rpc.INVOICE_USES[original['buyer_use']['purpose']]}："
                       "须填开《红字发票信息确认单》，经受票方确认后开具红字发票（国家税务总局公告2024年第11号）")

    number, rates = None, vat_rates()
    for _ in range(RED_LETTER_ATTEMPTS):
        before = redletter.reversed_so_far(ledger, original)
        parts = redletter.red_parts(original, request, before)
        after = redletter.after(before, parts)
        # drawn once: a lost compare-and-set used nothing, so the number is kept for the next attempt
        number = number or _draw_number(store, now, rates)
        red = domain.build_red_letter(registration, original, request, parts, number, now, rates) | {
            "fingerprint": fingerprint, "final_reversal": redletter.fully_reversed(original, after)}
        if store.reserve_reversal(red, before, after, now):
            return store.materialise(red, now)
        ledger = store.month(uscc, original["quota_month"], registration["monthly_quota_fen"])
        done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
        if done:
            store.record_skipped(number, uscc, "同一红字请求已由另一实例开具", now)
            return done
    store.record_skipped(number, uscc, "同一蓝字发票的红字发票并发开具，本次未能完成", now)
    raise Conflict(f"发票 {original_number} 正在开具其他红字发票，请稍后重试")


# ---- the buyer's side: use of a received invoice, and the 红字发票信息确认单 --------------------------


def raise_red_letter_form(store: TaxStore, uscc: str, invoice_number: str, raw: Any, now: datetime) -> dict:
    """The seller raises a 确认单 on a blue invoice the buyer has used; the red invoice waits for the buyer.

    Checked at once against what is left of the invoice (and again when the buyer confirms). One pending
    form per invoice; the same `request_id` returns the same form."""
    store.registration(uscc)
    request = domain.parse_red_letter_request(raw)
    fingerprint = domain.request_fingerprint({"reverses": invoice_number, **request.model_dump(mode="json")})
    existing = store.form_by_request(uscc, request.request_id)
    if existing is not None:
        domain.check_same_request(existing | {"number": existing["id"]}, fingerprint)
        return views.form_view(existing, now)
    original = store.invoice(uscc, invoice_number)
    domain.check_reversible(original)
    if not redletter.buyer_used(original):
        raise Conflict(f"受票方尚未对发票 {invoice_number} 进行用途确认或入账确认：无需确认单，可直接开具红字发票")
    for form in store.pending_forms_on(invoice_number):
        if redletter.form_state(form, now) == "pending":
            raise Conflict(f"发票 {invoice_number} 已有待受票方确认的红字发票信息确认单 {form['id']}")
        store.close_form(form["id"], "void", now)
    ledger = store.month_if_any(uscc, original["quota_month"]) or {}
    parts = redletter.red_parts(original, request, redletter.reversed_so_far(ledger, original))
    form, _ = store.insert_form(redletter.new_form(uuid4().hex, original, request, parts, fingerprint, now,
                                                   vat_rates()))
    return views.form_view(form, now)


def answer_red_letter_form(store: TaxStore, buyer_uscc: str, form_id: str, raw: Any, now: datetime) -> dict:
    """The buyer confirms (the red invoice is issued at once: 确认即开票) or refuses a pending 确认单."""
    answer = domain.parse_model(tax_rpc.RedLetterFormAnswer, raw, "确认单答复有误")
    form = store.form(form_id)
    if form["buyer_tax_id"] != buyer_uscc:
        raise NotFound(f"红字发票信息确认单 {form_id} 不存在")
    state = redletter.form_state(form, now)
    if state == "void":
        store.close_form(form_id, "void", now)
        raise Conflict(f"红字发票信息确认单发起后{redletter.confirmation_hours(form)}小时内未经确认，已自动作废："
                       "请销售方重新发起（国家税务总局公告2024年第11号）")
    if state == "confirmed" and answer.decision == "confirm":
        return views.form_view(form, now)
    if state != "pending":
        raise Conflict(f"红字发票信息确认单{redletter.state_label(form, state)}，不能再答复")
    if answer.decision == "refuse":
        return views.form_view(store.close_form(form_id, "refused", now) or store.form(form_id), now)
    red = _red_letter(store, form["seller_uscc"], form["invoice_number"], form["request"], now, confirmed_form=form)
    return views.form_view(store.close_form(form_id, "confirmed", now, red["number"]) or store.form(form_id), now)


def red_letter_forms(store: TaxStore, uscc: str, now: datetime) -> list[dict]:
    """The 确认单 the company raised as seller and those waiting for it as buyer."""
    store.registration(uscc)
    return [views.form_view(f, now) for f in store.forms_of(uscc)]


def confirm_invoice_use(store: TaxStore, buyer_uscc: str, invoice_number: str, raw: Any, now: datetime) -> dict:
    """The buyer's 用途确认 / 入账确认 of a blue invoice it received; the same answer again changes nothing."""
    store.registration(buyer_uscc)
    use = domain.parse_model(tax_rpc.InvoiceUse, raw, "用途确认信息有误")
    invoice = store.received_invoice(buyer_uscc, invoice_number)
    if invoice["red"]:
        raise Conflict(f"发票 {invoice_number} 是红字发票，无需确认用途")
    if invoice.get("reversed_by"):
        raise Conflict(f"发票 {invoice_number} 已全额开具红字发票 {invoice['reversed_by']}，不能再确认用途")
    if not redletter.buyer_used(invoice):
        invoice = store.record_buyer_use(buyer_uscc, invoice_number, {"purpose": use.purpose, "at": now}) or \
            store.received_invoice(buyer_uscc, invoice_number)
    return views.invoice_view(invoice)


def received_invoices(store: TaxStore, buyer_uscc: str) -> list[dict]:
    store.registration(buyer_uscc)
    return [views.invoice_view(i) for i in store.received_invoices(buyer_uscc)]


def list_invoices(store: TaxStore, uscc: str) -> list[dict]:
    store.registration(uscc)  # NotFound for an unknown taxpayer, not an empty list
    return [views.invoice_view(i) for i in store.invoices_of(uscc=uscc)]


# ---- 纳税申报: what a closing's 清税 checks (domain.declarations) ---------------------------------------


def file_declaration(store: TaxStore, uscc: str, raw: Any, now: datetime) -> dict:
    """One period's declaration, written once: the same again is a retry and answers as the first did,
    another amount for a period on file a Conflict (更正申报 is not modelled)."""
    registration = store.registration(uscc)
    request = declarations.parse_declaration(registration, raw, domain.local_day(now))
    stored = store.file_declaration(declarations.new_declaration(registration, request, now))
    declarations.check_same_declaration(stored, request)
    return views.declaration_view(stored["period"], stored)


def list_declarations(store: TaxStore, uscc: str, today: date) -> list[dict]:
    """Every period expected so far (and any filed), with whether it is on file."""
    registration = store.registration(uscc)
    filed = store.declarations_of(uscc)
    return [views.declaration_view(p, filed.get(p)) for p in declarations.listed_periods(registration, filed, today)]


def _draw_number(store: TaxStore, now: datetime, rates: domain.VatRates) -> str:
    return domain.format_invoice_number(now, store.next_sequence(domain.number_counter_key(now)), rates.issuing_channel)


def _answered(store: TaxStore, ledger: dict[str, Any], uscc: str, request_id: str, fingerprint: str,
              now: datetime) -> dict[str, Any] | None:
    """The invoice already issued for this request, finishing one a dead worker left reserved.

    Only the ledger at hand is searched for a reservation: one left in another month (a crash at
    midnight) is finished by the recovery timer, and a second reservation made meanwhile is released
    when materialising meets the unique (uscc, request_id) index.
    """
    invoice = store.invoice_by_request(uscc, request_id)
    if invoice is not None:
        domain.check_same_request(invoice, fingerprint)
        return invoice
    for allocation in ledger.get("allocations", []):
        if allocation["request_id"] == request_id:
            domain.check_same_request(allocation, fingerprint)
            return store.materialise(allocation, now)
    return None


def _issued_before_revocation(store: TaxStore, registration: dict[str, Any], raw: Any,
                              revocation: Revocation) -> dict[str, Any]:
    """The invoice a retried request got before the revocation (same request_id, same invoice), else Conflict.

    Nothing is drawn or charged here. Only stored invoices count: an allocation a dead worker left is
    finished by the recovery timer, and the retry after that finds it.
    """
    request_id = raw.get("request_id") if isinstance(raw, dict) else None
    invoice = None
    if isinstance(request_id, str):
        invoice = store.invoice_by_request(registration["uscc"], request_id.strip())
    if invoice is None:
        raise revocation.refusal("不能再开具发票")
    # checked by the rules of the day it was issued, so an answered request stays answerable
    request = domain.parse_invoice_request(raw, registration["uscc"], registration["invoice_kinds"],
                                           TaxpayerType(registration["taxpayer_type"]),
                                           domain.local_day(invoice["issued_at"]), vat_rates())
    domain.check_same_request(invoice, domain.request_fingerprint(request.model_dump(mode="json")))
    return invoice


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
