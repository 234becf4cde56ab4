"""The founder's closing flow (简易注销) in Chromium: the request page refuses a request without the
investors' commitment, takes it with one, and the closure page shows the 20-day notice and every
bureau's check, each blocker with what to do (the company still has staff), and the new-check button."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import logged_in_page
from tests.browser.test_change_pages import founder_company, wait


def test_a_founder_asks_to_close_and_sees_every_bureaus_blockers(browser, base_url, shots):
    email, password = f"z{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, auth, form = founder_company(http, email, password)

    context, page = logged_in_page(browser, base_url, email, password, r"^(?!.*/login)")
    page.goto(f"/companies/{uscc}/closing")
    expect(page.locator("h1")).to_have_text("企业注销")
    expect(page.get_by_text("尚未申请注销")).to_be_visible()
    page.get_by_role("button", name="提交简易注销申请").click()  # without the commitment
    expect(page.get_by_role("alert")).to_contain_text("全体投资人承诺")
    page.get_by_label(re.compile("全体投资人承诺")).check()
    page.get_by_role("button", name="提交简易注销申请").click()
    expect(page).to_have_url(re.compile(rf"/companies/{uscc}/closures/\w+$"))
    expect(page.locator("h1")).to_contain_text("简易注销")
    expect(page.get_by_text(re.compile(r"公示期 \d{4}-\d\d-\d\d 至 \d{4}-\d\d-\d\d（20日）"))).to_be_visible()

    def every_bureau_checked():
        page.reload()
        return page.get_by_text("核查中").count() == 0
    assert wait(every_bureau_checked, 60)
    for label in ("印章（公安）", "税务", "人社（社保）", "住房公积金管理中心"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    expect(page.get_by_text("有未办结事项", exact=True)).to_have_count(3)  # social security, medical insurance and the housing fund
    name = form["employees"][0]["name"]
    expect(page.get_by_text(f"职工{name}仍在本单位参保")).to_be_visible()
    expect(page.get_by_text(f"职工{name}的住房公积金个人账户仍在缴存")).to_be_visible()
    expect(page.get_by_text(re.compile("请办理：为该职工办理减员")).first).to_be_visible()
    expect(page.get_by_text("已清结", exact=True)).to_have_count(2)  # the seals and tax
    expect(page.get_by_role("button", name="已办理完毕，请各部门重新核查")).to_be_visible()
    assert form["employees"][0]["resident_id"] not in page.content()
    shots(page, "closing-blockers")
    page.get_by_role("button", name="已办理完毕，请各部门重新核查").click()
    expect(page.get_by_text("各部门清结核查（第2次）")).to_be_visible()
    page.get_by_role("link", name="返回企业注销").click()
    expect(page.get_by_role("link", name="公示中")).to_be_visible()
    expect(page.get_by_role("button", name="提交简易注销申请")).to_have_count(0)  # one closing at a time
    context.close()


def test_a_founder_files_a_liquidation_and_follows_each_step_and_deadline(browser, base_url, shots):
    from datetime import timedelta

    from contracts import clock
    from contracts.liquidation import claims_end_on
    from tests.browser.helpers import PHONE

    email, password = f"q{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, _, _ = founder_company(http, email, password)
    today = clock.china_today()
    context, page = logged_in_page(browser, base_url, email, password, r"^(?!.*/login)")
    page.goto(f"/companies/{uscc}/closing")
    liquidation = page.locator("#liquidation")
    # formed 20 days after the dissolution, leader not in the group, creditors not confirmed: every field says why
    page.get_by_label("解散事由出现之日").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("清算组成立之日").fill(today.isoformat())
    page.get_by_label("清算组成员（用顿号或逗号分隔）").fill("张伟、王芳")
    page.get_by_label("清算组负责人").fill("李娜")
    liquidation.get_by_role("button", name="提交清算组备案").click()
    expect(page.locator("#liq-formed_on-error")).to_contain_text("第二百三十二条")
    expect(page.locator("#liq-leader-error")).to_contain_text("清算组成员")
    expect(page.get_by_text(re.compile("第二百三十五条"))).to_be_visible()
    shots(page, "liquidation-refused")

    page.get_by_label("解散事由出现之日").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("清算组负责人").fill("张伟")
    page.get_by_label(re.compile("清算组已通知")).check()
    page.locator("#liquidation").get_by_role("button", name="提交清算组备案").click()
    expect(page).to_have_url(re.compile(rf"/companies/{uscc}/closures/\w+$"))
    expect(page.locator("h1")).to_have_text("一般注销（清算） · 清算中（债权申报期）")
    ends = claims_end_on(today).isoformat()
    expect(page.get_by_text(f"债权申报期 {today.isoformat()} 至 {ends}（公告之日起45日）")).to_be_visible()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(3)).to_contain_text(ends)  # the declaration period's last day
    expect(rows.nth(2)).to_contain_text(today.isoformat())  # published today

    def every_bureau_checked():
        page.reload()
        return page.get_by_text("核查中").count() == 0
    assert wait(every_bureau_checked, 60)
    # the report before the period is over: refused, naming its last day
    page.get_by_label(re.compile("清算报告（")).fill("债务已全部清偿，剩余财产已按出资比例分配")
    page.get_by_label(re.compile("已经股东会确认")).check()
    page.get_by_role("button", name="报送清算报告").click()
    expect(page.get_by_role("alert")).to_contain_text(ends)
    shots(page, "liquidation-steps-1280")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("table.queue")).to_be_visible()
    shots(page, "liquidation-steps-390")
    page.get_by_role("link", name="返回企业注销").click()
    expect(page.get_by_role("button", name="提交清算组备案")).to_have_count(0)  # one closing at a time
    context.close()
