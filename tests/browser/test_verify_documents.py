"""The public page that checks an uploaded PDF's signatures, as a counterparty uses it (no login)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from kit import pki
from services.registration import documents, signing
from tests.unit.registration.test_signed_licence import licence

pytestmark = pytest.mark.browser


def test_a_counterparty_checks_a_signed_licence_and_a_tampered_copy(browser, base_url, shots, tmp_path):
    # signed with the running system's registration identity (same PKI_DIR: the repository's var/pki),
    # in a thread of its own: pyHanko's sync API runs asyncio, and Playwright's loop owns this thread
    with ThreadPoolExecutor(1) as pool:
        pdf = pool.submit(documents.render_licence, licence(), base_url, None, signing.identity({})).result()
    assert pki.root_certificate({})  # the root the gateway publishes
    good, bad = tmp_path / "licence.pdf", tmp_path / "tampered.pdf"
    good.write_bytes(pdf)
    changed = bytearray(pdf)
    changed[len(pdf) // 3] ^= 0x01
    bad.write_bytes(bytes(changed))

    context = browser.new_context(base_url=base_url, locale="zh-CN")
    page = context.new_page()
    page.goto("/verify")
    page.get_by_role("link", name="验证电子文件的签名").click()
    page.get_by_label("PDF文件").set_input_files(str(good))
    page.get_by_role("button", name="验证签名").click()
    page.get_by_text("✔ 签名有效").wait_for()
    assert "武汉市市场监督管理局" in page.content()
    shots(page, "verify-document-valid")
    page.get_by_label("PDF文件").set_input_files(str(bad))
    page.get_by_role("button", name="验证签名").click()
    page.get_by_text("签名无效").or_(page.get_by_text("无法验证")).first.wait_for()
    shots(page, "verify-document-tampered")
    context.close()
