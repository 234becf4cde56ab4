"""The founder's and the clerk's pages on 31 December (every process's clock pinned there: the coming one
at least a week ahead of the real day, tests/support/days.py): a deadline counted into the next year,
whose holiday notice is not out, carries the 暂定 mark with its reason."""

from __future__ import annotations

import os
import re
import sys
import time
from datetime import datetime

import pytest

if os.environ.get("ONESTOP_TEST_EVENTLET", "1") == "1" or (
    "eventlet" in sys.modules and sys.modules["eventlet"].patcher.is_monkey_patched("thread")
):
    pytest.skip("browser tests need real threads: run `ONESTOP_TEST_EVENTLET=0 pytest tests/browser`",
                allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from contracts import clock  # noqa: E402
from gateway.ops.cli import add_staff  # noqa: E402
from kit.startup import CLOCK_ANCHOR_ENV, CLOCK_START_ENV  # noqa: E402
from tests.browser.conftest import ROOT, STAFF_PASSWORD  # noqa: E402
from tests.factories import make_form  # noqa: E402
from tests.support import days  # noqa: E402
from tests.support.live import PASSWORD, LiveSystem  # noqa: E402

DAY = days.year_end(31)
START = days.at(DAY, 10)
PROVISIONAL = "暂定"
# the pinned year itself must not be provisional too: without a shipped notice, the test loads one first
LOADED = days.notices_for(DAY)
DUE = days.calendar_with(*LOADED).add_working_days(DAY, 1)  # 元旦 skipped


def test_a_deadline_in_a_year_without_a_notice_is_marked_provisional_on_both_pages(browser, shots, tmp_path):
    assert DUE.year == DAY.year + 1 and days.calendar_with().is_provisional(DUE.year)
    anchor = time.time()
    holidays = days.install(LOADED, tmp_path / "holidays")
    env = {CLOCK_START_ENV: START, CLOCK_ANCHOR_ENV: repr(anchor), "ONESTOP_HOLIDAY_DIR": str(holidays),
           "REGISTRATION_CLERK_DAYS": "1"}
    with clock.using(clock.pinned_at(datetime.fromisoformat(START), anchor)), \
            LiveSystem("yearweb", log_dir=ROOT / "var" / "log" / "browser-year", extra_env=env) as live:
        add_staff("reg.newyear", STAFF_PASSWORD, bureau="registration", name="登记员小李",
                  mongo_uri=live.system.mongo_uri, db_prefix=live.db_prefix)
        founder = live.founder()
        app_id = live.submit(founder, make_form(business_scope=["G0001", "L0001"]))  # a permit item: a clerk
        live.wait_for(lambda: live.request("GET", f"/api/v1/applications/{app_id}", headers=founder.headers)
                      .json()["steps"][0]["state"] == "waiting_for_clerk", 60, "the clerk queue")

        context = browser.new_context(base_url=live.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _log_in(page, founder.login, PASSWORD)
        page.goto(f"/applications/{app_id}")
        step = page.locator(".badge.provisional").first
        expect(step).to_be_visible()
        expect(step).to_have_text(PROVISIONAL)
        assert "节假日安排尚未公布" in step.get_attribute("title")
        expect(page.get_by_text(DUE.isoformat()).first).to_be_visible()  # 31 Dec + 1 working day, 元旦 skipped
        shots(page, "year-end-founder")

        clerk = browser.new_context(base_url=live.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        queue = clerk.new_page()
        _log_in(queue, "reg.newyear", STAFF_PASSWORD)
        expect(queue).to_have_url(re.compile(r"/staff$"))
        expect(queue.locator(".badge.provisional").first).to_have_text(PROVISIONAL)
        shots(queue, "year-end-clerk-queue")
        context.close()
        clerk.close()


def _log_in(page, login: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱、手机号码或工作账号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
