"""Open performance data (no login, no personal data): JSON or CSV."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from gateway import after_start_stats, stats
from gateway.api.deps import GatewayDep

router = APIRouter(tags=["open data"])


@router.get("/api/v1/stats", summary="How the one-stop service performs, per bureau and overall",
            responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def get_stats(gateway: GatewayDep, period: Literal["day", "week", "month"] = "month",
              format: Literal["json", "csv"] = "json",  # noqa: A002 - the public parameter name
              table: Literal["applications", "after_start"] = "applications") -> Any:
    """Computed from the recorded time stamps of every application; `definitions` explains each number.
    A snapshot: `generated_at` says when, and it is recomputed once older than `max_age_seconds`.
    `after_start`: changes of details and closings (count and median working days per kind and per
    bureau, with their own `definitions`; null while registration cannot answer).
    CSV: `table=applications` (default) the start-up numbers by period; `table=after_start` the changes'
    and closings' numbers (one row per kind and per bureau; 503 while registration cannot answer)."""
    if format == "csv" and table == "after_start":
        return Response(after_start_stats.to_csv(gateway.after_start.get()), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="onestop-stats-after-start.csv"'})
    result = stats.snapshots(gateway.store, gateway.settings.gateway_stats_max_age_seconds).get(period)
    if format == "csv":
        return Response(stats.to_csv(result), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="onestop-stats-{period}.csv"'})
    return {**result, "after_start": gateway.after_start.get()}
