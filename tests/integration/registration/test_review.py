"""Registration against the real RabbitMQ and database: automatic and clerk paths, duplicates, crashes."""

from __future__ import annotations

import base64
import io
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from contracts import clock
from contracts.codes import is_valid_uscc
from contracts.events import ApplicationSubmitted
from contracts.rpc import Conflict, Invalid
from services.registration.store import RegistrationStore
from services.registration.workflow import Registrar, Settings
from tests.factories import full_name, make_form
from tests.integration.registration.conftest import PUBLIC_BASE_URL
from tests.support.numbers import next_number
from tests.support.outbox import pulled

pytestmark = pytest.mark.integration


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as hook:
        return hook(*args, **kwargs)


def test_a_standard_application_gets_its_licence_automatically(registration, mongo_db):
    form = make_form()
    started = time.perf_counter()
    with entrypoint_waiter(registration.service, "on_application_submitted"):  # its write, flush and pull
        with registration.waiting_for("licence_issued", "app-auto"):
            registration.submit("app-auto", form)
    elapsed = time.perf_counter() - started
    print(f"\napplication_submitted -> licence_issued (automatic path): {elapsed * 1000:.0f} ms")

    [review] = registration.events("review_started", "app-auto")
    assert review["path"] == "automatic" and review["reasons"] == []
    [issued] = registration.events("licence_issued", "app-auto")
    licence = issued["licence"]
    assert is_valid_uscc(licence["uscc"]) and licence["uscc"].startswith("91420111")
    assert licence["company_name"] == full_name(form)
    assert licence["authority"] == "武汉市洪山区市场监督管理局"
    assert licence["term"] == "长期"
    assert issued["documents"] == [{"name": "registration.licence", "title": "营业执照（电子）",
                                    "content_type": "application/pdf"}]
    # the tracker's copy (plain `licence_issued`) carries no form data, only what each bureau's copy
    # carried (contracts/sharing.py); the bureaus' copies go to their own routing keys
    assert "contact_phone" not in issued and "employees" not in issued
    assert issued["founder_id"] == "founder-1"  # each bureau's ownership checks (kit/owners.py)
    shared = issued["shared"]
    assert {"contact_phone", "legal_representative.resident_id"} <= set(shared["tax"])
    assert {"employees[].resident_id", "housing_fund.employer_rate"} <= set(shared["housing_fund"])
    assert not any(p.startswith("employees") for p in shared["bank"] + shared["seal"] + shared["tax"])

    case = call(registration.service, "get_case", "app-auto")
    assert case["state"] == "approved" and case["path"] == "automatic" and case["licence"] == licence
    assert call(registration.service, "verify", licence["uscc"]) == {
        "genuine": True, "status": "active", "licence": licence, "version": 1, "current_version": 1,
        "versions": [], "valid_from": licence["issued_at"], "valid_to": None, "notices": [],
        "deregistered_on": None}  # present as None until deregistered (contracts.rpc.registration.LicenceCheck)
    # the beneficial-owner filing (受益所有人) is kept with the case, and neither the event to the other
    # bureaus nor the public verification answer carries it
    stored = mongo_db["cases"].find_one({"_id": "app-auto"})["form"]["beneficial_owners"]
    assert stored["owners"][0]["resident_id"] == form["beneficial_owners"]["owners"][0]["resident_id"]
    owner_ids = [o["resident_id"] for o in form["beneficial_owners"]["owners"]]
    assert "beneficial_owners" not in issued and not any(
        i in str(call(registration.service, "verify", licence["uscc"])) for i in owner_ids)
    # the registered name now blocks the same name for everyone else
    check = call(registration.service, "check_name", full_name(form), "420111", ["G0001"])
    assert not check["ok"] and check["problems"][0]["conflicts"] == [full_name(form)]
    assert pulled(mongo_db["cases"], {"_id": "app-auto"})  # published, pulled at the next sweep


