"""Change of details at registration over the real RabbitMQ and database: one licence version per
change however often it is asked for, 409 naming the open change, each bureau's answer counted once."""

from __future__ import annotations

import pytest
from nameko.testing.services import entrypoint_waiter

from contracts.events import ChangeRecorded
from contracts.rpc import Conflict, Invalid
from tests.factories import make_form, resident_id
from tests.integration.registration.test_review import call
from tests.support.outbox import pulled

pytestmark = pytest.mark.integration

MOVE = {"domicile": {"district_code": "420106", "detail": "武昌区中南路99号"}}


@pytest.fixture
def company(registration):
    with registration.waiting_for("licence_issued", "app-chg"):
        registration.submit("app-chg", make_form())
    return registration.events("licence_issued", "app-chg")[0]["licence"]["uscc"]


def answer(registration, bureau: str, change_id: str, uscc: str, event_id: str | None = None) -> None:
    event = ChangeRecorded(application_id="app-chg", bureau=bureau, uscc=uscc, change_id=change_id, version=2,
                           summary=f"{bureau} 已更新", **({"event_id": event_id} if event_id else {}))
    with entrypoint_waiter(registration.service, f"on_{bureau}_change_recorded"):
        registration.send(event, source=bureau)


def test_a_change_gets_one_licence_version_and_closes_on_the_last_answer(registration, company, mongo_db):
    service = registration.service
    with registration.waiting_for("company_changed", "app-chg"):
        change = call(service, "request_change", company, "founder-1", "change-0001", MOVE)
    assert change["version"] == 2 and change["state"] == "registered"
    assert [b["bureau"] for b in change["bureaus"]] == ["seal", "tax", "social_security", "housing_fund", "medical_insurance"]
    [event] = registration.events("company_changed", "app-chg")
    assert event["licence"]["uscc"] == company and event["licence"]["authority"] == "武汉市武昌区市场监督管理局"
    assert event["previous_district_code"] == "420111" and event["changed"] == ["domicile"]

    # the same request again (a retry, a replay): the same change, still one new version
    assert call(service, "request_change", company, "founder-1", "change-0001", MOVE)["version"] == 2
    case = mongo_db["cases"].find_one({"_id": "app-chg"})
    assert case["licence_version"] == 2 and len(case["licence_history"]) == 1
    assert pulled(mongo_db["cases"], {"_id": "app-chg"})  # published, pulled at the next sweep
    # another change while this one is open: 409 naming it
    with pytest.raises(Conflict) as busy:
        call(service, "request_change", company, "founder-1", "change-0002", MOVE)
    assert "change-0001" in str(busy.value) and "住所" in str(busy.value)

    answer(registration, "tax", "change-0001", company, event_id="tax-answer-1")
    answer(registration, "tax", "change-0001", company, event_id="tax-answer-1")  # redelivered
    state = call(service, "get_change", company, "founder-1", "change-0001")
    assert state["state"] == "registered" and [b["answered"] for b in state["bureaus"]] == [False, True, False, False, False]
    answer(registration, "seal", "change-0001", company)
    answer(registration, "social_security", "change-0001", company)
    answer(registration, "medical_insurance", "change-0001", company)
    assert call(service, "get_change", company, "founder-1", "change-0001")["state"] == "registered"
    answer(registration, "housing_fund", "change-0001", company)
    state = call(service, "get_change", company, "founder-1", "change-0001")
    assert state["state"] == "completed" and all(b["answered"] for b in state["bureaus"])

    # closed: the next change is accepted, and every old version verifies as superseded with its period
    back = {"domicile": {"district_code": "420111", "detail": "洪山区珞喻路1号"}}
    assert call(service, "request_change", company, "founder-1", "change-0002", back)["version"] == 3
    first, second = (call(service, "verify", company, v) for v in (1, 2))
    assert first["status"] == second["status"] == "superseded"
    assert first["valid_to"] == second["valid_from"] and second["licence"]["district_code"] == "420106"
    assert call(service, "verify", company)["version"] == 3


def test_a_change_breaking_a_form_rule_or_from_another_founder_is_refused(registration, company, mongo_db):
    stranger = {"name": "李娜", "resident_id": resident_id(female=True), "position": "manager"}
    with pytest.raises(Invalid) as refused:
        call(registration.service, "request_change", company, "founder-1", "change-0003",
             {"legal_representative": stranger})
    assert [e.field for e in refused.value.field_errors] == ["legal_representative"]
    with pytest.raises(Exception, match="没有找到您名下的这家企业"):
        call(registration.service, "request_change", company, "someone-else", "change-0004", MOVE)
    case = mongo_db["cases"].find_one({"_id": "app-chg"})
    assert case.get("changes") is None and case.get("licence_version") is None  # nothing half-written


def _renamed(trade: str) -> dict:
    form = make_form()
    return {"name": {**form["name"], "trade_name": trade}}


