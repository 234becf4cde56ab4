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

from contracts.form import TaxpayerType
from contracts.revocation import Revocation
from contracts.rpc import Conflict
from services.tax import domain
from services.tax.store import TaxStore

RECOVER_AFTER = timedelta(seconds=30)  # an allocation this old has lost its worker


def issue(store: TaxStore, uscc: str, raw: Any, now: datetime) -> dict[str, Any]:
    registration = store.registration(uscc)
    revocation = store.revocations.get(uscc)
    if revocation is not None:
        return _issued_before_revocation(store, registration, raw, revocation)
    _require_approved(registration)
    request = domain.parse_invoice_request(raw, uscc, registration["invoice_kinds"],
                                           TaxpayerType(registration["taxpayer_type"]), domain.local_day(now))
    fingerprint = _fingerprint(request.model_dump(mode="json"))
    ledger = store.month(uscc, domain.month_key(now), registration["monthly_quota_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    if done:
        return done

    quota_fen = domain.quota_fen(domain.price(request.items))
    if ledger["used_fen"] + quota_fen > ledger["limit_fen"]:
        raise _quota_exceeded(ledger, quota_fen)

    number = domain.format_invoice_number(now, store.next_sequence(domain.number_counter_key(now)))
    invoice = domain.build_invoice(registration, request, number, now) | {"fingerprint": fingerprint}
    if store.reserve(ledger, invoice, now):
        return store.materialise(invoice, now)

    ledger = store.month(uscc, ledger["month"], ledger["limit_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    store.record_skipped(number, uscc, "同一开票请求已由另一实例开具" if done else "开票额度在分配号码后用尽", now)
    if done:
        return done
    raise _quota_exceeded(ledger, quota_fen)


def red_letter(store: TaxStore, uscc: str, original_number: str, raw: Any, now: datetime) -> dict[str, Any]:
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
    if original.get("reversed_by"):
        raise Conflict(f"发票 {original_number} 已开具红字发票 {original['reversed_by']}")

    number = domain.format_invoice_number(now, store.next_sequence(domain.number_counter_key(now)))
    red = domain.build_red_letter(registration, original, request, number, now) | {"fingerprint": fingerprint}
    if store.reserve_reversal(red, now):
        return store.materialise(red, now)

    ledger = store.month(uscc, original["quota_month"], registration["monthly_quota_fen"])
    done = _answered(store, ledger, uscc, request.request_id, fingerprint, now)
    store.record_skipped(number, uscc, "同一红字请求已由另一实例开具" if done else "原发票已被冲红", now)
    if done:
        return done
    raise Conflict(f"发票 {original_number} 已开具红字发票")


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
                                           domain.local_day(invoice["issued_at"]))
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
