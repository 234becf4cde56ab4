"""kit.entrypoints: the documents RPCs, health and the durable licence_revoked handler, written once and
inherited by every bureau (no broker: nameko's container binds the entrypoints, worker_factory calls them)."""

from __future__ import annotations

import pytest
from nameko.cli.run import import_service
from nameko.containers import ServiceContainer
from nameko.rpc import Rpc
from nameko.testing.services import worker_factory
from nameko.timer import Timer

from contracts.revocation import Revocation
from contracts.rpc import replies
from kit.entrypoints import DocumentRpc, HealthRpc, RevocationHandler
from kit.events import DurableEventHandler
from kit.mongo import health_view
from kit.queues import DeadLetter
from kit.unit_bureau import ENTRYPOINTS, UnitBureau
from services.bank.service import BankService
from services.housing_fund.service import HousingFundService
from services.medical_insurance.service import MedicalInsuranceService
from services.registration.service import RegistrationService
from services.seal.service import SealService
from services.social_security.service import SocialSecurityService
from services.tax.service import TaxService
from tests.unit.seal.factories import licence_issued, licence_revoked

REVOKING = [SealService, TaxService, SocialSecurityService, HousingFundService, MedicalInsuranceService, BankService]
EVERY = [RegistrationService, *REVOKING]


CONTAINERS: list[ServiceContainer] = []  # an entrypoint holds its container weakly: keep it alive


def entrypoints(service_cls) -> dict[str, list]:
    container = ServiceContainer(service_cls, {"AMQP_URI": "memory://"})
    CONTAINERS.append(container)
    found: dict[str, list] = {}
    for entrypoint in container.entrypoints:
        found.setdefault(entrypoint.method_name, []).append(entrypoint)
    return found


@pytest.mark.parametrize("service_cls", EVERY, ids=lambda c: c.name)
def test_nameko_run_finds_the_bureau_alone_in_its_module(service_cls):
    # `nameko run services.<bureau>.service` starts every class of the module with entrypoints: a mixin
    # imported by name would be one more "service", without a name (the services import kit's modules)
    assert import_service(service_cls.__module__) == [service_cls]


@pytest.mark.parametrize("service_cls", REVOKING, ids=lambda c: c.name)
def test_the_inherited_licence_revoked_handler_is_durable_and_keeps_its_queue(service_cls):
    [handler] = entrypoints(service_cls)["on_licence_revoked"]
    assert type(handler) is DurableEventHandler  # requeued on a passing failure, acked once it returned
    assert (handler.source_service, handler.event_type) == ("registration", "licence_revoked")
    assert handler.requeue_on_error and handler.expected_exceptions == DeadLetter
    # nameko names the queue after the service and the method: the bureau's own name, as before the mixin
    assert (handler.container.service_name, handler.method_name) == (service_cls.name, "on_licence_revoked")


@pytest.mark.parametrize("service_cls", EVERY, ids=lambda c: c.name)
def test_the_documents_and_health_rpcs_are_inherited_by_every_bureau(service_cls):
    found = entrypoints(service_cls)
    for name in ("list_documents", "get_document", "health"):
        [entry] = found[name]
        assert isinstance(entry, Rpc) and entry.container.service_name == service_cls.name
    assert found["health"][0].public and not found["get_document"][0].public


def test_a_recorded_revocation_is_the_event_at_the_bureaus_clock():
    service = worker_factory(HousingFundService)
    event = licence_revoked()
    service.on_licence_revoked(event.model_dump(mode="json"))
    [recorded] = [c.args[0] for c in service.store.revocations.record.call_args_list]
    assert isinstance(recorded, Revocation)
    assert (recorded.uscc, recorded.event_id, recorded.reason) == (event.uscc, event.event_id, event.reason)


def test_tax_records_at_its_millisecond_clock_and_a_payload_that_never_parses_is_dead_lettered():
    service = worker_factory(TaxService)
    service.on_licence_revoked(licence_revoked().model_dump(mode="json"))
    [recorded] = [c.args[0] for c in service.store.revocations.record.call_args_list]
    assert recorded.received_at.microsecond % 1000 == 0
    with pytest.raises(DeadLetter):  # kit.events: not requeued, it never will fit
        service.on_licence_revoked({"type": "licence_revoked", "application_id": "app-1"})


def test_social_security_refuses_another_event_type_and_seal_also_revokes_its_seals(monkeypatch):
    social = worker_factory(SocialSecurityService)
    with pytest.raises(DeadLetter, match="expected licence_revoked"):
        social.on_licence_revoked(licence_issued().model_dump(mode="json"))
    social.store.revocations.record.assert_not_called()

    revoked = []
    monkeypatch.setattr("services.seal.service.esign.revoke_company",
                        lambda seals, uscc, at, reason: revoked.append((uscc, reason)))
    seal = worker_factory(SealService)
    event = licence_revoked()
    seal.on_licence_revoked(event.model_dump(mode="json"))
    assert seal.store.revocations.record.call_count == 1 and revoked == [(event.uscc, event.reason)]