def test_a_name_change_goes_through_the_name_rules_and_register_like_a_new_name(registration, company, mongo_db):
    service = registration.service
    old_name = mongo_db["cases"].find_one({"_id": "app-chg"})["licence"]["company_name"]
    # banned words and a name the register holds already are field errors; nothing is registered
    with pytest.raises(Invalid) as banned:
        call(service, "request_change", company, "founder-1", "rename-0001", _renamed("美国云启"))
    assert [e.field for e in banned.value.field_errors] == ["name.trade_name"]
    assert "外国国家" in banned.value.field_errors[0].message
    with registration.waiting_for("licence_issued", "app-other"):
        registration.submit("app-other", taken := make_form(), founder_id="founder-2")
    with pytest.raises(Invalid) as held:
        call(service, "request_change", company, "founder-1", "rename-0002", _renamed(taken["name"]["trade_name"]))
    assert held.value.field_errors[0].field == "name.trade_name"
    assert mongo_db["cases"].find_one({"_id": "app-chg"}).get("licence_version") is None
    assert mongo_db["names"].count_documents({"application_id": "app-chg", "change_id": {"$exists": True},
                                              "status": "reserved"}) == 0

    new = _renamed(make_form()["name"]["trade_name"])
    with registration.waiting_for("company_changed", "app-chg"):
        change = call(service, "request_change", company, "founder-1", "rename-0003", new)
    assert change["sections"] == ["name"] and change["labels"] == ["名称"] and change["version"] == 2
    [event] = registration.events("company_changed", "app-chg")
    assert event["changed"] == ["name"] and event["licence"]["uscc"] == company
    new_name = event["licence"]["company_name"]
    assert new["name"]["trade_name"] in new_name and new_name != old_name
    # a new licence version with the same USCC; the old one verifies as superseded under the old name
    assert call(service, "verify", company)["licence"]["company_name"] == new_name
    assert call(service, "verify", company, 1)["licence"]["company_name"] == old_name
    # the register: the new name is the company's, the old one a former name barred for a year (art. 17)
    registered = list(mongo_db["names"].find({"application_id": "app-chg", "status": "registered"}))
    assert [r["full"] for r in registered] == [new_name]
    former = mongo_db["names"].find_one({"application_id": "app-chg", "status": "former"})
    assert former["full"] == old_name and former["barred_until"] > former["ended_on"]
    assert mongo_db["cases"].find_one({"_id": "app-chg"})["name_change_pending"] is None
    for name in (old_name, new_name):  # neither may be taken by anyone else now
        check = call(service, "check_name", name, "420111")
        assert not check["ok"], check
    assert {"former_name_barred"} <= {p["code"] for p in call(service, "check_name", old_name, "420111")["problems"]}


def _capital(form: dict, total: str, first: str, second: str) -> dict:
    holders = [{**form["shareholders"][0], "subscribed_amount": first}, {**form["shareholders"][1], "subscribed_amount": second}]
    return {"registered_capital": total, "shareholders": holders}


def test_a_capital_increase_registers_at_once_and_a_decrease_after_its_45_day_creditor_period(registration, company,
                                                                                            mongo_db):
    from datetime import UTC, datetime, timedelta

    from contracts import clock
    from contracts.capital import creditor_period_ends_on

    service, form = registration.service, mongo_db["cases"].find_one({"_id": "app-chg"})["form"]
    # subscriptions that do not add up to the capital: a field error, nothing registered
    with pytest.raises(Invalid) as uneven:
        call(service, "request_change", company, "founder-1", "capital-0001", _capital(form, "2000000.00", "600000.00", "400000.00"))
    assert "shareholders" in [e.field for e in uneven.value.field_errors]
    with registration.waiting_for("company_changed", "app-chg"):
        up = call(service, "request_change", company, "founder-1", "capital-0002",
                  _capital(form, "2000000.00", "1200000.00", "800000.00"))
    assert up["state"] == "registered" and up["labels"] == ["注册资本", "股东及出资"]
    assert call(service, "verify", company)["licence"]["registered_capital"] == "2000000.00"
    for bureau in ("seal", "tax", "social_security", "housing_fund", "medical_insurance"):
        answer(registration, bureau, "capital-0002", company)

    # a decrease: the creditors must have been notified (公司法 art. 224), then a 45-day period on the clock
    down = _capital(form, "500000.00", "300000.00", "200000.00")
    with pytest.raises(Invalid) as unnotified:
        call(service, "request_change", company, "founder-1", "capital-0003", down)
    assert "第二百二十四条" in {e.field: e.message for e in unnotified.value.field_errors}["creditors_notified"]
    start = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Wuhan
    with clock.using(clock.fixed_at(start)):
        noticed = call(service, "request_change", company, "founder-1", "capital-0004", {**down, "creditors_notified": True})
    ends = creditor_period_ends_on(start.date())
    assert noticed["state"] == "noticed" and noticed["creditor_period_ends_on"] == ends.isoformat()
    assert (ends - start.date()).days >= 45
    with pytest.raises(Conflict) as busy:  # open meanwhile: nothing else may change
        call(service, "request_change", company, "founder-1", "move-0005", MOVE)
    assert "capital-0004" in str(busy.value)
    last_day = datetime.combine(ends, datetime.min.time(), tzinfo=clock.CHINA) + timedelta(hours=10)
    with clock.using(clock.fixed_at(last_day)):
        call(service, "settle_closures")  # the timer on the period's last day: not yet
    assert call(service, "get_change", company, "founder-1", "capital-0004")["state"] == "noticed"
    assert call(service, "verify", company)["licence"]["registered_capital"] == "2000000.00"
    with clock.using(clock.fixed_at(last_day + timedelta(days=1))), \
            registration.waiting_for("company_changed", "app-chg", count=2):
        call(service, "settle_closures")
    done = call(service, "get_change", company, "founder-1", "capital-0004")
    assert done["state"] == "registered" and done["version"] == 3
    assert call(service, "verify", company)["licence"]["registered_capital"] == "500000.00"
