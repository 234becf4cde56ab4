"""services/registration/views.py: the replies of the change, closing, confirmation, licence-check and
after-start RPCs, built through their contracts (contracts/rpc/registration.py) from the case as stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from contracts.bureaus import CHANGE_ANSWERERS
from contracts.rpc import replies
from services.registration import views

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in China
LATER = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)
USCC = "91420111MA0000015D"
RESIDENT = "420106199001011234"
LICENCE = {"uscc": USCC, "company_name": "武汉通众槐焱科技有限公司", "company_type": "有限责任公司",
           "legal_representative": "张伟", "registered_capital": "1000000.00", "established_on": "2026-11-30",
           "term": "长期", "domicile": "湖北省武汉市洪山区珞喻路1037号", "district_code": "420111",
           "business_scope": "一般项目：软件开发", "authority": "武汉市洪山区市场监督管理局",
           "issued_at": "2026-11-30T01:00:00.123456Z"}


def decrease(**extra) -> dict:
    """A capital decrease in its creditor notice, one person still to confirm, one creditor's objection answered."""
    return {"id": "down-0001", "uscc": USCC, "state": "noticed", "sections": ["registered_capital"],
            "requested": {"registered_capital": "300000.00"}, "created_at": AT, "version": 2,
            "awaiting": list(CHANGE_ANSWERERS), "answers": {"tax": {"summary": "税务已更新", "detail": {"n": 1}, "at": LATER}},
            "notice_from": "2026-12-01", "creditor_period_ends_on": "2027-01-15",
            "confirmations": [{"resident_id": RESIDENT, "name": "王小明", "roles": ["shareholder"], "state": "pending",
                               "at": None}],
            "objections": [{"id": "ob1", "at": AT, "creditor": "武汉某某商贸有限公司", "demand": "repay", "reason": "货款",
                            "answer": {"outcome": "settled", "note": None, "at": LATER}}],
            "log": [{"at": AT, "summary": "减资公告已发布"}], **extra}


def test_a_change_shows_every_part_of_its_contract_those_that_do_not_apply_as_none():
    view = views.change_view(decrease())
    assert replies.adapter("registration", "get_change").validate_python(view).change_id == "down-0001"
    assert view["review"] is None and view["correction"] is None and view["new_name"] is None
    assert view["requested"] is None  # only while a clerk's correction is open
    assert (view["notice_from"], view["creditor_period_ends_on"]) == ("2026-12-01", "2027-01-15")
    assert view["confirmations"] == [{"name": "王**", "roles": ["shareholder"], "state": "pending"}]
    objection = view["objections"][0]
    assert objection["at"] == "2026-12-01T10:00:00+08:00" and objection["answer"]["label"] == "已清偿债务"
    tax = next(b for b in view["bureaus"] if b["bureau"] == "tax")
    assert tax == {"bureau": "tax", "label": "税务", "answered": True, "summary": "税务已更新", "detail": {"n": 1},
                   "answered_at": "2026-12-02T03:30:00+00:00"}
    assert next(b for b in view["bureaus"] if b["bureau"] == "seal")["answered_at"] is None
    assert view["log"] == [{"at": "2026-12-01T02:00:00+00:00", "summary": "减资公告已发布"}]
    assert RESIDENT not in str(view)


def test_a_change_a_clerk_sent_back_carries_what_was_requested_for_the_correction_page():
    view = views.change_view(decrease(state="correction_requested",
                                      correction={"reasons": ["请补充决议"], "fields": None, "clerk": "李", "at": AT}))
    assert view["requested"] == {"registered_capital": "300000.00"}
    assert view["correction"] == {"reasons": ["请补充决议"], "fields": None}  # never the clerk's name


def test_a_stored_change_that_drifted_from_the_contract_fails_in_the_bureau():
    drifted = decrease()
    drifted["confirmations"][0]["state"] = "expired"  # a party state the contract does not know
    with pytest.raises(ValidationError, match="ChangeParty\nstate"):
        views.change_view(drifted)


def test_a_closure_refuses_a_blocker_with_a_field_the_contract_does_not_name():
    closure = {"id": "close-0001", "uscc": USCC, "kind": "simplified", "state": "awaiting_clearance",
               "notice_from": "2026-12-01", "notice_ends_on": "2026-12-21", "awaiting": ["tax"], "attempt": 1,
               "answers": {"tax": {"attempt": 1, "blockers": [{"item": "11月未申报", "todo": "完成申报"}], "at": LATER}},
               "objections": [], "created_at": AT}
    view = views.closure_view(closure)
    assert view["blockers"] == [{"bureau": "tax", "label": "税务", "item": "11月未申报", "todo": "完成申报"}]
    assert (view["liquidation"], view["steps"], view["apply_by"]) == (None, None, "2027-01-11")
    closure["answers"]["tax"]["blockers"][0]["resident_id"] = RESIDENT  # a bureau's blocker naming a person
    with pytest.raises(ValidationError, match="resident_id"):
        views.closure_view(closure)


def test_the_licence_check_keeps_its_times_as_stored_and_names_the_notice_from():
    case = {"licence": {**LICENCE, "issued_at": "2026-12-01T02:00:00Z"}, "licence_version": 2, "licence_valid_from": LATER,
            "licence_history": [{"version": 1, "licence": LICENCE, "valid_from": LICENCE["issued_at"], "valid_to": LATER}],
            "open_change": "down-0001", "changes": {"down-0001": decrease()}}
    current = views.licence_check(case, None)
    assert (current["status"], current["version"], current["valid_to"]) == ("active", 2, None)
    assert current["versions"] == [{"version": 1, "valid_from": "2026-11-30T01:00:00.123456Z",
                                    "valid_to": "2026-12-02T03:30:00+00:00"}]
    assert current["notices"] == [{"kind": "capital_decrease", "from": "2026-12-01", "ends_on": "2027-01-15"}]
    assert current["licence"] == case["licence"] and current["deregistered_on"] is None
    old = views.licence_check(case, case["licence_history"][0])
    assert (old["status"], old["version"], old["licence"]) == ("superseded", 1, LICENCE)
    assert views.unknown_licence() == {"genuine": False, "status": "unknown", "licence": None}


def test_a_person_named_sees_the_change_with_masked_names_and_its_time_as_text():
    case = {"licence": LICENCE, "open_change": "down-0001",
            "changes": {"down-0001": decrease(state="awaiting_confirmation", confirm_by="2026-12-08")}}
    view = views.change_confirmation_view(case, RESIDENT, [{"label": "注册资本", "after": "300000.00元"}])
    assert view["created_at"] == "2026-12-01T02:00:00+00:00" and view["my_state"] == "pending"
    assert view["parties"] == [{"name": "王**", "roles": ["shareholder"], "state": "pending"}]
    assert RESIDENT not in str(view)


def test_after_start_medians_stay_whole_where_they_are():
    kind = {"label": "名称", "requested": 3, "registered": 2, "refused": 1, "median_days_to_registration": 2,
            "median_days_to_completion": 2.5}
    view = views.after_start_view({"changes": {"name": kind}, "change_bureaus": {}, "closings": {}, "closing_bureaus": {},
                                   "definitions": {}, "generated_at": AT})
    assert view["changes"]["name"] == kind and isinstance(view["changes"]["name"]["median_days_to_registration"], int)
    assert view["generated_at"] == "2026-12-01T02:00:00+00:00"
