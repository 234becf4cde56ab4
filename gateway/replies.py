"""The founder's written reply to a clerk's correction request, with at most one file (PDF, JPG or PNG).

- The reply goes in with the correction itself: its text and the file's description are part of the
  same single-document update that records `application_corrected` (gateway/applications.py), so a
  refused correction leaves no reply behind and an accepted one always has its reply.
- The file's bytes are kept once in `attachments`, keyed by their SHA-256 (written first: an orphan
  left by a refused correction is an unreferenced, immutable blob, never a half reply).
- What a file is comes from its first bytes (magic numbers), never from the name or the browser's
  declared type: a declared type or extension that disagrees is refused, and so is anything else.
- Download: the application's founder and the registration clerks who decide its review (the bureau
  that asked), nobody else; NotFound otherwise, so an id reveals nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from bson import Binary

from contracts import clock
from contracts.rpc import FieldError, Invalid, NotFound
from gateway.auth import Principal
from gateway.store import GatewayStore

MAX_TEXT = 2000
MAX_BYTES = 2 * 1024 * 1024
ASKING_BUREAU = "registration"  # the bureau whose clerks request corrections of the application form
# magic bytes -> (content type, the extensions a file of that type may carry)
KINDS = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)
TEXT_FIELD, FILE_FIELD = "reply_text", "reply_file"


@dataclass(frozen=True)
class Upload:
    filename: str
    declared_type: str
    content: bytes


def sniff(content: bytes) -> tuple[str, tuple[str, ...]] | None:
    for magic, kind, extensions in KINDS:
        if content.startswith(magic):
            return kind, extensions
    return None


def checked(text: str, upload: Upload | None) -> tuple[str, Upload | None, str | None]:
    """(text, upload, sniffed content type), or Invalid naming every problem at once."""
    errors: list[FieldError] = []
    text = text.strip()
    if len(text) > MAX_TEXT:
        errors.append(FieldError(field=TEXT_FIELD, message=f"说明最多{MAX_TEXT}字"))
    kind = None
    if upload is not None:
        name = upload.filename.lower()
        found = sniff(upload.content)
        if len(upload.content) > MAX_BYTES:
            errors.append(FieldError(field=FILE_FIELD, message=f"附件不能超过{MAX_BYTES // (1024 * 1024)}MB"))
        elif not upload.content:
            errors.append(FieldError(field=FILE_FIELD, message="附件是空文件"))
        elif found is None:
            errors.append(FieldError(field=FILE_FIELD, message="附件只能是PDF、JPG或PNG文件（按文件内容识别）"))
        elif not name.endswith(found[1]) or upload.declared_type.split(";")[0].strip() not in (found[0], ""):
            errors.append(FieldError(field=FILE_FIELD, message="附件的文件名或类型与其内容不符"))
        else:
            kind = found[0]
        if len(upload.filename) > 120:
            errors.append(FieldError(field=FILE_FIELD, message="文件名最多120个字符"))
    if errors:
        raise Invalid.with_fields("补正说明或附件有误", errors)
    return text, upload, kind


def prepare(store: GatewayStore, revision: int, text: str, upload: Upload | None, kind: str | None,
            who: Principal) -> dict[str, Any] | None:
    """The reply as the application keeps it (None when there is neither text nor file); the file's
    bytes are stored first, content-addressed."""
    if not text and upload is None:
        return None
    attachment = None
    if upload is not None:
        digest = hashlib.sha256(upload.content).hexdigest()
        store.attachments.update_one({"_id": digest}, {"$setOnInsert": {
            "content": Binary(upload.content), "size": len(upload.content), "content_type": kind,
            "stored_at": clock.now()}}, upsert=True)
        attachment = {"filename": upload.filename, "content_type": kind, "size": len(upload.content),
                      "sha256": digest}
    return {"id": uuid.uuid4().hex, "revision": revision, "text": text, "attachment": attachment,
            "at": clock.now(), "by": who.id}


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes


def download(store: GatewayStore, who: Principal, app_id: str, reply_id: str) -> Download:
    doc = store.application(app_id, {"founder_id": 1, "replies": 1})
    allowed = doc is not None and (doc["founder_id"] == who.id or who.is_clerk_of(ASKING_BUREAU))
    reply = next((r for r in (doc or {}).get("replies", []) if r["id"] == reply_id), None) if allowed else None
    if reply is None or not reply.get("attachment"):
        raise NotFound("没有找到这个附件")
    meta = reply["attachment"]
    blob = store.attachments.find_one({"_id": meta["sha256"]})
    if blob is None:
        raise NotFound("没有找到这个附件")
    return Download(meta["filename"], meta["content_type"], bytes(blob["content"]))


def replies_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc.get("replies") or [])
