"""Completion rules and derived status, from events alone (no database, no broker)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from contracts.events import (
    AccountOpened,
    ApplicationCorrected,
    ApplicationRejected,
    ApplicationSubmitted,
    BankAccountReserved,
    CorrectionRequested,
    EmployeesEnrolled,
    EmployerRegistered,
    HousingFundRegistered,
    InvoicesApproved,
    Licence,
    LicenceIssued,
    LicenceRevoked,
    MedicalInsuranceRegistered,
    ReviewStarted,
    SealsDelivered,
    SealsFiled,
    StepRejected,
    TaskQueued,
    TaxRegistered,
)
from contracts.form import ApplicationForm
from gateway.timeline import derive, required_events, time_taken, timeline_entry
from tests.factories import make_form

APP = "app-1"
T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Wuhan
USCC = "91350100M000100Y43"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def entry(source, event):
    return timeline_entry(source, event.model_dump(mode="json"))


def licence_issued(form: dict, minutes: float = 2) -> LicenceIssued:
    parsed = ApplicationForm.model_validate(form)
    licence = Licence(uscc=USCC, company_name="武汉测试科技有限公司", company_type="有限责任公司",
                      legal_representative="张伟", registered_capital=Decimal("1000000"),
                      established_on=date(2026, 11, 24), term="长期", domicile="武汉", district_code="420111",
                      business_scope="软件开发", authority="武汉市洪山区市场监督管理局", issued_at=at(minutes))
    return LicenceIssued(application_id=APP, occurred_at=at(minutes), licence=licence,
                         legal_representative=parsed.legal_representative, contact_phone="13800138000",
                         seals=parsed.seals, tax=parsed.tax, employees=parsed.employees,
                         documents=[{"name": "registration.licence", "title": "营业执照"}])


def automatic_path(form: dict) -> list[dict]:
    return [
        entry("gateway", ApplicationSubmitted(application_id=APP, founder_id="f", occurred_at=T0,
                                              form=ApplicationForm.model_validate(form))),
        entry("registration", ReviewStarted(application_id=APP, occurred_at=at(1), path="automatic",
                                            deadline=date(2026, 11, 25))),
        entry("registration", licence_issued(form)),
        entry("seal", SealsFiled(application_id=APP, occurred_at=at(3), uscc=USCC,
                                 seals=[{"code": "4201110000001", "kind": "company", "medium": "electronic"}])),
        entry("tax", TaxRegistered(application_id=APP, occurred_at=at(3), uscc=USCC, taxpayer_id=USCC,
                                   taxpayer_type="small_scale", tax_office="洪山区税务局")),
        entry("tax", InvoicesApproved(application_id=APP, occurred_at=at(4), uscc=USCC,
                                      invoice_kinds=["vat_general"], monthly_quota=Decimal("100000"))),
        entry("housing_fund", HousingFundRegistered(application_id=APP, occurred_at=at(4), uscc=USCC,
                                                    unit_account="GJJ42011126000001", employer_rate=8,
                                                    employee_rate=8)),
        entry("medical_insurance", MedicalInsuranceRegistered(application_id=APP, occurred_at=at(4), uscc=USCC,
                                                              unit_number="YB42011126000001",
                                                              insurances=["职工基本医疗保险", "生育保险"])),
        entry("social_security", EmployerRegistered(application_id=APP, occurred_at=at(3), uscc=USCC,
                                                    employer_number="S1", insurances=["pension"])),
        entry("social_security", EmployeesEnrolled(application_id=APP, occurred_at=at(5), uscc=USCC,
                                                   employees=[])),
    ]


def test_every_requested_output_completes_the_application():
    form = make_form()
    result = derive(form, automatic_path(form), T0)
    assert result["status"] == "completed"
    assert result["completed_at"] == at(5)
    assert result["outputs"]["uscc"] == USCC
    assert result["outputs"]["housing_fund"] == {"unit_account": "GJJ42011126000001", "employer_rate": 8,
                                                 "employee_rate": 8}
    assert result["outputs"]["medical_insurance"] == {"unit_number": "YB42011126000001",
                                                      "insurances": ["职工基本医疗保险", "生育保险"]}
    assert result["outputs"]["seals"][0]["code"] == "4201110000001"
    assert result["outputs"]["invoices"]["monthly_quota"] == "100000"
    assert {s["state"] for n, s in result["steps"].items() if n != "bank"} == {"done"}
    assert result["steps"]["bank"]["state"] == "not_requested"  # the example form opens no bank account
    assert result["taken"]["working_days"] == 0 and result["taken"]["within_target"] is True
    assert result["taken"]["working_hours"] == round(5 / 60, 2)
    assert [d["name"] for d in result["documents"]] == ["registration.licence"]


BANK_FORM = {"bank": {"branch_id": "jc-hongshan"},
             "seals": {"kinds": ["company", "finance", "legal_representative"], "electronic": True}}


def test_a_bank_account_completes_once_reserved_and_opened_at_the_counter():
    form = make_form(**BANK_FORM)
    reserved = entry("bank", BankAccountReserved(
        application_id=APP, occurred_at=at(4), uscc=USCC, company_name="武汉测试科技有限公司", bank_name="江城银行（演示）",
        branch_id="jc-hongshan", branch_name="江城银行武汉洪山支行", branch_address="武汉市洪山区珞喻路128号",
        account_number="90101110000000011", appointment_date=date(2026, 11, 25), appointment_slot="09:00-10:00",
        shared_with=["tax", "social_security", "housing_fund"]))
    waiting = derive(form, [*automatic_path(form), reserved], T0)
    assert waiting["status"] == "licensed" and waiting["steps"]["bank"]["state"] == "in_progress"
    assert waiting["outputs"]["bank"]["account_number"] == "90101110000000011"
    assert waiting["outputs"]["bank"]["appointment_slot"] == "09:00-10:00"
    assert waiting["outputs"]["bank"]["shared_with"] == ["tax", "social_security", "housing_fund"]
    opened = entry("bank", AccountOpened(application_id=APP, occurred_at=at(9), uscc=USCC,
                                         account_number="90101110000000011", branch_id="jc-hongshan", opened_at=at(9)))
    done = derive(form, [*automatic_path(form), reserved, opened], T0)
    assert done["status"] == "completed" and done["steps"]["bank"]["state"] == "done"
    assert done["outputs"]["bank_opened"]["account_number"] == "90101110000000011"
    refused = entry("bank", StepRejected(application_id=APP, occurred_at=at(9), bureau="bank", step="account_opening",
                                         reasons=["预留印鉴与备案不符"]))
    result = derive(form, [*automatic_path(form), reserved, refused], T0)
    assert result["steps"]["bank"]["state"] == "rejected" and result["steps"]["bank"]["reasons"] == ["预留印鉴与备案不符"]


def test_order_of_arrival_does_not_matter():
    form = make_form()
    events = automatic_path(form)
    assert derive(form, list(reversed(events)), T0) == derive(form, events, T0)


def test_events_of_one_millisecond_keep_their_order_after_a_round_trip_through_the_database():
    # review_started and licence_issued come from one registration write, microseconds apart; the
    # database keeps `at` to the millisecond, and licence_issued stored first must still win
    form = make_form()
    review = entry("registration", ReviewStarted(application_id=APP, occurred_at=at(1) + timedelta(microseconds=100),
                                                 path="automatic", deadline="2026-11-26"))
    licence = entry("registration", licence_issued(form, minutes=1).model_copy(
        update={"occurred_at": at(1) + timedelta(microseconds=400)}))
    stored = [{**e, "at": e["at"].replace(microsecond=e["at"].microsecond // 1000 * 1000)} for e in (licence, review)]
    assert stored[0]["at"] == stored[1]["at"]  # a tie, to the database
    assert derive(form, stored, T0)["status"] == derive(form, [review, licence], T0)["status"] == "licensed"


def test_a_missing_output_keeps_it_licensed():
    form = make_form()
    without_enrolment = automatic_path(form)[:-1]
    result = derive(form, without_enrolment, T0)
    assert result["status"] == "licensed"
    assert result["steps"]["social_security"]["state"] == "in_progress"
    assert result["completed_at"] is None and result["taken"] is None


def test_required_outputs_follow_the_form():
    minimal = make_form(seals={"kinds": []}, tax={"invoice_kinds": []}, employees=[], housing_fund=False)
    assert required_events(minimal) == {"licence_issued", "tax_registered", "employer_registered"}
    assert "housing_fund_registered" in required_events(make_form(housing_fund={"employer_rate": 5}))
    physical = make_form(seals={"physical": True, "postal_address": "武汉市洪山区珞喻路1号"})
    assert {"seals_filed", "seals_delivered"} <= required_events(physical)
    # nothing asked for at the seal bureau and no employees: fewer events complete the application
    events = [e for e in automatic_path(minimal) if e["type"] not in ("seals_filed", "invoices_approved",
                                                                     "employees_enrolled", "housing_fund_registered",
                                                                     "medical_insurance_registered")]
    result = derive(minimal, events, T0)
    assert result["status"] == "completed"
    assert result["steps"]["seal"]["state"] == "not_requested"
    assert result["steps"]["housing_fund"]["state"] == "not_requested"
    assert result["steps"]["medical_insurance"]["state"] == "not_requested"  # no staff on the form


def test_a_step_the_form_did_not_ask_for_is_done_once_its_bureau_answers_anyway():
    """The medical insurance bureau registers every licensed unit: without staff on the form its step is
    not required, but once the unit is registered the card says done, not 未申请, beside the output."""
    minimal = make_form(seals={"kinds": []}, tax={"invoice_kinds": []}, employees=[], housing_fund=False)
    events = [e for e in automatic_path(minimal) if e["type"] not in ("seals_filed", "invoices_approved",
                                                                     "employees_enrolled", "housing_fund_registered")]
    result = derive(minimal, events, T0)
    assert "medical_insurance_registered" not in required_events(minimal) and result["status"] == "completed"
    assert result["steps"]["medical_insurance"]["state"] == "done"
    assert result["steps"]["housing_fund"]["state"] == "not_requested"


def test_physical_seals_need_delivery():
    form = make_form(seals={"physical": True, "postal_address": "武汉市洪山区珞喻路1号"})
    events = automatic_path(form)
    assert derive(form, events, T0)["status"] == "licensed"
    delivered = SealsDelivered(application_id=APP, occurred_at=at(60), uscc=USCC, delivery="post",
                               tracking_number="SF1", delivered_at=at(60))
    result = derive(form, [*events, entry("seal", delivered)], T0)
    assert result["status"] == "completed" and result["completed_at"] == at(60)


def test_task_queued_shows_the_step_waiting_with_its_deadline():
    form = make_form()
    events = automatic_path(form)[:3]
    queued = TaskQueued(application_id=APP, occurred_at=at(3), bureau="seal", task_id="t1", kind="engraving",
                        reason="实物印章需刻制", deadline=date(2026, 11, 26))
    step = derive(form, [*events, entry("seal", queued)], T0)["steps"]["seal"]
    assert step["state"] == "waiting_for_clerk"
    assert step["deadline"] == "2026-11-26" and step["task_id"] == "t1"


def test_rejections_show_reasons():
    form = make_form()
    base = automatic_path(form)[:2]
    rejected = derive(form, [*base, entry("registration", ApplicationRejected(
        application_id=APP, occurred_at=at(9), reasons=["名称含禁用字词"]))], T0)
    assert rejected["status"] == "rejected"
    assert rejected["steps"]["registration"]["reasons"] == ["名称含禁用字词"]
    step_refused = derive(form, [*automatic_path(form)[:3], entry("tax", StepRejected(
        application_id=APP, occurred_at=at(9), bureau="tax", step="invoice_approval", reasons=["额度过高"]))], T0)
    assert step_refused["status"] == "licensed"
    assert step_refused["steps"]["tax"] == {**step_refused["steps"]["tax"], "state": "rejected",
                                            "reasons": ["额度过高"]}


def test_one_refused_employee_does_not_refuse_the_whole_social_security_step():
    form = make_form()
    events = [*automatic_path(form), entry("social_security", StepRejected(
        application_id=APP, occurred_at=at(9), bureau="social_security", step="employee_enrolment",
        reasons=["王芳：身份证号码无效"]))]
    result = derive(form, events, T0)
    assert result["status"] == "completed"
    assert result["steps"]["social_security"]["state"] == "done"
    assert result["steps"]["social_security"]["reasons"] == ["王芳：身份证号码无效"]


def test_later_enrolments_add_to_the_insured_staff():
    form = make_form()
    first = {"employee_id": "e1", "name": "王芳", "record_number": "R1", "start_date": "2026-11-24"}
    later = {"employee_id": "e2", "name": "赵磊", "record_number": "R2", "start_date": "2026-12-01"}
    events = [*automatic_path(form)[:-1]]
    for batch in ([first], [later], [first]):  # the last one is a redelivery
        events.append(entry("social_security", EmployeesEnrolled(
            application_id=APP, occurred_at=at(6 + len(events)), uscc=USCC, employees=batch)))
    result = derive(form, events, T0)
    assert [e["employee_id"] for e in result["outputs"]["employees"]] == ["e1", "e2"]


def test_correction_round_trip():
    form = make_form()
    base = automatic_path(form)[:2]
    asked = entry("registration", CorrectionRequested(application_id=APP, occurred_at=at(10), task_id="t",
                                                      reasons=["字号不规范"], fields=["name.trade_name"]))
    waiting = derive(form, [*base, asked], T0)
    assert waiting["status"] == "correction_requested"
    assert waiting["steps"]["registration"]["fields"] == ["name.trade_name"]
    corrected = entry("gateway", ApplicationCorrected(application_id=APP, occurred_at=at(20), revision=1,
                                                      form=ApplicationForm.model_validate(form)))
    assert derive(form, [*base, asked, corrected], T0)["status"] == "submitted"


def test_working_days_skip_weekends_and_holidays():
    # 中秋 2026 is Friday 9/25 to Sunday 9/27: submitted on the holiday at 18:00 Beijing time, done on
    # Monday 9/28 at 10:00 Beijing time: one working day, and only Monday's 10 hours count
    friday_evening = datetime(2026, 9, 25, 10, 0, tzinfo=UTC)
    monday = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)
    taken = time_taken(friday_evening, monday)
    assert taken["working_days"] == 1
    assert taken["within_target"] is True
    assert taken["working_hours"] == 10.0
    assert taken["elapsed_seconds"] == 64 * 3600


def test_a_revoked_licence_ends_the_application_as_revoked_keeping_when_it_had_completed():
    form = make_form()
    revoked = entry("registration", LicenceRevoked(application_id=APP, occurred_at=at(60), uscc=USCC, reason="虚假登记"))
    result = derive(form, [*automatic_path(form), revoked], T0)
    assert result["status"] == "revoked"
    assert result["completed_at"] == at(5)  # the start-up did complete, in 5 minutes
    assert result["steps"]["registration"]["state"] == "revoked"
    assert result["steps"]["registration"]["reasons"] == ["虚假登记"]
    # revoked before the other bureaus finished: still revoked once their outputs arrive
    early = [*automatic_path(form)[:3], revoked, *automatic_path(form)[3:]]
    assert derive(form, early, T0)["status"] == "revoked"


def test_every_event_has_a_summary_and_every_step_event_a_handler():
    from contracts import bureaus
    from gateway.timeline import CONFIRMATION_EVENTS, HANDLERS, SUMMARIES

    emitted = {kind for kinds in bureaus.SOURCES.values() for kind in kinds}
    assert emitted | CONFIRMATION_EVENTS <= set(SUMMARIES)
    assert set(HANDLERS) <= emitted | CONFIRMATION_EVENTS  # the gateway's own steps before the bureaus
    # every event that completes a step is reflected in the founder's outputs (or is the licence)
    assert set(bureaus.completing_bureau()) <= set(HANDLERS)


def test_a_name_change_makes_the_newest_licence_the_companys_current_name():
    from contracts.events import CompanyChanged
    from gateway.views import current_name

    form = make_form()
    issued = licence_issued(form)
    renamed = issued.licence.model_copy(update={"company_name": "武汉新名科技有限公司", "issued_at": at(60)})
    changed = CompanyChanged(application_id=APP, occurred_at=at(60), uscc=USCC, change_id="rename-1", version=2,
                             changed=["name"], licence=renamed, previous_district_code="420111", answerers=["seal"])
    before = derive(form, automatic_path(form), T0)
    after = derive(form, [*automatic_path(form), entry("registration", changed)], T0)
    assert after["status"] == before["status"] and after["completed_at"] == before["completed_at"]
    assert after["outputs"]["licence"]["company_name"] == "武汉新名科技有限公司"
    doc = {"company_name": "武汉测试科技有限公司"}
    assert current_name({**doc, "outputs": before["outputs"]}) == "武汉测试科技有限公司"
    assert current_name({**doc, "outputs": after["outputs"]}) == "武汉新名科技有限公司"
    assert current_name(doc) == "武汉测试科技有限公司"  # before any licence: the form's


def _bank_page(form: dict, timeline: list[dict]) -> tuple[dict, str]:
    """The derived application and its rendered progress section, as the founder's page shows them."""
    from gateway.views import application_view
    from gateway.web.pages import env

    derived = derive(form, timeline, T0)
    doc = {"_id": APP, "submitted_at": T0, "form": form, "timeline": timeline, **derived}
    view = application_view(doc, "http://gw", today=date(2026, 11, 24))
    return view, env.get_template("_progress.html").render(app=view)


