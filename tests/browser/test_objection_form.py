"""The public objection form in Chromium (no login), at 1280 and 390 px: a company noticing a capital
decrease shows the notice on its licence's verification page; a creditor objects there (an empty form
is refused field by field in Chinese), the page says only that it was recorded and the founder sees the
objection on the change. A simplified closing's notice takes an objection the same way."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import expect

from tests.browser.helpers import PHONE
from tests.browser.test_change_pages import API, founder_company

CREDITOR, REASON = "武汉江城晨光商贸有限公司", "货款20000元未付，合同编号JC-2026-118"


def _anyone(browser, base_url):
    """A visitor from an address of its own (X-Forwarded-For, as test_login_challenge does), so the
    per-address objection limit (5 an hour) is this test's alone."""
    where = {"X-Forwarded-For": f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"}
    return browser.new_context(base_url=base_url, extra_http_headers=where)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_creditor_objects_to_a_capital_decrease_on_the_public_page(browser, base_url, shots):
    email, password = f"o{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, auth, form = founder_company(http, email, password)
        [holder] = form["shareholders"]
        change = http.post(f"{API}/companies/{uscc}/changes", headers=auth, json={
            "registered_capital": "500000.00", "shareholders": [{**holder, "subscribed_amount": "500000.00"}],
            "creditors_notified": True}).json()
        assert change["state"] == "noticed", change

    context = _anyone(browser, base_url)  # no login
    page = context.new_page()
    page.goto(f"/verify/licences/{uscc}")
    notice = page.locator('[data-notice="capital_decrease"]')
    expect(notice).to_contain_text("减资公告")
    notice.get_by_role("link", name="提出异议").click()
    expect(page.locator("h1")).to_have_text("对减资公告提出异议")
    expect(page.get_by_text("第二百二十四条")).to_be_visible()
    page.get_by_role("button", name="提交异议").click()  # empty: every field says what is missing
    expect(page.locator("#o-creditor-error")).to_contain_text("债权人名称")
    expect(page.locator("#o-demand-error")).to_contain_text("清偿债务")
    expect(page.locator("#o-reason-error")).to_contain_text("理由")
    shots(page, "objection-errors-1280")
    page.get_by_label("债权人名称").fill(CREDITOR)
    page.get_by_label("要求清偿债务").check()
    page.get_by_label("理由", exact=False).fill(REASON)
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator("#objection-recorded")).to_contain_text("异议已记录")
    content = page.content()
    assert CREDITOR not in content and "20000" not in content and holder["name"] not in content
    shots(page, "objection-recorded-1280")
    page.set_viewport_size(PHONE)
    page.goto(f"/verify/licences/{uscc}/objection?kind=capital_decrease")
    _fits(page)
    shots(page, "objection-form-390")
    context.close()

    with httpx.Client(base_url=base_url, timeout=30) as http:  # recorded as the API records it
        seen = http.get(f"{API}/companies/{uscc}/changes/{change['change_id']}", headers=auth).json()
    [objection] = seen["objections"]
    assert objection["creditor"] == CREDITOR and objection["demand"] == "repay" and objection["reason"] == REASON


def test_an_objection_to_a_simplified_closing_and_none_without_a_notice(browser, base_url, shots):
    email, password = f"q{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, auth, _ = founder_company(http, email, password)
    context = _anyone(browser, base_url)
    page = context.new_page()
    # nothing noticed yet: no link, and the form says there is nothing to object to
    page.goto(f"/verify/licences/{uscc}")
    expect(page.locator("[data-notice]")).to_have_count(0)
    answer = page.goto(f"/verify/licences/{uscc}/objection?kind=simplified_closing")
    assert answer.status == 404
    expect(page.get_by_role("alert")).to_contain_text("没有正在公示的简易注销公告")

    with httpx.Client(base_url=base_url, timeout=30) as http:
        closure = http.post(f"{API}/companies/{uscc}/closures", headers=auth, json={"commitment": True})
        assert closure.status_code == 201, closure.text
        closure = closure.json()
    page.goto(f"/verify/licences/{uscc}")
    page.locator('[data-notice="simplified_closing"]').get_by_role("link", name="提出异议").click()
    expect(page.get_by_text("第三十三条")).to_be_visible()
    page.get_by_label("异议人", exact=False).fill("武汉市洪山区人力资源局")
    page.get_by_label("理由", exact=False).fill("有")  # too short
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator("#o-reason-error")).to_contain_text("2-500字")
    page.get_by_label("理由", exact=False).fill("该企业尚欠职工工资未结清")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator("#objection-recorded")).to_contain_text("不能按简易程序注销")
    assert "欠职工工资" not in page.content()
    shots(page, "closing-objection-recorded-1280")
    context.close()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        seen = http.get(f"{API}/companies/{uscc}/closures/{closure['closure_id']}", headers=auth).json()
    assert seen["objections"] == 1, seen
