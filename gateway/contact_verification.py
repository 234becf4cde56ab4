"""A founder's email or mobile number is verified by a code before the account may submit or confirm.

Issue 20 (sign-up): an account with an unchecked contact could be made by anyone for anyone; a code sent
to the address proves the founder reads it. An unverified account logs in and fills drafts, but submit
and confirm answer 403 with the reason (`require_verified`).

Codes: 6 digits, valid CODE_MINUTES, at most MAX_ATTEMPTS wrong answers (then void: ask for a new one),
stored only as an HMAC-SHA256 with a random salt of their own (a database dump shows no live code; with
10^6 possible codes the short life and the attempt limit are what protect it, not the hash alone).
Resending: one per RESEND_SECONDS and SENDS_PER_HOUR per account.
⚠️ Assumption (2026-12): the figures are common practice for SMS/email one-time codes, not taken from a
text; they are constants here, one place to change.

Senders are pluggable (`GATEWAY_CONTACT_SENDER`): the embedded `outbox_file` SENDS NOTHING: it appends
each message to a JSON-lines file (`GATEWAY_CONTACT_OUTBOX`) that an operator or a test reads
(`latest_code`). A production deployment names an adapter to its SMS gateway and mail relay
(`module:attribute`, called with no arguments, with a `send(channel, destination, text)` method).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from contracts import clock
from contracts.calendar import aware
from contracts.rpc import FieldError, Forbidden, Invalid
from gateway.errors import TooManyRequests
from gateway.store import GatewayStore

Channel = Literal["email", "mobile"]
CODE_MINUTES = 10
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
SENDS_PER_HOUR = 5
OUTBOX_FILE = "outbox_file"
DEFAULT_OUTBOX_DIR = Path(__file__).resolve().parents[1] / "var" / "contact-outbox"
UNVERIFIED = "请先验证您的电子邮箱或手机号码（输入注册时发送的验证码）：验证后才能提交或确认申请"


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Channel | None = None  # None: the email if the account has one, else the mobile


class CodeAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=12)


class Sender(Protocol):
    name: str

    def send(self, channel: str, destination: str, text: str) -> None: ...


class OutboxFile:
    """The embedded sender: writes to a file, sends nothing (it says so in every line it writes)."""

    name = OUTBOX_FILE

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def send(self, channel: str, destination: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": clock.now().isoformat(), "channel": channel, "to": destination, "text": text,
                           "note": "NOT SENT: embedded outbox_file sender (GATEWAY_CONTACT_SENDER)"},
                          ensure_ascii=False) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def load_sender(setting: str, outbox: str | Path) -> Sender:
    setting = (setting or OUTBOX_FILE).strip()
    if setting == OUTBOX_FILE:
        return OutboxFile(outbox)
    module, _, attribute = setting.partition(":")
    if not module or not attribute:
        raise ValueError(f"contact sender {setting!r}: use {OUTBOX_FILE!r} or module:attribute")
    return getattr(import_module(module), attribute)()


def latest_code(destination: str, paths: list[Path]) -> str | None:
    """The newest code written for `destination` in the outbox files (an operator's or a test's reading)."""
    best: tuple[str, str] | None = None
    wanted = destination.strip().lower()
    for path in paths:
        if not path.exists():
            continue
        for raw in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(raw)
            # addresses are logins, kept lower-case (gateway.auth): a form's "...X@..." is "...x@..." here
            if str(row.get("to", "")).lower() == wanted and (best is None or row["at"] >= best[0]):
                best = (row["at"], row["text"])
    if best is None:
        return None
    digits = [w for w in best[1].replace("：", " ").replace("，", " ").split() if w.isdigit() and len(w) == 6]
    return digits[0] if digits else None


def _hash(salt: str, code: str) -> str:
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def masked(destination: str) -> str:
    if "@" in destination:
        user, _, host = destination.partition("@")
        return f"{user[:1]}***@{host}"
    return f"{destination[:3]}****{destination[-4:]}"


def is_verified(account: dict[str, Any]) -> bool:
    """Verified = the contact the code went to is still one of the account's own (a change needs a new code)."""
    done = account.get("contact_verified") or {}
    return bool(done) and done.get("destination") in (account.get("email"), account.get("mobile"))


def require_verified(store: GatewayStore, account_id: str) -> None:
    require_verified_account(store.account(account_id) or {})


