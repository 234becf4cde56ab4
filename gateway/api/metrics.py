"""GET /metrics: Prometheus text format for this gateway web process (gateway/metrics.py).

Not part of the public API (left out of the OpenAPI document). Publish it to your Prometheus only:
in Kubernetes scrape the pods directly and keep /metrics off the Ingress.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    # collecting reads MongoDB and the management API (cached): keep it off the event loop
    body = await run_in_threadpool(generate_latest, request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
