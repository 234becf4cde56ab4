"""Webhooks: every timeline event of my applications, POSTed as signed JSON (gateway/webhooks.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gateway.api.deps import GatewayDep, Who
from gateway.webhooks import WebhookIn, WebhookService

router = APIRouter(tags=["webhooks"])


@router.post("/api/v1/webhooks", status_code=201, summary="Register a URL for my applications' events")
def create(body: WebhookIn, who: Who, gateway: GatewayDep) -> dict:
    """Only http(s). The `secret` (yours, or generated) is shown once: each POST carries
    `X-OneStop-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` and
    `X-OneStop-Delivery` (dedupe on it: delivery is at-least-once). Failed deliveries are retried with
    exponential backoff (2 s doubling, 12 attempts). The host must resolve to public internet
    addresses only (no loopback, private, link-local, multicast or reserved ones), unless the operator
    allows an internal receiver; it is checked again before every delivery."""
    return _service(gateway).create(who, body)


@router.get("/api/v1/webhooks", summary="My webhooks")
def list_hooks(who: Who, gateway: GatewayDep) -> list[dict]:
    return _service(gateway).list(who)


@router.delete("/api/v1/webhooks/{hook_id}", status_code=204, summary="Stop a webhook")
def delete(hook_id: str, who: Who, gateway: GatewayDep) -> Response:
    _service(gateway).delete(who, hook_id)
    return Response(status_code=204)


@router.get("/api/v1/webhooks/{hook_id}/deliveries", summary="Delivery log: every attempt, newest first")
def deliveries(hook_id: str, who: Who, gateway: GatewayDep) -> list[dict]:
    return _service(gateway).deliveries(who, hook_id)



def _service(gateway) -> WebhookService:
    return WebhookService(gateway.store, gateway.settings.egress)
