"""A correction's written reply and file: what a file is comes from its first bytes, and every problem
is named at once (gateway/replies.py)."""

from __future__ import annotations

import pytest

from contracts.rpc import Invalid
from gateway.replies import MAX_BYTES, Upload, checked

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
