"""A bureau's `documents` collection: every document it issues, rendered once and kept as issued.

Why keep them: a signed PDF must be immutable (its signature covers every byte and carries the
moment of signing), and a founder, a bank or a court downloading the licence twice must get the same
file, not a fresh rendering with a new signing time. Rendering and signing also cost tens of
milliseconds of CPU per PDF: done once per document, not once per download (issues 17 and 20).

A document is keyed by the application, its name and a digest of the record it was rendered from
(`source`): while the record is unchanged every download answers the stored bytes; when the record
changes (a new licence version, a seal voided, a hire) the next download renders and keeps a new
document, and the earlier ones stay stored as they were issued. `_id` is that key, so two instances
rendering the same document at once race on one insert: the first stands, and the loser answers the
winner's bytes (one issued document, never two).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

from bson.binary import Binary
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from contracts import clock
from contracts.rpc import Document


def source_digest(source: Any) -> str:
    """A stable digest of the record a document is rendered from (pydantic models as their JSON)."""
    if hasattr(source, "model_dump"):
        source = source.model_dump(mode="json")
    canonical = json.dumps(source, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def document_key(application_id: str, name: str, source: Any) -> str:
    return f"{application_id}/{name}/{source_digest(source)[:32]}"


class DocumentArchive:
    def __init__(self, collection: Collection):
        self.collection = collection

    def ensure_indexes(self) -> None:
        self.collection.create_index("application_id")  # an application's issued documents, for audit

    def issue(self, application_id: str, name: str, source: Any, render: Callable[[], Document]) -> Document:
        """The stored document for this application, name and source record; rendered (and signed)
        by `render` only the first time."""
        key = document_key(application_id, name, source)
        stored = self._find(key)
        if stored is not None:
            return stored
        document = render()
        data = base64.b64decode(document.data_base64)
        try:
            self.collection.insert_one({
                "_id": key, "application_id": application_id, "name": name, "filename": document.filename,
                "content_type": document.content_type, "data": Binary(data),
                "sha256": hashlib.sha256(data).hexdigest(), "issued_at": clock.now().isoformat()})
        except DuplicateKeyError:  # another instance issued it first: theirs is the document
            return self._find(key) or document
        return document

    def _find(self, key: str) -> Document | None:
        doc = self.collection.find_one({"_id": key})
        return _document(doc) if doc else None


def _document(doc: dict) -> Document:
    return Document(name=doc["name"], filename=doc["filename"], content_type=doc["content_type"],
                    data_base64=base64.b64encode(bytes(doc["data"])).decode("ascii"))


class InMemoryDocumentArchive(DocumentArchive):
    """The same archive in a dict, for unit tests of the use cases."""

    def __init__(self):
        self.stored: dict[str, Document] = {}

    def ensure_indexes(self) -> None:
        pass

    def issue(self, application_id: str, name: str, source: Any, render: Callable[[], Document]) -> Document:
        key = document_key(application_id, name, source)
        if key not in self.stored:
            self.stored[key] = render()
        return self.stored[key]
