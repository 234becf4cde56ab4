from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body

from contracts.rpc import Task
from gateway.api.deps import GatewayDep, Who
from gateway.clerks import CorrectionRequest, Reasons

router = APIRouter(prefix="/api/v1/bureaus/{bureau}/tasks", tags=["clerk tasks"])

Payload = Annotated[dict[str, Any] | None, Body()]


@router.get("", response_model=list[Task], summary="The bureau's queue, by deadline")
def list_tasks(bureau: str, who: Who, gateway: GatewayDep,
               state: Literal["open", "done", "all"] = "open") -> list[Task]:
    """Only clerks of this bureau (anyone else: 403)."""
    return gateway.tasks.list(who, bureau, state)


@router.get("/{task_id}", response_model=Task)
def get_task(bureau: str, task_id: str, who: Who, gateway: GatewayDep) -> Task:
    return gateway.tasks.get(who, bureau, task_id)


@router.post("/{task_id}/claim", response_model=Task)
def claim(bureau: str, task_id: str, who: Who, gateway: GatewayDep) -> Task:
    return gateway.tasks.claim(who, bureau, task_id)


@router.post("/{task_id}/release", response_model=Task, summary="Give a task you claimed back to the queue")
def release(bureau: str, task_id: str, who: Who, gateway: GatewayDep) -> Task:
    return gateway.tasks.release(who, bureau, task_id)


@router.post("/{task_id}/approve", response_model=Task)
def approve(bureau: str, task_id: str, who: Who, gateway: GatewayDep, body: Payload = None) -> Task:
    """The body may carry adjustments, e.g. tax {"monthly_quota": "100000.00"}."""
    return gateway.tasks.act(who, bureau, task_id, "approve", body or {})


@router.post("/{task_id}/reject", response_model=Task)
def reject(bureau: str, task_id: str, body: Reasons, who: Who, gateway: GatewayDep) -> Task:
    return gateway.tasks.act(who, bureau, task_id, "reject", body.model_dump())


@router.post("/{task_id}/request-correction", response_model=Task)
def request_correction(bureau: str, task_id: str, body: CorrectionRequest, who: Who, gateway: GatewayDep) -> Task:
    return gateway.tasks.act(who, bureau, task_id, "request_correction", body.model_dump())


@router.post("/{task_id}/actions/{action}", response_model=Task, summary="Any action the task lists")
def act(bureau: str, task_id: str, action: str, who: Who, gateway: GatewayDep, body: Payload = None) -> Task:
    """e.g. seal `mark_engraved`, `file_with_police`, `dispatch` {"tracking_number"}, `mark_delivered`."""
    return gateway.tasks.act(who, bureau, task_id, action, body or {})
