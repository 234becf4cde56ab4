"""The company page's staff table shows each employee's medical-insurance base (缴费基数) and whether it is
provisional (暂定: the hire starts past the last published period's figures) or settled (已核定), and after
the bureau recomputes the bases on newly loaded figures the same row shows the settled one. A system of its
own (tests/support/live.py), whose medical-insurance figures directory is this test's, so loading figures
there touches no other test's processes."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from kit import rates
from tests.browser.conftest import ROOT, eventlet_patched
from tests.factories import make_form, resident_id
from tests.support.live import PASSWORD, LiveSystem
from tests.unit.medical_insurance.test_workflow import NEXT_PERIOD

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]

LATE_START = "2027-10-08"  # past the shipped figures (420100_2026-09.json runs to 2027-08-31): provisional


def _log_in(page, login: str) -> None:
    page.goto("/login")
    page.get_by_label("电子邮箱、手机号码或工作账号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_the_staff_table_shows_each_medical_base_provisional_or_settled_and_after_a_recompute(
        browser, shots, tmp_path):
    root = tmp_path / "rates"
    env = {rates.RATES_DIR_ENV: str(root), rates.RECHECK_ENV: "1"}
    with LiveSystem("mibase", log_dir=ROOT / "var" / "log" / "browser-mibase", extra_env=env) as live:
        founder = live.founder()
        form = make_form()
        app_id = live.submit(founder, form)
        live.wait_for(lambda: live.request("GET", f"/api/v1/applications/{app_id}", headers=founder.headers)
                      .json()["status"] in ("licensed", "completed"), 90, "the licence")
        live.wait_for(lambda: live.request("GET", f"/api/v1/applications/{app_id}", headers=founder.headers)
                      .json()["outputs"].get("medical_insurance"), 90, "the medical insurance unit")

        context = browser.new_context(base_url=live.url, locale="zh-CN", viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        _log_in(page, founder.login)
        page.goto(f"/applications/{app_id}")
        table = page.locator("table.staff-list")
        expect(table.locator("th")).to_contain_text(["医保缴费基数"])
        first = form["employees"][0]
        row = table.locator("tr", has_text=first["name"])
        base = row.locator("td.medical-base")
        expect(base).to_have_attribute("data-provisional", "no")  # today's period is published: settled
        expect(base).to_contain_text("已核定")
        expect(base).to_contain_text(re.compile(r"\d[\d,]*\.\d\d 元"))

        # ---- a later hire starting past the published figures: provisional (暂定)
        hire = page.locator("#hire-form")
        hire.get_by_label("姓名").fill("周晓")
        hire.get_by_label("公民身份号码").fill(resident_id())
        hire.get_by_label("入职日期").fill(LATE_START)
        hire.get_by_label("月工资（元）").fill("1000")
        hire.get_by_role("button", name="办理增员").click()
        expect(page.locator("#staff-result")).to_have_attribute("data-outcome", "done")
        late = page.locator("table.staff-list tr", has_text="周晓").locator("td.medical-base")
        expect(late).to_have_attribute("data-provisional", "yes")
        expect(late.locator(".badge.provisional")).to_have_text("暂定")
        provisional_text = late.inner_text()
        shots(page, "staff-medical-01-provisional")

        # ---- the next period's figures are loaded: the bureau recomputes, the row shows the settled base
        folder = rates.operator_dir("medical_insurance", root)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "420100_2027-09.json").write_text(json.dumps(NEXT_PERIOD), "utf-8")

        def settled() -> bool:
            page.reload()
            cell = page.locator("table.staff-list tr", has_text="周晓").locator("td.medical-base")
            return cell.get_attribute("data-provisional") == "no"

        live.wait_for(settled, 120, "the recomputed base", poll=3)
        late = page.locator("table.staff-list tr", has_text="周晓").locator("td.medical-base")
        expect(late).to_contain_text("5,000.00 元")  # the new floor (NEXT_PERIOD), the wage being 1000
        expect(late).to_contain_text("已核定")
        assert late.inner_text() != provisional_text
        expect(base).to_have_attribute("data-provisional", "no")  # the first employee's stays settled
        shots(page, "staff-medical-02-recomputed")
        context.close()
