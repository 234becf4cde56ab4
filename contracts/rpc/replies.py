"""The reply contract of every RPC the gateway calls: one type per (bureau, method), the same one the
bureau builds its reply with (services/*/views.py) and the gateway's typed clients validate it with
(gateway/clients.py). tests/static/test_reply_contracts.py fails a client call without an entry here.

`PENDING` names the calls whose replies are still bare dicts (issue 16, item 2, not finished): the
client passes them through unchecked, and the static test fails once one of them gains a contract
and is not struck off, so the list can only shrink."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter

from contracts.rpc import (
    Document,
    Health,
    Task,
    bank,
    housing_fund,
    medical_insurance,
    registration,
    seal,
    social_security,
    tax,
)

# what every service answers (kit.clerk.ClerkRpc and `health`)
COMMON: dict[str, Any] = {
    "health": Health,
    "get_document": Document,
    "list_tasks": list[Task],
    "get_task": Task,
    "claim_task": Task,
    "release_task": Task,
    "act_on_task": Task,
}

BY_BUREAU: dict[str, dict[str, Any]] = {
    "tax": tax.REPLIES,
    "seal": seal.REPLIES,
    "housing_fund": housing_fund.REPLIES,
    "medical_insurance": medical_insurance.REPLIES,
    "bank": bank.REPLIES,
    "social_security": social_security.REPLIES,
    "registration": registration.REPLIES,
}

PENDING: dict[str, frozenset[str]] = {
    "registration": frozenset({
        "verify", "request_change", "change_confirmations", "decide_change", "correct_change",
        "object_to_decrease", "answer_objection", "after_start_stats", "get_change", "list_changes",
        "request_closure", "request_liquidation", "file_liquidation_report", "recheck_closure", "get_closure",
        "list_closures", "record_objection",
    }),
}


def reply_type(bureau: str, method: str) -> Any:
    """The contract of `bureau.method`'s reply; KeyError when it has none (nor is pending)."""
    own = BY_BUREAU.get(bureau, {})
    if method in own:
        return own[method]
    return COMMON[method]


def is_pending(bureau: str, method: str) -> bool:
    return method in PENDING.get(bureau, frozenset())


@cache
def adapter(bureau: str, method: str) -> TypeAdapter:
    return TypeAdapter(reply_type(bureau, method))
