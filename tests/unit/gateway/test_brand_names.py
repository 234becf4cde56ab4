"""The submit's name check tells the registration bureau who the corporate shareholders are, so a
protected brand's owner may lend its 字号 and nobody else can (the rule: services/registration/names.py)."""

from __future__ import annotations

from tests.factories import make_form
from tests.support.parties import founder_only

API = "/api/v1"
HUAWEI = {"kind": "corporate", "name": "华为技术有限公司", "uscc": "914403001922038216",
          "subscribed_amount": "100000.00", "payment_due": "2031-06-30",
          # not registered here (the fake registration says so): the form names who confirms for it
          "legal_representative": {"name": "赵磊", "resident_id": "420103197208239577"}}


def test_the_corporate_shareholders_reach_the_name_check(client, sign_up, bureaus):
    seen = []
    bureaus.on("registration", "check_name", lambda name, *rest: seen.append(rest) or
               {"ok": True, "name": name, "parts": None, "problems": []})
    founder = sign_up()
    form = founder_only(make_form(name={"trade_name": "华为云启"}), founder["resident_id"])
    form["shareholders"][0]["subscribed_amount"] = "900000.00"
    form["shareholders"].append({**HUAWEI, "payment_due": form["shareholders"][0]["payment_due"]})
    form["beneficial_owners"]["owners"][0]["share"] = "90.00"
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 201, reply.text
    assert seen[-1][-2] == [HUAWEI["uscc"], HUAWEI["name"]]
    assert seen[-1][-1]["trade_name"] == "华为云启"  # and the name's parts as declared on the form


def test_a_protected_brand_problem_is_a_field_error_on_the_trade_name(client, sign_up, bureaus, gateway):
    problem = {"code": "protected_brand", "severity": "error", "message": "字号使用了知名品牌“华为”", "conflicts": []}
    bureaus.on("registration", "check_name", lambda name, *rest: {"ok": False, "name": name, "parts": None,
                                                                  "problems": [problem]})
    founder = sign_up()
    form = founder_only(make_form(name={"trade_name": "华为云启"}), founder["resident_id"])
    reply = client.post(f"{API}/applications", json=form, headers=founder["headers"])
    assert reply.status_code == 422
    assert reply.json()["errors"] == [{"field": "name.trade_name", "message": "字号使用了知名品牌“华为”"}]
    assert gateway.store.applications.count_documents({}) == 0
