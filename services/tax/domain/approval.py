"""The clerk's invoice-approval task and the quota a clerk may grant."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from contracts.calendar import Deadline
from contracts.events import Event, StepRejected
from contracts.rpc import FieldError, Invalid
from kit import clerk as queue
from services.tax.domain.events import approved_event
from services.tax.domain.money import BUREAU, MAX_QUOTA, TASK_KIND, from_fen, round_fen, to_fen, yuan

# ---- clerk tasks -------------------------------------------------------------------------------

TASK_ACTIONS = ("approve", "reject")


def task_id(application_id: str) -> str:
    """The invoice-approval task's id, derived (pure): one registration per application, one task each."""
    return uuid5(NAMESPACE_URL, f"onestop:tax:{application_id}:{TASK_KIND}").hex


def new_task(reason: str, now: datetime, timing: Deadline, registration: dict[str, Any]) -> dict[str, Any]:
    needs = registration["needs"]
    return {
        "id": task_id(registration["application_id"]),
        "kind": TASK_KIND,
        "reason": reason,
        "state": "open",
        "created_at": now,
        **timing.fields(),
        "claimed_by": None,
        "claim_expires_at": None,
        "history": [],
        "details": {
            "uscc": registration["uscc"],
            "taxpayer_type": registration["taxpayer_type"],
            "tax_office": registration["tax_office"],
            "invoice_kinds": registration["invoice_kinds"],
            "monthly_invoice_estimate": needs["monthly_invoice_estimate"],
            "annual_sales_estimate": needs["annual_sales_estimate"],
            "proposed_quota": yuan(from_fen(registration["monthly_quota_fen"])),
            "real_name": {k: v for k, v in registration["real_name"].items() if k != "checked_at"},
        },
    }


def decision(registration: dict[str, Any], clerk: str, action: str, payload: dict[str, Any],
             now: datetime) -> tuple[dict[str, Any], Event]:
    """A clerk's decision on the invoice-approval task: the registration fields it sets and the event it
    announces (`action` already checked against TASK_ACTIONS, the licence checked by the caller)."""
    if action == "approve":
        quota_fen = approval_quota(payload, registration["monthly_quota_fen"])
        fields = {"approval": "approved", "approved_at": now, "approved_by": clerk, "monthly_quota_fen": quota_fen,
                  "task.state": "done"}
        return fields, approved_event(registration, quota_fen)
    reasons = queue.check_reasons(payload)
    fields = {"approval": "rejected", "rejection_reasons": reasons, "task.state": "rejected"}
    return fields, StepRejected(application_id=registration["application_id"], bureau=BUREAU, step=TASK_KIND,
                                reasons=reasons)


def approval_quota(payload: dict[str, Any], proposed_fen: int) -> int:
    """The quota a clerk grants: the proposal, or `monthly_quota` from the payload if given."""
    raw = payload.get("monthly_quota")
    if raw is None:
        return proposed_fen
    try:
        quota = Decimal(str(raw))
    except InvalidOperation:
        quota = None
    if quota is None or not quota.is_finite() or quota <= 0 or quota > MAX_QUOTA or round_fen(quota) != quota:
        raise Invalid.with_fields("开票额度无效", [FieldError(
            field="monthly_quota", message=f"开票额度应为大于0、不超过{yuan(MAX_QUOTA)}元、最多两位小数的金额")])
    return to_fen(quota)
