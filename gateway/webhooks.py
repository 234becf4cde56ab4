"""Webhooks: a founder (or their accountant's software, with the founder's token) gets every timeline
event of their applications as a signed JSON POST.

- Registration: `POST /api/v1/webhooks {url, secret?}`; only http(s) URLs without credentials. The
  secret (given, or generated) is shown once, stored to sign.
- Signature: header `X-OneStop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`;
  receivers should reject a stale `t` (replays) and compare in constant time (`verify_signature`).
- Delivery: one record per (webhook, event) in `webhook_deliveries` (its `_id` is that pair, so an
  event is queued once however often it is seen). The tracker queues and sends at once when it
  records an event; its timer (`tick`) queues events it did not see itself (the web process records
  the gateway's own events) and retries failures with exponential backoff (2 s, 4 s, 8 s ... up to an
  hour, 12 attempts). A send is leased before it goes out, so two tracker instances never send the
  same delivery at the same time. Delivery is at-least-once (a crash between the receiver's 2xx and
  our write resends): receivers dedupe on `X-OneStop-Delivery`.
- Where: public internet addresses only (gateway/egress.py), checked at registration and again before
  every attempt, and the connection goes to the address that was checked (no second DNS lookup).
  Internal receivers need the operator's allow-list (GATEWAY_WEBHOOK_ALLOW). Redirects are not
  followed. An egress firewall is still good practice; this check does not depend on one.
- The delivery log a founder reads says delivered / failed / refused and nothing the target answered
  (status, error, timing): otherwise it tells whoever registered the URL which ports are open. The
  detail goes to the operator's log.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError

from contracts import clock
from contracts.rpc import FieldError, Forbidden, Invalid, NotFound
from gateway.auth import Principal
from gateway.egress import Egress, Refused, Target, Unresolvable
from gateway.store import GatewayStore

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-OneStop-Signature"
BASE_DELAY = 2.0  # seconds before the first retry; doubles each attempt
MAX_DELAY = 3600.0
MAX_ATTEMPTS = 12
LEASE = timedelta(seconds=30)
TIMEOUT = 5.0
SWEEP_OVERLAP = timedelta(seconds=30)
MAX_HOOKS_PER_FOUNDER = 10

# (checked target, body, headers) -> HTTP status; raises OSError on network failure
Post = Callable[[Target, bytes, dict[str, str]], int]

# what the founder's delivery log says for each outcome: never what the target answered
OUTCOMES = {"delivered": "已送达：接收方已确认",
            "failed": "未送达：接收方没有确认，将按计划重试",
            "refused": "未发送：该地址指向本机、内网或保留地址，不予连接"}


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    url: str = Field(min_length=8, max_length=2000)
    secret: str | None = Field(None, min_length=16, max_length=200)


def check_url(url: str, egress: Egress | None = None) -> str:
    """The URL's form, then (with `egress`) where its host resolves to."""
    parts = urlsplit(url)
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "只接受 http:// 或 https:// 地址"
    elif not parts.hostname:
        problem = "地址缺少主机名"
    elif parts.username or parts.password:
        problem = "地址中不能包含用户名或密码"
    elif parts.fragment:
        problem = "地址中不能包含 #"
    if problem is None and egress is not None:
        problem = _destination_problem(url, egress)
    if problem:
        raise Invalid.with_fields("回调地址无效", [FieldError(field="url", message=problem)])
    return url


def _destination_problem(url: str, egress: Egress) -> str | None:
    try:
        egress.target(url)
    except Refused:
        return "该地址指向本机、内网、链路本地、组播或保留地址，不能作为回调地址"
    except Unresolvable:
        return "无法解析该主机名"
    except ValueError:  # a port out of range, a malformed IPv6 literal
        return "地址格式无效"
    return None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str, header: str, body: bytes, tolerance: float = 300, now: float | None = None) -> bool:
    """What a receiver does (also used by our tests)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt."""
    return min(BASE_DELAY * 2 ** (attempts - 1), MAX_DELAY)


