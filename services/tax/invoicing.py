"""Issuing invoices: the steps that make an invoice number unique and the monthly quota exact.

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
no new invoice; a retry of a request answered before the revocation still gets its invoice. Reversing
(red-letter) stays allowed: it is how a closing company cleans up.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.form import TaxpayerType
from contracts.revocation import Revocation
from contracts.rpc import Conflict, NotFound
from contracts.rpc import tax as tax_rpc
from services.tax import domain
from services.tax.domain import redletter
from services.tax.rates import vat_rates
from services.tax.store import TaxStore

RECOVER_AFTER = timedelta(seconds=30)  # an allocation this old has lost its worker


def issue(store: TaxStore, uscc: str, raw: Any, now: datetime) -> dict[str, Any]:
    registration = store.registration(uscc)
    revocation = store.revocations.get(uscc)
    if revocation is not None:
        return _issued_before_revocation(store, registration, raw, revocation)
    _require_approved(registration)
    rates = vat_rates()
    request = domain.parse_invoice_request(raw, uscc, registration["invoice_kinds"],
                                           TaxpayerType(registration["taxpayer_type"]), domain.local_day(now), rates)
    fingerprint = _fingerprint(request.model_dump(mode="json"))
    ledger = store.month(uscc, domain.month_key(now), registration["monthly_quota_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    if done:
        return done

    quota_fen = domain.quota_fen(domain.price(request.items), rates)
    if ledger["used_fen"] + quota_fen > ledger["limit_fen"]:
        raise _quota_exceeded(ledger, quota_fen)

    number = domain.format_invoice_number(now, store.next_sequence(domain.number_counter_key(now)), rates.issuing_channel)
    invoice = domain.build_invoice(registration, request, number, now, rates) | {"fingerprint": fingerprint}
    if store.reserve(ledger, invoice, now):
        return store.materialise(invoice, now)

    ledger = store.month(uscc, ledger["month"], ledger["limit_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    store.record_skipped(number, uscc, "同一开票请求已由另一实例开具" if done else "开票额度在分配号码后用尽", now)
    if done:
        return done
    raise _quota_exceeded(ledger, quota_fen)


def red_letter(store: TaxStore, uscc: str, original_number: str, raw: Any, now: datetime,
               confirmed_form: dict[str, Any] | None = None) -> dict[str, Any]:
    """A red-letter invoice of all that is left of a blue one, or of part of it (services/tax/redletter.py).

    Once the buyer has used the blue invoice, only a 确认单 the buyer confirmed (`confirmed_form`) may
    reverse it. The reversed amounts are compared-and-set in the quota ledger: a red-letter invoice of
    the same original issued meanwhile makes this one recompute against what is left, with the same number.
    """
    registration = store.registration(uscc)
    request = domain.parse_red_letter_request(raw)
    fingerprint = _fingerprint({"reverses": original_number, **request.model_dump(mode="json")})
    original = store.invoice(uscc, original_number)
    ledger = store.month(uscc, original["quota_month"], registration["monthly_quota_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    if done:
        return done
    if original["red"]:
        raise Conflict(f"发票 {original_number} 本身是红字发票，不能再冲红")
    if redletter.buyer_used(original) and confirmed_form is None:
        raise Conflict(f"受票方已对发票 {original_number} 进行{tax_rpc.INVOICE_USES[original['buyer_use']['purpose']]}："
                       "须填开《红字发票信息确认单》，经受票方确认后开具红字发票（国家税务总局公告2024年第11号）")

    number, rates = None, vat_rates()
    for _ in range(RED_LETTER_ATTEMPTS):
        before = redletter.reversed_so_far(ledger, original)
        parts = redletter.red_parts(original, request, before)
        after = redletter.after(before, parts)
        # drawn once: a lost compare-and-set used nothing, so the number is kept for the next attempt
        number = number or domain.format_invoice_number(
            now, store.next_sequence(domain.number_counter_key(now)), rates.issuing_channel)
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


RED_LETTER_ATTEMPTS = 5


# ---- the buyer's side: use of a received invoice, and the 红字发票信息确认单 --------------------------


def confirm_use(store: TaxStore, buyer_uscc: str, number: str, raw: Any, now: datetime) -> dict[str, Any]:
    """The buyer's 用途确认 / 入账确认 of a blue invoice it received; the same answer again changes nothing."""
    store.registration(buyer_uscc)
    use = domain.parse_model(tax_rpc.InvoiceUse, raw, "用途确认信息有误")
    invoice = store.received_invoice(buyer_uscc, number)
    if invoice["red"]:
        raise Conflict(f"发票 {number} 是红字发票，无需确认用途")
    if invoice.get("reversed_by"):
        raise Conflict(f"发票 {number} 已全额开具红字发票 {invoice['reversed_by']}，不能再确认用途")
    if redletter.buyer_used(invoice):
        return invoice
    return store.record_buyer_use(buyer_uscc, number, {"purpose": use.purpose, "at": now}) or \
        store.received_invoice(buyer_uscc, number)


