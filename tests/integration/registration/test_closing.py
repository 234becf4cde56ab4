"""Simplified deregistration (简易注销) at registration over the real RabbitMQ and database, on a clock
the test moves: the 20-day notice, objections during it only, each bureau's answer counted once per
check, blockers listed with the bureau, deregistration once when the notice is over and all cleared,
the name barred afterwards."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_waiter

from contracts import clock
from contracts.events import Blocker, ClearanceAnswered
from contracts.rpc import Conflict, Invalid, NotFound
from tests.factories import full_name, make_form
from tests.integration.registration.test_review import call

pytestmark = pytest.mark.integration

DAY0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Wuhan
BUREAUS = ["seal", "tax", "social_security", "housing_fund", "medical_insurance"]
COMPANY: list = []  # the company's USCC and its form


@pytest.fixture
def company(registration):
    form = make_form()
    with clock.using(clock.fixed_at(DAY0)):
        with registration.waiting_for("licence_issued", "app-close"):
            registration.submit("app-close", form)
    COMPANY[:] = [registration.events("licence_issued", "app-close")[0]["licence"]["uscc"], form]
    return COMPANY[0]


def answer(registration, bureau, uscc, closure_id, attempt=1, blockers=(), event_id=None):
    event = ClearanceAnswered(application_id="app-close", bureau=bureau, uscc=uscc, closure_id=closure_id,
                              attempt=attempt, blockers=list(blockers), **({"event_id": event_id} if event_id else {}))
    with entrypoint_waiter(registration.service, f"on_{bureau}_clearance_answered"):
        registration.send(event, source=bureau)


def settle(registration, at: datetime, state: str) -> None:
    """Run the service's own timer (settle_closures, every 5 s) on a clock pinned at `at` until the
    closure reaches `state`."""
    with clock.using(clock.fixed_at(at)):
        deadline = time.monotonic() + 20
        while call(registration.service, "list_closures", COMPANY[0], "founder-1")[-1]["state"] != state:
            assert time.monotonic() < deadline, f"closure never reached {state}"
            time.sleep(0.3)
        time.sleep(6)  # one more sweep: it must change nothing


def test_a_simplified_closing_runs_its_notice_and_deregisters_once_when_every_bureau_cleared(
        registration, company, mongo_db):
    service = registration.service
    with clock.using(clock.fixed_at(DAY0)):
        with pytest.raises(Invalid) as refused:
            call(service, "request_closure", company, "founder-1", "close-0001", {"commitment": False})
        assert [e.field for e in refused.value.field_errors] == ["commitment"]
        with registration.waiting_for("clearance_requested", "app-close"):
            closure = call(service, "request_closure", company, "founder-1", "close-0001", {"commitment": True})
        assert closure["state"] == "noticed" and closure["notice_from"] == "2026-12-01"
        assert closure["notice_ends_on"] == "2026-12-21"  # 20 calendar days; 12-21 is a Monday
        assert call(service, "request_closure", company, "founder-1", "close-0001", {"commitment": True}) \
            ["closure_id"] == "close-0001"  # a retry
        with pytest.raises(Conflict, match="close-0001"):
            call(service, "request_change", company, "founder-1", "change-0009",
                 {"domicile": {"district_code": "420106", "detail": "武昌区中南路99号"}})
    [requested] = registration.events("clearance_requested", "app-close")
    assert requested["answerers"] == BUREAUS and requested["attempt"] == 1

    # social security still has an employee: the closing lists it with the bureau and what to do
    staff = Blocker(item="职工员工甲仍在本单位参保", todo="为该职工办理减员（停止参保）后重新核查")
    answer(registration, "social_security", company, "close-0001", blockers=[staff], event_id="ss-1")
    answer(registration, "social_security", company, "close-0001", blockers=[staff], event_id="ss-1")  # again
    for b in ("seal", "tax", "housing_fund", "medical_insurance"):
        answer(registration, b, company, "close-0001")
    view = call(service, "get_closure", company, "founder-1", "close-0001")
    assert view["blockers"] == [{"bureau": "social_security", "label": "人社（社保）", **staff.model_dump()}]

    # the notice ends (day 21): a blocker left, so no deregistration; a new check after the founder acted
    settle(registration, DAY0 + timedelta(days=21), "awaiting_clearance")
    assert call(service, "verify", company)["status"] == "active"
    with registration.waiting_for("clearance_requested", "app-close", count=2):
        assert call(service, "recheck_closure", company, "founder-1", "close-0001")["attempt"] == 2
    with clock.using(clock.fixed_at(DAY0 + timedelta(days=22))):
        for b in ("seal", "tax", "social_security", "medical_insurance"):
            answer(registration, b, company, "close-0001", attempt=2)
        answer(registration, "housing_fund", company, "close-0001", attempt=1)  # a stale check: ignored
        assert call(service, "get_closure", company, "founder-1", "close-0001")["state"] == "awaiting_clearance"
        with registration.waiting_for("company_deregistered", "app-close"):
            answer(registration, "housing_fund", company, "close-0001", attempt=2)
    [gone] = registration.events("company_deregistered", "app-close")
    assert gone["deregistered_on"] == "2026-12-23"
    settle(registration, DAY0 + timedelta(days=23), "deregistered")  # the sweep again: nothing twice
    assert len(registration.events("company_deregistered", "app-close")) == 1
    verified = call(service, "verify", company)
    assert verified["status"] == "deregistered" and verified["deregistered_on"] == "2026-12-23"
    with pytest.raises(Conflict, match="已注销"):
        call(service, "request_closure", company, "founder-1", "close-0002", {"commitment": True})

    # the name is barred for its period (规定 art. 17), no longer registered
    row = mongo_db["names"].find_one({"_id": "app:app-close"})
    assert row["status"] == "former" and row["ended_on"] == "2026-12-23" and row["barred_until"] == "2027-12-23"
    with clock.using(clock.fixed_at(DAY0 + timedelta(days=30))):
        check = call(service, "check_name", full_name(COMPANY[1]), "420111", ["G0001"])
    assert not check["ok"] and check["problems"][0]["code"] == "former_name_barred"


def test_an_objection_during_the_notice_ends_the_closing_and_none_is_taken_after_it(registration, company):
    service = registration.service
    with clock.using(clock.fixed_at(DAY0)):
        call(service, "request_closure", company, "founder-1", "close-0003", {"commitment": True})
        with pytest.raises(Invalid):
            call(service, "record_objection", company, {"objector": "", "reason": "x"})
        assert call(service, "record_objection", company, {"objector": "武汉某供应商有限公司",
                                                          "reason": "尚欠货款未结清"})["recorded"]
    for b in BUREAUS:
        answer(registration, b, company, "close-0003")
    settle(registration, DAY0 + timedelta(days=21), "objected")
    view = call(service, "get_closure", company, "founder-1", "close-0003")
    assert view["state"] == "objected" and view["objections"] == 1 and view["objection_reasons"] == ["尚欠货款未结清"]
    assert call(service, "verify", company)["status"] == "active"
    with pytest.raises(NotFound):  # nothing under notice any more
        call(service, "record_objection", company, {"objector": "某单位", "reason": "逾期异议"})


def test_a_blocker_left_20_days_after_the_notice_ends_lets_the_simplified_closing_lapse(registration, company):
    service = registration.service
    with clock.using(clock.fixed_at(DAY0)):
        closure = call(service, "request_closure", company, "founder-1", "close-0004", {"commitment": True})
    # 条例 art. 33: apply within 20 日 of the notice's end (12-21 + 20 = 2027-01-10, a Sunday: the 11th)
    assert closure["notice_ends_on"] == "2026-12-21" and closure["apply_by"] == "2027-01-11"
    staff = Blocker(item="职工员工甲仍在本单位参保", todo="为该职工办理减员（停止参保）后重新核查")
    for b in BUREAUS:
        answer(registration, b, company, "close-0004", blockers=[staff] if b == "social_security" else [])
    settle(registration, DAY0 + timedelta(days=21), "awaiting_clearance")
    settle(registration, datetime(2027, 1, 11, 2, 0, tzinfo=UTC), "awaiting_clearance")  # the last day: still open
    settle(registration, datetime(2027, 1, 12, 2, 0, tzinfo=UTC), "lapsed")
    view = call(service, "get_closure", company, "founder-1", "close-0004")
    assert view["state_label"] == "公示期满后20日内未清结，简易注销申请失效"
    assert call(service, "verify", company)["status"] == "active"
    with clock.using(clock.fixed_at(datetime(2027, 1, 12, 2, 0, tzinfo=UTC))):  # it may start again
        assert call(service, "request_closure", company, "founder-1", "close-0005", {"commitment": True})["state"] == "noticed"


GROUP = {"dissolved_on": "2026-11-20", "formed_on": "2026-11-25", "members": ["张伟", "李娜"], "leader": "张伟",
         "creditors_notified": True}


def test_a_general_deregistration_files_the_group_waits_45_days_takes_the_report_and_deregisters(
        registration, company, mongo_db):
    service = registration.service
    with clock.using(clock.fixed_at(DAY0)):
        late = {**GROUP, "formed_on": "2026-12-01", "dissolved_on": "2026-11-10"}  # 21 days: past art. 232's 15
        with pytest.raises(Invalid) as refused:
            call(service, "request_liquidation", company, "founder-1", "liq-0001", {**late, "leader": "王芳"})
        messages = {e.field: e.message for e in refused.value.field_errors}
        assert "第二百三十二条" in messages["formed_on"] and "leader" in messages
        with registration.waiting_for("clearance_requested", "app-close"):
            closure = call(service, "request_liquidation", company, "founder-1", "liq-0001", GROUP)
        assert closure["kind"] == "general" and closure["state"] == "liquidating"
        # published today; creditors not notified declare within 45 days (2027-01-15, a Friday)
        assert closure["notice_from"] == "2026-12-01" and closure["notice_ends_on"] == "2027-01-15"
        steps = {s["step"]: s for s in closure["steps"]}
        assert steps["group_formed"]["due"] == "2026-12-05" and steps["group_formed"]["done_on"] == "2026-11-25"
        assert steps["creditors_notified"]["due"] == "2026-12-05"
        assert steps["notice_published"]["due"] == "2027-01-24" and steps["notice_published"]["done_on"] == "2026-12-01"
        assert steps["claims_period"]["due"] == "2027-01-15" and steps["deregistered"]["done_on"] is None
        with pytest.raises(Conflict, match="liq-0001"):  # one closing at a time
            call(service, "request_closure", company, "founder-1", "close-0009", {"commitment": True})
        with pytest.raises(Conflict, match="2027-01-15"):  # no report before the declaration period is over
            call(service, "file_liquidation_report", company, "founder-1", "liq-0001",
                 {"shareholders_confirmed": True, "summary": "债务已全部清偿，剩余财产已按出资比例分配"})
    for b in BUREAUS:
        answer(registration, b, company, "liq-0001")
    settle(registration, datetime(2027, 1, 16, 2, 0, tzinfo=UTC), "awaiting_report")
    assert call(service, "verify", company)["status"] == "active"  # every bureau cleared, but no report yet
    with clock.using(clock.fixed_at(datetime(2027, 1, 18, 2, 0, tzinfo=UTC))):
        with pytest.raises(Invalid):
            call(service, "file_liquidation_report", company, "founder-1", "liq-0001",
                 {"shareholders_confirmed": False, "summary": "债务已清偿"})
        with registration.waiting_for("company_deregistered", "app-close"):
            done = call(service, "file_liquidation_report", company, "founder-1", "liq-0001",
                        {"shareholders_confirmed": True, "summary": "债务已全部清偿，剩余财产已按出资比例分配"})
    assert done["state"] == "deregistered" and done["deregistered_on"] == "2027-01-18"
    assert {s["step"]: s["done_on"] for s in done["steps"]}["report"] == "2027-01-18"
    verified = call(service, "verify", company)
    assert verified["status"] == "deregistered" and verified["deregistered_on"] == "2027-01-18"
    settle(registration, datetime(2027, 1, 19, 2, 0, tzinfo=UTC), "deregistered")  # the sweep: nothing twice
    assert len(registration.events("company_deregistered", "app-close")) == 1
    row = mongo_db["names"].find_one({"_id": "app:app-close"})
    assert row["status"] == "former" and row["barred_until"] == "2028-01-18"