def _public(hook: dict) -> dict:
    return {"id": hook["_id"], "url": hook["url"], "active": hook["active"], "created_at": _utc(hook["created_at"])}


class WebhookService:
    def __init__(self, store: GatewayStore, egress: Egress):
        self.store = store
        self.egress = egress

    def create(self, who: Principal, body: WebhookIn) -> dict:
        if who.role != "founder":
            raise Forbidden("只有创业者账号（或其授权的软件）可以订阅办理进度")
        url = check_url(body.url, self.egress)
        if self.store.webhooks.count_documents({"founder_id": who.id, "active": True}) >= MAX_HOOKS_PER_FOUNDER:
            raise Invalid(f"每个账号最多{MAX_HOOKS_PER_FOUNDER}个回调地址")
        now = clock.now()
        hook = {"_id": uuid.uuid4().hex, "founder_id": who.id, "url": url,
                "secret": body.secret or secrets.token_urlsafe(32), "active": True, "created_at": now,
                "swept_to": now - SWEEP_OVERLAP}
        self.store.webhooks.insert_one(hook)
        return {**_public(hook), "secret": hook["secret"]}

    def list(self, who: Principal) -> list[dict]:
        return [_public(h) for h in self.store.webhooks.find({"founder_id": who.id, "active": True})
                .sort("created_at", 1)]

    def delete(self, who: Principal, hook_id: str) -> None:
        self._own(who, hook_id)
        self.store.webhooks.update_one({"_id": hook_id}, {"$set": {"active": False}})
        self.store.webhook_deliveries.update_many({"webhook_id": hook_id, "state": "pending"},
                                                  {"$set": {"state": "cancelled"}})

    def deliveries(self, who: Principal, hook_id: str, limit: int = 200) -> list[dict]:
        self._own(who, hook_id)
        rows = self.store.webhook_deliveries.find({"webhook_id": hook_id}).sort("created_at", -1).limit(limit)
        return [delivery_view(row) for row in rows]

    def _own(self, who: Principal, hook_id: str) -> dict:
        hook = self.store.webhooks.find_one({"_id": hook_id, "active": True})
        if hook is None or hook["founder_id"] != who.id:
            raise NotFound("没有这个回调地址")
        return hook


def delivery_view(row: dict) -> dict:
    return {
        "id": row["_id"], "webhook_id": row["webhook_id"], "application_id": row["application_id"],
        "event_id": row["event_id"], "event_type": row["payload"]["event"]["type"], "state": row["state"],
        "attempts": row["attempts"], "created_at": _utc(row["created_at"]),
        "next_attempt_at": _utc(row["next_at"]) if row["state"] == "pending" else None,
        "delivered_at": _utc(row.get("delivered_at")),
        "log": [{"at": _utc(a["at"]), "attempt": a["attempt"], "outcome": a["outcome"],
                 "message": OUTCOMES[a["outcome"]]} for a in row.get("log", []) if "outcome" in a],
    }


# ---- queueing and sending (the tracker) ---------------------------------------------------------


def _payload(hook_id: str, app_id: str, entry: dict) -> dict:
    event = {k: entry.get(k) for k in ("event_id", "type", "source", "at", "summary", "data")}
    return json.loads(json.dumps({"webhook_id": hook_id, "application_id": app_id, "event": event},
                                 default=_json_default, ensure_ascii=False))


def _queue(store: GatewayStore, hook: dict, apps: list[dict]) -> list[str]:
    """One pending delivery per timeline entry recorded since the hook was made (duplicates ignored)."""
    now = clock.now()
    since = _utc(hook["created_at"])
    docs = []
    for app in apps:
        for entry in app.get("timeline", []):
            if _utc(entry.get("received_at") or entry["at"]) < since:
                continue
            docs.append({"_id": f"{hook['_id']}:{entry['event_id']}", "webhook_id": hook["_id"],
                         "founder_id": hook["founder_id"], "application_id": app["_id"],
                         "event_id": entry["event_id"], "payload": _payload(hook["_id"], app["_id"], entry),
                         "state": "pending", "attempts": 0, "created_at": now, "next_at": now, "log": []})
    if not docs:
        return []
    try:
        store.webhook_deliveries.insert_many(docs, ordered=False)
        return [d["_id"] for d in docs]
    except BulkWriteError as exc:
        dup = {e["op"]["_id"] for e in exc.details.get("writeErrors", []) if e.get("code") == 11000}
        if len(dup) != len(exc.details.get("writeErrors", [])):
            raise
        return [d["_id"] for d in docs if d["_id"] not in dup]


