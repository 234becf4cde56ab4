"""The composition root: one `Gateway` per web process holds the store, the RPC pool and the
services. The JSON API and (later) server-rendered pages both get their services from here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.after_start_stats import AfterStartStats
from gateway.applications import ApplicationService
from gateway.auth import AccountService
from gateway.challenge import load_challenge
from gateway.clerks import TaskService
from gateway.clients import Clients
from gateway.companies import CompanyService, VerifyService
from gateway.confirmations import ConfirmationService
from gateway.contact_verification import ContactVerification, load_sender
from gateway.drafts import DraftService
from gateway.publisher import Publisher
from gateway.quotas import Quotas
from gateway.rpc import Bureaus
from gateway.settings import Settings
from gateway.staffing import StaffingService
from gateway.store import GatewayStore
from kit.identity import load_verifier


@dataclass
class Gateway:
    settings: Settings
    store: GatewayStore
    bureaus: Bureaus
    publish: Publisher
    broker_check: Any = None  # () -> None, raises if the broker is unreachable
    password_hasher: Any = None  # argon2.PasswordHasher; None: argon2-cffi's defaults
    clients: Clients = field(init=False)
    accounts: AccountService = field(init=False)
    quotas: Quotas = field(init=False)
    applications: ApplicationService = field(init=False)
    confirmations: ConfirmationService = field(init=False)
    contact: ContactVerification = field(init=False)
    companies: CompanyService = field(init=False)
    drafts: DraftService = field(init=False)
    staffing: StaffingService = field(init=False)
    tasks: TaskService = field(init=False)
    verify: VerifyService = field(init=False)
    sweeper: Any = field(init=False, default=None)  # kit.outbox.Sweeper, in the real web process

    def __post_init__(self) -> None:
        s = self.settings
        self.clients = Clients(self.bureaus)
        self.accounts = AccountService(self.store, s.gateway_token_minutes, s.gateway_login_max_failures,
                                       s.gateway_login_window_minutes, self.password_hasher,
                                       (s.gateway_signups_per_address_per_hour, s.gateway_signups_per_hour),
                                       load_verifier(s.gateway_identity_verifier),
                                       load_challenge(s.gateway_login_challenge, self.store),
                                       s.gateway_login_challenge_after)
        self.quotas = Quotas(self.store, {"submission": s.gateway_submissions_per_founder_per_hour,
                                          "download": s.gateway_downloads_per_founder_per_hour,
                                          "name_check": s.gateway_name_checks_per_founder_per_hour})
        self.applications = ApplicationService(self.store, self.clients, self.publish, s.public_url,
                                               s.gateway_confirmation_days, quotas=self.quotas)
        self.confirmations = ConfirmationService(self.store, self.publish, s.public_url)
        self.contact = ContactVerification(self.store, load_sender(s.gateway_contact_sender, s.contact_outbox))
        self.companies = CompanyService(self.store, self.clients)
        self.drafts = DraftService(self.store)
        self.staffing = StaffingService(self.store, self.clients)
        self.tasks = TaskService(self.clients)
        self.verify = VerifyService(self.clients, self.store)
        self.after_start = AfterStartStats(self.clients, s.gateway_stats_max_age_seconds)

    @classmethod
    def from_settings(cls, settings: Settings) -> Gateway:
        """The real thing: MongoDB, a nameko RPC pool and a nameko event publisher."""
        from kombu import Connection

        from contracts.rpc import register_remote_errors
        from gateway.identities import settle_existing
        from gateway.publisher import NamekoPublisher
        from gateway.rpc import RpcPool
        from kit.mongo import connect
        from kit.outbox import Sweeper

        register_remote_errors()
        store = GatewayStore(connect(settings.mongo_uri, settings.database))
        store.ensure_indexes()
        settle_existing(store, load_verifier(settings.gateway_identity_verifier))
        config = settings.nameko_config()

        def broker_check() -> None:
            with Connection(settings.amqp_uri, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)

        gateway = cls(settings, store, RpcPool(config, settings.gateway_rpc_timeout, settings.gateway_rpc_pool_size),
                      NamekoPublisher(config), broker_check)
        gateway.sweeper = Sweeper(store.applications)  # pulls what this process published, one update a sweep
        return gateway

    def close(self) -> None:
        if self.sweeper is not None:
            self.sweeper.close()
        close = getattr(self.bureaus, "close", None)
        if close:
            close()
        self.store.db.client.close()
