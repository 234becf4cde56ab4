"""The correction loop (issue 21 item 4), driven end to end by two registration clerks and a founder:
clerk A asks for two corrections; the founder fixes one, is warned about the other and confirms it; the
case is NOT approved automatically although it is now a standard case; it goes back to clerk A (clerk B
is told so) marked 补正后 第2版 with the request and the diff; clerk A approves; the 已办 tab's old
row still opens. Founder and clerk B on a 390 px phone, clerk A at 1280 px.
Also (items 8, 12, 11): the page says the clock stops while the founder corrects and its summary date is
the latest step card's; the founder answers in words with a file (a fake one refused by its bytes), the
clerk reads and downloads it, another founder cannot; the founder rates the finished licence step."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD, eventlet_patched
from tests.browser.helpers import (
    WAIT,
    deadlines_agree,
    field,
    fill_valid,
    log_in,
    new_context,
    new_person,
    open_task,
    reply,
    sign_up,
    submit,
)
from tests.factories import trade_name

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]


def clerk_page(browser, base_url, login: str, phone: bool):
    context = new_context(browser, base_url, phone=phone)
    page = context.new_page()
    page.goto("/login")
    log_in(page, login, STAFF_PASSWORD)
    expect(page).to_have_url(re.compile(r"/staff$"))
    return context, page


def png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_two_clerks_and_a_founder_through_a_correction(browser, base_url, system, clerk_login, shots):
    from gateway.ops.cli import add_staff

    login_b = f"reg.{uuid.uuid4().hex[:6]}"
    add_staff(login_b, STAFF_PASSWORD, bureau="registration", name="登记员小李", mongo_uri=system.mongo_uri,
              db_prefix=system.db_prefix)
    founder_ctx = new_context(browser, base_url, phone=True)
    page = founder_ctx.new_page()
    sign_up(page, new_person("陈静"))
    trade = trade_name()
    company = f"武汉{trade}科技有限公司"
    fill_valid(page, trade)
    page.get_by_label(re.compile("餐饮服务")).check()  # a licensed item: a clerk looks
    field(page, "domicile.district_code").select_option("420106")  # 武昌区, with a 洪山区 street (item 10)
    submit(page)
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f]+\?submitted=1$"))
    app_url = page.url.split("?")[0]
    registration = page.locator('.step[data-bureau="registration"]')
    expect(registration).to_have_attribute("data-state", "waiting_for_clerk", timeout=WAIT)
    deadlines_agree(page)
    expect(page.locator("#deadline-rule")).to_contain_text("补正期间暂停计时")

    # ---- clerk A asks for two corrections
    a_ctx, clerk_a = clerk_page(browser, base_url, clerk_login, phone=False)
    open_task(clerk_a, company)
    first_task = clerk_a.url
    expect(clerk_a.locator("#address-clash")).to_contain_text("详细地址写的是洪山区，所在区却是武昌区")
    asked = clerk_a.locator('form[data-action="request_correction"]')
    asked.get_by_label(re.compile("理由")).fill("许可项目“餐饮服务”请先取得食品经营许可\n住所详细地址与所在区不一致，请核对")
    asked.get_by_label("经营范围", exact=True).check()
    asked.get_by_label("住所详细地址", exact=True).check()
    asked.get_by_role("button", name="要求补正").click()
    expect(clerk_a.locator(".notice.ok")).to_contain_text("已要求补正")

    # ---- the founder removes the licensed item only: warned about the address, confirms it
    expect(page.locator("#correction-box")).to_contain_text("食品经营许可", timeout=WAIT)
    expect(page.locator("#deadline-rule")).to_contain_text("现在暂停计时，等待您补正")
    shots(page, "40-correction-requested-clock-stopped-390")
    # item 6: every moment on the founder's page is Beijing time, never an ISO/UTC stamp
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:|\+00:00|UTC", page.locator("main").inner_text())
    page.get_by_role("link", name=re.compile("去补正")).click()
    expect(page.locator("#reasons-title")).to_be_visible()
    expect(page.locator("#name-check")).to_contain_text("可以使用", timeout=WAIT)  # item 2: its own name
    field(page, "business_scope")
    page.get_by_label(re.compile("餐饮服务")).uncheck()
    # a written answer and a "photo" that is really a text file: refused by its bytes, with the form's errors
    reply(page, "地址无误：珞喻路1037号属洪山区，附门牌照片。", {"name": "门牌.png", "mimeType": "image/png",
                                                           "buffer": b"not a png"})
    submit(page, "提交补正")
    expect(page.locator("#error-summary")).to_contain_text("内容与上次提交的相同")
    expect(page.locator("#error-summary")).to_contain_text("住所 · 详细地址")
    expect(page.locator("#f-reply_file-err")).to_contain_text("只能是PDF、JPG或PNG")
    expect(page.locator("#f-reply_text")).to_have_value("地址无误：珞喻路1037号属洪山区，附门牌照片。")
    shots(page, "41-correction-unchanged-warning-390")
    page.get_by_label(re.compile("标出的内容无需修改")).check()  # in the error summary, on every step
    reply(page, None, {"name": "门牌.png", "mimeType": "image/png", "buffer": png_bytes()})
    submit(page, "提交补正")
    expect(page).to_have_url(app_url)
    expect(page.locator("#my-replies")).to_contain_text("门牌.png")

    # ---- now a standard case, yet NOT approved automatically: back with clerk A
    expect(registration).to_have_attribute("data-state", "waiting_for_clerk", timeout=WAIT)
    deadlines_agree(page)  # the clock restarted from the resubmission; summary and cards still agree
    b_ctx, clerk_b = clerk_page(browser, base_url, login_b, phone=True)
    open_task(clerk_b, company)
    expect(clerk_b.locator("#assigned")).to_contain_text(clerk_login)
    expect(clerk_b.locator("#address-clash")).to_be_visible()  # the same check on a phone
    clerk_b.get_by_role("button", name="认领此事项").click()
    expect(clerk_b.locator(".notice.error-summary")).to_contain_text(f"退回提出补正的{clerk_login}")
    wide = clerk_b.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
        .map(e => e.tagName + '.' + e.className + ':' + (e.textContent || '').slice(0, 30))""")
    assert clerk_b.evaluate("document.documentElement.scrollWidth") <= 390, wide[:8]
    shots(clerk_b, "42-clerk-b-refused-390")

    clerk_a.goto("/staff")
    row = clerk_a.locator("tr", has=clerk_a.get_by_role("link", name=company))
    expect(row).to_contain_text("补正后 第2版")
    expect(row).to_contain_text(f"退回 {clerk_login}")
    shots(clerk_a, "43-clerk-a-queue-1280")
    open_task(clerk_a, company)
    box = clerk_a.locator("#resubmission")
    expect(box).to_contain_text("补正后 第2版")
    expect(box).to_contain_text("食品经营许可")  # the request, copied
    expect(clerk_a.locator("#diff")).to_contain_text("经营范围")
    expect(clerk_a.locator("#diff")).not_to_contain_text("G0001")  # scope by name, no internal codes
    expect(clerk_a.locator("#unchanged-flagged")).to_contain_text("住所 · 详细地址")
    replies = clerk_a.locator("#replies")
    expect(replies).to_contain_text("第2版")
    expect(replies).to_contain_text("珞喻路1037号属洪山区")
    with clerk_a.expect_download() as info:
        replies.locator("a.reply-file").click()
    assert info.value.suggested_filename == "门牌.png"
    with open(info.value.path(), "rb") as fh:
        assert fh.read() == png_bytes()
    file_url = replies.locator("a.reply-file").get_attribute("href")
    stranger_ctx = new_context(browser, base_url, phone=True)
    stranger = stranger_ctx.new_page()
    sign_up(stranger, new_person("刘洋"))
    assert stranger.request.get(file_url).status == 404  # another founder: nothing there
    stranger_ctx.close()
    shots(clerk_a, "44-clerk-a-diff-1280")
    approve = clerk_a.locator('form[data-action="approve"]')
    approve.get_by_role("button", name="批准").click()  # not without the confirmation (item 10)
    expect(clerk_a.locator("#task-state")).to_have_text("待办")
    approve.get_by_label(re.compile("确认批准")).check()
    approve.get_by_role("button", name="批准").click()
    expect(clerk_a.locator(".notice.ok")).to_contain_text("已批准")
    expect(registration).to_have_attribute("data-state", "done", timeout=WAIT)

    # ---- 好差评: the founder rates the finished licence step (a low score needs what went wrong)
    page.locator('.step[data-bureau="registration"] a.rate-link').click()
    card = page.locator("#rate-registration")
    card.get_by_role("radio", name="2分 不满意").check()
    card.get_by_role("button", name="提交评价").click()
    card = page.locator("#rate-registration")
    expect(card).to_contain_text("请选择遇到的问题")
    card.get_by_label(re.compile("遇到的问题")).select_option("unclear")
    card.get_by_label(re.compile("情况说明")).fill("第一次补正没说清楚需要什么材料")
    card.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rated")).to_be_visible()
    expect(page.locator("#rate-registration .given")).to_have_attribute("data-score", "2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, "46-founder-rates-licence-step-390")

    # ---- the 已办 tab: the first task's row still opens (it 404ed once the correction came back)
    clerk_a.goto("/staff?state=done")
    clerk_a.locator(f'a[href="{first_task.split(base_url)[-1]}"]').click()
    expect(clerk_a.locator("h1")).to_have_text(company)
    expect(clerk_a.locator("#task-state")).to_have_text("已要求补正")
    shots(clerk_a, "45-clerk-a-done-tab-old-task-1280")
    for context in (founder_ctx, a_ctx, b_ctx):
        context.close()
