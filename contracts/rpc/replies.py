"""The reply contract of every RPC the gateway calls: one type per (bureau, method), the same one the
bureau builds its reply with (services/*/views.py) and the gateway's typed clients validate it with
(gateway/clients.py). tests/static/test_reply_contracts.py fails a client call without an entry here."""

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


def reply_type(bureau: str, method: str) -> Any:
    """The contract of `bureau.method`'s reply; KeyError when it has none."""
    own = BY_BUREAU.get(bureau, {})
    if method in own:
        return own[method]
    return COMMON[method]


@cache
def adapter(bureau: str, method: str) -> TypeAdapter:
    return TypeAdapter(reply_type(bureau, method))
