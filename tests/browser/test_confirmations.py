"""The second person's page (issue 20): a founder names a partner as shareholder and sole director; the
partner signs up in the browser with their own resident ID, finds the application under 待我确认, reads
what they are confirming (names and posts, no ID numbers) and confirms; the application then goes to the
bureaus and the founder's page shows the partner's confirmation."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import eventlet_patched
from tests.browser.helpers import WAIT, new_context, sign_up
from tests.factories import make_form
from tests.support.verification import verify

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]

PASSWORD = "Founder-2024"


def submitted_naming_a_partner(base_url: str) -> tuple[str, dict, dict]:
    """The founder (over the API) submits a form naming a partner who has no account yet."""
    form = make_form()
    founder, partner = form["shareholders"]
    form["legal_representative"] = {"name": founder["name"], "resident_id": founder["resident_id"], "position": "manager"}
    form["directors"] = [{"name": partner["name"], "resident_id": partner["resident_id"]}]
    form["supervisors"] = []
    form["governance"] = {**form["governance"], "supervision": "none", "no_supervisor_consent": True}
    with httpx.Client(base_url=base_url, timeout=30) as http:
        email = f"{founder['resident_id']}@founders.example.com"
        assert http.post("/api/v1/accounts", json={"name": founder["name"], "resident_id": founder["resident_id"],
                                                   "email": email, "password": PASSWORD}).status_code == 201
        token = http.post("/api/v1/tokens", data={"username": email, "password": PASSWORD}).json()["access_token"]
        verify(http.request, {"Authorization": f"Bearer {token}"}, email)  # the code from the outbox file
        reply = http.post("/api/v1/applications", json=form, headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 201, reply.text
        assert reply.json()["status"] == "awaiting_confirmation"
    return reply.json()["id"], form, {"email": email, "token": token}


def test_the_partner_confirms_from_their_own_account(browser, base_url, shots):
    app_id, form, founder = submitted_naming_a_partner(base_url)
    partner = form["shareholders"][1]
    context = new_context(browser, base_url)
    page = context.new_page()
    sign_up(page, {"name": partner["name"], "resident_id": partner["resident_id"],
                   "email": f"{partner['resident_id']}@partners.example.com", "password": PASSWORD})
    page.get_by_role("link", name="待我确认").click()
    company = "武汉" + form["name"]["trade_name"] + "科技有限公司"
    expect(page.locator("#to-confirm")).to_contain_text(company)
    page.get_by_role("link", name=company).click()
    expect(page.locator("#my-roles")).to_have_text("股东、董事")
    expect(page.locator("#founder-name")).to_have_text(form["shareholders"][0]["name"])
    body = page.locator("main").inner_text()
    assert partner["resident_id"] not in body and form["shareholders"][0]["resident_id"] not in body
    shots(page, "confirmation-pending")
    page.get_by_role("button", name="本人确认").click()
    expect(page.locator("#decided")).to_contain_text("已确认")
    expect(page.locator("#my-state")).to_have_attribute("data-state", "confirmed")
    expect(page.locator("#app-status")).not_to_have_text(re.compile("等待相关人员确认"), timeout=WAIT)
    shots(page, "confirmation-done")

    with httpx.Client(base_url=base_url, timeout=30) as http:
        view = http.get(f"/api/v1/applications/{app_id}",
                        headers={"Authorization": f"Bearer {founder['token']}"}).json()
    assert view["status"] != "awaiting_confirmation"
    assert {p["state"] for p in view["confirmations"]["parties"]} == {"implicit", "confirmed"}
    context.close()
