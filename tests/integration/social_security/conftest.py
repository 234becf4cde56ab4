"""A running social_security service on a fresh vhost and database, a listener that records what it
publishes, and `licence_issued` / `licence_revoked` events built from the contracts' models."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from contracts import clock
from contracts.codes import make_uscc, resident_id_check_char
from contracts.events import Licence, LicenceIssued, LicenceRevoked
from contracts.form import Employee, LegalRepresentative, SealRequest, TaxNeeds
from services.social_security.domain import local_today
from services.social_security.service import SocialSecurityService
from tests.support.events import as_published


def resident_id(seq: int, born: str = "19900307") -> str:
    first17 = f"420111{born}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def licence_issued(employees: list[dict], org: str = "00000001",
                   district: str = "420111", scope: tuple[str, ...] = ("G0008",)) -> LicenceIssued:
    uscc = make_uscc(district, org)
    rep_id = resident_id(900)
    return LicenceIssued(
        application_id=f"app-{org}",
        licence=Licence(uscc=uscc, company_name="武汉海陆空商贸有限公司", company_type="有限责任公司",
                        legal_representative="赵六", registered_capital=Decimal("100000.00"),
                        established_on=local_today(clock.now()), term="长期", domicile="武汉市洪山区珞喻路1号",
                        district_code=district, business_scope="日用百货销售", authority="武汉市洪山区市场监督管理局",
                        issued_at=clock.now()),
        legal_representative=LegalRepresentative(name="赵六", resident_id=rep_id, position="director"),
        contact_phone="13800000000",
        seals=SealRequest(),
        tax=TaxNeeds(),
        employees=[Employee.model_validate(e) for e in employees],
        business_scope=list(scope),  # G0008 日用百货销售: 51 批发业, work-injury class 2
    )


def licence_revoked(issued: LicenceIssued, reason: str = "提交虚假材料取得公司登记",
                    occurred_at: datetime | None = None) -> LicenceRevoked:
    """The revocation registration would emit for the company `issued` created."""
    return LicenceRevoked(application_id=issued.application_id, uscc=issued.licence.uscc, reason=reason,
                          occurred_at=occurred_at or clock.now())


class Recorder:
    """Every event social_security publishes, in arrival order."""

    name = "recorder"
    seen: list[tuple[str, dict]] = []

    @event_handler("social_security", "employer_registered")
    def on_employer_registered(self, payload):
        Recorder.seen.append(("employer_registered", payload))

    @event_handler("social_security", "employees_enrolled")
    def on_employees_enrolled(self, payload):
        Recorder.seen.append(("employees_enrolled", payload))

    @event_handler("social_security", "task_queued")
    def on_task_queued(self, payload):
        Recorder.seen.append(("task_queued", payload))

    @event_handler("social_security", "step_rejected")
    def on_step_rejected(self, payload):
        Recorder.seen.append(("step_rejected", payload))


class Bureau:
    """The running service plus the listener, with one-line helpers for the tests."""

    def __init__(self, container, recorder, config, db):
        self.container, self.recorder, self.config, self.db = container, recorder, config, db

    def call(self, method, *args, **kwargs):
        with entrypoint_hook(self.container, method) as hook:
            return hook(*args, **kwargs)

    def publish_licence(self, event: LicenceIssued, wait_for: str | None = "on_employees_enrolled"):
        """Send `licence_issued` as registration would; wait until the recorder has `wait_for`."""
        dispatch = as_published(self.config)
        if True:
            if wait_for is None:
                with entrypoint_waiter(self.container, "on_licence_issued"):
                    dispatch("registration", "licence_issued", event.model_dump(mode="json"))
                return
            with entrypoint_waiter(self.recorder, wait_for):
                dispatch("registration", "licence_issued", event.model_dump(mode="json"))

    def publish_revocation(self, event: LicenceRevoked):
        """Send `licence_revoked` as registration would; return once the bureau has handled it."""
        with entrypoint_waiter(self.container, "on_licence_revoked"):
            as_published(self.config)("registration", "licence_revoked", event.model_dump(mode="json"))

    def kinds(self) -> list[str]:
        return [k for k, _ in Recorder.seen]

    def all_payloads(self) -> list[dict]:
        return [payload for _, payload in Recorder.seen]

    def events(self, kind: str) -> list[dict]:
        """Distinct events of one kind. Delivery is at-least-once (a relay may re-publish an entry
        whose flush was slow), so, like every consumer, count by event_id."""
        unique = {}
        for k, payload in Recorder.seen:
            if k == kind:
                unique.setdefault(payload["event_id"], payload)
        return list(unique.values())


@pytest.fixture
def bureau(container_factory, service_config, mongo_db):
    Recorder.seen = []
    container = container_factory(SocialSecurityService, service_config)
    recorder = container_factory(Recorder, service_config)
    container.start()
    recorder.start()
    return Bureau(container, recorder, service_config, mongo_db)


@pytest.fixture
def today() -> date:
    return local_today(clock.now())
