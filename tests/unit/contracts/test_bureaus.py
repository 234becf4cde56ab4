"""The bureau manifest agrees with the code it describes: events, services, the form, the timeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts import bureaus, sharing
from contracts.events import BY_TYPE, EVENT_SOURCES, Event, LicenceIssued, event_type
from contracts.form import ApplicationForm

ROOT = Path(__file__).resolve().parents[3]


def test_every_emitted_event_is_a_contract_event_and_every_event_has_a_source():
    emitted = {kind for kinds in bureaus.SOURCES.values() for kind in kinds}
    assert emitted <= set(BY_TYPE)
    assert {event_type(c) for c in Event.__subclasses__()} == emitted
    assert set(EVENT_SOURCES) == {bureaus.GATEWAY, *bureaus.NAMES}


@pytest.mark.parametrize("bureau", bureaus.BUREAUS, ids=lambda b: b.name)
def test_a_bureau_completes_only_on_events_it_emits(bureau):
    assert {o.event for o in bureau.completes_on} <= set(bureau.emits)
    for source, kind in bureau.consumes:
        assert kind in bureaus.SOURCES[source], f"{bureau.name} consumes {kind} that {source} never emits"


@pytest.mark.parametrize("bureau", bureaus.BUREAUS, ids=lambda b: b.name)
def test_each_bureau_is_one_service_folder_named_as_the_manifest_says(bureau):
    from nameko.cli.run import import_service

    assert (ROOT / bureau.config).is_file()
    # what `nameko run <module>` (the launcher, the Dockerfiles) will start: exactly this bureau's class,
    # not a mixin it imported (kit.clerk.ClerkRpc has entrypoints too)
    services = import_service(bureau.module)
    assert [getattr(s, "name", None) for s in services] == [bureau.name]
    assert bureau.target_working_days >= 1
    assert bureau.label and bureau.step_title


@pytest.mark.parametrize("bureau", bureaus.BUREAUS, ids=lambda b: b.name)
def test_form_fields_are_paths_of_the_one_form(bureau):
    for path in bureau.form_fields:
        if path == "*":
            continue
        model = ApplicationForm
        for part in path.split("."):
            assert part in model.model_fields, f"{bureau.name}: {path} is not a form field"
            model = model.model_fields[part].annotation


def test_licence_issued_carries_exactly_what_its_consumers_need():
    # data minimisation: the event that fans out to the bureaus holds the union of their form fields
    needed = {path.split(".")[0] for b in bureaus.BUREAUS if ("registration", "licence_issued") in b.consumes
              for path in b.form_fields}
    common = {*Event.model_fields, "type", *sharing.PER_CONSUMER["licence_issued"], sharing.SHARED}
    carried = set(LicenceIssued.model_fields) - common
    assert {"contact" if f == "contact_phone" else f for f in carried} == needed


def test_required_events_follow_the_form():
    minimal = {"seals": {"kinds": []}, "tax": {"invoice_kinds": []}, "employees": []}
    assert bureaus.required_events(minimal) == {"licence_issued", "tax_registered", "employer_registered"}
    full = {"seals": {"kinds": ["company"], "physical": True}, "tax": {"invoice_kinds": ["vat_general"]},
            "employees": [{"name": "x"}], "housing_fund": {"employer_rate": 8, "employee_rate": 8}}
    assert bureaus.required_events(full) == {"licence_issued", "seals_filed", "seals_delivered", "tax_registered",
                                             "invoices_approved", "employer_registered", "employees_enrolled",
                                             "medical_insurance_registered", "housing_fund_registered"}
    # physical seals without any kind chosen: the seal step is not requested at all
    assert "seals_delivered" not in bureaus.required_events({"seals": {"physical": True, "kinds": []}})


def test_consumers_map_lists_each_consumer_once_in_manifest_order():
    assert bureaus.consumers()[("registration", "licence_issued")] == ("seal", "tax", "social_security",
                                                                         "medical_insurance", "housing_fund", "bank")
    assert bureaus.consumers()[("bank", "bank_account_reserved")] == ("tax", "social_security", "medical_insurance",
                                                                       "housing_fund")
    assert bureaus.consumers()[("gateway", "application_submitted")] == ("registration",)


def test_every_clerk_task_kind_a_bureau_creates_has_a_label_in_the_manifest():
    from services.bank import domain as bank
    from services.bank.domain import after_start as bank_after_start
    from services.housing_fund import domain as housing_fund
    from services.medical_insurance import domain as medical_insurance
    from services.registration import change_review
    from services.registration import domain as registration
    from services.seal import domain as seal
    from services.social_security import domain as social_security
    from services.tax import domain as tax

    created = {"registration": {registration.TASK_KIND, change_review.TASK_KIND}, "seal": set(seal.STEP_ACTIONS),
               "tax": {tax.TASK_KIND}, "social_security": {social_security.TASK_EMPLOYER, social_security.TASK_EMPLOYEE},
               "medical_insurance": {medical_insurance.TASK_KIND}, "housing_fund": {housing_fund.TASK_KIND},
               "bank": {bank.TASK_KIND, bank_after_start.CLOSING_KIND}}
    assert {name: set(bureaus.bureau(name).task_kinds) for name in bureaus.NAMES} == created


def test_kept_outputs_name_fields_of_their_event():
    for output in bureaus.OUTPUTS:
        assert output.summary
        if output.keep:
            assert output.key and set(output.keep) <= set(BY_TYPE[output.event].model_fields)
