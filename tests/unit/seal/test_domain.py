"""The seal bureau's rules without a broker or a database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.calendar import add_working_days
from contracts.events import SealsDelivered, SealsFiled, StepProgressed, StepRejected, TaskQueued
from contracts.form import SealKind
from contracts.revocation import Revocation, revocation_view
from contracts.rpc import CLAIM_MINUTES, Conflict, Invalid, NotFound
from services.seal import domain, views
from tests.unit.seal.factories import COMPANY, REP_ID, USCC, licence_issued, licence_revoked

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Wuhan


def codes(n, start=1):
    return [domain.seal_code("420111", i) for i in range(start, start + n)]


def make(**kwargs):
    event = licence_issued(issued_at=NOW, **kwargs)
    n = len(domain.requested_seals(event.seals))
    return domain.new_seal_set(event, codes(n), NOW)


# ---- codes -------------------------------------------------------------------------------------


def test_seal_code_is_district_then_seven_digit_sequence():
    assert domain.seal_code("420111", 1) == "4201110000001"
    assert domain.seal_code("420102", 9_999_999) == "4201029999999"
    assert domain.is_seal_code(domain.seal_code("420111", 42))


@pytest.mark.parametrize(("district", "seq"), [("42011", 1), ("42011A", 1), ("", 1), ("420111", 0),
                                               ("420111", 10_000_000), ("420111", -3)])
def test_seal_code_refuses_what_cannot_be_a_13_digit_code(district, seq):
    with pytest.raises(ValueError):
        domain.seal_code(district, seq)


@pytest.mark.parametrize("code", ["420111000000", "42011100000011", "420111000000X", None, 4201110000001])
def test_lookup_code_must_be_13_digits(code):
    with pytest.raises(Invalid) as err:
        domain.check_seal_code(code)
    assert err.value.field_errors[0].field == "code"


# ---- what gets made ------------------------------------------------------------------------------


def test_one_seal_per_kind_and_medium_in_a_stable_order():
    event = licence_issued(kinds=[SealKind.finance, SealKind.company, SealKind.finance], physical=True)
    assert domain.requested_seals(event.seals) == [
        (SealKind.finance, "electronic"), (SealKind.finance, "physical"),
        (SealKind.company, "electronic"), (SealKind.company, "physical"),
    ]
    assert domain.requested_seals(licence_issued(electronic=False, physical=False).seals) == []


def test_electronic_only_seals_are_filed_at_once():
    seal_set, events = make(kinds=list(SealKind))
    assert [s.status for s in seal_set.seals] == ["filed"] * 5
    assert all(s.filed_at == NOW for s in seal_set.seals)
    assert seal_set.tasks == []
    [filed] = events
    assert isinstance(filed, SealsFiled) and filed.uscc == USCC
    assert [s.code for s in filed.seals] == codes(5)
    names = [d.name for d in filed.documents]
    assert names == ["seal.certificate"] + [f"seal.image.{k.value}" for k in SealKind]


def test_physical_seals_start_as_an_engraving_order_due_in_one_working_day():
    seal_set, events = make(kinds=[SealKind.company, SealKind.finance], physical=True)
    assert [(s.medium, s.status) for s in seal_set.seals] == [
        ("electronic", "filed"), ("physical", "ordered"), ("electronic", "filed"), ("physical", "ordered")]
    progressed, queued = events
    assert isinstance(progressed, StepProgressed) and progressed.step == "electronic_seals_filed"
    assert isinstance(queued, TaskQueued) and queued.kind == "engraving" and queued.bureau == "seal"
    assert queued.deadline == add_working_days(date(2026, 11, 25), 1) == date(2026, 11, 26)
    assert seal_set.tasks[0].id == queued.task_id


def test_deadlines_count_working_days_from_the_licence_in_wuhan_time():
    # Thursday 17:00 UTC is already Friday 01:00 in Wuhan: one working day later is Monday.
    issued = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    assert domain.step_deadline(issued, "engraving").due == date(2026, 11, 30)
    assert domain.step_deadline(issued, "delivery").due == date(2026, 12, 1)
    # National Day week: a licence on 30 September is due after the holiday.
    assert domain.step_deadline(datetime(2026, 9, 30, 2, tzinfo=UTC), "police_filing").due == date(2026, 10, 8)
    # late December counts into 2027, whose notice is not out: the deadline says it is provisional
    year_end = domain.step_deadline(datetime(2026, 12, 31, 2, tzinfo=UTC), "police_filing")
    assert year_end.due == date(2027, 1, 4) and year_end.provisional


def test_codes_must_match_the_seals():
    event = licence_issued(kinds=[SealKind.company], physical=True)
    with pytest.raises(ValueError):
        domain.new_seal_set(event, codes(1), NOW)


# ---- the physical path ---------------------------------------------------------------------------


def open_task(seal_set):
    [task] = [t for t in seal_set.tasks if t.state == "open"]
    return task


ENGRAVER = "测试用印章刻制单位"


def step(seal_set, action, payload=None, clerk="李警官", at=NOW):
    if action == "mark_engraved" and payload is None:
        payload = {"engraver": ENGRAVER}
    return domain.act(seal_set, open_task(seal_set).id, clerk, action, payload, at)


def test_physical_path_by_post_from_engraving_to_delivery():
    seal_set, _ = make(kinds=[SealKind.company, SealKind.invoice], electronic=False, physical=True)
    later = NOW + timedelta(hours=1)

    seal_set, events = step(seal_set, "mark_engraved", at=later)
    assert [type(e) for e in events] == [StepProgressed, TaskQueued]
    assert events[0].step == "engraved" and events[1].kind == "police_filing"
    assert {s.status for s in seal_set.seals} == {"engraved"}

    seal_set, events = step(seal_set, "file_with_police", at=later)
    assert [type(e) for e in events] == [StepProgressed, SealsFiled, TaskQueued]
    assert [s.code for s in events[1].seals] == codes(2) and all(s.filed_at == later for s in events[1].seals)
    assert events[2].kind == "dispatch" and events[2].deadline == add_working_days(date(2026, 11, 25), 2)

    with pytest.raises(Invalid) as err:
        step(seal_set, "dispatch", {})
    assert err.value.field_errors[0].field == "payload.tracking_number"
    assert open_task(seal_set).kind == "dispatch"  # nothing half-done

    seal_set, events = step(seal_set, "dispatch", {"tracking_number": " SF1234567890 "})
    assert events[0].step == "dispatched" and events[0].detail["tracking_number"] == "SF1234567890"
    assert events[1].kind == "delivery"

    seal_set, events = step(seal_set, "mark_delivered")
    [delivered] = events
    assert isinstance(delivered, SealsDelivered)
    assert (delivered.delivery, delivered.tracking_number) == ("post", "SF1234567890")
    assert {s.status for s in seal_set.seals} == {"delivered"}
    assert [t.kind for t in seal_set.tasks] == ["engraving", "police_filing", "dispatch", "delivery"]
    assert all(t.state == "done" and t.history[-1]["clerk"] == "李警官" for t in seal_set.tasks)


def test_pickup_needs_no_tracking_number():
    seal_set, _ = make(electronic=False, physical=True, delivery="pickup")
    seal_set, _ = step(seal_set, "mark_engraved")
    seal_set, _ = step(seal_set, "file_with_police")
    seal_set, events = step(seal_set, "dispatch", {})
    assert events[0].step == "ready_for_pickup"
    assert seal_set.seals[0].status == "ready_for_pickup"
    seal_set, [delivered] = step(seal_set, "mark_delivered")
    assert delivered.delivery == "pickup" and delivered.tracking_number is None


def test_reject_needs_reasons_and_stops_the_physical_order_only():
    seal_set, _ = make(kinds=[SealKind.company], physical=True)
    for payload in ({}, {"reasons": []}, {"reasons": ["  "]}, {"reasons": "bad"}):
        with pytest.raises(Invalid):
            step(seal_set, "reject", payload)
    seal_set, [rejected] = step(seal_set, "reject", {"reasons": ["印模与营业执照名称不符"]})
    assert isinstance(rejected, StepRejected) and rejected.step == "engraving"
    assert rejected.reasons == ["印模与营业执照名称不符"]
    assert [(s.medium, s.status) for s in seal_set.seals] == [("electronic", "filed"), ("physical", "rejected")]
    assert [t.state for t in seal_set.tasks] == ["rejected"]


def test_an_action_the_step_does_not_offer_is_invalid():
    seal_set, _ = make(physical=True)
    with pytest.raises(Invalid) as err:
        step(seal_set, "file_with_police")
    assert err.value.field_errors[0].field == "action"
    with pytest.raises(Invalid):
        step(seal_set, "approve")


def test_claims_keep_other_clerks_out_until_they_lapse():
    seal_set, _ = make(physical=True)
    task_id = open_task(seal_set).id
    domain.claim(seal_set, task_id, "王", NOW)
    with pytest.raises(Conflict):
        domain.claim(seal_set, task_id, "李", NOW + timedelta(minutes=1))
    with pytest.raises(Conflict):
        domain.act(seal_set, task_id, "李", "mark_engraved", {"engraver": "测试用印章刻制单位"}, NOW + timedelta(minutes=1))
    domain.claim(seal_set, task_id, "王", NOW + timedelta(minutes=2))  # the holder may renew
    lapsed = NOW + timedelta(minutes=2 + CLAIM_MINUTES + 1)
    seal_set, _ = domain.act(seal_set, task_id, "李", "mark_engraved", {"engraver": "测试用印章刻制单位"}, lapsed)
    assert seal_set.task(task_id).history[-1]["clerk"] == "李"
    with pytest.raises(Conflict):  # a finished step cannot be done twice
        domain.act(seal_set, task_id, "李", "mark_engraved", {"engraver": "测试用印章刻制单位"}, lapsed)
    with pytest.raises(Invalid):
        domain.claim(seal_set, task_id, "  ", NOW)
    with pytest.raises(NotFound):
        domain.claim(seal_set, "seal-nope", "李", NOW)


def test_a_claim_that_has_lapsed_can_no_longer_be_released_by_its_former_holder():
    # kit.clerk's rule, as in every bureau on it: a lapsed claim is nobody's (it used to be releasable here)
    seal_set, _ = make(physical=True)
    task_id = open_task(seal_set).id
    domain.claim(seal_set, task_id, "王", NOW)
    with pytest.raises(Conflict, match="只能放回自己正在办理的事项"):
        domain.release(seal_set, task_id, "王", NOW + timedelta(minutes=CLAIM_MINUTES))  # expiry == now: lapsed
    domain.claim(seal_set, task_id, "王", NOW + timedelta(minutes=CLAIM_MINUTES))
    domain.release(seal_set, task_id, "王", NOW + timedelta(minutes=CLAIM_MINUTES + 1))
    assert seal_set.task(task_id).claimed_by is None


def test_task_ids_derive_from_the_set_the_same_every_time_and_distinct_per_step():
    first, events = make(physical=True, application_id="app-one")
    again, _ = make(physical=True, application_id="app-one")
    assert [t.id for t in first.tasks] == [t.id for t in again.tasks]  # pure: no random id drawn
    first, _ = step(first, "mark_engraved")
    ids = [t.id for t in first.tasks]
    assert len(ids) == len(set(ids)) == 2 and all(i.startswith("seal-") and len(i) == 21 for i in ids)
    other, _ = make(physical=True, application_id="app-other")
    assert other.tasks[0].id != ids[0]
    assert [e.task_id for e in events if isinstance(e, TaskQueued)] == [ids[0]]


def test_documents_appear_when_seals_are_filed():
    seal_set, _ = make(kinds=[SealKind.company], electronic=False, physical=True)
    assert domain.document_refs(seal_set) == []
    with pytest.raises(NotFound):
        domain.check_document(seal_set, "seal.certificate")
    seal_set, _ = step(seal_set, "mark_engraved")
    seal_set, _ = step(seal_set, "file_with_police")
    assert [d.name for d in domain.document_refs(seal_set)] == ["seal.certificate", "seal.image.company"]
    assert domain.image_seal(seal_set, "company").medium == "physical"


def test_uscc_is_checked():
    assert domain.check_uscc(USCC) == USCC
    with pytest.raises(Invalid):
        domain.check_uscc(USCC[:-1] + "0")


# ---- licence revocation ----------------------------------------------------------------------------

# 2026-11-24 17:30 UTC is already 25 November in Wuhan: the date shown is the Chinese one.
REVOKED_AT = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
REVOKED_MESSAGE = "营业执照已于2026-11-25被吊销（连续六个月未开业）"


def revocation():
    return Revocation.of(licence_revoked(occurred_at=REVOKED_AT), NOW)


def test_a_revocation_is_kept_with_the_event_time_as_revoked_at():
    event = licence_revoked(occurred_at=REVOKED_AT)
    kept = Revocation.of(event, NOW)
    assert (kept.uscc, kept.application_id, kept.event_id) == (USCC, event.application_id, event.event_id)
    assert (kept.revoked_at, kept.received_at, kept.reason) == (REVOKED_AT, NOW, "连续六个月未开业")
    assert revocation_view(kept) == {"revoked_at": "2026-11-24T17:30:00+00:00", "reason": "连续六个月未开业"}
    assert revocation_view(None) is None


@pytest.mark.parametrize(("steps_before", "action", "payload", "consequence"), [
    ([], "mark_engraved", {"engraver": "测试用印章刻制单位"}, "不能再刻制实物印章"),
    (["mark_engraved"], "file_with_police", {}, "不能再办理印章公安备案"),
    (["mark_engraved", "file_with_police"], "dispatch", {"tracking_number": "SF1234567890"}, "不能再寄递或交付实物印章"),
])
def test_a_revoked_licence_stops_making_filing_and_sending_physical_seals(steps_before, action, payload, consequence):
    seal_set, _ = make(physical=True)
    for done in steps_before:
        seal_set, _ = step(seal_set, done)
    task_id = open_task(seal_set).id
    with pytest.raises(Conflict) as err:
        domain.act(seal_set, task_id, "李警官", action, payload, NOW, revocation())
    assert err.value.message == f"{REVOKED_MESSAGE}，{consequence}"
    with pytest.raises(Conflict) as err:
        domain.claim(seal_set, task_id, "李警官", NOW, revocation())
    assert err.value.message == f"{REVOKED_MESSAGE}，{consequence}"
    task = seal_set.task(task_id)
    assert (task.state, task.claimed_by, task.history) == ("open", None, [])  # nothing half-done
    assert views.task_view(seal_set, task, NOW, revocation()).actions == ["reject"]


def test_a_revoked_company_s_steps_can_still_be_rejected():
    seal_set, _ = make(physical=True)
    seal_set, [rejected] = domain.act(seal_set, open_task(seal_set).id, "李警官", "reject",
                                      {"reasons": ["营业执照已吊销"]}, NOW, revocation())
    assert isinstance(rejected, StepRejected) and seal_set.tasks[0].state == "rejected"


def test_a_seal_already_sent_may_still_be_confirmed_delivered():
    seal_set, _ = make(physical=True, delivery="pickup")
    for action in ("mark_engraved", "file_with_police", "dispatch"):
        seal_set, _ = step(seal_set, action, {"engraver": ENGRAVER} if action == "mark_engraved" else {})
    task_id = open_task(seal_set).id
    assert views.task_view(seal_set, seal_set.task(task_id), NOW, revocation()).actions == ["mark_delivered"]
    domain.claim(seal_set, task_id, "王", NOW, revocation())
    seal_set, [delivered] = domain.act(seal_set, task_id, "王", "mark_delivered", {}, NOW, revocation())
    assert isinstance(delivered, SealsDelivered)


def test_an_action_the_step_does_not_offer_stays_invalid_after_a_revocation():
    seal_set, _ = make(physical=True)
    with pytest.raises(Invalid):
        domain.act(seal_set, open_task(seal_set).id, "李警官", "file_with_police", {}, NOW, revocation())


def test_a_revoked_company_s_filed_seals_are_no_longer_genuine():
    seal_set, _ = make(physical=True)
    electronic = seal_set.seals[0]
    result = views.lookup_result(seal_set, electronic.code, revocation())
    assert result["genuine"] is False
    assert result["seal"]["filed"] is True and result["seal"]["company_name"] == COMPANY
    assert result["seal"]["licence_revoked"] == {"revoked_at": REVOKED_AT.isoformat(), "reason": "连续六个月未开业"}
    assert REP_ID not in str(result)
    assert views.lookup_result(seal_set, electronic.code)["seal"]["licence_revoked"] is None
    view = views.task_view(seal_set, open_task(seal_set), NOW, revocation())
    assert view.details["licence_revoked"]["reason"] == "连续六个月未开业"


def test_the_filing_records_the_engraver_and_refuses_without_one():
    seal_set, _ = make(kinds=[SealKind.company], electronic=True, physical=True)
    with pytest.raises(Invalid) as refused:
        step(seal_set, "mark_engraved", payload={"engraver": " "})
    assert refused.value.field_errors[0].field == "payload.engraver"
    seal_set, events = step(seal_set, "mark_engraved")
    physical, electronic = seal_set.physical()[0], next(s for s in seal_set.seals if s.medium == "electronic")
    assert physical.engraver == ENGRAVER and electronic.engraver == domain.ELECTRONIC_MAKER
    assert events[0].detail["engraver"] == ENGRAVER
    assert views.seal_view(seal_set, physical)["engraver"] == ENGRAVER