def queue_application(store: GatewayStore, application_id: str) -> list[str]:
    """Queue this application's new events for every active hook of its founder (the tracker, per event)."""
    app = store.applications.find_one({"_id": application_id}, {"founder_id": 1, "timeline": 1})
    if app is None:
        return []
    queued = []
    for hook in store.webhooks.find({"founder_id": app["founder_id"], "active": True}):
        queued += _queue(store, hook, [app])
    return queued


def sweep(store: GatewayStore) -> int:
    """Queue events recorded anywhere (the web process records the gateway's own) since the last sweep."""
    queued = 0
    hooks = list(store.webhooks.find({"active": True}))
    _remember_founders(store, (hook["founder_id"] for hook in hooks))  # what the tracker's events check
    for hook in hooks:
        started = clock.now()
        apps = store.applications.find({"founder_id": hook["founder_id"],
                                        "updated_at": {"$gte": _utc(hook["swept_to"]) - SWEEP_OVERLAP}},
                                       {"timeline": 1})
        queued += len(_queue(store, hook, list(apps)))
        store.webhooks.update_one({"_id": hook["_id"]}, {"$set": {"swept_to": started}})
    return queued


def send_due(store: GatewayStore, egress: Egress, post: Post | None = None, only: list[str] | None = None,
             limit: int = 100) -> int:
    """Send pending deliveries whose time has come (or just `only` these); returns how many succeeded."""
    post = post or http_post
    now = clock.now()
    query: dict[str, Any] = {"state": "pending", "next_at": {"$lte": now}}
    if only is not None:
        query["_id"] = {"$in": only}
    ok = 0
    for row in list(store.webhook_deliveries.find(query, {"_id": 1}).sort("next_at", 1).limit(limit)):
        ok += attempt(store, row["_id"], post, egress)
    return ok


def attempt(store: GatewayStore, delivery_id: str, post: Post, egress: Egress) -> bool:
    now = clock.now()
    row = store.webhook_deliveries.find_one_and_update(  # the lease: nobody else sends it meanwhile
        {"_id": delivery_id, "state": "pending", "next_at": {"$lte": now}},
        {"$set": {"next_at": now + LEASE}}, return_document=ReturnDocument.AFTER)
    if row is None:
        return False
    hook = store.webhooks.find_one({"_id": row["webhook_id"]})
    if hook is None or not hook["active"]:
        store.webhook_deliveries.update_one({"_id": delivery_id}, {"$set": {"state": "cancelled"}})
        return False
    body = json.dumps({"delivery_id": delivery_id, **row["payload"]}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "OneStop-Webhooks/1",
               SIGNATURE_HEADER: sign(hook["secret"], timestamp, body), "X-OneStop-Delivery": delivery_id,
               "X-OneStop-Event": row["payload"]["event"]["type"]}
    outcome, detail = _send(hook["url"], body, headers, post, egress)
    attempts = row["attempts"] + 1
    entry = {"at": clock.now(), "attempt": attempts, "outcome": outcome}
    if outcome == "delivered":
        change = {"state": "delivered", "delivered_at": entry["at"]}
    elif attempts >= MAX_ATTEMPTS:
        change = {"state": "failed"}
    else:
        change = {"next_at": entry["at"] + timedelta(seconds=backoff(attempts))}
    store.webhook_deliveries.update_one({"_id": delivery_id},
                                        {"$set": {**change, "attempts": attempts}, "$push": {"log": entry}})
    if outcome != "delivered":  # the detail is the operator's, not the founder's (module docstring)
        log.info("webhook %s attempt %d %s: %s", hook["_id"], attempts, outcome, detail,
                 extra={"application_id": row["application_id"], "event_id": row["event_id"]})
    return outcome == "delivered"


