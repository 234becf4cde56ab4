"""What a registration announces, and what a closing (清税) finds unfinished."""

from __future__ import annotations

from typing import Any

from contracts.calendar import DEADLINE_KEYS
from contracts.events import (
    Blocker,
    Event,
    InvoicesApproved,
    TaskQueued,
    TaxRegistered,
)
from contracts.rpc import DocumentRef
from kit.clerk import OPEN_STATES  # "claimed" too: a task stored in the old shape (services/tax/store.py)
from services.tax.domain.money import BUREAU, from_fen

# ---- events and views ----------------------------------------------------------------------------


def registration_events(reg: dict[str, Any], documents: list[DocumentRef]) -> list[Event]:
    """What a new registration announces: registered, then approved or queued for a clerk."""
    events: list[Event] = [TaxRegistered(
        application_id=reg["application_id"], uscc=reg["uscc"], taxpayer_id=reg["taxpayer_id"],
        taxpayer_type=reg["taxpayer_type"], tax_office=reg["tax_office"], documents=documents)]
    if reg["approval"] == "approved":
        events.append(approved_event(reg, reg["monthly_quota_fen"]))
    else:
        task = reg["task"]
        events.append(TaskQueued(
            application_id=reg["application_id"], bureau=BUREAU, task_id=task["id"], kind=task["kind"],
            reason=task["reason"], **{k: task[k] for k in DEADLINE_KEYS if k in task}))
    return events


def approved_event(reg: dict[str, Any], quota_fen: int) -> InvoicesApproved:
    return InvoicesApproved(application_id=reg["application_id"], uscc=reg["uscc"],
                            invoice_kinds=reg["invoice_kinds"], monthly_quota=from_fen(quota_fen))


def clearance_blockers(registration: dict[str, Any] | None, open_ledgers: list[dict[str, Any]]) -> list[Blocker]:
    """A closing (清税): an unfinished tax registration or an invoice whose number is allocated but not
    yet issued (an unfinished invoice) blocks. The declarations still owed are declarations.missing's."""
    blockers = []
    if registration is not None and registration.get("task") and registration["task"].get("state") in OPEN_STATES:
        blockers.append(Blocker(item="税务登记尚待税务人员审核", todo="等待审核完成或联系主管税务机关"))
    for ledger in open_ledgers:
        for allocation in ledger.get("allocations", []):
            blockers.append(Blocker(item=f"发票{allocation['number']}已分配号码尚未开具完成",
                                    todo="完成开具或等待系统作废该号码后重新核查"))
    return blockers
