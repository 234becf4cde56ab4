"""Drafts and the step wizard (issue 21 item 5): a founder's application entered step by step, key by
key, interrupted by a reload and by an expired session, resumed in a second browser context (the other
width) and submitted there with nothing retyped; the 受理编号 is given at submission."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from contracts.clock import in_china
from tests.browser.conftest import eventlet_patched
from tests.browser.helpers import WAIT, field, log_in, new_context, new_person, sign_up, submit, type_into
from tests.factories import resident_id, trade_name

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]


def expire_sessions(system, email: str) -> None:
    """What time does to a session: every token of the account is past its expiry."""
    from kit.mongo import connect

    db = connect(system.mongo_uri, f"{system.db_prefix}_gateway")
    try:
        account = db["accounts"].find_one({"logins": email})
        db["tokens"].update_many({"account_id": account["_id"]},
                                 {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}})
    finally:
        db.client.close()


def saved(page) -> None:
    status = page.locator("#draft-status")
    expect(status).to_contain_text("已自动保存", timeout=WAIT)
    # the time shown is Beijing time, whatever zone the browser runs in (this one runs in UTC)
    shown = re.search(r"已自动保存（(\d\d:\d\d)）", status.inner_text())
    beijing = in_china(datetime.now(UTC))
    assert shown is None or shown.group(1) in {f"{t:%H:%M}" for t in (beijing, beijing - timedelta(minutes=1))}, \
        status.inner_text()


@pytest.mark.parametrize("first_phone", [False, True], ids=["1280px-then-390px", "390px-then-1280px"])
def test_a_draft_survives_reload_expiry_and_another_device(browser, base_url, system, shots, first_phone):
    tag = "390" if first_phone else "1280"
    person = new_person()
    trade, employee_id = trade_name(), resident_id()
    one = new_context(browser, base_url, phone=first_phone)
    page = one.new_page()
    sign_up(page, person)

    # ---- materials and time first, then step 1 of 10
    expect(page.locator("#prepare")).to_contain_text("约 15 分钟")
    expect(page.locator("#step-count")).to_have_text("第1步/共11步 · 公司名称")
    shots(page, f"31-wizard-step1-{tag}")
    type_into(page, "name.trade_name", trade)
    type_into(page, "name.industry", "科技")
    page.get_by_role("button", name="下一步：类型与注册资本").click()
    expect(page.locator("#step-count")).to_have_text("第2步/共11步 · 类型与注册资本")
    type_into(page, "registered_capital", "50万")
    page.get_by_role("button", name=re.compile("下一步")).click()
    field(page, "domicile.district_code").select_option("420111")
    type_into(page, "domicile.detail", "洪山区珞喻路1037号3栋201室")
    saved(page)

    # ---- a reload: the same step, everything typed still there
    page.reload()
    expect(page.locator("#step-count")).to_have_text("第3步/共11步 · 住所")
    expect(field(page, "domicile.detail")).to_have_value("洪山区珞喻路1037号3栋201室")
    expect(page.locator("#draft-resumed")).to_be_visible()
    shots(page, f"32-wizard-after-reload-{tag}")
    page.get_by_role("button", name=re.compile("下一步")).click()
    type_into(page, "shareholders.0.subscribed_amount", "50万")
    expect(page.locator("#capital-sum")).to_contain_text("与注册资本一致")
    field(page, "business_scope")
    page.get_by_label(re.compile("软件开发")).check()
    field(page, "governance.no_supervisor_consent").check()  # the governance step: kept in the draft too
    field(page, "governance.officers_declaration").check()
    saved(page)

    # ---- the session expires while the founder goes on typing: kept in the browser, said so
    expire_sessions(system, person["email"])
    status = page.locator("#draft-status")
    field(page, "housing_fund")
    page.get_by_role("button", name="＋ 添加员工").click()
    type_into(page, "employees.0.name", "王芳")
    type_into(page, "employees.0.resident_id", employee_id)
    for _ in range(40):  # the gateway trusts a resolved token for a few seconds; each keystroke saves
        if "登录已过期" in (status.text_content() or ""):
            break
        type_into(page, "employees.0.monthly_wage", "6000")
        page.wait_for_timeout(500)
    expect(status).to_contain_text("登录已过期")
    shots(page, f"33-wizard-session-expired-{tag}")

    # ---- log in again: back on the form with what was typed after the expiry
    page.locator("[data-relogin]").click()
    log_in(page, person["email"], person["password"])
    expect(page).to_have_url(re.compile(r"/apply"))
    # the name may have reached the server before the expiry took hold, the wage only this browser: the page
    # shows the server's copy first, then sends this browser's newer one and renders again (drafts.js)
    expect(field(page, "employees.0.name")).to_have_value("王芳", timeout=WAIT)
    expect(field(page, "employees.0.monthly_wage")).to_have_value("6000", timeout=WAIT)
    field(page, "contact.phone").fill("")
    type_into(page, "contact.phone", "13800138000")
    saved(page)
    one.close()

    # ---- another device (the other width): log in, everything is there, submit without retyping
    two = new_context(browser, base_url, phone=not first_phone)
    other = two.new_page()
    other.goto("/apply")
    log_in(other, person["email"], person["password"])
    expect(other.locator("#draft-resumed")).to_be_visible()
    expect(other.locator("#step-count")).to_have_text("第11步/共11步 · 联系方式")
    expect(field(other, "contact.phone")).to_have_value("13800138000")
    expect(field(other, "name.trade_name")).to_have_value(trade)
    expect(field(other, "employees.0.resident_id")).to_have_value(employee_id)
    shots(other, f"34-wizard-resumed-other-device-{tag}")
    submit(other)
    expect(other).to_have_url(re.compile(r"/applications/[0-9a-f]+\?submitted=1$"))
    expect(other.locator("#accepted")).to_contain_text(re.compile(r"受理编号 WH\d{13}"))
    shots(other, f"35-submitted-acceptance-no-{tag}")
    # submitted: the next new form starts empty
    other.goto("/apply")
    expect(field(other, "name.trade_name")).to_have_value("")
    two.close()
