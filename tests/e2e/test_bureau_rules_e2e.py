"""The rules a real bureau would sign off, refused through the real API with their field and message
(Company Law organs and capacity; the unit tests in tests/unit/contracts/test_company_law.py quote the articles)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import clock
from tests.factories import make_form, resident_id

pytestmark = pytest.mark.e2e

API = "/api/v1"


def refused(http, founder, form) -> dict[str, str]:
    reply = http.post(f"{API}/applications", json=form, headers=founder)
    assert reply.status_code == 422, reply.text
    return {e["field"]: e["message"] for e in reply.json()["errors"]}


def test_an_llc_board_of_two_is_refused_on_directors(http, founder):
    form = make_form(governance={"board": "board"})
    form["directors"].append({"name": "陈静", "resident_id": resident_id()})
    assert refused(http, founder, form) == {
        "directors": "设董事会的，董事会成员为三人以上（公司法第六十八条）；"
                     "规模较小或者股东人数较少的，可以不设董事会，设一名董事（公司法第七十五条）"}


def test_no_supervisor_without_every_shareholders_consent_is_refused(http, founder):
    form = make_form(supervisors=[], governance={"supervision": "none"})
    assert refused(http, founder, form) == {
        "governance.no_supervisor_consent":
            "不设监事须经全体股东一致同意（公司法第八十三条）：请确认全体股东已一致同意，或填写一名监事"}


def test_a_minor_supervisor_is_refused_on_that_field(http, founder):
    form = make_form()
    born = clock.china_today().replace(year=clock.china_today().year - 17) - timedelta(days=30)
    form["supervisors"][0]["resident_id"] = resident_id(born)
    assert refused(http, founder, form) == {
        "supervisors.0.resident_id":
            "监事须具有完全民事行为能力：按身份证号码，此人在提交之日未满十八周岁（公司法第一百七十八条）"}


def test_a_form_without_the_officers_declaration_is_refused(http, founder):
    form = make_form(governance={"officers_declaration": False})
    assert set(refused(http, founder, form)) == {"governance.officers_declaration"}