def raise_form(store: TaxStore, uscc: str, original_number: str, raw: Any, now: datetime) -> dict[str, Any]:
    """The seller raises a 确认单 on a blue invoice the buyer has used; the red invoice waits for the buyer.

    Checked at once against what is left of the invoice (and again when the buyer confirms). One pending
    form per invoice; the same `request_id` returns the same form."""
    store.registration(uscc)
    request = domain.parse_red_letter_request(raw)
    fingerprint = _fingerprint({"reverses": original_number, **request.model_dump(mode="json")})
    existing = store.form_by_request(uscc, request.request_id)
    if existing is not None:
        _same_request(existing | {"number": existing["id"]}, fingerprint)
        return existing
    original = store.invoice(uscc, original_number)
    if original["red"]:
        raise Conflict(f"发票 {original_number} 本身是红字发票，不能再冲红")
    if not redletter.buyer_used(original):
        raise Conflict(f"受票方尚未对发票 {original_number} 进行用途确认或入账确认：无需确认单，可直接开具红字发票")
    for form in store.pending_forms_on(original_number):
        if redletter.form_state(form, now) == "pending":
            raise Conflict(f"发票 {original_number} 已有待受票方确认的红字发票信息确认单 {form['id']}")
        store.close_form(form["id"], "void", now)
    ledger = store.month_if_any(uscc, original["quota_month"]) or {}
    parts = redletter.red_parts(original, request, redletter.reversed_so_far(ledger, original))
    form, _ = store.insert_form(redletter.new_form(uuid4().hex, original, request, parts, fingerprint, now))
    return form


def answer_form(store: TaxStore, buyer_uscc: str, form_id: str, raw: Any, now: datetime) -> dict[str, Any]:
    """The buyer confirms (the red invoice is issued at once: 确认即开票) or refuses a pending 确认单."""
    answer = domain.parse_model(tax_rpc.RedLetterFormAnswer, raw, "确认单答复有误")
    form = store.form(form_id)
    if form["buyer_tax_id"] != buyer_uscc:
        raise NotFound(f"红字发票信息确认单 {form_id} 不存在")
    state = redletter.form_state(form, now)
    if state == "void":
        store.close_form(form_id, "void", now)
        raise Conflict("红字发票信息确认单发起后72小时内未经确认，已自动作废：请销售方重新发起（国家税务总局公告2024年第11号）")
    if state == "confirmed" and answer.decision == "confirm":
        return form
    if state != "pending":
        raise Conflict(f"红字发票信息确认单{redletter.FORM_STATE_LABELS[state]}，不能再答复")
    if answer.decision == "refuse":
        return store.close_form(form_id, "refused", now) or store.form(form_id)
    red = red_letter(store, form["seller_uscc"], form["invoice_number"], form["request"], now, confirmed_form=form)
    return store.close_form(form_id, "confirmed", now, red["number"]) or store.form(form_id)


def recover(store: TaxStore, now: datetime) -> int:
    """Materialise allocations whose worker died after reserving them, drop finished ones (a timer)."""
    return store.tidy_allocations(now - RECOVER_AFTER)


def quota_view(store: TaxStore, registration: dict[str, Any], now: datetime) -> dict[str, str]:
    month = domain.month_key(now)
    ledger = store.month_if_any(registration["uscc"], month)
    limit = ledger["limit_fen"] if ledger else registration["monthly_quota_fen"]
    used = ledger["used_fen"] if ledger else 0
    return {"month": month, "monthly_quota": domain.yuan(domain.from_fen(limit)),
            "quota_used": domain.yuan(domain.from_fen(used)), "quota_left": domain.yuan(domain.from_fen(limit - used))}


def _answered(store: TaxStore, ledger: dict[str, Any], uscc: str, request_id: str, fingerprint: str,
              now: datetime) -> dict[str, Any] | None:
    """The invoice already issued for this request, finishing one a dead worker left reserved.

    Only the ledger at hand is searched for a reservation: one left in another month (a crash at
    midnight) is finished by the recovery timer, and a second reservation made meanwhile is released
    when materialising meets the unique (uscc, request_id) index.
    """
    invoice = store.invoice_by_request(uscc, request_id)
    if invoice is not None:
        _same_request(invoice, fingerprint)
        return invoice
    for allocation in ledger.get("allocations", []):
        if allocation["request_id"] == request_id:
            _same_request(allocation, fingerprint)
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
    _same_request(invoice, _fingerprint(request.model_dump(mode="json")))
    return invoice


def _same_request(invoice: dict[str, Any], fingerprint: str) -> None:
    if invoice.get("fingerprint") != fingerprint:
        raise Conflict(f"request_id {invoice['request_id']} 已用于开具另一张内容不同的发票 {invoice['number']}")


def _fingerprint(request: dict[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _require_approved(registration: dict[str, Any]) -> None:
    state = registration["approval"]
    if state == "pending":
        raise Conflict("发票申领正在税务人员审核中，核准后才能开票")
    if state == "rejected":
        raise Conflict("发票申领未获核准，不能开票")


def _quota_exceeded(ledger: dict[str, Any], quota_fen: int) -> Conflict:
    left = domain.from_fen(ledger["limit_fen"] - ledger["used_fen"])
    return Conflict(f"本月开票额度不足：剩余{domain.yuan(left)}元，本张发票价税合计{domain.yuan(domain.from_fen(quota_fen))}元")
