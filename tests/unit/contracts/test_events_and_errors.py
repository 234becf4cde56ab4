"""Events survive the JSON wire; typed errors survive Nameko's (path, one string) serialisation."""

import json
from pathlib import Path

import pytest
from nameko.exceptions import deserialize, serialize

from contracts.events import ApplicationSubmitted, LicenceIssued, SealsFiled, parse_event
from contracts.form import validate_form
from contracts.rpc import Conflict, FieldError, Invalid, NotFound, OneStopError, register_remote_errors

EXAMPLE = json.loads((Path(__file__).parents[3] / "examples" / "application.json").read_text("utf-8"))


def test_submitted_event_round_trips_through_json():
    event = ApplicationSubmitted(application_id="a1", founder_id="f1", form=validate_form(EXAMPLE))
    wire = json.loads(json.dumps(event.model_dump(mode="json")))
    again = parse_event("gateway", wire)
    assert again == event
    assert wire["form"]["registered_capital"] == "1000000.00"  # decimals travel as strings


def test_an_event_from_the_wrong_source_is_refused():
    event = SealsFiled(application_id="a1", uscc="914403001922038216", seals=[])
    with pytest.raises(ValueError, match="registration does not emit 'seals_filed'"):
        parse_event("registration", event.model_dump(mode="json"))


def test_events_are_frozen_and_strict():
    with pytest.raises(ValueError):
        LicenceIssued.model_validate({"application_id": "a1", "unexpected": 1})


def test_typed_errors_cross_the_rpc_boundary_with_their_field_errors():
    register_remote_errors()
    sent = Invalid.with_fields("申请表有1处需要修改", [FieldError(field="contact.phone", message="请填写11位手机号码")])
    received = deserialize(json.loads(json.dumps(serialize(sent))))
    assert type(received) is Invalid
    assert received.status == 422 and received.code == "INVALID"
    assert received.message == "申请表有1处需要修改"
    assert received.field_errors == [FieldError(field="contact.phone", message="请填写11位手机号码")]


@pytest.mark.parametrize("cls, status", [(NotFound, 404), (Conflict, 409)])
def test_plain_errors_keep_their_message_and_status(cls, status):
    register_remote_errors()
    received = deserialize(serialize(cls("找不到该申请")))
    assert isinstance(received, OneStopError) and type(received) is cls
    assert received.status == status and str(received) == "找不到该申请"