def test_the_documents_rpcs_check_the_owner_then_ask_the_bureaus_desk():
    service = worker_factory(BankService)
    service.store.get.return_value = None
    assert service.list_documents("app-1") == []
    service.owners.check.assert_called_with("application", "app-1")


def test_the_default_health_pings_the_store_and_reports_a_failure():
    service = worker_factory(HousingFundService)
    assert service.health() == {"service": "housing_fund", "status": "ok", "database": "ok", "checks": {}}
    service.store.ping.side_effect = ConnectionError("down")
    assert service.health() == {"service": "housing_fund", "status": "degraded", "database": "unavailable", "checks": {}}


@pytest.mark.parametrize("service_cls", EVERY, ids=lambda c: c.name)
def test_every_bureau_answers_health_in_the_same_words_and_never_raises(service_cls, monkeypatch):
    # before: tax raised, social_security said "unreachable", registration "down" (issue 16)
    monkeypatch.setattr("services.seal.documents.check_font", lambda: None)  # seal's own check passes
    service = worker_factory(service_cls)
    checks = {"font": "ok"} if service_cls is SealService else {}
    assert service.health() == {"service": service_cls.name, "status": "ok", "database": "ok", "checks": checks}
    service.store.ping.side_effect = ConnectionError("no route to host")
    down = service.health()
    assert (down["status"], down["database"], down["checks"]) == ("degraded", "unavailable", checks)
    assert replies.adapter(service_cls.name, "health").validate_python(down)  # what the gateway reads


def test_the_gateway_tracker_answers_health_as_the_bureaus_do():
    from gateway.tracker import GatewayTracker

    tracker = worker_factory(GatewayTracker)  # it raised while the database was down
    assert tracker.health() == {"service": "gateway", "status": "ok", "database": "ok", "checks": {}}
    tracker.store.ping.side_effect = ConnectionError("no route to host")
    assert tracker.health() == {"service": "gateway", "status": "degraded", "database": "unavailable", "checks": {}}


def test_a_ping_that_answers_false_is_a_database_down():
    service = worker_factory(RegistrationService)  # its store's ping answers the server's "ok" flag
    service.store.ping.return_value = False
    assert service.health()["database"] == "unavailable"


def test_a_named_check_that_fails_degrades_the_answer_and_one_that_raises_is_reported():
    from services.seal import documents

    service = worker_factory(SealService)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "check_font", lambda: (_ for _ in ()).throw(documents.SealFontMissing("none")))
        assert service.health() == {"service": "seal", "status": "degraded", "database": "ok",
                                    "checks": {"font": "missing"}}
    assert health_view("bureau", lambda: None, {"disk": lambda: 1 / 0}) == {
        "service": "bureau", "status": "degraded", "database": "ok", "checks": {"disk": "unavailable"}}


def test_a_bureau_cannot_word_its_own_health_answer():
    with pytest.raises(TypeError, match="health_checks"):
        type("Bureau", (HealthRpc,), {"name": "bureau", "health_report": lambda self: {"status": "fine"}})


@pytest.mark.parametrize("service_cls", [HousingFundService, MedicalInsuranceService], ids=lambda c: c.name)
def test_both_unit_bureaus_bind_the_handlers_and_the_relay_kit_writes_for_them(service_cls):
    found = entrypoints(service_cls)
    handlers = {n: (e.source_service, e.event_type) for n in ENTRYPOINTS[:-1] for e in found[n]
                if type(e) is DurableEventHandler}
    assert handlers == {"on_licence_issued": ("registration", "licence_issued"),
                        "on_company_changed": ("registration", "company_changed"),
                        "on_clearance_requested": ("registration", "clearance_requested"),
                        "on_bank_account_reserved": ("bank", "bank_account_reserved")}
    [relay] = found["relay_outbox"]
    assert isinstance(relay, Timer) and relay.interval == 2
    assert {e.container.service_name for n in ENTRYPOINTS for e in found[n]} == {service_cls.name}


@pytest.mark.parametrize("mixin, name", [(DocumentRpc, "get_document"), (HealthRpc, "health"),
                                         (RevocationHandler, "on_licence_revoked"), (UnitBureau, "on_licence_issued"),
                                         (UnitBureau, "relay_outbox")])
def test_a_bureau_cannot_replace_an_inherited_entrypoint_with_a_plain_method(mixin, name):
    # a plain method of the same name would hide the decorated one: nameko would bind no RPC, no queue
    with pytest.raises(TypeError, match=name):
        type("Bureau", (mixin,), {"name": "bureau", name: lambda self, *a: None})
