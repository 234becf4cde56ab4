"""What the social-security RPCs return: a clerk's task."""

from __future__ import annotations

from datetime import datetime

from contracts.rpc import Task
from kit import clerk as queue
from services.social_security.domain.tasks import ACTIONS, BUREAU, ClerkTask


def task_view(task: ClerkTask, now: datetime) -> Task:
    return queue.task_view(
        bureau=BUREAU, id=task.id, kind=task.kind, application_id=task.application_id, title=task.title,
        reason=task.reason, state=task.state, created_at=task.created_at, deadline=task.deadline_fields(),
        claimed_by=task.claimed_by, claim_expires_at=task.claim_expires_at, actions=list(ACTIONS),
        details=task.details, history=task.history, now=now)