def require_verified_account(account: dict[str, Any]) -> None:
    """The same check on an account already read (the submit reads it once for everything, issue 23)."""
    if account.get("role") == "founder" and not is_verified(account):
        raise Forbidden(UNVERIFIED)


class ContactVerification:
    def __init__(self, store: GatewayStore, sender: Sender):
        self.store, self.sender = store, sender
        self.codes = store.db["contact_codes"]

    def send(self, account_id: str, channel: Channel | None = None) -> dict[str, Any]:
        account = self.store.account(account_id) or {}
        if account.get("role") != "founder":
            raise Forbidden("只有创业者账号需要验证联系方式")
        channel = channel or ("email" if account.get("email") else "mobile")
        destination = account.get(channel)
        if not destination:
            label = "电子邮箱" if channel == "email" else "手机号码"
            raise Invalid.with_fields("账号没有该联系方式", [FieldError(field="channel", message=f"账号未填写{label}")])
        now = clock.now()
        row = self.codes.find_one({"_id": account_id}) or {}
        sent = [aware(t) for t in row.get("sent", []) if aware(t) > now - timedelta(hours=1)]
        if sent and (now - max(sent)).total_seconds() < RESEND_SECONDS:
            wait = RESEND_SECONDS - int((now - max(sent)).total_seconds())
            raise TooManyRequests(f"验证码发送过于频繁，请{wait}秒后再试", retry_after=wait)
        if len(sent) >= SENDS_PER_HOUR:
            raise TooManyRequests(f"一小时内最多发送{SENDS_PER_HOUR}次验证码，请稍后再试", retry_after=3600)
        code, salt = f"{secrets.randbelow(10**6):06d}", secrets.token_hex(16)
        expires = now + timedelta(minutes=CODE_MINUTES)
        self.codes.replace_one({"_id": account_id}, {
            "_id": account_id, "channel": channel, "destination": destination, "salt": salt,
            "hash": _hash(salt, code), "expires_at": expires, "attempts": 0, "sent": [*sent, now]}, upsert=True)
        self.sender.send(channel, destination,
                         f"【一站式开办】您的验证码：{code}，{CODE_MINUTES}分钟内有效。如非本人操作，请忽略。")
        return {"channel": channel, "destination": masked(destination), "expires_at": expires,
                "resend_after_seconds": RESEND_SECONDS, "sender": self.sender.name}

    def confirm(self, account_id: str, code: str) -> dict[str, Any]:
        now = clock.now()
        row = self.codes.find_one({"_id": account_id})
        if not row or not row.get("hash"):
            raise _code_error("请先获取验证码")
        if aware(row["expires_at"]) <= now:
            raise _code_error("验证码已过期，请重新获取")
        # count the attempt first (atomically): parallel guesses cannot exceed the limit
        counted = self.codes.find_one_and_update({"_id": account_id, "hash": row["hash"],
                                                  "attempts": {"$lt": MAX_ATTEMPTS}}, {"$inc": {"attempts": 1}})
        if counted is None:
            raise _code_error(f"错误次数已达{MAX_ATTEMPTS}次，该验证码已作废，请重新获取")
        if not hmac.compare_digest(_hash(row["salt"], code), row["hash"]):
            left = MAX_ATTEMPTS - counted["attempts"] - 1
            raise _code_error(f"验证码不正确，还可尝试{left}次" if left else
                              f"验证码不正确，错误次数已达{MAX_ATTEMPTS}次，请重新获取")
        self.codes.update_one({"_id": account_id}, {"$unset": {"hash": "", "salt": ""}})
        self.store.accounts.update_one({"_id": account_id}, {"$set": {"contact_verified": {
            "channel": row["channel"], "destination": row["destination"], "at": now}}})
        return self.store.account(account_id) or {}

    def pending(self, account_id: str) -> dict[str, Any] | None:
        """The code waiting for an answer (where it went, until when), for the page; None if none."""
        row = self.codes.find_one({"_id": account_id})
        if not row or not row.get("hash") or aware(row["expires_at"]) <= clock.now():
            return None
        return {"channel": row["channel"], "destination": masked(row["destination"]),
                "expires_at": aware(row["expires_at"])}


def _code_error(message: str) -> Invalid:
    return Invalid.with_fields(message, [FieldError(field="code", message=message)])

