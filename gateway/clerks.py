"""Clerk work queues: a thin, role-checked pass-through to each bureau's five task RPCs (kit.clerk)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.rpc import BUREAUS, Forbidden, NotFound, Task
from gateway.auth import Principal
from gateway.clients import BureauClient, Clients

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Reasons(BaseModel):
    model_config = STRICT
    reasons: list[str] = Field(min_length=1, max_length=20)


class CorrectionRequest(Reasons):
    fields: list[str] = Field(default_factory=list, max_length=50)


class TaskService:
    def __init__(self, clients: Clients):
        self.clients = clients

    def _queue(self, who: Principal, bureau: str) -> BureauClient:
        if bureau not in BUREAUS:
            raise NotFound("没有这个部门")
        if not who.is_clerk_of(bureau):
            raise Forbidden("只有本部门工作人员可以查看和办理这些事项")
        return self.clients.of(bureau)

    def list(self, who: Principal, bureau: str, state: Literal["open", "done", "all"] = "open") -> list[Task]:
        return self._queue(who, bureau).list_tasks(state)

    def get(self, who: Principal, bureau: str, task_id: str) -> Task:
        return self._queue(who, bureau).get_task(task_id)

    def claim(self, who: Principal, bureau: str, task_id: str) -> Task:
        return self._queue(who, bureau).claim_task(task_id, who.login)

    def release(self, who: Principal, bureau: str, task_id: str) -> Task:
        return self._queue(who, bureau).release_task(task_id, who.login)

    def act(self, who: Principal, bureau: str, task_id: str, action: str, payload: dict[str, Any]) -> Task:
        return self._queue(who, bureau).act_on_task(task_id, who.login, action, payload)
