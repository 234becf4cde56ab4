"""A running registration service on a fresh vhost and database, a listener for its events, and a
way to send the gateway's events."""

from __future__ import annotations

import pytest
from nameko.events import event_handler
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from contracts.events import ApplicationCorrected, ApplicationSubmitted
from kit.mongo import connect
from services.registration.service import RegistrationService
from services.registration.store import RegistrationStore
from services.registration.workflow import Registrar, Settings
from tests.conftest import MONGO_URI
from tests.support.commands import CommandLog

PUBLIC_BASE_URL = "https://onestop.test"


class RegistrationEvents:
    """Records what the registration service publishes, as the gateway's tracker would see it."""

    name = "registration_events_probe"
    seen: dict[str, list[dict]] = {}

    def _record(self, payload):
        RegistrationEvents.seen.setdefault(payload["type"], []).append(payload)

    @event_handler("registration", "review_started")
    def on_review_started(self, payload):
        self._record(payload)

    @event_handler("registration", "task_queued")
    def on_task_queued(self, payload):
        self._record(payload)

    @event_handler("registration", "correction_requested")
    def on_correction_requested(self, payload):
        self._record(payload)

    @event_handler("registration", "application_rejected")
    def on_application_rejected(self, payload):
        self._record(payload)

    @event_handler("registration", "licence_issued")
    def on_licence_issued(self, payload):
        self._record(payload)

    @event_handler("registration", "company_changed")
    def on_company_changed(self, payload):
        self._record(payload)

    @event_handler("registration", "clearance_requested")
    def on_clearance_requested(self, payload):
        self._record(payload)

    @event_handler("registration", "company_deregistered")
    def on_company_deregistered(self, payload):
        self._record(payload)


class Harness:
    def __init__(self, container_factory, config):
        self.config = config
        self.container_factory = container_factory
        self.service = self.start_instance()
        self.listener = container_factory(RegistrationEvents, config)
        self.listener.start()
        self._dispatch = event_dispatcher(config)

    def start_instance(self):
        container = self.container_factory(RegistrationService, self.config)
        container.start()
        return container

    def events(self, kind: str, application_id: str | None = None) -> list[dict]:
        rows = RegistrationEvents.seen.get(kind, [])
        return [r for r in rows if application_id is None or r["application_id"] == application_id]

    def send(self, event, source: str = "gateway") -> None:
        self._dispatch(source, event.type, event.model_dump(mode="json"))

    def submit(self, application_id: str, form: dict, founder_id: str = "founder-1") -> ApplicationSubmitted:
        event = ApplicationSubmitted(application_id=application_id, founder_id=founder_id, form=form)
        self.send(event)
        return event

    def correct(self, application_id: str, revision: int, form: dict) -> ApplicationCorrected:
        event = ApplicationCorrected(application_id=application_id, revision=revision, form=form)
        self.send(event)
        return event

    def waiting_for(self, kind: str, application_id: str, count: int = 1, timeout: float = 20):
        """Wait until `count` events of this kind for this application have arrived."""
        return entrypoint_waiter(
            self.listener, f"on_{kind}", timeout=timeout,
            callback=lambda *_: len(self.events(kind, application_id)) >= count,
        )


@pytest.fixture
def registration(container_factory, service_config):
    RegistrationEvents.seen = {}
    config = {**service_config, "PUBLIC_BASE_URL": PUBLIC_BASE_URL, "CLERK_REVIEW_DAYS": 3,
              "SEED_DEMO_NAMES": True}
    return Harness(container_factory, config)


@pytest.fixture
def counted(mongo_db_name):
    """A registrar on a fresh database whose every round trip is logged (tests/support/commands.py),
    without a service: (registrar, the log, the event types it published, the database)."""
    trips = CommandLog()
    db = connect(MONGO_URI, mongo_db_name, event_listeners=[trips])
    store = RegistrationStore(db)
    store.ensure_indexes()
    published: list[str] = []
    registrar = Registrar(store, lambda event_type, payload: published.append(event_type), Settings())
    yield registrar, trips, published, db
    db.client.close()
