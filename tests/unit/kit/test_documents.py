"""kit.documents: a document is rendered once per state of its record and then served as issued."""

from __future__ import annotations

import base64
import itertools

import pytest

from contracts.rpc import Document
from kit.documents import InMemoryDocumentArchive, document_key, source_digest


def _renderer():
    counter = itertools.count(1)

    def render() -> Document:
        n = next(counter)
        return Document(name="tax.notice", filename="n.pdf", content_type="application/pdf",
                        data_base64=base64.b64encode(f"rendering {n}".encode()).decode())
    return render


def test_the_same_record_is_rendered_once():
    archive, render = InMemoryDocumentArchive(), _renderer()
    first = archive.issue("app-1", "tax.notice", {"uscc": "X", "office": "A"}, render)
    again = archive.issue("app-1", "tax.notice", {"office": "A", "uscc": "X"}, render)  # key order is no change
    assert first == again and base64.b64decode(again.data_base64) == b"rendering 1"


def test_a_changed_record_issues_a_new_document_and_keeps_the_old():
    archive, render = InMemoryDocumentArchive(), _renderer()
    old = archive.issue("app-1", "tax.notice", {"office": "A"}, render)
    new = archive.issue("app-1", "tax.notice", {"office": "B"}, render)
    assert old != new and len(archive.stored) == 2


@pytest.mark.parametrize(("a", "b"), [
    (("app-1", "tax.notice"), ("app-2", "tax.notice")),
    (("app-1", "tax.notice"), ("app-1", "tax.invoice.1")),
])
def test_documents_of_other_applications_or_names_never_share_a_key(a, b):
    assert document_key(*a, {"x": 1}) != document_key(*b, {"x": 1})


def test_the_digest_reads_pydantic_models_as_their_json():
    doc = Document(name="n", filename="f", content_type="c", data_base64="")
    assert source_digest(doc) == source_digest(doc.model_dump(mode="json"))
