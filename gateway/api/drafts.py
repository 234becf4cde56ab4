"""Drafts through the API: the same store and the same checks as the form's autosave (gateway/drafts.py),
so a draft saved by a client program opens in the browser's /apply and the other way round."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field

from contracts.rpc import NotFound
from gateway.api.deps import GatewayDep, Who

router = APIRouter(prefix="/api/v1/drafts", tags=["drafts"])


class DraftOut(BaseModel):
    draft_id: str
    saved_at: int = Field(description="the saving client's clock, ms since the epoch; an older save is ignored")
    step: int = Field(description="the wizard step the founder was on (0-based)")
    fields: list[list[str]] = Field(description="the form's posted fields as [name, value] pairs, e.g. "
                                    "[\"name.trade_name\", \"楚天\"], [\"shareholders.0.name\", \"王芳\"]")


class DraftSaved(BaseModel):
    draft_id: str | None
    saved_at: int
    step: int


DRAFT_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["draft_id", "saved_at", "step", "fields"],
    "properties": {"draft_id": {"type": "string", "pattern": "^[A-Za-z0-9]{8,64}$"},
                   "saved_at": {"type": "integer", "minimum": 0}, "step": {"type": "integer", "minimum": 0, "maximum": 20},
                   "fields": {"type": "array", "maxItems": 2000,
                              "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}}}}}}}}}


@router.get("", response_model=DraftOut, summary="My current draft (the next new application)")
def current(who: Who, gateway: GatewayDep) -> dict:
    """404 when there is none. Founders only (403 for staff)."""
    draft = gateway.drafts.current(who)
    if draft is None:
        raise NotFound("没有保存的草稿")
    return {k: draft[k] for k in ("draft_id", "saved_at", "step", "fields")}


@router.put("", response_model=DraftSaved, openapi_extra=DRAFT_BODY, summary="Save my draft")
def save(who: Who, gateway: GatewayDep, body: Any = Body()) -> dict:
    """Replaces the stored draft unless that one is newer (`saved_at`): a slow request overtaken by a
    newer one changes nothing. 422 names the bad part (field `draft_id`, `saved_at`, `step` or `fields`)."""
    return gateway.drafts.save(who, body)


@router.delete("", status_code=204, response_class=Response, summary="Discard my draft")
def discard(who: Who, gateway: GatewayDep) -> Response:
    gateway.drafts.discard(who)
    return Response(status_code=204)
