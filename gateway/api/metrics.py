"""GET /metrics: Prometheus text format for this gateway web process (gateway/metrics.py).

Never public by default: without GATEWAY_METRICS_TOKEN the route answers 404 as if it did not
exist; with it, only `Authorization: Bearer <token>` gets the numbers (Prometheus:
`authorization: {credentials_file: ...}` in the scrape config). Queue names, backlog and error
counts tell an attacker what is struggling. Not in the OpenAPI document; keep it off the Ingress
as well.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from contracts.rpc import NotFound
from gateway.errors import Unauthenticated

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    token = request.app.state.gateway.settings.gateway_metrics_token
    if not token:
        raise NotFound("没有这个页面")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Unauthenticated("需要监控令牌")
    # collecting reads MongoDB and the management API (cached): keep it off the event loop
    body = await run_in_threadpool(generate_latest, request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
