"""A correction's written reply and file: what a file is comes from its first bytes, and every problem
is named at once (gateway/replies.py)."""

from __future__ import annotations

import pytest

from contracts.rpc import Invalid, NotFound
from gateway.auth import Principal
from gateway.recording import record
from gateway.replies import MAX_BYTES, Upload, checked, download
from tests.factories import make_form
from tests.support.parties import founder_only

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\0" * 32


@pytest.mark.parametrize(("name", "declared", "content", "kind"), [
    ("租赁合同.pdf", "application/pdf", PDF, "application/pdf"),
    ("门牌.PNG", "image/png", PNG, "image/png"),
    ("scan.jpeg", "image/jpeg", JPG, "image/jpeg"),
    ("scan.jpg", "", JPG, "image/jpeg"),  # a browser that declares nothing: the bytes decide
])
def test_pdf_png_and_jpg_are_recognised_by_their_bytes(name, declared, content, kind):
    assert checked(" 已改正门牌号 ", Upload(name, declared, content)) == ("已改正门牌号", Upload(name, declared, content),
                                                                         kind)


@pytest.mark.parametrize(("upload", "message"), [
    (Upload("合同.pdf", "application/pdf", b"MZ\x90\0 not a pdf"), "附件只能是PDF、JPG或PNG文件（按文件内容识别）"),
    (Upload("合同.pdf", "image/png", PNG), "附件的文件名或类型与其内容不符"),  # a PNG named .pdf
    (Upload("合同.png", "application/pdf", PNG), "附件的文件名或类型与其内容不符"),  # declared type lies
    (Upload("空.pdf", "application/pdf", b""), "附件是空文件"),
    (Upload("大.pdf", "application/pdf", PDF + b"\0" * MAX_BYTES), "附件不能超过2MB"),
])
def test_a_file_that_is_not_what_it_claims_is_refused(upload, message):
    with pytest.raises(Invalid) as caught:
        checked("", upload)
    assert [(e.field, e.message) for e in caught.value.field_errors] == [("reply_file", message)]


def test_too_long_a_text_and_a_bad_file_are_both_named():
    with pytest.raises(Invalid) as caught:
        checked("字" * 2001, Upload("x.exe", "application/octet-stream", b"MZ"))
    assert {e.field for e in caught.value.field_errors} == {"reply_text", "reply_file"}


# ---- with the correction, through the service layer ------------------------------------------

def _asked(client, gateway, founder) -> str:
    form = founder_only(make_form(), founder["resident_id"])
    app_id = client.post("/api/v1/applications", json=form, headers=founder["headers"]).json()["id"]
    record(gateway.store, "registration", {
        "type": "correction_requested", "event_id": f"e-{app_id}", "application_id": app_id,
        "occurred_at": "2026-11-24T02:00:00+00:00", "task_id": "t1", "reasons": ["住所不清楚"],
        "fields": ["domicile.detail"]})
    return app_id


def test_a_refused_correction_keeps_no_reply_and_an_accepted_one_keeps_it_for_owner_and_clerk(
        client, sign_up, gateway):
    founder = sign_up()
    app_id = _asked(client, gateway, founder)
    owner = Principal(id=founder["id"], role="founder", name="张伟", login="x")
    doc = gateway.store.application(app_id)
    form = dict(doc["form"])
    upload = Upload("租赁合同.pdf", "application/pdf", PDF)
    # unchanged flagged field, not confirmed: refused with the reply's own error at once, nothing kept
    with pytest.raises(Invalid) as caught:
        gateway.applications.correct(owner, app_id, form, reply=("说明", Upload("x.pdf", "application/pdf", b"MZ")))
    assert {e.field for e in caught.value.field_errors} == {"domicile.detail", "reply_file"}
    assert not gateway.store.application(app_id).get("replies")
    view = gateway.applications.correct(owner, app_id, form, confirm_unchanged=True, reply=("地址无误", upload))
    [kept] = view["replies"]
    assert kept["revision"] == 1 and kept["text"] == "地址无误" and kept["attachment"]["content_type"] == "application/pdf"
    assert download(gateway.store, owner, app_id, kept["id"]).content == PDF
    clerk = Principal(id="c1", role="clerk", name="登记员", login="reg.a", bureau="registration")
    assert download(gateway.store, clerk, app_id, kept["id"]).filename == "租赁合同.pdf"
    assert gateway.applications.for_clerk(clerk, "registration", app_id)["replies"][0]["text"] == "地址无误"
    for stranger in (Principal(id="f2", role="founder", name="李娜", login="y"),
                     Principal(id="c2", role="clerk", name="税务员", login="tax.a", bureau="tax")):
        with pytest.raises(NotFound):
            download(gateway.store, stranger, app_id, kept["id"])


def test_only_the_correction_page_may_post_a_file_larger_than_the_body_limit():
    from gateway.api.limits import BodyLimit

    limit = BodyLimit(None, 1024, uploads={"/correction": 4096})
    assert limit.limit("/applications/a1/correction") == 4096
    assert limit.limit("/api/v1/applications/a1/correction") == 1024  # the JSON API: no file, no extra
    assert limit.limit("/apply") == 1024