def _reserved(minutes: float = 4) -> dict:
    return entry("bank", BankAccountReserved(
        application_id=APP, occurred_at=at(minutes), uscc=USCC, company_name="武汉测试科技有限公司",
        bank_name="江城银行（演示）", branch_id="jc-hongshan", branch_name="江城银行武汉洪山支行",
        branch_address="武汉市洪山区珞喻路128号", account_number="90101110000000011",
        appointment_date=date(2026, 11, 25), appointment_slot="09:00-10:00", shared_with=["tax"]))


def _bank_step(minutes: float, step: str, **detail) -> dict:
    from contracts.events import StepProgressed

    return entry("bank", StepProgressed(application_id=APP, occurred_at=at(minutes), bureau="bank", step=step,
                                        detail=detail))


def test_a_lapsed_bank_reservation_ends_the_step_lapsed_with_its_reason_not_done():
    from services.bank.domain.after_start import LAPSED

    form = make_form(**BANK_FORM)
    lapsed = _bank_step(60, "reservation_lapsed", account_number="90101110000000011", reason=LAPSED)
    result = derive(form, [*automatic_path(form), _reserved(), lapsed], T0)
    step = result["steps"]["bank"]
    assert step["state"] == "lapsed" and step["finished_at"] == at(60) and step["reasons"] == [LAPSED]
    assert result["status"] != "completed"
    view, html = _bank_page(form, [*automatic_path(form), _reserved(), lapsed])
    [bank] = [s for s in view["steps"] if s["bureau"] == "bank"]
    assert bank["state"] == "lapsed" and not bank["overdue"]  # ended: never "已超时" however late
    from gateway.api.schemas import StepOut

    StepOut.model_validate(bank)  # the API's step shape knows the state (no 500 on GET)
    assert 'data-bureau="bank" data-state="lapsed"' in html and "已作废" in html and LAPSED in html


def test_a_moved_appointment_stays_on_the_page_after_a_later_bank_step():
    form = make_form(**BANK_FORM)
    moved = _bank_step(5, "appointment_moved", appointment_date="2026-11-27", appointment_slot="13:30-14:30",
                       previous="2026-11-25 09:00-10:00")
    opened = entry("bank", AccountOpened(application_id=APP, occurred_at=at(9), uscc=USCC,
                                         account_number="90101110000000011", branch_id="jc-hongshan", opened_at=at(9)))
    closed = _bank_step(90, "account_closed", account_number="90101110000000011", appointment_date="2026-11-27",
                        appointment_slot="13:30-14:30", appointment_moved=True)
    _, html = _bank_page(form, [*automatic_path(form), _reserved(), moved, opened, closed])
    assert "预约开户时间 2026-11-27 13:30-14:30（已改约）" in html and "基本存款账户已销户" in html
    # never moved: account_closed carries no appointment, the booking stays the first one
    plain = _bank_step(90, "account_closed", account_number="90101110000000011")
    _, html = _bank_page(form, [*automatic_path(form), _reserved(), opened, plain])
    assert "预约开户时间 2026-11-25 09:00-10:00，" in html and "已改约" not in html