def test_the_licence_pdf_shows_the_items_and_its_qr_code_points_to_verification(registration):
    form = make_form(business_scope=["G0001", "G0015"])
    with registration.waiting_for("licence_issued", "app-pdf"):
        registration.submit("app-pdf", form)
    assert [d["name"] for d in call(registration.service, "list_documents", "app-pdf")] == ["registration.licence"]
    document = call(registration.service, "get_document", "app-pdf", "registration.licence")
    pdf = base64.b64decode(document["data_base64"])
    uscc = registration.events("licence_issued", "app-pdf")[0]["licence"]["uscc"]
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", "").replace(" ", "")
    for expected in ("营业执照", uscc, full_name(form), "软件开发", "企业管理咨询", "张伟", "国家市场监督管理总局监制"):
        assert expected in text, expected
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "licence.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", "licence.pdf", "page"], cwd=tmp,
                       check=True, timeout=30, capture_output=True)  # CJK glyph warnings: not our concern
        [code] = decode(Image.open(Path(tmp, "page.png")))
    url, _, signed = code.data.decode().partition("#")  # the signed fields ride after '#' (signing.py)
    assert url == f"{PUBLIC_BASE_URL}/verify/licences/{uscc}" and signed.startswith("OSL1.")


def test_the_clerk_path_with_a_correction_ends_in_approval(registration):
    form = make_form(business_scope=["G0001", "L0001"])  # 餐饮服务 needs a permit: a clerk looks
    with registration.waiting_for("task_queued", "app-clerk"):
        registration.submit("app-clerk", form)
    [review] = registration.events("review_started", "app-clerk")
    assert review["path"] == "clerk" and "餐饮服务" in review["reasons"][0]
    [queued] = registration.events("task_queued", "app-clerk")
    assert queued["deadline"] == review["deadline"] and queued["task_id"] == "app-clerk.r0"

    svc = registration.service
    [task] = [t for t in call(svc, "list_tasks") if t["application_id"] == "app-clerk"]
    assert task["state"] == "open" and task["title"] == full_name(form)
    assert call(svc, "claim_task", task["id"], "clerk-a")["claimed_by"] == "clerk-a"
    with pytest.raises(Conflict):
        call(svc, "claim_task", task["id"], "clerk-b")
    with pytest.raises(Conflict):
        call(svc, "act_on_task", task["id"], "clerk-b", "approve", {})
    with pytest.raises(Conflict):
        call(svc, "release_task", task["id"], "clerk-b")
    assert call(svc, "release_task", task["id"], "clerk-a")["state"] == "open"
    assert call(svc, "claim_task", task["id"], "clerk-a")["claimed_by"] == "clerk-a"
    with pytest.raises(Invalid):
        call(svc, "act_on_task", task["id"], "clerk-a", "request_correction", {"reasons": []})

    with registration.waiting_for("correction_requested", "app-clerk"):
        done = call(svc, "act_on_task", task["id"], "clerk-a", "request_correction",
                    {"reasons": ["请补充餐饮服务的经营场所说明"], "fields": ["domicile.detail"]})
    assert done["state"] == "correction_requested" and [h["action"] for h in done["history"]] == [
        "claim", "release", "claim", "request_correction"]
    [asked] = registration.events("correction_requested", "app-clerk")
    assert asked["fields"] == ["domicile.detail"] and asked["reasons"] == ["请补充餐饮服务的经营场所说明"]

    corrected = {**form, "domicile": {**form["domicile"], "detail": "洪山区珞喻路1037号光谷创业街8栋一楼商铺"}}
    with registration.waiting_for("task_queued", "app-clerk", count=2):
        registration.correct("app-clerk", 1, corrected)
    again = registration.events("task_queued", "app-clerk")[1]
    assert again["task_id"] == "app-clerk.r1"
    with entrypoint_waiter(svc, "on_application_corrected"):
        registration.correct("app-clerk", 1, corrected)  # stale: revision 1 is already under review
    assert len(registration.events("review_started", "app-clerk")) == 2

    assert [t["id"] for t in call(svc, "list_tasks") if t["application_id"] == "app-clerk"] == ["app-clerk.r1"]
    assert "app-clerk.r0" in [t["id"] for t in call(svc, "list_tasks", "done")]
    assert call(svc, "get_task", "app-clerk.r0")["state"] == "correction_requested"  # the 已办 row opens
    # back to the clerk who asked, with the request and what changed; not to clerk-b (for now)
    again = call(svc, "get_task", "app-clerk.r1")
    assert again["assigned_to"] == "clerk-a" and again["reason"].startswith("补正后 第2版")
    resubmitted = again["details"]["resubmission"]
    assert resubmitted["request"]["reasons"] == ["请补充餐饮服务的经营场所说明"]
    assert resubmitted["request"]["clerk"] == "clerk-a" and resubmitted["unchanged_flagged"] == []
    assert [c["field"] for c in resubmitted["changes"]] == ["domicile.detail"]
    with pytest.raises(Conflict, match="退回提出补正的clerk-a"):
        call(svc, "claim_task", "app-clerk.r1", "clerk-b")
    with registration.waiting_for("licence_issued", "app-clerk"):
        approved = call(svc, "act_on_task", "app-clerk.r1", "clerk-a", "approve", {})
    assert approved["state"] == "done" and approved["claimed_by"] == "clerk-a"
    licence = registration.events("licence_issued", "app-clerk")[0]["licence"]
    assert is_valid_uscc(licence["uscc"]) and "许可项目：餐饮服务" in licence["business_scope"]
    assert licence["domicile"].endswith("8栋一楼商铺")
    with pytest.raises(Conflict):
        call(svc, "act_on_task", "app-clerk.r1", "clerk-a", "reject", {"reasons": ["late"]})


