"""Browser fixtures: ONE real system (every service + the gateway as processes, via kit.launcher.System,
on a fresh RabbitMQ vhost and database prefix) and ONE headless Debian chromium per session.

Playwright's sync API needs real threads: run these in their own process,
`ONESTOP_TEST_EVENTLET=0 .venv/bin/pytest tests/browser` (the test modules skip themselves otherwise).
Nothing here imports Playwright at module level, so collecting this directory under eventlet is harmless.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
STAFF_PASSWORD = "Clerk-pass-2024"


def eventlet_patched() -> bool:
    eventlet = sys.modules.get("eventlet")
    return bool(eventlet and eventlet.patcher.is_monkey_patched("thread"))


@pytest.fixture(scope="session")
def system():
    """The whole system as an operator runs it; the licence QR codes point at this gateway."""
    from tests.support.live import LiveSystem

    live = LiveSystem("web", log_dir=ROOT / "var" / "log" / "browser",
                      mongo_uri=os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017"))
    live.system.extra_env.update(PUBLIC_BASE_URL=live.url, GATEWAY_PUBLIC_URL=live.url,
                                 GATEWAY_SECRET_KEY=secrets.token_urlsafe(32),
                                 GATEWAY_STATS_MAX_AGE_SECONDS="0")  # /stats shows a rating at once
    live.start(timeout=120)
    try:
        yield live.system
    finally:
        live.close()


@pytest.fixture(scope="session")
def base_url(system) -> str:
    return system.gateway_url


@pytest.fixture(scope="session")
def clerk_login(system) -> str:
    """A registration clerk, created the way an operator does (`onestop staff add`)."""
    from gateway.ops.cli import add_staff

    login = f"reg.{uuid.uuid4().hex[:6]}"
    add_staff(login, STAFF_PASSWORD, bureau="registration", name="登记员小王", mongo_uri=system.mongo_uri,
              db_prefix=system.db_prefix)
    return login


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (make chromium installs Debian's)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots():
    """shots(page, "name") saves test-output/screenshots/name.png (full page)."""
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def logged_in_page(browser, base_url: str, login: str, password: str, landing: str):
    """A new zh-CN browser context logged in through the login page; (context, page) once at `landing`."""
    import re

    from playwright.sync_api import expect

    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("电子邮箱、手机号码或工作账号").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(landing))
    return context, page
