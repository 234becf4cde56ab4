"""Drafts: a founder's half-filled form, saved as it is typed, so a reload, the Back button, an expired
session or another device never empties it. One current draft per founder (the next new application),
stored as the form's own posted fields (name -> value pairs), so resuming renders it exactly the way
a failed submit re-renders: no second mapping of the form.

The browser keeps a copy too (static/drafts.js): what was typed after the session expired is sent
here once the founder has logged in again, and wins when it is newer (`saved_at`, the browser's clock
at typing time, only ever compared with the same browser's earlier saves and the server's copy of them).
"""

from __future__ import annotations

import uuid
from typing import Any

from contracts.clock import now
from contracts.rpc import FieldError, Forbidden, Invalid
from gateway.auth import Principal
from gateway.store import GatewayStore

MAX_FIELDS = 2000  # 500 employees x 4 inputs
MAX_VALUE = 400
MAX_STEP = 20


class DraftService:
    def __init__(self, store: GatewayStore):
        self.store = store

    def current(self, who: Principal) -> dict[str, Any] | None:
        _founder(who)
        return self.store.draft(who.id)

    def save(self, who: Principal, body: Any) -> dict[str, Any]:
        """Store {draft_id, saved_at, step, fields: [[name, value], ...]}; an older save than the
        stored one (a slow request overtaken by a newer) is ignored. Returns what is stored."""
        _founder(who)
        draft = _checked(body)
        stored = self.store.save_draft(who.id, draft, now())
        return _public(stored)

    def discard(self, who: Principal) -> None:
        _founder(who)
        self.store.delete_draft(who.id)


def new_draft_id() -> str:
    return uuid.uuid4().hex


def _founder(who: Principal) -> None:
    if who.role != "founder":
        raise Forbidden("只有创业者账号可以保存申请草稿")


def _public(doc: dict[str, Any] | None) -> dict[str, Any]:
    doc = doc or {}
    return {"draft_id": doc.get("draft_id"), "saved_at": doc.get("saved_at", 0), "step": doc.get("step", 0)}


def _checked(body: Any) -> dict[str, Any]:
    def bad(field: str, message: str) -> Invalid:
        return Invalid.with_fields("草稿内容格式不正确", [FieldError(field=field, message=message)])

    if not isinstance(body, dict):
        raise bad("body", "应为对象")
    draft_id, saved_at, step, fields = (body.get(k) for k in ("draft_id", "saved_at", "step", "fields"))
    if not isinstance(draft_id, str) or not 8 <= len(draft_id) <= 64 or not draft_id.isalnum():
        raise bad("draft_id", "应为8-64位字母或数字")
    if not isinstance(saved_at, int) or isinstance(saved_at, bool) or saved_at < 0:
        raise bad("saved_at", "应为非负整数（毫秒）")
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= MAX_STEP:
        raise bad("step", f"应为0-{MAX_STEP}")
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        raise bad("fields", f"应为最多{MAX_FIELDS}个[名称, 值]")
    pairs = []
    for pair in fields:
        ok = (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
              and 0 < len(pair[0]) <= 100 and len(pair[1]) <= MAX_VALUE)
        if not ok:
            raise bad("fields", f"每项应为[名称, 值]，值最多{MAX_VALUE}字")
        if pair[0] not in ("csrf_token", "form_marker"):
            pairs.append(pair)
    return {"draft_id": draft_id, "saved_at": saved_at, "step": step, "fields": pairs}
