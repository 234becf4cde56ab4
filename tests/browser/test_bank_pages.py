"""The bank in a real browser against the real system: the founder chooses a branch in the form's bank
step, is told the reserved seals are missing, ticks them, and the founder's page shows the appointment,
the pre-assigned basic account number and the bureaus it was sent to; a bank clerk opens the account at
the counter from the staff pages and the founder's page shows it opened and the application completed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from contracts import clock
from contracts.calendar import add_working_days
from tests.browser.conftest import STAFF_PASSWORD, eventlet_patched
from tests.browser.helpers import (
    WAIT,
    field,
    fill_valid,
    log_in,
    new_context,
    new_person,
    open_task,
    sign_up,
    submit,
)
from tests.factories import trade_name

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]


def test_the_founder_books_a_bank_account_and_sees_it_shared_and_opened(browser, base_url, system, shots):
    from gateway.ops.cli import add_staff

    context = new_context(browser, base_url)
    page = context.new_page()
    sign_up(page, new_person("刘洋"))
    trade = trade_name()
    company = f"武汉{trade}科技有限公司"
    fill_valid(page, trade)
    field(page, "bank.branch_id").select_option("jc-hongshan")
    day = add_working_days(clock.china_today(), 3).isoformat()  # the founder's preferred appointment
    field(page, "bank.appointment_date").fill(day)
    field(page, "bank.appointment_slot").select_option("13:30-14:30")
    submit(page)

    # ---- the bank needs the reserved seals: the error sits on the seal kinds, nothing typed is lost
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_contain_text("法定代表人名章")
    expect(field(page, "bank.branch_id")).to_have_value("jc-hongshan")
    expect(field(page, "bank.appointment_slot")).to_have_value("13:30-14:30")
    field(page, "seals.kinds")
    page.locator('[name="seals.kinds"][value="legal_representative"]').check()
    shots(page, "bank-01-reserved-seals-asked")
    submit(page)
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f]+\?submitted=1$"))

    # ---- the founder's page: the appointment, the account number, where it went
    account = page.locator("#bank-account")
    expect(account).to_contain_text("江城银行武汉洪山支行", timeout=WAIT)
    expect(page.locator("#bank-account-number")).to_have_text(re.compile(r"^\d{17}$"))
    expect(page.locator("#bank-appointment")).to_contain_text(f"预约开户时间 {day} 13:30-14:30")
    expect(page.locator("#bank-shared")).to_contain_text("税务（三方协议）")
    expect(page.locator("#bank-shared")).to_contain_text("人社（社保）（委托扣款）")
    expect(page.locator("#bank-shared")).to_contain_text("住房公积金管理中心（委托扣款）")
    expect(page.locator('.step[data-bureau="bank"]')).to_have_attribute("data-state", "waiting_for_clerk")
    number = page.locator("#bank-account-number").inner_text()
    shots(page, "bank-02-account-reserved")

    # ---- the bank clerk opens it at the counter
    add_staff("bank.counter", STAFF_PASSWORD, bureau="bank", name="柜员小李", mongo_uri=system.mongo_uri,
              db_prefix=system.db_prefix)
    clerk_ctx = new_context(browser, base_url)
    clerk = clerk_ctx.new_page()
    clerk.goto("/login")
    log_in(clerk, "bank.counter", STAFF_PASSWORD)
    expect(clerk).to_have_url(re.compile(r"/staff$"))
    open_task(clerk, company)
    expect(clerk.locator("main")).to_contain_text(number)
    expect(clerk.locator("main")).to_contain_text("财务专用章、法定代表人名章")
    approve = clerk.locator('form[data-action="approve"]')
    confirm = approve.get_by_label(re.compile("确认"))
    if confirm.count():
        confirm.check()
    shots(clerk, "bank-03-counter-task")
    approve.get_by_role("button", name="批准").click()
    expect(clerk.locator(".notice.ok")).to_be_visible()

    # ---- completed, the account opened; the data-sharing receipt lists what the bank received
    expect(page.locator("#app-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    expect(page.locator('.step[data-bureau="bank"]')).to_have_attribute("data-state", "done")
    expect(page.locator("#bank-account-number").locator("..")).to_contain_text("在柜台开立")
    page.reload()
    sharing = page.locator("section[aria-labelledby=sharing-title]")
    expect(sharing).to_contain_text("开户银行")
    expect(sharing).to_contain_text("基本存款账户账号")
    shots(page, "bank-04-account-opened")
    clerk_ctx.close()
    context.close()


def test_the_founder_moves_the_bank_appointment_on_the_company_page_and_a_full_slot_is_refused_on_it(
        browser, base_url, system, shots):
    from pymongo import MongoClient

    context = new_context(browser, base_url)
    page = context.new_page()
    sign_up(page, new_person("陈静"))
    trade = trade_name()
    fill_valid(page, trade)
    field(page, "bank.branch_id").select_option("jc-jiangan")  # one place per slot
    submit(page)  # the bank needs the legal representative's seal as a reserved seal
    field(page, "seals.kinds")
    page.locator('[name="seals.kinds"][value="legal_representative"]').check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f]+\?submitted=1$"))
    expect(page.locator("#bank-account-number")).to_have_text(re.compile(r"^\d{17}$"), timeout=WAIT)
    page.reload()  # the 改约 form sits outside the polled progress section
    expect(page.locator("#bank-move-form")).to_be_visible()

    # ---- another company holds the one place of the afternoon slot on that day: refused on the slot
    full_day = add_working_days(clock.china_today(), 5).isoformat()
    slots = MongoClient(system.mongo_uri)[f"{system.db_prefix}_bank"]["slots"]
    slots.insert_one({"_id": f"jc-jiangan|{full_day}|10:30-11:30", "branch_id": "jc-jiangan", "day": full_day,
                      "slot": "10:30-11:30", "capacity": 1, "booked": 1, "holders": ["someone-else"]})
    form = page.locator("#bank-move-form")
    form.locator('[name="appointment_date"]').fill(full_day)
    form.locator('[name="appointment_slot"]').select_option("10:30-11:30")
    form.get_by_role("button", name="改约").click()
    expect(page.locator("#bank-move-errors")).to_contain_text("预约时段：该时段已约满")
    expect(page.locator("#bank-move-form [name=appointment_date]")).to_have_value(full_day)
    shots(page, "bank-05-move-refused-full-slot")

    # ---- the morning slot of the same day has room: moved, the page shows it, the counter's deadline follows
    form = page.locator("#bank-move-form")
    form.locator('[name="appointment_slot"]').select_option("09:30-10:30")
    form.get_by_role("button", name="改约").click()
    expect(page.locator("#bank-move-result")).to_contain_text(f"已改约至 {full_day} 09:30-10:30")
    expect(page.locator("#bank-appointment")).to_contain_text(f"预约开户时间 {full_day} 09:30-10:30（已改约）",
                                                              timeout=WAIT)
    expect(page.locator('.step[data-bureau="bank"]')).to_have_attribute("data-state", "waiting_for_clerk")
    expect(page.locator('.step[data-bureau="bank"]')).to_contain_text("申请人已改约银行开户时间")
    shots(page, "bank-06-appointment-moved")
    context.close()
