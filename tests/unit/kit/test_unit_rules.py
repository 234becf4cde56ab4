"""kit.unit_rules: what the two unit bureaus share, each with its own Terms (numbers, bases, the clerk's decision)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from contracts.rpc import Conflict, NotFound
from kit import clerk as queue
from kit import unit_rules
from services.housing_fund.domain import TERMS as HOUSING
from services.medical_insurance.domain import TERMS as MEDICAL
from tests.unit.seal.factories import licence_issued

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class Task(queue.StoredTask):
    kind: str = "deposit_registration"


def unit(state: str = "pending_review"):
    return SimpleNamespace(application_id="app-1", state=state, task=None)


def test_numbers_carry_each_bureaus_prefix_and_refuse_what_cannot_be_numbered():
    assert unit_rules.unit_number(HOUSING, "420111", 2026, 1) == "GJJ42011126000001"
    assert unit_rules.unit_number(MEDICAL, "420111", 2126, 999999) == "YB42011126999999"
    for district, sequence in (("42011", 1), ("420111", 0), ("420111", 10**6)):
        with pytest.raises(ValueError):
            unit_rules.unit_number(HOUSING, district, 2026, sequence)
    assert unit_rules.record_number(MEDICAL, "YB42011126000001", 9999) == "YB420111260000019999"
    with pytest.raises(Conflict, match="单位账号GJJ42011126000001的个人账户已满9999个"):
        unit_rules.record_number(HOUSING, "GJJ42011126000001", 10000)


def test_a_base_is_the_wage_held_between_floor_and_ceiling_to_the_fen():
    floor, ceiling = Decimal("2210"), Decimal("23499")
    assert unit_rules.held_between(Decimal("1000"), floor, ceiling) == Decimal("2210.00")
    assert unit_rules.held_between(Decimal("8000.004"), floor, ceiling) == Decimal("8000.00")
    assert unit_rules.held_between(Decimal("30000"), floor, ceiling) == Decimal("23499.00")
    person = SimpleNamespace(start_date=None)
    assert unit_rules.form_start(person, date(2026, 11, 2)) == date(2026, 11, 2)
    person.start_date = date(2026, 10, 1)  # before the company existed: from its first day
    assert unit_rules.form_start(person, date(2026, 11, 2)) == date(2026, 11, 2)


def test_only_a_registered_unit_takes_hires_in_the_bureaus_words():
    with pytest.raises(NotFound, match="未找到统一社会信用代码为U的单位医保登记"):
        unit_rules.check_registered(MEDICAL, None, "U")
    with pytest.raises(Conflict, match="住房公积金缴存登记尚未办结（pending_review）"):
        unit_rules.check_registered(HOUSING, unit(), "U")
    registered = unit("registered")
    assert unit_rules.check_registered(HOUSING, registered, "U") is registered


def test_the_clerk_rejects_with_reasons_or_approves_only_with_figures_and_a_standing_licence():
    queued, [event] = unit_rules.queue_task(HOUSING, unit(), Task, "t-1", "未配置", NOW)
    assert (event.type, event.bureau, event.kind, event.task_id) == ("task_queued", "housing_fund",
                                                                    "deposit_registration", "t-1")
    with pytest.raises(Conflict, match=HOUSING.not_configured):
        unit_rules.act(HOUSING, queued, queued.task, "li", "approve", {}, None, {}, None, NOW)
    revocation = SimpleNamespace(refusal=lambda consequence: Conflict(f"吊销，{consequence}"))
    with pytest.raises(Conflict, match=HOUSING.revoked):
        unit_rules.act(HOUSING, queued, queued.task, "li", "approve", {}, lambda: (queued, []), {}, revocation, NOW)
    approved, events = unit_rules.act(HOUSING, queued, queued.task, "li", "approve", {},
                                      lambda: (queued, ["registered"]), {"unit_account": "GJJ1"}, None, NOW)
    assert events == ["registered"] and approved.task.state == "done"
    assert approved.task.history[-1]["action"] == "approve" and approved.task.claimed_by == "li"

    again, _ = unit_rules.queue_task(MEDICAL, unit(), Task, "t-2", "未配置", NOW)
    rejected, [step] = unit_rules.act(MEDICAL, again, again.task, "li", "reject", {"reasons": ["请先补充"]},
                                      None, {}, None, NOW)
    assert rejected.state == "rejected" and rejected.task.state == "rejected"
    assert (step.type, step.bureau, step.step, step.reasons) == ("step_rejected", "medical_insurance",
                                                                "medical_registration", ["请先补充"])


def test_a_change_of_details_sets_name_district_and_version_and_a_closing_lists_each_active_record():
    issued = licence_issued()
    change = SimpleNamespace(licence=issued.licence, version=3)
    assert unit_rules.licence_fields(change) == {"company_name": issued.licence.company_name,
                                                 "district_code": issued.licence.district_code,
                                                 "licence_version": 3}
    [blocker] = unit_rules.blockers([SimpleNamespace(name="张三")], "职工{name}仍在缴存", "先减员")
    assert (blocker.item, blocker.todo) == ("职工张三仍在缴存", "先减员")
    assert unit_rules.blockers([], "{name}", "x") == []
