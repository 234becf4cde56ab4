"""After start-up in Chromium, at 1280 and 390 px: a new name similar to a registered one goes to the
registration clerk, who asks for a correction; the founder corrects it on the page, the clerk approves
and every company page shows the new name; a person named by a change confirms it from their own
account; the founder answers a creditor's objection to a capital decrease; /stats counts changes."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD, logged_in_page
from tests.browser.helpers import PHONE, open_task
from tests.browser.test_change_pages import API, founder_company, wait
from tests.factories import resident_id, trade_name
from tests.support.verification import verify


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_similar_new_name_is_corrected_for_the_clerk_then_approved(browser, base_url, clerk_login, shots):
    email, password = f"r{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, auth, form = founder_company(http, email, password)
    old_name = "".join(form["name"][k] for k in ("division", "trade_name", "industry", "organisation_form"))
    context, page = logged_in_page(browser, base_url, email, password, r"^(?!.*/login)")
    page.goto(f"/companies/{uscc}/changes/name")
    page.get_by_label("字号").fill("楚添云启")  # reads like the registered 武汉楚天云启科技有限公司
    page.get_by_role("button", name="提交名称变更").click()
    expect(page).to_have_url(re.compile(rf"/companies/{uscc}/changes/\w+$"))
    change_url = page.url
    expect(page.locator("#review")).to_contain_text("第十九条")
    expect(page.locator("#review")).to_contain_text("读音相同")
    expect(page.get_by_text("登记机关审核中").first).to_be_visible()
    shots(page, "change-review-waiting-1280")

    clerk_context, clerk = logged_in_page(browser, base_url, clerk_login, STAFF_PASSWORD, r"/staff")
    title = f"名称变更：{old_name}"
    open_task(clerk, title)
    expect(clerk.locator("#change-diff")).to_contain_text("楚添云启")
    expect(clerk.locator("#deadline-rule")).to_contain_text("变更登记")
    shots(clerk, "change-review-clerk-1280")
    correction = clerk.locator("form[data-action=request_correction]")
    correction.get_by_label("理由（每行一条，申请人会看到）").fill("字号与“楚天云启”读音相同，易混淆，请更换字号")
    correction.get_by_role("button", name="要求补正").click()
    expect(clerk.get_by_role("status")).to_have_text("已要求补正")

    page.set_viewport_size(PHONE)
    page.goto(change_url)
    expect(page.locator("#correction")).to_contain_text("读音相同")
    _fits(page)
    shots(page, "change-correction-asked-390")
    page.get_by_role("link", name="补正变更申请").click()
    expect(page.locator("#asked")).to_contain_text("请更换字号")
    expect(page.get_by_label("字号")).to_have_value("楚添云启")
    page.get_by_label("字号").fill("美国云启")  # a field error, on the page
    page.get_by_role("button", name="提交补正").click()
    expect(page.locator("#name-trade_name-error")).to_contain_text("外国国家")
    new_trade = trade_name()
    page.get_by_label("字号").fill(new_trade)
    _fits(page)
    shots(page, "change-correction-form-390")
    page.get_by_role("button", name="提交补正").click()
    expect(page).to_have_url(change_url)
    expect(page.locator("#review")).to_contain_text("补正后 第2版")

    clerk.set_viewport_size(PHONE)
    open_task(clerk, title)
    expect(clerk.locator("#assigned")).to_contain_text(clerk_login)
    _fits(clerk)
    shots(clerk, "change-review-clerk-corrected-390")
    approve = clerk.locator("form[data-action=approve]")
    approve.get_by_label(re.compile("确认批准")).check()
    approve.get_by_role("button", name="批准").click()
    expect(clerk.get_by_role("status")).to_have_text("已批准")
    clerk_context.close()

    page.set_viewport_size({"width": 1280, "height": 900})

    def done():
        page.goto(change_url)
        return page.get_by_text("已办结").count() > 0
    assert wait(done, 90)
    expect(page.locator(".timeline")).to_contain_text("登记机关要求补正")
    expect(page.locator(".timeline")).to_contain_text("审核通过")
    expect(page.locator("#company-name")).to_contain_text(new_trade)
    shots(page, "change-review-done-1280")
    page.goto(f"/companies/{uscc}/changes")
    expect(page.locator("#company-name")).to_contain_text(new_trade)

    def listed():  # the founder's applications show the current name once the tracker has the new licence
        page.goto("/applications")
        return page.get_by_text(new_trade).count() > 0
    assert wait(listed, 30)
    page.goto("/stats")
    expect(page.locator("#changes-table tr[data-kind=name]")).to_be_visible()
    shots(page, "stats-after-start-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    _fits(page)
    shots(page, "stats-after-start-390")
    context.close()


def test_a_person_named_by_a_change_confirms_it_on_their_page(browser, base_url, shots):
    email, password = f"s{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    newcomer = {"kind": "natural", "name": "王芳", "resident_id": resident_id(female=True),
                "subscribed_amount": "500000.00"}
    person_email = f"w{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, auth, form = founder_company(http, email, password)
        newcomer["payment_due"] = form["shareholders"][0]["payment_due"]
        body = {"registered_capital": "1500000.00", "shareholders": [*form["shareholders"], newcomer]}
        change = http.post(f"{API}/companies/{uscc}/changes", json=body, headers=auth).json()
        assert change["state"] == "awaiting_confirmation", change
        assert http.post(f"{API}/accounts", json={"name": "王芳", "resident_id": newcomer["resident_id"],
                                                  "email": person_email, "password": password}).status_code == 201
        token = http.post(f"{API}/tokens", data={"username": person_email, "password": password}).json()["access_token"]
        verify(http.request, {"Authorization": f"Bearer {token}"}, person_email)  # the code from the outbox file

    for viewport, suffix in (({"width": 1280, "height": 900}, "1280"), (PHONE, "390")):
        context, page = logged_in_page(browser, base_url, person_email, password, r"^(?!.*/login)")
        page.set_viewport_size(viewport)
        page.get_by_role("link", name="待我确认").first.click()
        row = page.locator("#changes-to-confirm li")
        expect(row).to_contain_text("变更注册资本、股东及出资")
        expect(row).to_contain_text("股东")
        if suffix == "390":
            _fits(page)
        shots(page, f"change-confirmations-{suffix}")
        if suffix == "1280":
            context.close()
            continue
        row.get_by_role("link").click()
        expect(page.locator("#confirm-by")).to_have_text(change["confirm_by"])
        expect(page.get_by_text(re.compile("王芳 认缴500000.00元"))).to_be_visible()
        assert newcomer["resident_id"] not in page.content()
        _fits(page)
        shots(page, "change-confirmation-one-390")
        page.get_by_role("button", name="本人确认").click()
        expect(page.locator("#change-decided")).to_be_visible()
        expect(page.locator("#no-change-to-confirm")).to_be_visible()
        context.close()
    with httpx.Client(base_url=base_url, timeout=30) as http:
        url = f"{API}/companies/{uscc}/changes/{change['change_id']}"
        assert wait(lambda: http.get(url, headers=auth).json()["state"] in ("registered", "completed"), 60)


def test_the_founder_answers_a_creditors_objection_to_a_capital_decrease(browser, base_url, shots):
    email, password = f"d{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, auth, form = founder_company(http, email, password)
        [holder] = form["shareholders"]
        change = http.post(f"{API}/companies/{uscc}/changes", headers=auth, json={
            "registered_capital": "500000.00", "shareholders": [{**holder, "subscribed_amount": "500000.00"}],
            "creditors_notified": True}).json()
        assert change["state"] == "noticed", change
        objected = http.post(f"{API}/verify/licences/{uscc}/capital-objections",
                             json={"creditor": "武汉江城晨光商贸有限公司", "demand": "repay", "reason": "货款20000元未付"})
        assert objected.status_code == 201, objected.text

    context, page = logged_in_page(browser, base_url, email, password, r"^(?!.*/login)")
    page.goto(f"/companies/{uscc}/changes/{change['change_id']}")
    objection = page.locator("#objections li").first
    expect(objection).to_contain_text("要求清偿债务")
    expect(page.locator(".timeline")).to_contain_text("债权人提出异议")
    shots(page, "capital-objection-1280")
    objection.get_by_role("button", name="记录答复").click()  # no outcome chosen: the browser asks first
    expect(objection.get_by_role("button", name="记录答复")).to_be_visible()
    objection.get_by_label("已清偿债务").check()
    objection.get_by_label("说明（可选）").fill("已于12月10日付清")
    objection.get_by_role("button", name="记录答复").click()
    expect(page.locator("#objections")).to_contain_text("已清偿债务")
    expect(page.locator(".timeline")).to_contain_text("公司答复债权人异议")
    page.set_viewport_size(PHONE)
    page.reload()
    _fits(page)
    shots(page, "capital-objection-answered-390")
    context.close()
