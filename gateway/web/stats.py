"""The public performance dashboard `/stats`: the numbers of /api/v1/stats as inline SVG charts (drawn
on the server, no script, no CDN) and tables; the same data downloadable as CSV."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request

from gateway import stats
from gateway.timeline import STEPS
from gateway.views import STEP_LABELS
from gateway.web.pages import gateway_of, page_router, render

router = page_router()
LABELS = {"overall": "全流程", **STEP_LABELS}
PERIOD_LABELS = {"day": "按日", "week": "按周", "month": "按月"}


def bars(values: list[tuple[str, float | None]], width: int = 640, height: int = 200, unit: str = "",
         fmt: str = "{:g}") -> dict[str, Any]:
    """Bar geometry for an inline SVG: [{label, value, text, x, y, w, h}], scaled to the largest value."""
    top = max((v for _, v in values if v is not None), default=0) or 1
    slot = width / max(len(values), 1)
    out = []
    for i, (label, value) in enumerate(values):
        h = 0 if value is None else round((value / top) * (height - 40), 1)
        out.append({"label": label, "value": value, "text": "—" if value is None else fmt.format(value) + unit,
                    "x": round(i * slot + slot * 0.15, 1), "w": round(slot * 0.7, 1),
                    "y": round(height - 20 - h, 1), "h": h, "cx": round(i * slot + slot / 2, 1)})
    return {"bars": out, "width": width, "height": height}


@router.get("/stats")
def stats_page(request: Request, period: Literal["day", "week", "month"] = "month"):
    gateway = gateway_of(request)
    result = stats.snapshots(gateway.store, gateway.settings.gateway_stats_max_age_seconds).get(period)
    totals = result["totals"]
    scopes = ["overall", *STEPS]
    series = result["series"][-24:]
    charts = {
        "received": bars([(s["period"], s["overall"]["received"]) for s in series]),
        "hours": bars([(LABELS[s], totals[s]["median_working_hours"]) for s in scopes], fmt="{:.1f}", unit="h"),
        "automatic": bars([(LABELS[s], None if totals[s]["automatic_share"] is None
                            else round(totals[s]["automatic_share"] * 100, 1)) for s in scopes], unit="%"),
        "ratings": bars([(f"{n}分", totals["overall"]["ratings"][str(n)]) for n in range(1, 6)]),
    }
    return render(request, "stats.html", {"result": result, "totals": totals, "scopes": scopes, "labels": LABELS,
                                          "charts": charts, "period": period, "periods": PERIOD_LABELS,
                                          "series": series})
