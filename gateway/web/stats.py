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


MIN_SAMPLE = 5  # fewer applications (or ratings) than this behind a chart: say so instead of drawing it
# Horizontal bars in a viewBox about as wide as a phone: drawn 1:1 at 390 px (13 px labels), and
# capped in width on a desktop (style.css), so no label is ever scaled down to unreadable.
WIDTH, LABEL_W, VALUE_W, ROW_H, FONT = 360, 128, 56, 26, 13


def bars(values: list[tuple[str, float | None]], sample: int, unit: str = "", fmt: str = "{:g}") -> dict[str, Any]:
    """Bar geometry for an inline SVG: [{label, value, text, x, y, w, h}], scaled to the largest value;
    `sample` = how many applications (or ratings) the chart is drawn from (`enough` = at least MIN_SAMPLE)."""
    top = max((v for _, v in values if v is not None), default=0) or 1
    track = WIDTH - LABEL_W - VALUE_W
    out = []
    for i, (label, value) in enumerate(values):
        w = 0 if value is None else round((value / top) * track, 1)
        y = i * ROW_H
        out.append({"label": label, "value": value, "text": "—" if value is None else fmt.format(value) + unit,
                    "x": LABEL_W, "w": w, "y": y + 5, "h": ROW_H - 10, "ty": y + ROW_H / 2 + FONT * 0.35,
                    "vx": LABEL_W + w + 4})
    return {"bars": out, "width": WIDTH, "height": max(len(values), 1) * ROW_H, "label_x": LABEL_W - 6,
            "font": FONT, "sample": sample, "enough": sample >= MIN_SAMPLE, "min_sample": MIN_SAMPLE}


# what each published figure means, for the page's 口径说明 (the API keeps its English keys)
DEFINITIONS_ZH = {
    "received": ("收件量", "全流程：提交的申请数；各部门：开始办理的事项数"),
    "finished": ("办结量", "全流程：全部办结的申请数；各部门：办结的事项数"),
    "automatic_share": ("自动办结比例", "未经任何人工审核办结的比例（全流程：任一部门均未转人工；各部门：该部门未转人工）"),
    "working_days": ("用时（工作日）", "从开始到办结跨越的工作日数，与办理时限的计算方法相同"),
    "working_hours": ("用时（工作小时）", "开始到办结之间、工作日内的小时数，按北京时间计"),
    "median": ("中位数", "居中的数值（偶数个时取中间两个的平均）"),
    "p90": ("90分位", "从小到大第 ⌈0.9n⌉ 个数值"),
    "within_target_share": ("按时办结比例", "办结的事项中，在开始之日后2个工作日内办结的比例"),
    "overdue_now": ("当前超时", "尚未办结且今天（北京时间）已过办理时限的事项数"),
    "ratings": ("好差评", "办事人的评分（1-5分），按申请提交的时段统计"),
    "period": ("统计时段", "按申请提交的日期、ISO周或月份划分，北京时间"),
}


@router.get("/stats")
def stats_page(request: Request, period: Literal["day", "week", "month"] = "month"):
    gateway = gateway_of(request)
    result = stats.snapshots(gateway.store, gateway.settings.gateway_stats_max_age_seconds).get(period)
    totals = result["totals"]
    scopes = ["overall", *STEPS]
    series = result["series"][-24:]
    overall = totals["overall"]
    charts = {
        "received": bars([(s["period"], s["overall"]["received"]) for s in series], overall["received"]),
        "hours": bars([(LABELS[s], totals[s]["median_working_hours"]) for s in scopes], overall["finished"],
                      fmt="{:.1f}", unit="h"),
        "automatic": bars([(LABELS[s], None if totals[s]["automatic_share"] is None
                            else round(totals[s]["automatic_share"] * 100, 1)) for s in scopes],
                          overall["finished"], unit="%"),
        "ratings": bars([(f"{n}分", overall["ratings"][str(n)]) for n in range(1, 6)], overall["ratings_count"]),
    }
    return render(request, "stats.html", {"definitions_zh": DEFINITIONS_ZH, "result": result, "totals": totals, "scopes": scopes, "labels": LABELS,
                                          "charts": charts, "period": period, "periods": PERIOD_LABELS,
                                          "series": series, "after_start": gateway.after_start.get()})
