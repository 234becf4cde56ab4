"""What the tax bureau's RPCs return: the clerk task, the registration, an invoice, a red-letter form,
a declaration. The replies the gateway reads are built through their contracts (contracts/rpc/tax.py),
so a field the contract does not name fails here, in the bureau, before it reaches anyone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from contracts import clock
from contracts.calendar import aware
from contracts.form import (
    TaxpayerType,
)
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import Task
from contracts.rpc import tax as contract
from kit import clerk as queue
from services.tax.domain import (
    BUREAU,
    TASK_ACTIONS,
    TAXPAYER_TYPE_LABELS,
    declarations,
    from_fen,
    redletter,
    yuan,
)


def task_view(registration: dict[str, Any], now: datetime) -> Task:
    task = registration["task"]
    return queue.task_view(
        bureau=BUREAU, id=task["id"], kind=task["kind"], application_id=registration["application_id"],
        title=registration["company_name"], reason=task["reason"], state=task["state"],
        created_at=task["created_at"], deadline=task, claimed_by=task.get("claimed_by"),
        claim_expires_at=task.get("claim_expires_at"), actions=list(TASK_ACTIONS), details=task["details"],
        history=task["history"], now=now)


def registration_view(reg: dict[str, Any], revocation: Revocation | None) -> dict[str, Any]:
    return jsonable({
        "uscc": reg["uscc"], "application_id": reg["application_id"], "company_name": reg["company_name"],
        "taxpayer_id": reg["taxpayer_id"], "taxpayer_type": reg["taxpayer_type"],
        "taxpayer_type_label": TAXPAYER_TYPE_LABELS[TaxpayerType(reg["taxpayer_type"])],
        "tax_office": reg["tax_office"], "registered_at": reg["registered_at"],
        "approval": reg["approval"], "invoice_kinds": reg["invoice_kinds"],
        "real_name": {k: v for k, v in reg["real_name"].items()},
        "rejection_reasons": reg.get("rejection_reasons", []),
        "licence_revoked": revocation_view(revocation),
    })


def quota_view(registration: dict[str, Any], month: str, ledger: dict[str, Any] | None) -> dict[str, str]:
    """The month's quota: the ledger's once the month has one, else the registration's, nothing used."""
    limit = ledger["limit_fen"] if ledger else registration["monthly_quota_fen"]
    used = ledger["used_fen"] if ledger else 0
    return {"month": month, "monthly_quota": yuan(from_fen(limit)), "quota_used": yuan(from_fen(used)),
            "quota_left": yuan(from_fen(limit - used))}


INTERNAL_INVOICE_FIELDS = ("fingerprint", "quota_fen", "allocated_at", "_id")


def invoice_view(inv: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in inv.items() if k not in INTERNAL_INVOICE_FIELDS}
    return contract.Invoice.model_validate(shown).model_dump(mode="json")


def form_view(form: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A 红字发票信息确认单 as seller and buyer see it: its state as of now (void once it has expired)."""
    state = redletter.form_state(form, now)
    hidden = ("_id", "fingerprint", "request")
    return contract.RedLetterForm.model_validate({k: v for k, v in form.items() if k not in hidden} | {
        "state": state, "state_label": redletter.state_label(form, state),
        "lines": form["request"].get("lines"), "reason_code": form["request"]["reason_code"]}).model_dump(mode="json")


def declaration_view(period: str, filed: dict[str, Any] | None) -> dict[str, Any]:
    """One period of the 纳税申报 listing, or the declaration just filed (`filed`: as stored, or None);
    the time it was filed is shown in China's time zone."""
    when = {} if filed is None else {"tax_due": filed["tax_due"], "filed_at": clock.in_china(filed["filed_at"])}
    return contract.Declaration(period=period, label=declarations.label(period), filed=filed is not None,
                                **when).model_dump(mode="json")


def jsonable(value: Any) -> Any:
    """Datetimes and dates as ISO strings, Decimals as strings: the wire is JSON."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
