"""The public dashboard /stats in a real browser: charts drawn as inline SVG, the numbers of the API,
period switching and the CSV download; labels readable on a 390 px phone; "数据不足" with the count
instead of a chart on little data (issue 21 item 11). The gateway web process alone, over 200 (and 3)
seeded applications."""

from __future__ import annotations

import uuid

import pytest

from contracts import bureaus
from tests.browser.conftest import eventlet_patched

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]


def _site(n: int):
    """The gateway web process alone over n seeded applications: (base url, the week API answer)."""
    import httpx

    from kit.launcher import System
    from kit.mongo import connect
    from tests.conftest import MONGO_URI
    from tests.integration.gateway.seeding import seed
    from tests.support.rabbit import free_port

    prefix = f"statsweb_{uuid.uuid4().hex[:8]}"
    db = connect(MONGO_URI, f"{prefix}_gateway")
    seed(db, n)
    web = System(mongo_uri=MONGO_URI, db_prefix=prefix, gateway_port=free_port(), services=())
    try:
        web.start(timeout=60)
        api = httpx.get(f"{web.gateway_url}/api/v1/stats", params={"period": "week"}, timeout=30).json()
        yield web.gateway_url, api
    finally:
        web.stop()
        db.client.drop_database(db.name)
        db.client.close()


@pytest.fixture(scope="module")
def stats_site():
    yield from _site(200)


@pytest.fixture(scope="module")
def small_site():
    yield from _site(3)


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


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_every_label_is_readable_and_nothing_scrolls_sideways(browser, stats_site, shots):
    base, _ = stats_site
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto(f"{base}/stats?period=week")
        sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart text')]
            .map(t => t.getBoundingClientRect().height)""")
        assert sizes and min(sizes) >= 12, f"chart text rendered {min(sizes):.1f} px high on a phone"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shots(page, "51-stats-390")
    finally:
        context.close()


def test_little_data_says_so_with_the_count_instead_of_drawing(browser, small_site, shots):
    base, api = small_site
    for viewport, tag in ((PHONE, "390"), ({"width": 1280, "height": 900}, "1280")):
        page = browser.new_page(viewport=viewport, locale="zh-CN")
        try:
            page.goto(f"{base}/stats?period=week")
            assert page.locator("svg.chart").count() == 0  # no empty or two-bar charts
            notes = page.locator(".insufficient")
            assert notes.count() == 4
            received = page.locator('.insufficient[data-chart="received"]')
            assert received.get_attribute("data-sample") == str(api["totals"]["overall"]["received"]) == "3"
            assert "数据不足：目前只有 3 份申请" in received.inner_text()
            ratings = page.locator('.insufficient[data-chart="ratings"]')
            assert ratings.get_attribute("data-sample") == str(api["totals"]["overall"]["ratings_count"])
            # the table still lists what there is
            row = page.locator('#stats-table tr[data-scope="overall"] td')
            assert row.nth(0).inner_text() == "3"
            shots(page, f"52-stats-little-data-{tag}")
        finally:
            page.close()