def test_a_correction_is_never_approved_automatically_past_an_open_request(registration, mongo_db):
    """Removing the licensed item used to pass automatically although the address was also asked about."""
    form = make_form(business_scope=["G0001", "L0001"])
    with registration.waiting_for("task_queued", "app-loop"):
        registration.submit("app-loop", form)
    svc = registration.service
    with registration.waiting_for("correction_requested", "app-loop"):
        call(svc, "act_on_task", "app-loop.r0", "clerk-a", "request_correction",
             {"reasons": ["许可项目请先取得许可证", "住所地址与所在区不一致"], "fields": ["business_scope", "domicile.detail"]})
    standard = {**form, "business_scope": ["G0001"]}  # a standard case now, the address untouched
    with registration.waiting_for("task_queued", "app-loop", count=2):
        registration.correct("app-loop", 1, standard)
    task = call(svc, "get_task", "app-loop.r1")
    assert call(svc, "get_case", "app-loop")["state"] == "queued" and "approve" in task["actions"]
    assert task["details"]["resubmission"]["unchanged_flagged"] == ["domicile.detail"]
    # after the return time the whole team may take it
    store = RegistrationStore(mongo_db)
    store.cases.update_one({"_id": "app-loop"}, {"$set": {"task.assigned_until": clock.now() - timedelta(minutes=1)}})
    assert call(svc, "claim_task", "app-loop.r1", "clerk-b")["claimed_by"] == "clerk-b"


def test_rejection_releases_the_name(registration):
    form = make_form(business_scope=["L0003"])
    name = full_name(form)
    with registration.waiting_for("task_queued", "app-no"):
        registration.submit("app-no", form)
    svc = registration.service
    assert not call(svc, "check_name", name, None, ["L0003"])["ok"]  # reserved for app-no
    # ... but not a conflict with app-no itself (its founder correcting it)
    assert call(svc, "check_name", name, None, ["L0003"], "app-no")["ok"]
    with registration.waiting_for("application_rejected", "app-no"):
        call(svc, "act_on_task", "app-no.r0", "clerk-a", "reject", {"reasons": ["进出口经营资质材料不全"]})
    assert registration.events("application_rejected", "app-no")[0]["reasons"] == ["进出口经营资质材料不全"]
    assert call(svc, "get_case", "app-no")["state"] == "rejected"
    assert call(svc, "check_name", name, None, ["L0003"]) == {
        "ok": True, "name": name, "problems": [],
        "parts": {"division": "武汉", "trade_name": form["name"]["trade_name"], "industry": "科技",
                  "organisation_form": "有限公司"}}


