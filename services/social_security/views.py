"""What the social-security RPCs return: a clerk's task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts.rpc import Task
from kit import clerk as queue
from services.social_security.domain.tasks import ACTIONS, BUREAU


def task_view(doc: dict[str, Any], now: datetime) -> Task:
    return queue.task_view(
        bureau=BUREAU, id=doc["_id"], kind=doc["kind"], application_id=doc["application_id"], title=doc["title"],
        reason=doc["reason"], state=doc["state"], created_at=doc["created_at"], deadline=doc,
        claimed_by=doc.get("claimed_by"), claim_expires_at=doc.get("claim_expires_at"), actions=list(ACTIONS),
        details=doc.get("details", {}), history=doc.get("history", []), now=now)
