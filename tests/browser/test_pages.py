"""The pages in a real browser against the real system: a founder signs up, fills the one form (a name
conflict flagged live), submits, is asked for a correction by a registration clerk, corrects, is
approved, watches every step complete, downloads the licence; the licence's QR page says it is genuine;
a POST without the CSRF token is refused. At 1280 px (issue 21 items 5, 8, 11, 12): the summary's
办结时限 is the latest step card's and the page says the rule; the correction carries a written reply
and a PDF the clerk opens; the 受理回执 PDF is rendered with pdftoppm; the founder rates a finished
step and /stats counts it.
"""

from __future__ import annotations

import os
import re
import sys
import uuid

import pytest

if os.environ.get("ONESTOP_TEST_EVENTLET", "1") == "1" or (
    "eventlet" in sys.modules and sys.modules["eventlet"].patcher.is_monkey_patched("thread")
):
    pytest.skip("browser tests need real threads: run `ONESTOP_TEST_EVENTLET=0 pytest tests/browser`",
                allow_module_level=True)

from playwright.sync_api import Page, expect  # noqa: E402

from tests.browser.conftest import STAFF_PASSWORD, logged_in_page  # noqa: E402
from tests.browser.helpers import deadlines_agree, field, reply, submit, verify_contact  # noqa: E402
from tests.factories import resident_id, trade_name  # noqa: E402

SEED_CONFLICT = ("楚天云启", "科技", "武汉楚天云启科技有限公司")  # services/registration/data/seed_names.json
PHONE = {"width": 390, "height": 844}
WAIT = 30_000  # ms: bounded waits for work done by other processes


