"""After start-up at registration over the real RabbitMQ and database: a change the rules cannot decide
goes to the clerk queue (approve, reject, correction and back), change confirmations expire, and a
creditor's objection holds a capital decrease until the company answers it."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from contracts import clock
from contracts.calendar import add_working_days
from contracts.capital import creditor_period_ends_on
from contracts.codes import make_uscc
from contracts.rpc import Conflict, Invalid, NotFound
from contracts.timelimits import CHANGE_CONFIRMATION_DAYS, change_review_deadline
from gateway import after_start_stats
from tests.factories import make_form, resident_id
from tests.integration.registration.test_review import call

pytestmark = pytest.mark.integration

START = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Wuhan
MOVE = {"domicile": {"district_code": "420106", "detail": "武昌区中南路99号"}}


@pytest.fixture
def company(registration):
    with registration.waiting_for("licence_issued", "app-rev"):
        registration.submit("app-rev", make_form())
    return registration.events("licence_issued", "app-rev")[0]["licence"]["uscc"]


def _case(mongo_db) -> dict:
    return mongo_db["cases"].find_one({"_id": "app-rev"})


def _task(service, change_id: str) -> dict:
    [task] = [t for t in call(service, "list_tasks", "open") if t["details"].get("change_id") == change_id]
    return task


def test_a_licensed_scope_item_goes_to_a_clerk_who_asks_for_a_correction_then_approves(registration, company,
                                                                                   mongo_db):
    service, form = registration.service, _case(mongo_db)["form"]
    scope = [*form["business_scope"], "L0003"]  # 货物进出口: a licensed item
    with clock.using(clock.fixed_at(START)):
        change = call(service, "request_change", company, "founder-1", "scope-0001", {"business_scope": scope})
    assert change["state"] == "under_review"
    assert "第二十四条" in change["review"]["reasons"][0] and "货物进出口" in change["review"]["reasons"][0]
    assert change["review"]["deadline"] == change_review_deadline(START.date()).due.isoformat()
    assert _case(mongo_db).get("licence_version") is None  # nothing registered, no bureau told
    assert registration.events("company_changed", "app-rev") == []
    with pytest.raises(Conflict, match="scope-0001"):  # open: nothing else starts meanwhile
        call(service, "request_change", company, "founder-1", "move-0002", MOVE)

    task = _task(service, "scope-0001")
    assert task["kind"] == "change_review" and task["actions"] == ["approve", "reject", "request_correction"]
    assert task["details"]["changes"][0]["label"] == "经营范围" and "货物进出口（许可）" in task["details"]["changes"][0]["after"]
    with pytest.raises(Invalid):  # a correction names its reasons
        call(service, "act_on_task", task["id"], "clerk-a", "request_correction", {"reasons": []})
    asked = call(service, "act_on_task", task["id"], "clerk-a", "request_correction",
                 {"reasons": ["请上传货物进出口的备案材料，或删去该项"], "fields": ["business_scope"]})
    assert asked["state"] == "correction_requested"
    sent_back = call(service, "get_change", company, "founder-1", "scope-0001")
    assert sent_back["state"] == "correction_requested"
    assert sent_back["correction"]["reasons"] == ["请上传货物进出口的备案材料，或删去该项"]
    assert any("要求补正" in e["summary"] for e in sent_back["log"])

    with pytest.raises(NotFound):  # another founder cannot correct it
        call(service, "correct_change", company, "someone-else", "scope-0001", {"business_scope": scope})
    corrected = call(service, "correct_change", company, "founder-1", "scope-0001",
                     {"business_scope": [*form["business_scope"], "G0008"]})
    assert corrected["state"] == "under_review" and corrected["review"]["revision"] == 1
    assert corrected["review"]["reasons"][0].startswith("补正后 第2版")
    with pytest.raises(Conflict):  # the same correction again: nothing awaits it any more
        call(service, "correct_change", company, "founder-1", "scope-0001", {"business_scope": scope})
    again = _task(service, "scope-0001")
    assert again["id"] != task["id"] and again["assigned_to"] == "clerk-a"  # back to who asked
    with pytest.raises(Conflict, match="clerk-a"):
        call(service, "act_on_task", again["id"], "clerk-b", "approve", {})
    with registration.waiting_for("company_changed", "app-rev"):
        done = call(service, "act_on_task", again["id"], "clerk-a", "approve", {})
    assert done["state"] == "done"
    [event] = registration.events("company_changed", "app-rev")
    assert event["changed"] == ["business_scope"] and event["version"] == 2
    change = call(service, "get_change", company, "founder-1", "scope-0001")
    assert change["state"] == "registered" and any("审核通过" in e["summary"] for e in change["log"])
    assert {t["id"] for t in call(service, "list_tasks", "done")} >= {task["id"], again["id"]}
    with pytest.raises(Conflict):  # decided once
        call(service, "act_on_task", again["id"], "clerk-a", "reject", {"reasons": ["晚了"]})


def test_a_similar_new_name_goes_to_a_clerk_and_a_rejection_frees_the_name(registration, company, mongo_db):
    service, form = registration.service, _case(mongo_db)["form"]
    similar = {"name": {**form["name"], "trade_name": "楚添云启"}}  # reads like the registered 楚天云启科技
    change = call(service, "request_change", company, "founder-1", "rename-0001", similar)
    assert change["state"] == "under_review"
    assert any("第十九条" in r and "读音相同" in r for r in change["review"]["reasons"])
    held = mongo_db["names"].find_one({"application_id": "app-rev", "change_id": "rename-0001"})
    assert held["status"] == "reserved"  # held while the clerk decides

    task = _task(service, "rename-0001")
    call(service, "act_on_task", task["id"], "clerk-a", "reject", {"reasons": ["与“武汉楚天云启科技有限公司”读音相同，易混淆"]})
    refused = call(service, "get_change", company, "founder-1", "rename-0001")
    assert refused["state"] == "refused" and "读音相同" in refused["refusal"]
    assert mongo_db["names"].find_one({"_id": held["_id"]})["status"] == "released"
    assert _case(mongo_db)["open_change"] is None and _case(mongo_db).get("licence_version") is None
    with registration.waiting_for("company_changed", "app-rev"):  # a standard change is automatic again
        assert call(service, "request_change", company, "founder-1", "move-0003", MOVE)["state"] == "registered"

    # open data: per kind, how many and how long (no names, no IDs)
    stats = call(service, "after_start_stats")
    assert stats["changes"]["name"] == {"label": "名称", "requested": 1, "registered": 0, "refused": 1,
                                        "median_days_to_registration": None, "median_days_to_completion": None}
    assert stats["changes"]["domicile"]["registered"] == 1
    assert stats["changes"]["domicile"]["median_days_to_registration"] == 0  # the same day
    assert stats["closings"] == {} and "楚" not in str(stats)
    table = after_start_stats.to_csv(stats)  # the download: the same numbers, one row per kind and bureau
    assert "change,name,名称,1,0,1,,,," in table.splitlines() and "楚" not in table
    assert any(line.startswith("change,domicile,住所,") for line in table.splitlines())


def test_a_change_not_confirmed_in_time_is_withdrawn_saying_why(registration, company, mongo_db):
    service, form = registration.service, _case(mongo_db)["form"]
    newcomer = {"kind": "natural", "name": "王芳", "resident_id": resident_id(female=True),
                "subscribed_amount": "500000.00", "payment_due": form["shareholders"][0]["payment_due"]}
    body = {"registered_capital": "1500000.00", "shareholders": [*form["shareholders"], newcomer]}
    with clock.using(clock.fixed_at(START)):
        change = call(service, "request_change", company, "founder-1", "holder-0001", body)
    due = add_working_days(START.date(), CHANGE_CONFIRMATION_DAYS)
    assert change["state"] == "awaiting_confirmation" and change["confirm_by"] == due.isoformat()

    last_day = datetime.combine(due, datetime.min.time(), tzinfo=clock.CHINA) + timedelta(hours=23)
    with clock.using(clock.fixed_at(last_day)):
        call(service, "settle_closures")  # 23:00 on the last day: still open
    assert call(service, "get_change", company, "founder-1", "holder-0001")["state"] == "awaiting_confirmation"
    with clock.using(clock.fixed_at(last_day + timedelta(hours=2))):
        call(service, "settle_closures")
        with pytest.raises(Conflict):  # too late to confirm
            call(service, "decide_change", company, "holder-0001", newcomer["resident_id"], {"decision": "confirm"})
    withdrawn = call(service, "get_change", company, "founder-1", "holder-0001")
    assert withdrawn["state"] == "withdrawn" and "王*" in withdrawn["withdrawal"] and due.isoformat() in withdrawn["withdrawal"]
    assert withdrawn["log"][-1]["summary"] == withdrawn["withdrawal"]
    assert newcomer["resident_id"] not in str(withdrawn)
    assert call(service, "change_confirmations", newcomer["resident_id"]) == []
    with registration.waiting_for("company_changed", "app-rev"):  # no longer open
        call(service, "request_change", company, "founder-1", "move-0004", MOVE)


def _decrease(form: dict) -> dict:
    holders = [{**form["shareholders"][0], "subscribed_amount": "300000.00"},
               {**form["shareholders"][1], "subscribed_amount": "200000.00"}]
    return {"registered_capital": "500000.00", "shareholders": holders, "creditors_notified": True}


def test_a_creditors_objection_holds_a_capital_decrease_until_the_company_answers_it(registration, company,
                                                                                  mongo_db):
    service, form = registration.service, _case(mongo_db)["form"]
    with clock.using(clock.fixed_at(START)):
        noticed = call(service, "request_change", company, "founder-1", "down-0001", _decrease(form))
        with pytest.raises(Invalid) as bad:
            call(service, "object_to_decrease", company, {"creditor": "", "demand": "pay", "reason": "x"})
        assert {e.field for e in bad.value.field_errors} == {"creditor", "demand", "reason"}
        recorded = call(service, "object_to_decrease", company,
                        {"creditor": "武汉江城晨光商贸有限公司", "demand": "repay", "reason": "货款20000元未付"})
    assert recorded == {"recorded": True, "change_id": "down-0001",
                        "creditor_period_ends_on": noticed["creditor_period_ends_on"]}
    # the public verification names the open notice (dates only: the public objection form links it)
    assert call(service, "verify", company)["notices"] == [
        {"kind": "capital_decrease", "from": START.date().isoformat(), "ends_on": noticed["creditor_period_ends_on"]}]
    assert "江城" not in str(call(service, "verify", company))
    ends = creditor_period_ends_on(START.date())
    after = datetime.combine(ends + timedelta(days=1), datetime.min.time(), tzinfo=clock.CHINA) + timedelta(hours=10)
    with clock.using(clock.fixed_at(after)):
        with pytest.raises(Conflict, match="届满"):  # the period is over
            call(service, "object_to_decrease", company, {"creditor": "某债权人", "demand": "guarantee", "reason": "迟到的异议"})
        call(service, "settle_closures")  # the period is over, but the objection is not answered
    held = call(service, "get_change", company, "founder-1", "down-0001")
    assert held["state"] == "noticed" and held["objections"][0]["answer"] is None
    assert held["objections"][0]["demand_label"] == "要求清偿债务"
    assert any("债权人提出异议" in e["summary"] and "江城" not in e["summary"] for e in held["log"])
    objection_id = held["objections"][0]["id"]
    with pytest.raises(Invalid):
        call(service, "answer_objection", company, "founder-1", "down-0001", objection_id, {"outcome": "ignored"})
    with pytest.raises(NotFound):
        call(service, "answer_objection", company, "someone-else", "down-0001", objection_id, {"outcome": "settled"})
    answered = call(service, "answer_objection", company, "founder-1", "down-0001", objection_id,
                    {"outcome": "settled", "note": "已于12月10日付清"})
    assert answered["objections"][0]["answer"]["label"] == "已清偿债务"
    with clock.using(clock.fixed_at(after)), registration.waiting_for("company_changed", "app-rev"):
        call(service, "settle_closures")
    done = call(service, "get_change", company, "founder-1", "down-0001")
    assert done["state"] == "registered" and call(service, "verify", company)["licence"]["registered_capital"] == "500000.00"
    assert call(service, "verify", company)["notices"] == []  # registered: no longer noticed


def test_a_corporate_shareholder_outside_the_register_goes_to_a_clerk_one_inside_is_automatic(registration, company,
                                                                                            mongo_db):
    """data/change_review_rules.json: a corporate shareholder added that OneStop's register does not hold
    is checked by a clerk (条例 art. 19; 总局令第88号 art. 2, 冒用其他企业名义 as a shareholder)."""
    service, form = registration.service, _case(mongo_db)["form"]
    with registration.waiting_for("licence_issued", "app-rev2"):
        registration.submit("app-rev2", make_form())
    registered = registration.events("licence_issued", "app-rev2")[0]["licence"]["uscc"]
    due = form["shareholders"][0]["payment_due"]
    capital = Decimal(form["registered_capital"]) + Decimal("500000")

    def adding(uscc: str) -> dict:
        holder = {"kind": "corporate", "name": "武汉某某投资有限公司", "uscc": uscc,
                  "subscribed_amount": "500000.00", "payment_due": due}
        return {"registered_capital": str(capital), "shareholders": [*form["shareholders"], holder]}

    outside = call(service, "request_change", company, "founder-1", "corp-0001", adding(make_uscc("420102", "00009991")))
    assert outside["state"] == "under_review"
    [why] = outside["review"]["reasons"]
    assert "武汉某某投资有限公司" in why and "第二条" in why and "第十九条" in why
    task = _task(service, "corp-0001")
    call(service, "act_on_task", task["id"], "clerk-a", "reject", {"reasons": ["未能核实该法人股东的出资意愿"]})
    with registration.waiting_for("company_changed", "app-rev"):
        inside = call(service, "request_change", company, "founder-1", "corp-0002", adding(registered))
    assert inside["state"] == "registered" and inside["review"] is None  # no clerk: no review (present as None since its contract)


def test_every_review_rule_is_dated_and_cites_an_article():
    from services.registration.change_review import RULES_FILE, rules
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    assert date.fromisoformat(data["decided_on"])
    routes = {r["kind"]: r["route"] for r in rules().values()}
    assert {k for k, v in routes.items() if v == "clerk"} == {"licensed_scope_added", "similar_name",
                                                            "corporate_shareholder_unregistered"}
    for rule in rules().values():
        assert re.search(r"第[一二三四五六七八九十百]+条", rule["article"]), rule
        assert rule["says"] and rule["why"] and rule["route"] in ("clerk", "automatic", "automatic_after_notice")
