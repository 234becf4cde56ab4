"""The Company Law organs on the founder's wizard (contracts.form.Governance): a 监事会 with its staff
representatives, one supervisor, none with every shareholder's consent, an audit committee of directors,
the manager and the art. 178 declaration, each refused with the API's own field and words. 1280 and 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import eventlet_patched
from tests.browser.helpers import field, fill_valid, new_context, new_person, sign_up, submit, type_into
from tests.factories import resident_id, trade_name

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(eventlet_patched(), reason="run with ONESTOP_TEST_EVENTLET=0 (Playwright)")]

STAFF_SHARE = "监事会中职工代表的比例不得低于三分之一（公司法第七十六条）：3名监事中至少应有1名职工代表"
COMMITTEE_NEEDS_BOARD = "审计委员会设在董事会中，由董事组成（公司法第六十九条）：请选择设董事会"
COMMITTEE_NOT_SUPERVISORS = "设审计委员会的，不设监事会或者监事（公司法第六十九条）"


@pytest.mark.parametrize("phone", [False, True], ids=["1280px", "390px"])
def test_governance_choices_are_enterable_and_refused_as_the_api_refuses_them(browser, base_url, shots, phone):
    width = "390" if phone else "1280"
    context = new_context(browser, base_url, phone=phone)
    page = context.new_page()
    sign_up(page, new_person())
    fill_valid(page, trade_name())
    field(page, "governance.no_supervisor_consent").uncheck()  # there will be supervisors

    # a manager, and a 监事会 of three with no staff representative
    type_into(page, "manager.name", "周强")
    type_into(page, "manager.resident_id", resident_id())
    for i, name in enumerate(("刘洋", "赵敏", "孙丽")):
        page.locator('[data-add-row="supervisors"]').click()
        type_into(page, f"supervisors.{i}.name", name)
        type_into(page, f"supervisors.{i}.resident_id", resident_id(female=i > 0))
    field(page, "governance.supervision").select_option("supervisory_board")
    submit(page)
    expect(page.locator("#error-summary")).to_contain_text("职工代表")
    expect(page.locator("#f-supervisors")).to_contain_text(STAFF_SHARE)
    field(page, "supervisors.1.staff_representative").scroll_into_view_if_needed()
    shots(page, f"18-governance-staff-share-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= (390 if phone else 1280)

    # one staff representative makes the 监事会 lawful; an audit committee instead needs a board and no supervisors
    field(page, "supervisors.1.staff_representative").check()
    field(page, "governance.supervision").select_option("audit_committee")
    field(page, "directors.0.audit_committee").check()
    submit(page)
    expect(page.locator("#f-governance-audit_committee")).to_contain_text(COMMITTEE_NEEDS_BOARD)
    expect(page.locator("#f-supervisors")).to_contain_text(COMMITTEE_NOT_SUPERVISORS)
    expect(page.locator("#f-supervisors")).not_to_contain_text("职工代表的比例")
    # what was ticked comes back ticked: the staff representative and the committee member
    expect(field(page, "supervisors.1.staff_representative")).to_be_checked()
    expect(field(page, "directors.0.audit_committee")).to_be_checked()
    expect(field(page, "manager.name")).to_have_value("周强")
    shots(page, f"18-governance-audit-committee-{width}")

    # back to the 监事会 with its staff representative, without the art. 178 declaration: refused on it
    field(page, "governance.supervision").select_option("supervisory_board")
    field(page, "directors.0.audit_committee").uncheck()
    field(page, "governance.officers_declaration").uncheck()
    submit(page)
    expect(page.locator("#f-governance-officers_declaration")).to_contain_text("第一百七十八条")
    expect(page.locator("#error-summary")).not_to_contain_text("监事会")
    field(page, "governance.officers_declaration").check()
    submit(page)
    expect(page).to_have_url(re.compile(r"/applications/[0-9a-f]+\?submitted=1$"))
    shots(page, f"18-governance-submitted-{width}")
    context.close()
