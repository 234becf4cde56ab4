"""The founder's name change (名称变更) in Chromium, at 1280 and 390 px: the form refuses a name the
rules forbid with the field's message, takes a new one, and the change page shows the new name and
every bureau's answer: the seal bureau's new seals and the old ones void."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import logged_in_page
from tests.browser.helpers import PHONE
from tests.browser.test_change_pages import founder_company, wait
from tests.factories import resident_id, trade_name


def test_a_founder_renames_the_company_and_sees_new_seals_and_every_bureaus_answer(browser, base_url, shots):
    email, password = f"n{resident_id()[-8:]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, _, _ = founder_company(http, email, password)
    context, page = logged_in_page(browser, base_url, email, password, r"^(?!.*/login)")
    page.goto(f"/companies/{uscc}/changes")
    page.get_by_role("link", name="申请名称变更").click()
    expect(page.locator("h1")).to_have_text("名称变更")
    expect(page.get_by_label("行政区划")).to_have_value("武汉")
    page.get_by_label("字号").fill("美国云启")
    page.get_by_role("button", name="提交名称变更").click()
    expect(page.get_by_role("alert")).to_contain_text("新名称不能登记")
    expect(page.locator("#name-trade_name-error")).to_contain_text("外国国家")
    shots(page, "name-change-refused")

    new_trade = trade_name()
    page.get_by_label("字号").fill(new_trade)
    page.get_by_role("button", name="提交名称变更").click()
    expect(page).to_have_url(re.compile(rf"/companies/{uscc}/changes/\w+$"))
    expect(page.locator("h1")).to_have_text("变更名称")
    expect(page.get_by_text(re.compile(f"新名称：.*{new_trade}"))).to_be_visible()

    def done():
        page.reload()
        return page.get_by_text("已办结").count() > 0
    assert wait(done, 60)
    expect(page.get_by_text(re.compile("已按新名称刻制新印章.*原印章.*已作废")).first).to_be_visible()
    for label in ("印章（公安）", "税务", "人社（社保）", "医疗保障局", "住房公积金管理中心"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(f"单位名称已变更为.*{new_trade}")).first).to_be_visible()
    shots(page, "name-change-done-1280")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_text(re.compile("已按新名称刻制新印章")).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "name-change-done-390")
    context.close()
