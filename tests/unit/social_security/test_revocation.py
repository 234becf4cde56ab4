"""A revoked licence, without a broker: the refusal wording, the view, the handler's record, and
which clerk actions consult the revocation at all."""

from datetime import UTC, date, datetime
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory

from contracts.calendar import Deadline
from contracts.events import LicenceRevoked, ReviewStarted
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import Conflict
from kit.queues import DeadLetter
from services.social_security import clerk, domain, views, workflow
from services.social_security.service import SocialSecurityService

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
REVOCATION = Revocation(uscc="91420111MA0000000X", application_id="app-1", reason="虚假登记", event_id="e-1",
                        revoked_at=datetime(2026, 11, 24, 17, 30, tzinfo=UTC),  # 01:30 on the 25th in Shanghai
                        received_at=NOW)


def refusal(action: str) -> str:
    store = MagicMock()
    store.revocations.get.return_value = REVOCATION
    with pytest.raises(Conflict) as refused:
        workflow.refuse_if_revoked(store, REVOCATION.uscc, action)
    return str(refused.value)


def test_the_refusal_names_the_shanghai_day_the_reason_and_what_stops():
    assert refusal("enrol_employee") == "营业执照已于2026-11-25被吊销（虚假登记），不能再为员工办理参保登记"
    assert refusal(domain.TASK_EMPLOYER).endswith("不能再核准单位社保登记")
    assert refusal(domain.TASK_EMPLOYEE).endswith("不能再核准员工参保")


def test_the_view_shows_the_revocation_or_null():
    employer = domain.Employer(uscc=REVOCATION.uscc, application_id="app-1", event_id="e-0", company_name="公司",
                               district_code="420111", established_on=date(2026, 11, 20), state="registered",
                               received_at=NOW, updated_at=NOW)
    assert views.employer_view(employer, None)["licence_revoked"] is None
    assert views.employer_view(employer, REVOCATION)["licence_revoked"] == revocation_view(REVOCATION) == {
        "revoked_at": "2026-11-24T17:30:00+00:00", "reason": "虚假登记"}


def test_the_handler_records_the_event_keyed_by_uscc():
    service = worker_factory(SocialSecurityService)
    event = LicenceRevoked(application_id="app-1", uscc=REVOCATION.uscc, reason="虚假登记",
                           occurred_at=REVOCATION.revoked_at)
    service.on_licence_revoked(event.model_dump(mode="json"))
    [call] = service.store.revocations.record.call_args_list
    doc = call.args[0].model_dump()
    assert {k: v for k, v in doc.items() if k != "received_at"} == {
        "uscc": REVOCATION.uscc, "application_id": "app-1", "reason": "虚假登记",
        "revoked_at": REVOCATION.revoked_at, "event_id": event.event_id}
    assert doc["received_at"].tzinfo is not None


def test_another_registration_event_routed_here_is_dropped_not_recorded():
    service = worker_factory(SocialSecurityService)
    other = ReviewStarted(application_id="app-1", path="automatic", deadline=date(2026, 11, 27))
    with pytest.raises(DeadLetter):  # never retried: dead-lettered on quorum queues, dropped on classic
        service.on_licence_revoked(other.model_dump(mode="json"))
    service.store.revocations.record.assert_not_called()


def test_refuse_if_revoked_reads_once_and_lets_a_standing_licence_through():
    store = MagicMock()
    store.revocations.get.return_value = None
    workflow.refuse_if_revoked(store, "U", "enrol_employee")
    store.revocations.get.return_value = REVOCATION
    with pytest.raises(Conflict, match="不能再为员工办理参保登记"):
        workflow.refuse_if_revoked(store, "U", "enrol_employee")
    assert store.revocations.get.call_count == 2


def task_store(kind: str) -> MagicMock:
    store = MagicMock()
    store.task.return_value = domain.new_task(
        task_id="t1", kind=kind, application_id="app-1", uscc="U", title="公司", reason="需人工核定",
        created_at=NOW, timing=Deadline(date(2026, 11, 27), date(2026, 11, 26), 1, False), details={})
    store.revocations.get.return_value = REVOCATION
    return store


@pytest.mark.parametrize("kind", [domain.TASK_EMPLOYER, domain.TASK_EMPLOYEE])
def test_approving_for_a_revoked_company_is_refused_before_the_claim(kind):
    store = task_store(kind)
    with pytest.raises(Conflict, match=domain.REFUSED_WHEN_REVOKED[kind]):
        clerk.ClerkQueue(store, MagicMock()).act("t1", "clerk-li", "approve", {}, NOW)
    store.change_task.assert_not_called()  # not even claimed: the task stays as it was


def test_rejecting_does_not_consult_the_revocation():
    store = task_store(domain.TASK_EMPLOYER)
    store.change_task.side_effect = Conflict("该社保事项正被同时办理，请刷新后重试")  # the claim loses a race
    with pytest.raises(Conflict, match="刷新后重试"):
        clerk.ClerkQueue(store, MagicMock()).act("t1", "clerk-li", "reject", {"reasons": ["执照已吊销"]}, NOW)
    store.revocations.get.assert_not_called()
    store.reject_employer.assert_not_called()  # the action stopped at the claim
