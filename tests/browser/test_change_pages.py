"""The founder's change-of-details pages in Chromium: a company moved across districts shows each
bureau's answer and the change's timeline (the change itself is requested over the API)."""

from __future__ import annotations

import time
import uuid

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import logged_in_page
from tests.factories import make_form, resident_id
from tests.support.parties import founder_only
from tests.support.verification import verify

API = "/api/v1"


def wait(check, timeout=90.0):
    deadline = time.monotonic() + timeout
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return result


def founder_company(http, email: str, password: str) -> tuple[str, dict, dict]:
    """A founder signed up over the API whose one-person company completed: (USCC, auth headers, form)."""
    founder_id = resident_id()
    assert http.post(f"{API}/accounts", json={"name": "张伟", "resident_id": founder_id, "email": email,
                                              "password": password}).status_code == 201
    token = http.post(f"{API}/tokens", data={"username": email, "password": password}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    verify(http.request, auth, email)  # the code from the embedded sender's outbox file
    form = founder_only(make_form(), founder_id)  # the founder is the one person named: no one else confirms
    app_id = http.post(f"{API}/applications", json=form, headers=auth).json()["id"]
    view = wait(lambda: (v := http.get(f"{API}/applications/{app_id}", headers=auth).json())["status"]
                == "completed" and v)
    return view["outputs"]["uscc"], auth, form


def test_a_founder_sees_every_bureaus_answer_to_a_move(browser, base_url, shots):
    email, password = f"c{uuid.uuid4().hex[:8]}@example.com", "Founder-2024"
    with httpx.Client(base_url=base_url, timeout=30) as http:
        uscc, auth, _ = founder_company(http, email, password)
        change = http.post(f"{API}/companies/{uscc}/changes", headers=auth,
                           json={"domicile": {"district_code": "420106", "detail": "武昌区中南路99号"}}).json()
        url = f"{API}/companies/{uscc}/changes/{change['change_id']}"
        assert wait(lambda: http.get(url, headers=auth).json()["state"] == "completed")

    context, page = logged_in_page(browser, base_url, email, password, r"^(?!.*/login)")
    page.goto(f"/companies/{uscc}/changes")
    page.get_by_role("link", name="变更住所").click()
    expect(page.locator("h1")).to_have_text("变更住所")
    expect(page.get_by_text("已办结").first).to_be_visible()
    expect(page.get_by_text("国家税务总局武汉市武昌区税务局").first).to_be_visible()
    for label in ("印章（公安）", "税务", "人社（社保）"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    shots(page, "change-of-details")
    context.close()
