"""Drafts (issue 21 item 5): one per founder, the newer save wins, bad bodies are typed errors, the
autosave endpoint answers JSON (401, never a login redirect); submissions get a 受理编号."""

from __future__ import annotations

import re

import pytest

from contracts.rpc import Forbidden, Invalid
from gateway.auth import Principal
from tests.factories import make_form

FOUNDER = Principal(id="acc-1", role="founder", name="张伟", login="f@example.com")


def draft(saved_at: int, value: str = "瑞丰", step: int = 2) -> dict:
    return {"draft_id": "d0123456789", "saved_at": saved_at, "step": step,
            "fields": [["name.trade_name", value], ["csrf_token", "secret"], ["business_scope", "G0001"]]}


def test_the_newer_save_wins_and_the_token_is_not_kept(gateway):
    drafts = gateway.drafts
    assert drafts.current(FOUNDER) is None
    assert drafts.save(FOUNDER, draft(2000, "瑞丰")) == {"draft_id": "d0123456789", "saved_at": 2000, "step": 2}
    drafts.save(FOUNDER, draft(1000, "旧的"))  # a slow request overtaken by a newer one
    stored = drafts.current(FOUNDER)
    assert stored["fields"] == [["name.trade_name", "瑞丰"], ["business_scope", "G0001"]]
    drafts.save(FOUNDER, draft(3000, "鼎盛", step=5))
    assert drafts.current(FOUNDER)["fields"][0] == ["name.trade_name", "鼎盛"]
    assert drafts.current(Principal(id="acc-2", role="founder", name="李娜", login="l@x.cn")) is None
    drafts.discard(FOUNDER)
    assert drafts.current(FOUNDER) is None


@pytest.mark.parametrize("body", [
    None, [], {**draft(1), "draft_id": "../x"}, {**draft(1), "saved_at": -1}, {**draft(1), "saved_at": True},
    {**draft(1), "step": 99}, {**draft(1), "fields": [["a"]]}, {**draft(1), "fields": [["a", "x" * 401]]},
    {**draft(1), "fields": [["a", "b"]] * 2001},
])
def test_bad_draft_bodies_are_field_errors(gateway, body):
    with pytest.raises(Invalid) as caught:
        gateway.drafts.save(FOUNDER, body)
    assert caught.value.field_errors and gateway.drafts.current(FOUNDER) is None


def test_only_founders_have_drafts(gateway):
    with pytest.raises(Forbidden):
        gateway.drafts.save(Principal(id="c", role="clerk", name="王", login="reg.w", bureau="registration"), draft(1))


def test_autosave_without_a_session_is_401_json_not_a_login_page(client):
    reply = client.put("/apply/draft", json=draft(1))
    assert reply.status_code == 401 and reply.json()["code"] == "UNAUTHENTICATED"


def test_every_submission_gets_its_own_acceptance_number(client, sign_up):
    founder = sign_up()
    numbers = [client.post("/api/v1/applications", json=make_form(), headers=founder["headers"]).json()["acceptance_no"]
               for _ in range(2)]
    assert all(re.fullmatch(r"WH\d{13}", n) for n in numbers) and numbers[0] != numbers[1]
    assert int(numbers[1][-5:]) == int(numbers[0][-5:]) + 1