@pytest.fixture(scope="module")
def founder(browser, base_url):
    """A founder's browser context, signed up once for the module."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    person = {"name": "张伟", "resident_id": resident_id(), "email": f"f{uuid.uuid4().hex[:8]}@example.com",
              "password": "Founder-2024"}
    yield context, person
    context.close()


@pytest.fixture(scope="module")
def clerk(browser, base_url, clerk_login):
    context, page = logged_in_page(browser, base_url, clerk_login, STAFF_PASSWORD, r"/staff$")
    yield page
    context.close()


REPLY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf_text(path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def render_pages(path, name: str) -> None:
    """Each page as a PNG next to the screenshots, to look at."""
    import subprocess

    from tests.browser.conftest import SCREENSHOTS

    subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(SCREENSHOTS / name)], check=True)


def open_task(clerk: Page, company: str, shots, name: str) -> None:
    """From the queue, open the newest open task for this company (polling the queue, not sleeping)."""
    link = clerk.get_by_role("link", name=company)
    for _ in range(60):
        clerk.goto("/staff")
        if link.count():
            break
        clerk.wait_for_timeout(500)  # the registration service queues the task asynchronously
    expect(link).to_be_visible()
    shots(clerk, f"{name}-queue")
    link.click()
    expect(clerk.locator("h1")).to_have_text(company)


def test_founder_and_clerk_journey(founder, clerk, shots, base_url):
    context, person = founder
    page = context.new_page()

    # ---- sign up (the form remembers what was typed when something is wrong)
    page.goto("/")
    shots(page, "01-home")
    page.get_by_role("link", name="注册并开始").click()
    page.get_by_label("姓名").fill(person["name"])
    page.get_by_label("身份证号码").fill(person["resident_id"])
    page.get_by_label("电子邮箱").fill(person["email"])
    page.get_by_label("密码").fill("short")
    page.get_by_role("button", name="注册并开始").click()
    expect(page.locator("#f-password-err")).to_contain_text("密码至少8位")
    expect(page.get_by_label("电子邮箱")).to_have_value(person["email"])
    shots(page, "02-signup-error")
    page.get_by_label("密码").fill(person["password"])
    page.get_by_role("button", name="注册并开始").click()
    expect(page).to_have_url(re.compile(r"/account/verify"))  # a code went to the email (the outbox file)
    shots(page, "02b-verify-contact")
    verify_contact(page, person["email"])

    # ---- the one form: prefilled from the account; a seed-register name conflict flagged live
    expect(field(page, "legal_representative.resident_id")).to_have_value(person["resident_id"])
    field(page, "name.trade_name").press_sequentially(SEED_CONFLICT[0], delay=30)
    field(page, "name.industry").fill(SEED_CONFLICT[1])
    field(page, "domicile.district_code").select_option("420111")
    field(page, "name.trade_name")  # back to step 1, where the check shows
    check = page.locator("#name-check")
    expect(check).to_contain_text(SEED_CONFLICT[2], timeout=WAIT)
    expect(check.locator(".problem").first).to_be_visible()
    shots(page, "03-form-name-conflict")

    # fill the rest (a licensed item, 餐饮服务, sends it to a registration clerk)
    first_name = trade_name()
    field(page, "name.trade_name").fill(first_name)
    field(page, "name.industry").fill("餐饮")
    expect(check).to_contain_text("可以使用", timeout=WAIT)
    field(page, "domicile.detail").fill("洪山区珞喻路1037号3栋201室")
    field(page, "registered_capital").fill("100000")
    field(page, "shareholders.0.subscribed_amount").fill("100000")
    field(page, "business_scope")
    page.get_by_label(re.compile("餐饮服务")).check()
    page.get_by_label(re.compile("餐饮管理")).check()
    field(page, "housing_fund")
    page.get_by_role("button", name="＋ 添加员工").click()
    field(page, "employees.0.name").fill("王芳")
    field(page, "employees.0.resident_id").fill(resident_id())
    field(page, "employees.0.monthly_wage").fill("6000")
    field(page, "housing_fund").check()  # the housing-fund centre, at 8 %/8 %
    field(page, "governance.no_supervisor_consent").check()  # no supervisor (Company Law art. 83)
    field(page, "governance.officers_declaration").check()  # the officers' declaration (art. 178)
    field(page, "contact.phone").fill("1380013")  # wrong on purpose: the server says so
    submit(page)

    # ---- the server's field error sits next to its input; nothing typed is lost
    expect(page.locator("#f-contact-phone-err")).to_contain_text("11位手机号码")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(field(page, "name.trade_name")).to_have_value(first_name)
    expect(field(page, "employees.0.name")).to_have_value("王芳")
    expect(page.get_by_label(re.compile("餐饮服务"))).to_be_checked()
    shots(page, "04-form-server-errors")
    field(page, "contact.phone").fill("13800138000")
    submit(page)

    # ---- the application page: registration waits for a clerk
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f]+\?submitted=1$"))
    app_url = page.url.split("?")[0]
    expect(page.locator("#acceptance-no")).to_have_text(re.compile(r"^WH\d{13}$"))
    company = f"武汉{first_name}餐饮有限公司"
    registration = page.locator('.step[data-bureau="registration"]')
    expect(registration).to_have_attribute("data-state", "waiting_for_clerk", timeout=WAIT)
    deadlines_agree(page)
    expect(page.locator("#deadline-rule")).to_contain_text("补正期间暂停计时")
    shots(page, "05-application-waiting")

    # ---- the clerk asks for a correction of the trade name
    open_task(clerk, company, shots, "06-clerk")
    shots(clerk, "07-clerk-task")
    form = clerk.locator('form[data-action="request_correction"]')
    form.get_by_label(re.compile("理由")).fill("字号与已登记企业近似，请更换字号")
    form.get_by_label("字号", exact=True).check()
    form.get_by_role("button", name="要求补正").click()
    expect(clerk.locator(".notice.ok")).to_contain_text("已要求补正")

    # ---- the founder's page updates by itself (no reload), then the prefilled correction form
    expect(page.locator("#correction-box")).to_contain_text("请更换字号", timeout=WAIT)
    shots(page, "08-application-correction-requested")
    page.get_by_role("link", name=re.compile("去补正")).click()
    expect(field(page, "name.trade_name")).to_have_value(first_name)
    expect(page.locator(".field.flagged").filter(has=page.locator('[name="name.trade_name"]'))).to_be_visible()
    # the application's own reserved name is no conflict with itself (issue 21 item 2)
    expect(page.locator("#name-check")).to_contain_text("可以使用", timeout=WAIT)
    shots(page, "09-correction-form")
    second_name = trade_name()
    field(page, "name.trade_name").fill(second_name)
    reply(page, "已更换字号。附名称自主申报承诺书。", {"name": "承诺书.pdf", "mimeType": "application/pdf",
                                                  "buffer": REPLY_PDF})
    submit(page, "提交补正")
    expect(page).to_have_url(app_url)

    # ---- the clerk approves the corrected application
    company = f"武汉{second_name}餐饮有限公司"
    open_task(clerk, company, shots, "10-clerk-again")
    expect(clerk.locator("#replies")).to_contain_text("已更换字号")
    with clerk.expect_download() as info:
        clerk.locator("#replies a.reply-file").click()
    assert info.value.suggested_filename == "承诺书.pdf"
    with open(info.value.path(), "rb") as fh:
        assert fh.read() == REPLY_PDF
    clerk.locator("#replies").scroll_into_view_if_needed()
    shots(clerk, "10a-clerk-sees-reply-and-file")
    clerk.locator('form[data-action="approve"]').get_by_label(re.compile("确认批准")).check()
    clerk.locator('form[data-action="approve"]').get_by_role("button", name="批准").click()
    expect(clerk.locator(".notice.ok")).to_contain_text("已批准")

    # ---- every step completes, live
    expect(page.locator("#app-status")).to_have_attribute("data-status", "completed", timeout=60_000)
    for bureau in ("registration", "seal", "tax", "social_security", "medical_insurance", "housing_fund"):
        expect(page.locator(f'.step[data-bureau="{bureau}"]')).to_have_attribute("data-state", "done")
    expect(page.locator("#housing-fund")).to_contain_text("单位 8% / 个人 8%")
    expect(page.locator("#medical-insurance")).to_contain_text("职工基本医疗保险、生育保险")
    uscc = page.locator("#uscc").inner_text()
    shots(page, "11-application-completed")

    # ---- the 受理回执 PDF: rendered and looked at (test-output/screenshots/11c-receipt-1.png)
    with page.expect_download() as info:
        page.locator("#receipt-pdf").click()
    assert info.value.suggested_filename.startswith("受理回执-WH")
    number = page.locator("#acceptance-no").inner_text()
    text = pdf_text(info.value.path())
    assert number in text and "北京时间" in text and company in text and "办理时限" in text
    render_pages(info.value.path(), "11c-receipt")

    # ---- 好差评 at 1280 px: rate the finished tax step; /stats counts it
    page.locator('.step[data-bureau="tax"] a.rate-link').click()
    card = page.locator("#rate-tax")
    card.get_by_role("radio", name="5分 非常满意").check()
    card.get_by_label(re.compile("意见")).fill("发票当天就批了")
    card.get_by_role("button", name="提交评价").click()
    expect(page.locator("#rate-tax .given")).to_have_attribute("data-score", "5")
    shots(page, "11d-founder-rates-tax-1280")
    page.goto("/stats")
    api = page.request.get("/api/v1/stats").json()
    assert api["totals"]["tax"]["ratings_count"] >= 1
    expect(page.locator('#stats-table tr[data-scope="tax"] td').nth(7)).to_contain_text(
        f"/ {api['totals']['tax']['ratings_count']}")
    shots(page, "11e-stats-with-the-rating-1280")
    page.goto(app_url)

    # ---- a later hire: one form on the company page, every bureau's answer shown
    page.reload()
    staff = page.locator("#staff")
    expect(staff.locator("tr[data-employee]")).to_have_count(1)  # 王芳, from the form
    hire = page.locator("#hire-form")
    hire.get_by_label("姓名").fill("李晓明")
    hire.get_by_label("公民身份号码").fill(resident_id())
    hire.get_by_label("入职日期").fill(page.locator("#staff tr[data-employee] td").nth(3).inner_text())
    hire.get_by_label("月工资（元）").fill("9000")
    hire.get_by_role("button", name="办理增员").click()
    expect(page.locator("#staff-result")).to_have_attribute("data-outcome", "done")
    for bureau in ("social_security", "medical_insurance", "housing_fund"):
        expect(page.locator(f'#staff-answers li[data-bureau="{bureau}"]')).to_have_attribute("data-status", "done")
    expect(page.locator('#staff-answers li[data-bureau="social_security"]')).to_contain_text("就业登记")
    expect(staff.locator("tr[data-employee]")).to_have_count(2)
    staff.scroll_into_view_if_needed()
    shots(page, "11a-hire-reaches-every-bureau")

    # ---- the data-sharing receipt names every bureau that received the founder's data
    page.goto(app_url)
    sharing = page.locator("section[aria-labelledby=sharing-title]")
    for bureau in ("登记机关（市场监管）", "印章（公安）", "税务", "人社（社保）", "医疗保障局", "住房公积金管理中心"):
        expect(sharing).to_contain_text(bureau)
    expect(sharing).to_contain_text("（含身份证号码）")
    sharing.scroll_into_view_if_needed()
    shots(page, "11b-data-sharing")

    # ---- download the licence
    with page.expect_download() as info:
        page.locator('a[data-doc="registration.licence"]').click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    licence = pdf_text(download.path())  # item 6: dates a person reads are Beijing time, never UTC/ISO
    assert "+00:00" not in licence and not re.search(r"\d{4}-\d\d-\d\dT\d\d:", licence), licence[:400]

    # ---- my applications lists it
    page.goto("/applications")
    expect(page.get_by_role("link", name=company)).to_be_visible()
    shots(page, "12-my-applications")

    # ---- the licence's QR page (public, no login) and a seal's page
    public = page.context.browser.new_page(base_url=base_url, locale="zh-CN")
    public.goto(f"/verify/licences/{uscc}")
    expect(public.locator(".verdict")).to_contain_text("真实有效")
    expect(public.locator(".facts")).to_contain_text(company)
    shots(public, "13-verify-licence")
    page.goto(app_url)
    seal_code = page.locator('a[href^="/verify/seals/"]').first.inner_text()
    public.goto("/verify")
    public.get_by_role("textbox", name="统一社会信用代码 / 印章编码").fill(seal_code[:12])  # one digit short: neither a seal code nor a USCC
    public.get_by_role("button", name="验证").click()
    expect(public.locator("#code-err")).to_contain_text("现在输入的是12位")
    shots(public, "14a-verify-form-error")
    public.get_by_role("textbox", name="统一社会信用代码 / 印章编码").fill(seal_code)  # told from a USCC by shape
    public.get_by_role("button", name="验证").click()
    expect(public.locator(".verdict")).to_contain_text("真实有效")
    shots(public, "14-verify-seal")
    public.goto("/verify/licences/91350100M000100Y43")
    expect(public.locator(".verdict")).to_contain_text("未找到")
    shots(public, "15-verify-not-found")
    public.close()


def test_post_without_csrf_token_is_refused(founder, clerk):
    context, _ = founder
    page = context.new_page()
    page.goto("/apply")  # logged in: the session cookie is there, only the token is missing
    refused = page.request.post("/apply", form={"name.trade_name": "某某"}, max_redirects=0)
    assert refused.status == 403
    assert "安全令牌" in refused.text()
    wrong = page.request.post("/logout", form={"csrf_token": "not-the-token"}, max_redirects=0)
    assert wrong.status == 403
    staff = clerk.request.post("/staff/tasks/any/act", form={"action": "approve"}, max_redirects=0)
    assert staff.status == 403
    page.close()


def test_form_on_a_phone(browser, founder, shots, base_url):
    context, _ = founder
    phone = browser.new_context(base_url=base_url, locale="zh-CN", viewport=PHONE, is_mobile=True,
                                has_touch=True, device_scale_factor=2, storage_state=context.storage_state())
    page = phone.new_page()
    page.goto("/apply")
    expect(field(page, "name.trade_name")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the form scrolls sideways on a phone ({width}px)"
    shots(page, "16-form-phone")
    phone.close()
