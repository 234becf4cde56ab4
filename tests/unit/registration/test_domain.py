"""Review decision, licence and clerk-task rules without a broker or a database."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from contracts.calendar import add_working_days, is_working_day
from contracts.codes import is_valid_uscc
from contracts.form import ApplicationForm
from contracts.rpc import CLAIM_MINUTES, Invalid
from services.registration import documents, domain, views
from services.registration import names as rules
from tests.factories import make_form

# 2025-06-06 10:00 in Shanghai is a Friday and a working day.
NOW = datetime(2025, 6, 6, 2, 0, tzinfo=UTC)


def clean_check(form: ApplicationForm, problems=()):
    parts, _ = rules.parse_name(form.name.full)
    return rules.NameCheck(form.name.full, parts, tuple(problems))


def form_of(**overrides) -> ApplicationForm:
    data = make_form(**overrides)
    for holder in data["shareholders"]:
        holder["payment_due"] = "2027-06-30"  # within five years of NOW
    return ApplicationForm.model_validate(data)


def test_the_standard_case_goes_automatic_the_same_working_day():
    form = form_of()
    decision = domain.decide(form, clean_check(form), name_reserved=True, now=NOW)
    assert decision.path == "automatic"
    assert decision.reasons == ()
    assert decision.deadline == date(2025, 6, 6)


def test_automatic_on_a_holiday_is_due_the_next_working_day():
    form = form_of()
    dragon_boat = datetime(2025, 5, 31, 4, 0, tzinfo=UTC)  # 端午 holiday, Saturday
    assert not is_working_day(date(2025, 5, 31))
    decision = domain.decide(form, clean_check(form), True, dragon_boat)
    assert decision.deadline == date(2025, 6, 3)


def test_a_licensed_item_goes_to_a_clerk_with_the_reason_and_working_day_deadline():
    form = form_of(business_scope=["G0001", "L0001"])
    decision = domain.decide(form, clean_check(form), True, NOW, clerk_days=3)
    assert decision.path == "clerk"
    assert decision.reasons == ("经营范围含许可项目“餐饮服务”（需市场监督管理部门审批）",)
    assert decision.deadline == add_working_days(date(2025, 6, 6), 3) == date(2025, 6, 11)


def test_a_similar_name_warning_goes_to_a_clerk_naming_the_conflict():
    form = form_of()
    warning = rules.Problem("homophone_name", "warning", "字号读音相同", ("武汉楚添云启科技有限公司",))
    decision = domain.decide(form, clean_check(form, [warning]), True, NOW)
    assert decision.path == "clerk"
    assert decision.reasons == ("名称：字号读音相同（武汉楚添云启科技有限公司）",)


def test_a_name_someone_else_just_reserved_goes_to_a_clerk():
    form = form_of()
    decision = domain.decide(form, clean_check(form), name_reserved=False, now=NOW)
    assert decision.path == "clerk" and "刚被其他申请保留" in decision.reasons[0]


def test_form_rule_breaks_go_to_a_clerk():
    form = form_of(contact={"phone": "12345"})
    decision = domain.decide(form, clean_check(form), True, NOW)
    assert decision.path == "clerk"
    assert any("contact.phone" in r for r in decision.reasons)


def test_the_licence_carries_every_registered_item():
    form = form_of(business_scope=["G0001", "L0006"])
    uscc = domain.allocate_uscc("420111", 12345)
    issued_at = datetime(2025, 6, 6, 17, 30, tzinfo=UTC)  # 01:30 on 7 June in Shanghai
    licence = domain.build_licence(form, uscc, issued_at)
    assert is_valid_uscc(licence.uscc) and licence.uscc.startswith("91420111")
    assert licence.company_name == form.name.full
    assert licence.company_type == "有限责任公司"
    assert licence.legal_representative == "张伟"
    assert licence.registered_capital == form.registered_capital
    assert licence.established_on == date(2025, 6, 7)
    assert licence.term == "长期"
    assert licence.domicile == "湖北省武汉市洪山区珞喻路1037号光谷创业街8栋301室"
    assert licence.authority == "武汉市洪山区市场监督管理局"
    assert "软件开发" in licence.business_scope and "许可项目：第二类增值电信业务" in licence.business_scope


def test_issued_codes_are_distinct_and_valid_for_distinct_counter_values():
    codes = {domain.allocate_uscc("420102", n) for n in range(1, 2001)}
    assert len(codes) == 2000 and all(is_valid_uscc(c) for c in codes)


@pytest.mark.parametrize(("amount", "text"), [("1000000.00", "人民币100万元"), ("125000", "人民币12.5万元")])
def test_capital_is_printed_in_ten_thousands(amount, text):
    assert domain.capital_text(amount) == text


def make_task(**changes):
    form = form_of(business_scope=["L0001"])
    decision = domain.decide(form, clean_check(form), True, NOW)
    task = domain.new_task("app-1", 0, form, decision, clean_check(form), True, NOW).document()
    task.update(changes)
    return task


def test_a_new_task_is_open_with_three_actions_and_the_clerk_details():
    view = views.task_view(make_task(), NOW)
    assert view.state == "open" and view.id == "app-1.r0" and view.bureau == "registration"
    assert view.actions == ["approve", "reject", "request_correction"]
    # the manifest's registration target: 1 working day (Friday 2025-06-06 -> Monday 06-09)
    assert view.deadline == date(2025, 6, 9) and not view.overdue
    assert view.details["business_scope"] == [{"code": "L0001", "name": "餐饮服务", "licensed": True}]


def test_a_lapsed_claim_shows_the_task_open_again_and_overdue_after_the_deadline():
    claimed = make_task(state="claimed", claimed_by="clerk-a", claim_expires_at=NOW + timedelta(minutes=CLAIM_MINUTES))
    assert views.task_view(claimed, NOW).claimed_by == "clerk-a"
    later = NOW + timedelta(days=7)
    view = views.task_view(claimed, later)
    assert view.state == "open" and view.claimed_by is None and view.overdue


def test_an_unreserved_name_cannot_be_approved():
    form = form_of()
    decision = domain.decide(form, clean_check(form), False, NOW)
    task = domain.new_task("app-2", 0, form, decision, clean_check(form), False, NOW)
    assert task.actions == ["reject", "request_correction"]


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("publish", {}, "action"),
        ("reject", {}, "payload.reasons"),
        ("reject", {"reasons": ["  "]}, "payload.reasons"),
        ("request_correction", {"reasons": ["字号与他人近似"], "fields": ["nickname"]}, "payload.fields"),
    ],
)
def test_bad_actions_are_invalid_with_the_field(action, payload, field):
    view = views.task_view(make_task(), NOW)
    with pytest.raises(Invalid) as caught:
        domain.check_action(view, action, payload)
    assert [e.field for e in caught.value.field_errors] == [field]


def test_a_correction_request_keeps_reasons_and_field_paths():
    view = views.task_view(make_task(), NOW)
    cleaned = domain.check_action(view, "request_correction",
                                  {"reasons": [" 请更换字号 "], "fields": ["name.trade_name"]})
    assert cleaned == {"reasons": ["请更换字号"], "fields": ["name.trade_name"]}


def test_the_licence_pdf_reads_back_with_every_item():
    form = form_of()
    licence = domain.build_licence(form, domain.allocate_uscc("420111", 7), NOW)
    pdf = documents.render_licence(licence, "https://onestop.example")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    flat = text.replace("\n", "").replace(" ", "")
    for expected in ("营业执照", licence.uscc, licence.company_name, "有限责任公司", "张伟", "人民币100万元",
                     "2025年06月06日", "长期", "软件开发", "武汉市洪山区市场监督管理局", "www.gsxt.gov.cn",
                     "国家市场监督管理总局监制"):
        assert expected in flat, expected
    assert documents.qr_payload(licence, "https://onestop.example/") == (
        f"https://onestop.example/verify/licences/{licence.uscc}")