def test_a_name_like_a_registered_one_goes_to_a_clerk_naming_it(registration):
    form = make_form(name={"trade_name": "楚添云启"})  # sounds like the demo 武汉楚天云启科技有限公司
    with registration.waiting_for("task_queued", "app-sim"):
        registration.submit("app-sim", form)
    [review] = registration.events("review_started", "app-sim")
    assert review["path"] == "clerk"
    assert "武汉楚天云启科技有限公司" in review["reasons"][0] and "读音相同" in review["reasons"][0]


def test_check_name_rejects_an_unknown_district(registration):
    with pytest.raises(Invalid) as caught:
        call(registration.service, "check_name", "武汉瑞丰科技有限公司", "110101")
    assert caught.value.field_errors[0].field == "district_code"
    with pytest.raises(Invalid):
        call(registration.service, "verify", "not-a-code")
    assert call(registration.service, "verify", "91420111000000013X")["genuine"] is False
    assert call(registration.service, "health") == {"service": "registration", "status": "ok", "database": "ok",
                                                      "checks": {}}


def test_a_duplicate_delivery_yields_one_licence(registration, mongo_db):
    form = make_form()
    with registration.waiting_for("licence_issued", "app-dup"):
        event = registration.submit("app-dup", form)
    with entrypoint_waiter(registration.service, "on_application_submitted"):
        registration.send(event)  # the broker delivers it again
    assert len(registration.events("licence_issued", "app-dup")) == 1
    assert mongo_db["cases"].count_documents({"_id": "app-dup"}) == 1
    assert next_number(mongo_db, "uscc_org_body") == 2  # the duplicate drew no number


def test_an_event_saved_before_a_crash_is_relayed_once(registration, mongo_db):
    """A worker dies after its write, before publishing: the relay publishes; a redelivery adds nothing."""

    def die(event_type, payload):
        raise SystemExit("worker killed before publishing")

    store = RegistrationStore(mongo_db)
    form = make_form()
    event = ApplicationSubmitted(application_id="app-crash", founder_id="f", form=form)
    with pytest.raises(SystemExit):
        Registrar(store, die, Settings()).on_submitted(event)
    assert len(mongo_db["cases"].find_one({"_id": "app-crash"})["outbox"]) == 2
    assert registration.events("licence_issued", "app-crash") == []
    stale = clock.now() - timedelta(minutes=1)
    outbox_empty = lambda *_: mongo_db["cases"].find_one({"_id": "app-crash"})["outbox"] == []  # noqa: E731
    with entrypoint_waiter(registration.service, "relay_outbox", callback=outbox_empty):
        with registration.waiting_for("licence_issued", "app-crash"):  # the @timer relay publishes it
            mongo_db["cases"].update_one({"_id": "app-crash"}, {"$set": {"outbox.$[].created_at": stale}})
    with entrypoint_waiter(registration.service, "on_application_submitted"):
        registration.send(event)
    [issued] = registration.events("licence_issued", "app-crash")
    assert issued["licence"] == mongo_db["cases"].find_one({"_id": "app-crash"})["licence"]
    assert mongo_db["cases"].find_one({"_id": "app-crash"})["outbox"] == []


