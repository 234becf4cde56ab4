"""What the data-sharing receipt shows a founder: form sections in Chinese, never raw keys."""

from gateway.web.texts import shared_sections, shares_resident_ids

LICENCE_ISSUED_PATHS = [
    "application_id", "contact_phone", "documents[].name", "employees[].name", "employees[].resident_id",
    "housing_fund", "legal_representative.name", "legal_representative.resident_id", "licence.uscc",
    "seals.kinds[]", "tax.taxpayer_type",
]


def test_sections_are_labelled_in_chinese_without_message_bookkeeping():
    sections = shared_sections(LICENCE_ISSUED_PATHS)
    assert sections == ["联系电话", "员工", "住房公积金", "法定代表人", "营业执照登记事项", "印章", "税务"]
    assert not any(ch.isascii() and ch.isalpha() for s in sections for ch in s)


def test_submitted_form_paths_group_by_section():
    paths = ["form.shareholders[].resident_id", "form.shareholders[].name", "form.business_scope[]", "founder_id",
             "revision"]
    assert shared_sections(paths) == ["股东", "经营范围", "申请人账号"]
    owners = ["form.beneficial_owners.owners[].resident_id", "form.beneficial_owners.owners[].share"]
    assert shared_sections(owners) == ["受益所有人"] and shares_resident_ids(owners)


def test_resident_ids_are_called_out():
    assert shares_resident_ids(LICENCE_ISSUED_PATHS)
    assert not shares_resident_ids(["licence.uscc", "tax.taxpayer_type"])
