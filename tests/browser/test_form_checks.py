"""One-pass checks (issue 21 items 1, 3): a name the bureau can only reject never reaches a clerk;
every error comes in one answer; ID check digit, phone and amounts are checked while typing, with the
server's own words. At 1280 px and at 390 px, typing key by key."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import eventlet_patched
from tests.browser.helpers import (
    WAIT,
    field,
    fill_valid,
    new_context,
    new_person,
    sign_up,
    submit,
    type_into,
)
from tests.factories import trade_name

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]

BAD_ID = "420102198503120010"  # right shape, wrong check character (…16 is right)
ID_MESSAGE = "身份证号码无效：请核对出生日期和最后一位校验码"


@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "390px"])
def test_a_forbidden_name_and_every_error_in_one_pass(browser, base_url, shots, phone):
    width = "390" if phone else "1280"
    context = new_context(browser, base_url, phone=phone)
    page = context.new_page()
    sign_up(page, new_person())
    trade = trade_name()

    # ---- the form, with a forbidden word in the name, a bad ID, a 10-digit phone, a missing address
    fill_valid(page, "中华" + trade[:2], skip=("domicile.detail", "contact.phone"))
    expect(page.locator("#name-check .problem.error")).to_contain_text("中华", timeout=WAIT)
    type_into(page, "shareholders.0.resident_id", BAD_ID)
    type_into(page, "contact.phone", "1380013800")
    field(page, "contact.email").focus()  # leaving the phone input checks it
    # ---- live: the same words the server uses, before any submit
    expect(page.locator("#f-contact-phone-err")).to_have_text("请填写11位手机号码")
    expect(page.locator("#f-shareholders-0-resident_id-err")).to_have_text(ID_MESSAGE)
    expect(page.locator("#capital-sum")).to_contain_text("500,000.00 元，与注册资本一致")
    expect(page.locator("#capital-words")).to_have_text("= 500,000.00 元（人民币伍拾万元整）")
    shots(page, f"21-checks-live-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= (390 if phone else 1280)

    # ---- one submit: every problem at once, the name among them; nothing stored, nothing lost
    submit(page)
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    for text in ("字号", "中华", "身份证号码", "11位手机号码", "详细地址"):
        expect(summary).to_contain_text(text)
    expect(page).to_have_url(re.compile(r"/apply(#step-\d+)?$"))
    expect(page.locator("#f-name-trade_name-err")).to_contain_text("中华")
    expect(field(page, "contact.phone")).to_have_value("1380013800")
    expect(field(page, "registered_capital")).to_have_value("500000")  # 50万, read as yuan
    shots(page, f"22-checks-all-at-once-{width}")

    # ---- fix them all: submitted, and a clean standard case is approved without a clerk
    type_into(page, "name.trade_name", trade)
    expect(page.locator("#name-check")).to_contain_text("可以使用", timeout=WAIT)
    type_into(page, "shareholders.0.resident_id", _valid_id(page))
    type_into(page, "contact.phone", "13800138000")
    type_into(page, "domicile.detail", "洪山区珞喻路1037号3栋201室")
    expect(page.locator("#f-contact-phone-err")).to_have_count(0)
    submit(page)
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f]+\?submitted=1$"))
    expect(page.locator('.step[data-bureau="registration"]')).to_have_attribute("data-state", "done", timeout=WAIT)
    expect(page.locator("#receipt-pdf")).to_be_visible()  # item 5: the 受理回执 PDF (rendered in test_pages)
    shots(page, f"23-checks-submitted-{width}")

    # ---- item 7/12: Chinese titles, a favicon, an HTML page (not the API's JSON) for an unknown address
    assert page.title().endswith("· 企业开办一网通办") and "OneStop" not in page.title()
    assert page.request.get("/static/web/favicon.svg").ok
    page.goto("/no-such-page")
    expect(page.locator("main")).to_contain_text("没有这个页面")
    shots(page, f"24-not-found-{width}")
    context.close()


def _valid_id(page) -> str:
    """The founder's own ID, as the account prefilled it for the legal representative."""
    return page.locator('[name="legal_representative.resident_id"]').input_value()
