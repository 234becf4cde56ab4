"""The data-sharing receipt (数据共享回执): which bureau received which fields of the founder's data, and
when, derived from the events actually sent, not from a description of what we intend to send.

- The tracker, on each event it consumes, stores the field paths present in the FULL payload (before
  the timeline drops personal data) for events another bureau consumes; for an event sent as one copy
  per bureau (`licence_issued`, contracts/sharing.py) the paths each bureau's copy carried (`CONSUMERS`, checked against
  the services' event handlers by tests/unit/beyond/test_receipts.py).
- The gateway's own events (application_submitted / application_corrected, the whole form to
  registration) are recorded by the web process, not the tracker: their paths come from the form as
  the application stores it, which is the form that event carried for the current revision; for an
  earlier revision the receipt says so (`basis`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contracts import bureaus, clock
from contracts.calendar import aware
from contracts.rpc import NotFound
from contracts.sharing import SHARED, carried, field_paths
from gateway.auth import Principal
from gateway.store import GatewayStore

# (source, event type) -> the bureaus whose services consume it (from the manifest)
CONSUMERS: dict[tuple[str, str], tuple[str, ...]] = bureaus.consumers()
ENVELOPE = {"event_id", "type", "occurred_at"}


def receipt_row(source: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The receipt of one consumed event, or None when no other bureau consumes it. The tracker stores
    it in the application under `receipts.<event_id>` in the same update that puts the event on the
    timeline (gateway.recording.append): recorded exactly when the event is, with no write of its own."""
    recipients = CONSUMERS.get((source, payload.get("type", "")))
    if not recipients:
        return None
    if isinstance(payload.get(SHARED), dict):  # one copy per bureau: what each carried (contracts/sharing.py)
        paths, basis, extra = [], "each bureau's own copy", {"paths_by_bureau": carried(payload)}
    else:
        paths, basis, extra = [p for p in field_paths(payload) if p not in ENVELOPE], "event payload", {}
    return {"source": source, "type": payload["type"], "occurred_at": _parse(payload.get("occurred_at")),
            "recipients": list(recipients), "paths": paths, "basis": basis, "recorded_at": clock.now(), **extra}


class ReceiptService:
    def __init__(self, store: GatewayStore):
        self.store = store

    def receipt(self, who: Principal, app_id: str) -> dict[str, Any]:
        doc = self.store.application(app_id, {"outbox": 0})  # with its `receipts`
        if doc is None or not (doc["founder_id"] == who.id or who.is_operator):
            raise NotFound("没有找到这份申请")
        # rows of the `data_receipts` collection are what trackers before the `receipts` field wrote
        stored = [*self.store.data_receipts.find({"application_id": app_id}),
                  *({"_id": event_id, **row} for event_id, row in (doc.get("receipts") or {}).items())]
        return build_receipt(doc, stored)


def build_receipt(doc: dict[str, Any], stored: list[dict[str, Any]]) -> dict[str, Any]:
    by_event = {r["_id"]: r for r in stored}
    revision = doc.get("revision", 0)
    items = []
    for entry in sorted(doc.get("timeline", []), key=lambda e: aware(e["at"])):
        recipients = CONSUMERS.get((entry["source"], entry["type"]))
        if not recipients:
            continue
        row = by_event.get(entry["event_id"])
        per_bureau: dict[str, list[str]] = {}
        if row is not None:
            paths, basis, per_bureau = row["paths"], row["basis"], row.get("paths_by_bureau") or {}
        elif entry["source"] == "gateway":
            paths = sorted({"application_id", *(k for k in entry.get("data", {}) if k not in ENVELOPE),
                            *(f"form.{p}" for p in field_paths(doc["form"]))} - {"form."})
            current = entry.get("data", {}).get("revision", 0) == revision
            basis = "stored form (this revision)" if current else f"stored form (revision {revision}; this event carried an earlier one)"
        else:
            paths = sorted(k for k in field_paths(entry.get("data", {})) if k not in ENVELOPE)
            basis = "timeline copy (personal data already removed)"
        for bureau in recipients:
            items.append({"bureau": bureau, "from": entry["source"], "event": entry["type"],
                          "event_id": entry["event_id"], "sent_at": aware(entry["at"]),
                          "fields": per_bureau.get(bureau, paths),
                          "basis": basis})
    return {"application_id": doc["_id"], "items": items,
            "bureaus": sorted({i["bureau"] for i in items})}


def _parse(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return aware(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
