"""The gateway's configuration: one pydantic-settings object, read from the environment once.

Field names are the environment variable names (case-insensitive), so `AMQP_URI`, `MONGO_URI` and
`ONESTOP_DB_PREFIX` are shared with the bureau services and the launcher.
"""

from __future__ import annotations

import logging
import secrets
from functools import cached_property

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.egress import Egress

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    amqp_uri: str = "pyamqp://guest:guest@127.0.0.1:5672/"
    mongo_uri: str = "mongodb://127.0.0.1:27017"
    onestop_db_prefix: str = "onestop"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    # public address used in links (documents, Location headers); behind a proxy it differs from host:port
    gateway_public_url: str = ""
    gateway_rpc_timeout: float = Field(10.0, gt=0)
    gateway_rpc_pool_size: int = Field(16, ge=1)
    # signs the web pages' cookie sessions; API tokens are opaque random strings and need no key.
    # Empty: a random per-process key (fine for one process; set it when running several).
    gateway_secret_key: str = ""
    gateway_token_minutes: int = Field(12 * 60, ge=1)
    gateway_max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # failures per client address before its log-ins wait, growing (gateway/login_limits.py)
    gateway_login_max_failures: int = Field(10, ge=1)
    gateway_login_window_minutes: int = Field(15, ge=1)
    # failures (per account or address) before a log-in must answer a challenge, and which challenge:
    # "arithmetic" (embedded, NOT a CAPTCHA service: gateway/challenge.py) or module:attribute
    gateway_login_challenge_after: int = Field(3, ge=1)
    gateway_login_challenge: str = "arithmetic"
    # the OneStop trust root and the bureaus' certificates (kit/pki.py): published, and used to check PDFs
    pki_dir: str = "var/pki"
    # internal webhook receivers an operator allows (gateway/egress.py): "10.0.0.0/8,127.0.0.1:8099"
    gateway_webhook_allow: str = ""
    # the open statistics are recomputed at most this often (gateway/stats.py); 0: per request (dev only)
    gateway_stats_max_age_seconds: float = Field(60.0, ge=0)
    # /metrics answers only `Authorization: Bearer <this>`; empty: /metrics is off (404)
    gateway_metrics_token: str = ""
    # founder sign-ups per hour from one client address, and in all
    gateway_signups_per_address_per_hour: int = Field(30, ge=1)
    gateway_signups_per_hour: int = Field(1000, ge=1)
    # who vouches for a person's identity at sign-up (kit/identity.py): "format_check" (embedded: the
    # number's form only) or module:attribute of an adapter to the public-security real-name service
    gateway_identity_verifier: str = "format_check"
    # per founder and rolling hour (gateway/quotas.py): new submissions, document downloads, name checks
    gateway_submissions_per_founder_per_hour: int = Field(20, ge=1)
    gateway_downloads_per_founder_per_hour: int = Field(300, ge=1)
    gateway_name_checks_per_founder_per_hour: int = Field(300, ge=1)
    # working days every person named on a form has to confirm it (gateway/confirmations.py)
    gateway_confirmation_days: int = Field(5, ge=0, le=30)
    # who sends sign-up verification codes (gateway/contact_verification.py): "outbox_file" (embedded:
    # SENDS NOTHING, appends to GATEWAY_CONTACT_OUTBOX) or module:attribute of an SMS/mail adapter
    gateway_contact_sender: str = "outbox_file"
    # the embedded sender's file; empty: var/contact-outbox/<ONESTOP_DB_PREFIX>.jsonl in the checkout
    gateway_contact_outbox: str = ""
    log_level: str = "INFO"

    @property
    def database(self) -> str:
        return f"{self.onestop_db_prefix}_gateway"

    @property
    def public_url(self) -> str:
        return (self.gateway_public_url or f"http://{self.gateway_host}:{self.gateway_port}").rstrip("/")

    @property
    def contact_outbox(self) -> str:
        from gateway.contact_verification import DEFAULT_OUTBOX_DIR

        return self.gateway_contact_outbox or str(DEFAULT_OUTBOX_DIR / f"{self.onestop_db_prefix}.jsonl")

    @cached_property
    def secret_key(self) -> str:
        if self.gateway_secret_key:
            return self.gateway_secret_key
        log.warning("GATEWAY_SECRET_KEY is not set: using a random key for this process only")
        return secrets.token_urlsafe(32)

    @cached_property
    def egress(self) -> Egress:
        return Egress.from_setting(self.gateway_webhook_allow)

    def nameko_config(self) -> dict:
        """What nameko's standalone RPC proxy and event dispatcher need."""
        return {"AMQP_URI": self.amqp_uri, "serializer": "json"}
