"""What several browser tests do the same way: sign a founder up, open a section of the form, fill
the form with valid values key by key."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.factories import resident_id
from tests.support.verification import code_for

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WAIT = 30_000  # ms: bounded waits for work done by other processes


def new_person(name: str = "张伟") -> dict:
    return {"name": name, "resident_id": resident_id(), "email": f"f{uuid.uuid4().hex[:8]}@example.com",
            "password": "Founder-2024"}


def new_context(browser, base_url: str, phone: bool = False, **kwargs):
    extra = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2} if phone else {}
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport=PHONE if phone else DESKTOP,
                                  **extra, **kwargs)
    context.set_default_timeout(10_000)
    return context


def sign_up(page: Page, person: dict) -> None:
    page.goto("/signup")
    page.get_by_label("姓名").fill(person["name"])
    page.get_by_label("身份证号码").fill(person["resident_id"])
    page.get_by_label("电子邮箱").fill(person["email"])
    page.get_by_label("密码").fill(person["password"])
    # argon2 and the sign-up's writes: seconds on a loaded 2-core machine (a 10 s wait failed there)
    page.get_by_role("button", name="注册并开始").click(timeout=30_000)
    expect(page).to_have_url(re.compile(r"/account/verify"), timeout=30_000)
    verify_contact(page, person["email"])


def verify_contact(page: Page, email: str) -> None:
    """Answer the code the embedded sender wrote to its outbox file (it sends nothing)."""
    page.get_by_label("验证码").fill(code_for(email))
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page).to_have_url(re.compile(r"/apply"))


def log_in(page: Page, login: str, password: str) -> None:
    page.get_by_label("电子邮箱、手机号码或工作账号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def field(page: Page, name: str):
    """The input named by its dotted path, made visible first: in the step wizard, its step is opened."""
    el = page.locator(f'[name="{name}"]').first
    section = page.locator("fieldset.card", has=page.locator(f'[name="{name}"]')).first
    sec_id = section.get_attribute("id")
    tab = page.locator(f'.stepbar [data-step-for="{sec_id}"]')
    if tab.count() and not el.is_visible():
        tab.click()
    expect(el).to_be_visible()
    return el


def type_into(page: Page, name: str, text: str) -> None:
    el = field(page, name)
    el.fill("")
    el.press_sequentially(text, delay=15)


def fill_valid(page: Page, trade: str, skip: tuple[str, ...] = ()) -> None:
    """Everything a standard company needs (general scope items only: approved automatically)."""
    values = {
        "name.trade_name": trade, "name.industry": "科技", "domicile.detail": "洪山区珞喻路1037号3栋201室",
        "registered_capital": "50万", "shareholders.0.subscribed_amount": "50万", "contact.phone": "13800138000",
    }
    for name, text in values.items():
        if name not in skip:
            type_into(page, name, text)
    field(page, "domicile.district_code").select_option("420111")
    field(page, "governance.no_supervisor_consent").check()  # no supervisor: every shareholder agrees (art. 83)
    field(page, "governance.officers_declaration").check()  # no art. 178 ground applies to any officer
    field(page, "business_scope")  # last: a caller may tick more scope items on this step
    page.get_by_label(re.compile("软件开发")).check()


def submit(page: Page, button: str = "提交申请") -> None:
    """The submit button sits on the wizard's last step."""
    last = page.locator(".stepbar [data-step-for]").last
    target = page.get_by_role("button", name=button)
    if last.count() and not target.is_visible():
        last.click()
    target.click()


def open_task(clerk: Page, company: str) -> None:
    """From the queue, open the open task for this company (polling the queue: the registration
    service queues it asynchronously)."""
    link = clerk.get_by_role("link", name=company)
    for _ in range(60):
        clerk.goto("/staff")
        if link.count():
            break
        clerk.wait_for_timeout(500)
    expect(link).to_be_visible()
    link.click()
    expect(clerk.locator("h1")).to_have_text(company)


def reply(page: Page, text: str | None, file: dict) -> None:
    """A correction's written reply and file: next to the submit button, on the wizard's last step."""
    if not page.locator("#f-reply_text").is_visible():
        page.locator(".stepbar [data-step-for]").last.click()
    if text is not None:
        page.locator("#f-reply_text").fill(text)
    page.locator("#f-reply_file").set_input_files(file)


def deadlines_agree(page: Page) -> None:
    """The summary's 办结时限 is the latest deadline a step card shows (one rule, contracts/timelimits.py)."""
    steps = page.locator(".step-deadline").evaluate_all("els => els.map(e => e.dataset.deadline)")
    assert steps and page.locator("#overall-deadline").get_attribute("data-deadline") == max(steps)