def _send(url: str, body: bytes, headers: dict[str, str], post: Post, egress: Egress) -> tuple[str, str]:
    """(outcome, detail for the operator's log)."""
    try:
        target = egress.target(url)  # checked again every time: the name may point elsewhere now
    except Refused:
        return "refused", "the host resolves to an address that is not allowed"
    except (Unresolvable, ValueError) as exc:
        return "failed", f"unresolvable: {type(exc).__name__}"
    started = time.monotonic()
    try:
        status = post(target, body, headers)
    except Exception as exc:  # noqa: BLE001 - any failure of the receiver is a failed attempt
        return "failed", f"{type(exc).__name__}: {exc}"[:300]
    ms = round((time.monotonic() - started) * 1000)
    return ("delivered" if 200 <= status < 300 else "failed"), f"HTTP {status} after {ms} ms"


def _connection(target: Target) -> http.client.HTTPConnection:
    """A connection to `target.address` only; Host header, TLS server name and certificate check stay
    the URL's host. Redirects are not followed (http.client never does): a 3xx is a failed attempt."""
    scheme = urlsplit(target.url).scheme
    cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = cls(target.host, target.port, timeout=TIMEOUT)

    def pinned(address, timeout, source_address=None):
        return socket.create_connection((target.address, address[1]), timeout, source_address)

    conn._create_connection = pinned  # http.client's own hook for making the socket
    return conn


def http_post(target: Target, body: bytes, headers: dict[str, str]) -> int:
    parts = urlsplit(target.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn = _connection(target)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(64 * 1024)  # not kept: only the status matters
        return response.status
    finally:
        conn.close()


# ---- what the tracker calls ---------------------------------------------------------------------


HOOK_CACHE_SECONDS = 2.0
_hook_cache: dict[int, tuple[float, frozenset[str]]] = {}
_hook_cache_lock = threading.Lock()


def _founders_with_hooks(store: GatewayStore) -> frozenset[str]:
    """Founders with an active hook, as read at most HOOK_CACHE_SECONDS ago. The tracker's timer
    (`sweep`) refreshes it from the hooks it reads anyway, so events normally read nothing; when it is
    stale, ONE worker reads it again and the others go on with the old set (a burst of events used to
    read it once each: 1.1 reads per application in bench.trips)."""
    cached = _hook_cache.get(id(store))
    if cached is not None and time.monotonic() - cached[0] <= HOOK_CACHE_SECONDS:
        return cached[1]
    if not _hook_cache_lock.acquire(blocking=cached is None):
        return cached[1]  # another worker is reading it now; a hook made meanwhile is caught by `sweep`
    try:
        cached = _hook_cache.get(id(store))
        if cached is None or time.monotonic() - cached[0] > HOOK_CACHE_SECONDS:
            _remember_founders(store, store.webhooks.distinct("founder_id", {"active": True}))
        return _hook_cache[id(store)][1]
    finally:
        _hook_cache_lock.release()


def _remember_founders(store: GatewayStore, founders: Iterable[str]) -> None:
    _hook_cache[id(store)] = (time.monotonic(), frozenset(founders))


def after_event(store: GatewayStore, application_id: str, egress: Egress, post: Post | None = None,
                founder_id: str | None = None) -> int:
    """Right after the tracker recorded an event: queue it for the founder's hooks and send at once.
    With `founder_id` known, a founder without hooks costs nothing: the set of founders with hooks is
    re-read at most every HOOK_CACHE_SECONDS, and a hook registered meanwhile is caught by `sweep`."""
    if founder_id is not None and founder_id not in _founders_with_hooks(store):
        return 0
    queued = queue_application(store, application_id)
    return send_due(store, egress, post, only=queued) if queued else 0


def tick(store: GatewayStore, egress: Egress, post: Post | None = None) -> int:
    sweep(store)
    return send_due(store, egress, post)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

