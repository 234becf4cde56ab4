"""The login page after failed attempts (issue 20): a challenge question appears with a plain statement
that it is no CAPTCHA service; answered with the right password, the founder is in. Each context comes
from an address of its own (X-Forwarded-For), so the other browser tests' log-ins are not slowed."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import eventlet_patched
from tests.browser.helpers import log_in, new_context, new_person, sign_up

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_failed_log_ins_bring_a_challenge_and_the_answer_lets_the_founder_in(browser, base_url, shots, phone):
    person = new_person("王芳")
    where = {"X-Forwarded-For": f"198.18.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"}
    context = new_context(browser, base_url, phone=phone, extra_http_headers=where)
    page = context.new_page()
    sign_up(page, person)
    context.clear_cookies()
    page.goto("/login")
    for i in range(3):
        log_in(page, person["email"], f"wrong-{i}-password")
        expect(page.get_by_role("alert")).to_contain_text("账号或密码不正确")
    expect(page.get_by_role("alert")).to_contain_text("请同时回答下面的验证题")
    label = page.locator("label[for=challenge_answer]")
    expect(label).to_contain_text(re.compile(r"验证题：\d+ \+ \d+ = ？"))
    expect(page.get_by_text("不是专业的人机验证（CAPTCHA）服务")).to_be_visible()
    expect(page.locator("#login")).to_have_value(person["email"])
    shots(page, f"login-challenge-{'phone' if phone else 'desktop'}")

    log_in_answering(page, person, "0")  # a wrong answer: a fresh question, the founder stays out
    expect(page.get_by_role("alert")).to_contain_text("验证题答案不正确")
    a, b = map(int, re.findall(r"\d+", label.inner_text()))
    log_in_answering(page, person, str(a + b))
    expect(page).to_have_url(re.compile(r"/applications"))
    context.close()


def log_in_answering(page, person: dict, answer: str) -> None:
    page.get_by_label("验证题").fill(answer)
    log_in(page, person["email"], person["password"])
