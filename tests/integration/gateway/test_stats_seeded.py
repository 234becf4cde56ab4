"""Open statistics over 200 seeded applications, through the real gateway web process (HTTP), checked
against numbers computed here from the seeding plan (working days by construction), not by gateway.stats."""

from __future__ import annotations

import csv
import io
import math
import statistics
import time
import uuid
from collections import Counter

import httpx
import pytest

from contracts.calendar import working_time_between
from kit.launcher import System
from kit.mongo import connect
from tests.conftest import MONGO_URI
from tests.integration.gateway.seeding import SH, seed
from tests.support.rabbit import free_port

N = 200
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def seeded():
    prefix = f"stats_{uuid.uuid4().hex[:8]}"
    db = connect(MONGO_URI, f"{prefix}_gateway")
    rows = seed(db, N)
    web = System(mongo_uri=MONGO_URI, db_prefix=prefix, gateway_port=free_port(), services=())
    try:
        web.start(timeout=60)
        with httpx.Client(base_url=web.gateway_url, timeout=60) as http:
            yield http, rows
    finally:
        web.stop()
        db.client.drop_database(db.name)
        db.client.close()


def hours(start, end) -> float:
    return round(working_time_between(start.astimezone(SH), end.astimezone(SH)).total_seconds() / 3600, 2)


def nearest_rank_p90(values):
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def expected(rows) -> dict:
    """(received, finished, automatic, days, hours, overdue) per scope, from the plan."""
    scopes = {}
    done = [r for r in rows if r["completed"]]
    scopes["overall"] = (len(rows), done, [not r["reg_clerk"] and r["tax"] == "auto" for r in done],
                         [(1 if r["reg_clerk"] else 0) + (3 if r["tax"] == "clerk" else 0) for r in done],
                         [hours(r["submitted"], r["completed"]) for r in done],
                         sum(r["tax"] == "stuck" for r in rows))
    scopes["registration"] = (len(rows), rows, [not r["reg_clerk"] for r in rows],
                              [1 if r["reg_clerk"] else 0 for r in rows],
                              [hours(r["review"], r["licence"]) for r in rows], 0)
    scopes["seal"] = (len(rows), rows, [True] * len(rows), [0] * len(rows),
                      [hours(r["licence"], r["seal_done"]) for r in rows], 0)
    scopes["social_security"] = (len(rows), rows, [True] * len(rows), [0] * len(rows),
                                 [hours(r["licence"], r["ss_done"]) for r in rows], 0)
    tax = [r for r in rows if r["tax_done"]]
    scopes["tax"] = (len(rows), tax, [r["tax"] == "auto" for r in tax], [3 if r["tax"] == "clerk" else 0 for r in tax],
                     [hours(r["licence"], r["tax_done"]) for r in tax], sum(r["tax"] == "stuck" for r in rows))
    out = {}
    for scope, (received, finished, auto, days, hrs, overdue) in scopes.items():
        out[scope] = {"received": received, "finished": len(finished), "automatic": sum(auto),
                      "automatic_share": round(sum(auto) / len(finished), 4),
                      "median_working_days": statistics.median(days), "p90_working_days": nearest_rank_p90(days),
                      "median_working_hours": statistics.median(hrs), "p90_working_hours": nearest_rank_p90(hrs),
                      "within_target_share": round(sum(d <= 2 for d in days) / len(days), 4), "overdue_now": overdue}
    scores = Counter(r["rating"] for r in rows)
    for scope in ("overall", "registration"):
        out[scope]["ratings"] = {str(s): scores[s] for s in range(1, 6)}
    for scope in ("seal", "tax", "social_security"):
        out[scope]["ratings"] = {str(s): 0 for s in range(1, 6)}
    return out


def check(block: dict, want: dict) -> None:
    for scope, numbers in want.items():
        for key, value in numbers.items():
            assert block[scope][key] == pytest.approx(value, abs=0.01), (scope, key)


def test_stats_match_the_seeded_time_stamps(seeded):
    http, rows = seeded
    started = time.perf_counter()
    reply = http.get("/api/v1/stats", params={"period": "week"})
    elapsed = time.perf_counter() - started
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["measured"]["applications"] == N
    check(body["totals"], expected(rows))
    # the mix is what the plan says: a quarter clerk-reviewed, every fifth tax case with a clerk
    assert body["totals"]["registration"]["automatic"] == N - N // 4
    # by ISO week: 2025-W10, W11, W12, each a third of the applications
    assert [s["period"] for s in body["series"]] == ["2025-W10", "2025-W11", "2025-W12"]
    for series in body["series"]:
        week_rows = [r for r in rows if f"{r['day'].isocalendar()[0]}-W{r['day'].isocalendar()[1]:02d}" == series["period"]]
        check(series, expected(week_rows))
    assert elapsed < 5, f"stats over {N} applications took {elapsed:.2f}s"
    print(f"\nGET /api/v1/stats?period=week over {N} applications: {elapsed * 1000:.0f} ms "
          f"(computation {body['measured']['seconds'] * 1000:.0f} ms)")


def test_by_day_and_month_and_csv(seeded):
    http, rows = seeded
    days = http.get("/api/v1/stats", params={"period": "day"}).json()
    assert len(days["series"]) == 15 and days["series"][0]["period"] == "2025-03-03"
    month = http.get("/api/v1/stats", params={"period": "month"}).json()
    assert [s["period"] for s in month["series"]] == ["2025-03"]
    reply = http.get("/api/v1/stats", params={"period": "month", "format": "csv"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(reply.text)))
    total = {r["scope"]: r for r in table if r["period"] == "all"}
    assert int(total["overall"]["received"]) == N
    assert int(total["tax"]["overdue_now"]) == sum(r["tax"] == "stuck" for r in rows)
    assert int(total["registration"]["ratings_5"]) == sum(r["rating"] == 5 for r in rows)
    assert http.get("/api/v1/stats", params={"period": "year"}).status_code == 422
    assert "resident" not in reply.text and "张伟" not in reply.text  # no personal data
