"""Sign-up verification (issue 20): after sign-up the founder lands on the code page; a wrong code is
refused with the attempts left; unverified, the form can be filled but submitting answers 403 with the
reason; the code from the embedded sender's outbox file (it sends nothing) lets the founder submit."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import eventlet_patched
from tests.browser.helpers import fill_valid, new_context, new_person, submit, verify_contact
from tests.factories import trade_name
from tests.support.verification import code_for

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_an_unverified_founder_fills_the_form_but_submits_only_after_the_code(browser, base_url, shots, phone):
    person = new_person("王芳")
    where = {"X-Forwarded-For": f"198.19.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"}
    context = new_context(browser, base_url, phone=phone, extra_http_headers=where)
    page = context.new_page()
    page.goto("/signup")
    page.get_by_label("姓名").fill(person["name"])
    page.get_by_label("身份证号码").fill(person["resident_id"])
    page.get_by_label("电子邮箱").fill(person["email"])
    page.get_by_label("密码").fill(person["password"])
    page.get_by_role("button", name="注册并开始").click()
    expect(page).to_have_url(re.compile(r"/account/verify"))
    expect(page.get_by_text("验证码已发送至")).to_contain_text(person["email"][:1] + "***@example.com")
    expect(page.get_by_text("验证码不会真的发出")).to_be_visible()  # the embedded sender says so
    code = code_for(person["email"])
    page.get_by_label("验证码").fill(f"{(int(code) + 1) % 10**6:06d}")
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("验证码不正确，还可尝试4次")
    shots(page, f"verify-contact-wrong-{'phone' if phone else 'desktop'}")

    page.get_by_role("link", name="先去填写草稿").click()
    fill_valid(page, trade_name())
    submit(page)
    expect(page.get_by_role("alert").first).to_contain_text("请先验证您的电子邮箱或手机号码")
    shots(page, f"verify-contact-submit-refused-{'phone' if phone else 'desktop'}")

    page.get_by_role("link", name="去验证联系方式").click()
    verify_contact(page, person["email"])
    # back on /apply, drafts.js may find this browser's copy (kept by the refused submit) newer than the
    # server's, send it and reload the page: the submit waits for that to be over (rehearsals: a click
    # timed out at 10 s on a loaded machine while the reload was under way)
    page.wait_for_load_state("networkidle")
    submit(page)
    expect(page).to_have_url(re.compile(r"/applications/\w+\?submitted=1"))
    context.close()
