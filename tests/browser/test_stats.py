"""The public dashboard /stats in a real browser: charts drawn as inline SVG, the numbers of the API,
period switching and the CSV download. The gateway web process alone, over 200 seeded applications."""

from __future__ import annotations

import uuid

import pytest

from contracts import bureaus
from tests.browser.conftest import eventlet_patched

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]


@pytest.fixture(scope="module")
def stats_site():
    import httpx

    from kit.launcher import System
    from kit.mongo import connect
    from tests.conftest import MONGO_URI
    from tests.integration.beyond.seeding import seed
    from tests.support.rabbit import free_port

    prefix = f"statsweb_{uuid.uuid4().hex[:8]}"
    db = connect(MONGO_URI, f"{prefix}_gateway")
    seed(db, 200)
    web = System(mongo_uri=MONGO_URI, db_prefix=prefix, gateway_port=free_port(), services=())
    try:
        web.start(timeout=60)
        api = httpx.get(f"{web.gateway_url}/api/v1/stats", params={"period": "week"}, timeout=30).json()
        yield web.gateway_url, api
    finally:
        web.stop()
        db.client.drop_database(db.name)
        db.client.close()


def test_the_dashboard_shows_the_api_numbers_as_charts(browser, stats_site):
    base, api = stats_site
    page = browser.new_page()
    try:
        page.goto(f"{base}/stats?period=week")
        assert page.title().startswith("办事数据公开")
        # one bar per week in the received chart, with the API's counts
        bars = page.locator('svg[data-chart="received"] g.bar title').all_text_contents()
        assert bars == [f"{s['period']}：{s['overall']['received']}" for s in api["series"]]
        # one bar per scope: the whole flow and every bureau of the manifest
        assert page.locator('svg[data-chart="hours"] rect').count() == 1 + len(bureaus.NAMES)
        row = page.locator('#stats-table tr[data-scope="tax"] td')
        assert row.nth(0).inner_text() == str(api["totals"]["tax"]["received"])
        assert row.nth(6).inner_text() == str(api["totals"]["tax"]["overdue_now"])
        page.get_by_role("link", name="按日").click()
        page.wait_for_url("**/stats?period=day")
        assert page.locator('svg[data-chart="received"] g.bar').count() == 15
        with page.expect_download() as download:
            page.get_by_role("link", name="下载CSV").click()
        assert download.value.suggested_filename == "onestop-stats-day.csv"
        assert page.locator("script[src^='http']").count() == 0  # nothing from a CDN
    finally:
        page.close()
