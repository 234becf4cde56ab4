"""Drafts through the API (the store the form's autosave uses) and the 受理回执 PDF of a submission."""

from __future__ import annotations

import subprocess

from gateway.auth import Principal
from tests.factories import make_form
from tests.support.parties import founder_only

API = "/api/v1"
DRAFT = {"draft_id": "d0123456789", "saved_at": 2000, "step": 3,
         "fields": [["name.trade_name", "瑞丰"], ["shareholders.0.name", "王芳"]]}


def test_get_put_delete_a_draft_shared_with_the_form(client, sign_up, gateway, staff):
    founder = sign_up()
    headers = founder["headers"]
    assert client.get(f"{API}/drafts", headers=headers).status_code == 404
    saved = client.put(f"{API}/drafts", json=DRAFT, headers=headers)
    assert saved.status_code == 200 and saved.json() == {"draft_id": "d0123456789", "saved_at": 2000, "step": 3}
    assert client.get(f"{API}/drafts", headers=headers).json() == DRAFT
    # the same draft the page resumes from (gateway.drafts, as /apply reads it)
    who = Principal(id=founder["id"], role="founder", name="张伟", login="x")
    assert gateway.drafts.current(who)["fields"] == DRAFT["fields"]
    older = client.put(f"{API}/drafts", json={**DRAFT, "saved_at": 1000, "fields": []}, headers=headers)
    assert older.json()["saved_at"] == 2000  # a slow, older save changes nothing
    bad = client.put(f"{API}/drafts", json={**DRAFT, "step": 99}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "step"
    assert client.put(f"{API}/drafts", json={**DRAFT}, headers=staff("reg.clerk1", "registration")).status_code == 403
    assert client.delete(f"{API}/drafts", headers=headers).status_code == 204
    assert client.get(f"{API}/drafts", headers=headers).status_code == 404


def test_the_drafts_api_is_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "put", "delete"} <= set(paths[f"{API}/drafts"])
    assert "application/pdf" in paths[f"{API}/applications/{{application_id}}/receipt.pdf"]["get"]["responses"]["200"]["content"]


def test_the_receipt_pdf_has_the_number_the_time_what_was_received_and_the_deadlines(client, sign_up, tmp_path):
    founder = sign_up()
    form = founder_only(make_form(), founder["resident_id"])
    app = client.post(f"{API}/applications", json=form, headers=founder["headers"]).json()
    reply = client.get(f"{API}/applications/{app['id']}/receipt.pdf", headers=founder["headers"])
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/pdf"
    path = tmp_path / "receipt.pdf"
    path.write_bytes(reply.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "TrueType" in fonts and " no " not in fonts.split("\n", 2)[2]  # every font embedded
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert app["acceptance_no"] in text and "北京时间" in text
    assert "收到的申请内容" in text and app["company_name"] in text
    assert "办理时限" in text and app["deadline"] in text and "补正期间暂停计时" in text
    assert founder["resident_id"] not in text  # names and counts, never a resident ID
    other = sign_up()
    assert client.get(f"{API}/applications/{app['id']}/receipt.pdf", headers=other["headers"]).status_code == 404