def test_names_left_reserved_by_a_dead_worker_are_settled(mongo_db):
    """Approved and its worker died before marking the name: registered later; rejected: freed; open: kept."""

    def die(event_type, payload):
        raise SystemExit("worker killed before publishing")

    store = RegistrationStore(mongo_db)
    store.ensure_indexes()
    registrar = Registrar(store, die, Settings())
    approved, rejected, waiting = make_form(), make_form(business_scope=["L0003"]), make_form(business_scope=["L0003"])
    for app_id, form in (("app-ok", approved), ("app-no", rejected), ("app-wait", waiting)):
        with pytest.raises(SystemExit):
            registrar.on_submitted(ApplicationSubmitted(application_id=app_id, founder_id="f", form=form))
    # the clerk's rejection was written, and its worker died before releasing the name
    mongo_db["cases"].update_one({"_id": "app-no"}, {"$set": {"state": "rejected"}})
    names = lambda: {d["application_id"]: d["status"] for d in mongo_db["names"].find({"application_id": {"$exists": 1}})}  # noqa: E731
    assert names() == {"app-ok": "reserved", "app-no": "reserved", "app-wait": "reserved"}

    assert registrar.settle_names(clock.now()) == 0  # too recent: a live worker may be about to do it
    assert registrar.settle_names(clock.now() + timedelta(minutes=2)) == 2
    assert names() == {"app-ok": "registered", "app-no": "released", "app-wait": "reserved"}
    uscc = mongo_db["cases"].find_one({"_id": "app-ok"})["licence"]["uscc"]
    assert mongo_db["names"].find_one({"application_id": "app-ok"})["uscc"] == uscc
    assert registrar.check_name(full_name(rejected), None, ["L0003"]).ok  # the rejected name is free again
    assert registrar.settle_names(clock.now() + timedelta(minutes=2)) == 0


@pytest.mark.parametrize("status", ["deregistered", "revoked"])
def test_a_name_whose_licence_is_no_longer_in_force_is_not_made_registered(mongo_db, status):
    """Approved, then the licence ended (a closing or a revocation written by a worker that died before
    the name was marked): the sweep must not make the name "registered" for a company without a licence
    in force; a sibling case whose licence is in force is still settled."""

    def die(event_type, payload):
        raise SystemExit("worker killed before publishing")

    store = RegistrationStore(mongo_db)
    store.ensure_indexes()
    registrar = Registrar(store, die, Settings())
    for app_id in ("app-ended", "app-live"):
        with pytest.raises(SystemExit):
            registrar.on_submitted(ApplicationSubmitted(application_id=app_id, founder_id="f", form=make_form()))
    mongo_db["cases"].update_one({"_id": "app-ended"}, {"$set": {"licence_status": status}})

    assert registrar.settle_names(clock.now() + timedelta(minutes=2)) == 1
    status_of = lambda app: mongo_db["names"].find_one({"application_id": app})["status"]  # noqa: E731
    assert status_of("app-live") == "registered"
    assert status_of("app-ended") != "registered"


def test_revoking_a_licence_writes_its_event_once_and_a_repeat_keeps_the_first_reason(mongo_db):
    """signing.revoke: the status, the reason and `licence_revoked` in one write; a second call (another
    reason) changes nothing and publishes nothing."""
    from services.registration import signing

    published = []
    store = RegistrationStore(mongo_db)
    store.ensure_indexes()
    Registrar(store, lambda *a: None, Settings()).on_submitted(
        ApplicationSubmitted(application_id="app-rev", founder_id="f", form=make_form()))
    uscc = mongo_db["cases"].find_one({"_id": "app-rev"})["licence"]["uscc"]
    dispatch = lambda event_type, payload: published.append(event_type)  # noqa: E731
    first = signing.revoke(store, dispatch, uscc, "虚假登记")
    again = signing.revoke(store, dispatch, uscc, "另一个原因")
    assert first["status"] == again["status"] == "revoked"
    assert again["reason"] == first["reason"] == "虚假登记"
    assert published == ["licence_revoked"]
    case = mongo_db["cases"].find_one({"_id": "app-rev"})
    assert case["licence_status"] == "revoked" and case["outbox"] == []
