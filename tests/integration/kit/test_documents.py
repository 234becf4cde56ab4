"""kit.documents on a real database: the stored bytes come back unchanged, and of two instances issuing the
same document at once the first insert stands and both answer its bytes."""

from __future__ import annotations

import base64
import os

import pytest

from contracts.rpc import Document
from kit.documents import DocumentArchive, document_key

pytestmark = pytest.mark.integration


def _doc(data: bytes) -> Document:
    return Document(name="seal.certificate", filename="c.pdf", content_type="application/pdf",
                    data_base64=base64.b64encode(data).decode())


def test_binary_bytes_are_stored_and_served_unchanged(mongo_db):
    archive = DocumentArchive(mongo_db["documents"])
    archive.ensure_indexes()
    data = os.urandom(4096) + b"\x00\xff%PDF"
    archive.issue("app-1", "seal.certificate", {"v": 1}, lambda: _doc(data))
    served = archive.issue("app-1", "seal.certificate", {"v": 1}, lambda: pytest.fail("rendered twice"))
    assert base64.b64decode(served.data_base64) == data
    [stored] = mongo_db["documents"].find({"application_id": "app-1"})
    assert stored["name"] == "seal.certificate" and len(stored["sha256"]) == 64 and stored["issued_at"]


def test_a_lost_race_answers_the_winners_document(mongo_db):
    archive = DocumentArchive(mongo_db["documents"])
    winner = _doc(b"signed first")

    def render_while_another_instance_inserts() -> Document:
        # the other instance's insert lands between this instance's lookup and its own insert
        DocumentArchive(mongo_db["documents"]).issue("app-1", "seal.certificate", {"v": 1}, lambda: winner)
        return _doc(b"signed second")

    served = archive.issue("app-1", "seal.certificate", {"v": 1}, render_while_another_instance_inserts)
    assert served == winner
    assert mongo_db["documents"].count_documents({"_id": document_key("app-1", "seal.certificate", {"v": 1})}) == 1
