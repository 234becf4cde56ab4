"""Accounts, passwords, tokens and login rate limiting: plain Python, reusable by the API and by
server-rendered pages (which keep the same token in a cookie session).

Tokens are opaque random strings (256 bits) stored only as their SHA-256: a stolen database cannot be
replayed, a token can be revoked (logout, staff leaving), and no signing key has to be shared or
rotated between gateway instances. A process remembers a resolved token for PRINCIPAL_SECONDS, so a
page polling for progress or a client calling in a loop costs the database nothing more per request:
a logout takes effect at once in the process that served it and within those seconds everywhere else.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts import clock
from contracts.calendar import aware
from contracts.codes import is_valid_resident_id
from contracts.rpc import BUREAUS, FieldError, Invalid, NotFound
from contracts.text import PersonName
from gateway import contact_verification, identities
from gateway.challenge import ArithmeticChallenge, Challenge, LoginChallenge
from gateway.errors import TooManyRequests, Unauthenticated
from gateway.login_limits import ACCOUNT_FACTOR, LoginPolicy, wait_message
from gateway.rpc import vouch
from gateway.store import GatewayStore, token_expiry
from kit.identity import FormatCheck, IdentityVerifier

Role = Literal["founder", "clerk", "operator"]

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_STAFF_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 8
ACCOUNT_FAILURE_FACTOR = ACCOUNT_FACTOR  # failures from many addresses that slow one account, in max_failures
CHALLENGES_PER_ADDRESS = 100  # log-in challenges one address may fetch per window
PRINCIPAL_SECONDS = 5.0  # how long a process trusts a token it resolved without asking again
PRINCIPAL_CACHE_SIZE = 10_000



@dataclass(frozen=True)
class Principal:
    """Who is calling: what every service-layer function receives instead of a request."""

    id: str
    role: Role
    name: str
    login: str
    bureau: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    def is_clerk_of(self, bureau: str) -> bool:
        return self.role == "clerk" and self.bureau == bureau


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: PersonName
    resident_id: str = Field(min_length=18, max_length=18)
    email: str | None = Field(None, max_length=120)
    mobile: str | None = Field(None, max_length=20)
    # never stripped: " pass word " is what the founder typed and will type again at log-in
    password: Annotated[str, StringConstraints(strip_whitespace=False), Field(max_length=200)]


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)


class ChallengeRequired(Unauthenticated):
    """A log-in that must carry the answer to a challenge (POST /api/v1/login-challenges)."""

    code = "CHALLENGE_REQUIRED"


def challenge_required(message: str) -> ChallengeRequired:
    return ChallengeRequired.with_fields(message, [FieldError(field="challenge_answer", message=message)])


def normalise_login(login: str) -> str:
    return login.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_account(account: dict) -> dict:
    return {
        "id": account["_id"],
        "role": account["role"],
        "name": account["name"],
        "bureau": account.get("bureau"),
        "email": account.get("email"),
        "mobile": account.get("mobile"),
        "created_at": account["created_at"],
        # whether the verifier vouched for the person, and how far (the embedded one: format only)
        "identity_verified": bool((account.get("identity") or {}).get("verified")),
        "identity_status": (account.get("identity") or {}).get("status"),
        # the email or mobile answered a code (gateway/contact_verification.py): needed to submit or confirm
        "contact_verified": contact_verification.is_verified(account),
    }


class AccountService:
    def __init__(self, store: GatewayStore, token_minutes: int = 720, max_failures: int = 10,
                 window_minutes: int = 15, hasher: PasswordHasher | None = None,
                 signup_limits: tuple[int, int] = (30, 1000), verifier: IdentityVerifier | None = None,
                 challenge: LoginChallenge | None = None, challenge_after: int = 3):
        self.store = store
        self.challenge = challenge or ArithmeticChallenge(store)
        self.policy = LoginPolicy(delay_after=max_failures, challenge_after=challenge_after)
        self.verifier = verifier or FormatCheck()
        # sign-ups per hour from one client address, and from everywhere (account farming, argon2 cost)
        self.signups_per_address, self.signups_per_hour = signup_limits
        # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile); tests pass cheaper ones
        self.hasher = hasher or PasswordHasher()
        # verified against when the login is unknown, so a wrong login costs as long as a wrong password
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self.token_minutes = token_minutes
        self.max_failures = max_failures
        self.window = timedelta(minutes=window_minutes)
        self._principals: dict[str, tuple[float, Principal]] = {}  # token hash -> (trusted until, who)
        self._principals_lock = threading.Lock()

    # ---- founders sign up themselves

    def sign_up(self, data: SignUp, client: str | None = None) -> dict:
        """`client`: the caller's address, for the per-address limit (None: an operator's own tool)."""
        keys = self._check_signup_rate(client)
        errors = []
        if not is_valid_resident_id(data.resident_id):
            errors.append(FieldError(field="resident_id", message="身份证号码无效：请核对出生日期和最后一位校验码"))
        if not data.email and not data.mobile:
            errors.append(FieldError(field="email", message="请至少填写电子邮箱或手机号码之一"))
        if data.email and not _EMAIL.match(data.email):
            errors.append(FieldError(field="email", message="电子邮箱格式不正确"))
        if data.mobile and not _MOBILE.match(data.mobile):
            errors.append(FieldError(field="mobile", message="请填写11位手机号码"))
        errors += _password_errors(data.password)
        check = None
        if not errors:
            check = self.verifier.check(data.name, data.resident_id, clock.china_today())
            errors += [FieldError(field="resident_id", message=p) for p in check.problems]
        if errors:
            raise Invalid.with_fields("注册信息有误", errors)
        if identities.taken(self.store, data.resident_id):
            self.store.record_failure(keys)  # probing which numbers have accounts counts against the limit
            raise identities.taken_error()
        logins = [normalise_login(x) for x in (data.email, data.mobile) if x]
        account = {
            "_id": uuid.uuid4().hex,
            "role": "founder",
            "name": data.name,
            "resident_id": data.resident_id,
            "email": normalise_login(data.email) if data.email else None,
            "mobile": data.mobile,
            "logins": logins,
            "password_hash": self.hasher.hash(data.password),
            "created_at": clock.now(),
            "identity": {**check.as_record(clock.now()), "claimed": data.resident_id},  # gateway/identities.py
        }
        created = public_account(self.store.insert_account(account))
        if not identities.claim(self.store, data.resident_id, account["_id"]):  # a sign-up raced us and won
            self.store.accounts.delete_one({"_id": account["_id"]})
            raise identities.taken_error()
        self.store.record_failure(keys)  # the same sliding-window log as failed log-ins, other keys
        return created

    def _check_signup_rate(self, client: str | None) -> list[str]:
        since = clock.now() - timedelta(hours=1)
        limits = {"signup:all": self.signups_per_hour}
        if client:
            limits[f"signup:client:{client}"] = self.signups_per_address
        if any(self.store.failures_since(key, since) >= limit for key, limit in limits.items()):
            raise TooManyRequests("注册过于频繁，请稍后再试")
        return list(limits)

    # ---- staff are created by an operator (gateway/ops/cli.py)

    def add_staff(self, login: str, password: str, bureau: str | None = None, operator: bool = False,
                  name: str | None = None) -> dict:
        login = normalise_login(login)
        errors = []
        if not _STAFF_LOGIN.match(login):
            errors.append(FieldError(field="login", message="login: 3-40 chars, a-z first, then a-z 0-9 . _ -"))
        if operator == (bureau is not None):
            errors.append(FieldError(field="bureau", message="give exactly one of --bureau or --operator"))
        elif bureau is not None and bureau not in BUREAUS:
            errors.append(FieldError(field="bureau", message=f"bureau must be one of {', '.join(BUREAUS)}"))
        errors += _password_errors(password)
        if errors:
            raise Invalid.with_fields("cannot add staff", errors)
        account = {
            "_id": uuid.uuid4().hex,
            "role": "operator" if operator else "clerk",
            "bureau": bureau,
            "name": name or login,
            "logins": [login],
            "password_hash": self.hasher.hash(password),
            "created_at": clock.now(),
        }
        return public_account(self.store.insert_account(account))

    # ---- log in, with a sliding-window limit on failures per login name and per client

    def log_in(self, login: str, password: str, client: str, challenge_id: str | None = None,
               challenge_answer: str | None = None) -> tuple[str, datetime]:
        """Growing delays and a challenge after failures (gateway/login_limits.py), never a lockout."""
        login = normalise_login(login)
        account_key, client_key, pair_key = f"login:{login}", f"client:{client}", f"login:{login}|client:{client}"
        keys = [account_key, client_key, pair_key]
        now, since = clock.now(), clock.now() - self.window
        seen = {key: self._window(key, since) for key in keys}
        wait = self.policy.wait(seen[account_key], [seen[client_key], seen[pair_key]], now)
        if wait:
            raise TooManyRequests(wait_message(wait), retry_after=wait)
        if self.policy.needs_challenge([n for n, _ in seen.values()]):
            if not challenge_id and not challenge_answer:
                raise challenge_required("登录失败次数较多，请先回答验证题再登录")
            if not self.challenge.check(challenge_id, challenge_answer):
                self.store.record_failure([client_key, pair_key])  # guessing answers costs the guesser
                raise challenge_required("验证题答案不正确或已过期，请回答新的验证题")
        account = self.store.account_by_login(login)
        if not self._verify(account["password_hash"] if account else self._dummy_hash, password) or account is None:
            self.store.record_failure(keys)
            raise Unauthenticated("账号或密码不正确")
        if account.get("disabled"):  # told only to whoever knows the password
            raise Unauthenticated("该账号已停用，请联系管理员")
        if self.hasher.check_needs_rehash(account["password_hash"]):
            self.store.set_password(login, self.hasher.hash(password))
        self.store.clear_failures(keys[0])
        self.store.clear_failures(keys[2])
        token = secrets.token_urlsafe(32)
        expires = token_expiry(self.token_minutes)
        self.store.insert_token(hash_token(token), account["_id"], expires)
        return token, expires

    def challenge_due(self, login: str, client: str) -> bool:
        """Whether this login from this address must answer a challenge now (the page shows one at once)."""
        login, since = normalise_login(login), clock.now() - self.window
        keys = [f"login:{login}", f"client:{client}", f"login:{login}|client:{client}"]
        return self.policy.needs_challenge([self._window(key, since)[0] for key in keys])

    def issue_challenge(self, client: str) -> Challenge:
        """A fresh challenge; CHALLENGES_PER_ADDRESS per window from one address (each is a stored row)."""
        key = f"challenge:client:{client}"
        if self.store.failures_since(key, clock.now() - self.window) >= CHALLENGES_PER_ADDRESS:
            raise TooManyRequests("获取验证题过于频繁，请稍后再试", retry_after=int(self.window.total_seconds()))
        self.store.record_failure([key])
        return self.challenge.issue()

    def _window(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        count, last = self.store.failure_window(key, since)
        return count, aware(last) if last else None

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def change_password(self, who: Principal, body: PasswordChange, client: str) -> tuple[str, datetime]:
        """Check the current password (failures count like log-in failures), set the new one, end every
        session of the account and return a fresh token for this one."""
        key = f"login:{who.login}|client:{client}"
        if self.store.failures_since(key, clock.now() - self.window) >= self.max_failures:
            raise TooManyRequests("密码错误次数过多，请15分钟后再试")
        account = self.store.account(who.id)
        if account is None or not self._verify(account["password_hash"], body.current_password):
            self.store.record_failure([key])
            raise Invalid.with_fields("当前密码不正确", [FieldError(field="current_password", message="当前密码不正确")])
        errors = _password_errors(body.new_password, field="new_password")
        if body.new_password == body.current_password:
            errors.append(FieldError(field="new_password", message="新密码不能与当前密码相同"))
        if errors:
            raise Invalid.with_fields("新密码不符合要求", errors)
        self.store.set_account_password(who.id, self.hasher.hash(body.new_password))
        self.log_out_everywhere(who.id)
        token = secrets.token_urlsafe(32)
        expires = token_expiry(self.token_minutes)
        self.store.insert_token(hash_token(token), who.id, expires)
        return token, expires

    def log_out_everywhere(self, account_id: str) -> int:
        """Revoke every token of the account. Other web processes may still honour one for up to
        PRINCIPAL_SECONDS (their cache of resolved tokens); this one forgets them now."""
        count = self.store.delete_tokens_of(account_id)
        with self._principals_lock:
            self._principals = {k: v for k, v in self._principals.items() if v[1].id != account_id}
        return count

    def disable(self, login: str, disabled: bool = True) -> dict:
        """Operator: a disabled account cannot log in and its tokens are revoked (re-enable: disabled=False)."""
        account = self.store.set_disabled(normalise_login(login), disabled)
        if account is None:
            raise NotFound(f"no account {login}")
        if disabled:
            self.log_out_everywhere(account["_id"])
        return {**public_account(account), "disabled": disabled}

    def log_out(self, token: str) -> None:
        key = hash_token(token)
        self.store.delete_token(key)
        with self._principals_lock:
            self._principals.pop(key, None)

    def principal(self, token: str | None) -> Principal:
        """The account behind a bearer token, or Unauthenticated."""
        if not token:
            raise Unauthenticated("请先登录")
        key = hash_token(token)
        now = time.monotonic()
        with self._principals_lock:
            known = self._principals.get(key)
        if known is not None and known[0] > now:
            vouch(known[1].role, known[1].id)
            return known[1]
        row = self.store.token(key)
        account = self.store.account(row["account_id"]) if row else None
        if account is None or account.get("disabled"):
            with self._principals_lock:
                self._principals.pop(key, None)
            raise Unauthenticated("请先登录")
        who = Principal(id=account["_id"], role=account["role"], name=account["name"],
                        login=account["logins"][0], bureau=account.get("bureau"))
        token_left = (aware(row["expires_at"]) - clock.now()).total_seconds()
        self._remember(key, now + min(PRINCIPAL_SECONDS, token_left), who)
        vouch(who.role, who.id)
        return who

    def _remember(self, key: str, until: float, who: Principal) -> None:
        with self._principals_lock:
            if len(self._principals) >= PRINCIPAL_CACHE_SIZE:
                now = time.monotonic()
                self._principals = {k: v for k, v in self._principals.items() if v[0] > now}
                if len(self._principals) >= PRINCIPAL_CACHE_SIZE:  # all fresh: start over, it refills
                    self._principals.clear()
            self._principals[key] = (until, who)


def _password_errors(password: str, field: str = "password") -> list[FieldError]:
    if len(password) < MIN_PASSWORD:
        return [FieldError(field=field, message=f"密码至少{MIN_PASSWORD}位")]
    if password.isdigit() or password.isalpha():
        return [FieldError(field=field, message="密码需同时包含字母和数字或符号")]
    if password.strip() != password:
        return [FieldError(field=field, message="密码首尾不能有空格（不会替您删除，以免登录时对不上）")]
    if password.lower() in common_passwords():
        return [FieldError(field=field, message="这个密码太常见，很容易被猜中，请换一个")]
    return []


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's list (from leaked password corpora; lower case)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])
