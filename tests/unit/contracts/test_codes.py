"""USCC (GB 32100-2015), organisation code (GB 11714) and resident ID (GB 11643) checks on real codes."""

from datetime import date

import pytest

from contracts.codes import (
    district_name,
    is_known_district,
    is_valid_resident_id,
    is_valid_uscc,
    make_uscc,
    mask_resident_id,
    mask_resident_ids_in_text,
    org_body_from_sequence,
    org_code_check_char,
    resident_id_check_char,
    uscc_check_char,
)

PUBLISHED_USCCS = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91350100M000100Y43",  # the standard's worked example
]


@pytest.mark.parametrize("code", PUBLISHED_USCCS)
def test_published_codes_pass(code):
    assert is_valid_uscc(code)
    assert uscc_check_char(code[:17]) == code[17]


def test_standard_worked_example_check_characters():
    assert org_code_check_char("M000100Y") == "4"
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "code",
    [
        "91110000800088421P",  # a mock code seen in public repositories: fails the check
        "914403001922038217",  # last character changed
        "914403001922038316",  # organisation-code check digit broken
        "91440300192203821",  # 17 characters
        "9144030019220382I6",  # I is not in the character set
        "914403001922038216 ",
        "",
    ],
)
def test_broken_codes_fail(code):
    assert not is_valid_uscc(code)


def test_made_codes_are_valid_and_distinct():
    codes = {make_uscc("420111", org_body_from_sequence(n)) for n in range(1, 2000)}
    assert len(codes) == 1999
    assert all(is_valid_uscc(c) and c.startswith("91420111") for c in codes)


def test_standard_sample_resident_id():
    assert is_valid_resident_id("11010519491231002X")  # GB 11643 Appendix A: X check character
    assert resident_id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check character
        "11010519491331002X",  # month 13
        "11010518000101002X",  # born before 1900
        "1101051949123100",  # too short
        "11010519491231002x",  # lowercase x
    ],
)
def test_bad_resident_ids(number):
    assert not is_valid_resident_id(number)


def test_resident_id_born_in_the_future_is_invalid():
    future = "42010220300101001"
    number = future + resident_id_check_char(future)
    assert not is_valid_resident_id(number, today=date(2026, 11, 25))


def test_masking_keeps_only_the_ends():
    assert mask_resident_id("11010519491231002X") == "110***********002X"
    assert mask_resident_ids_in_text('{"id": "11010519491231002X"}') == '{"id": "110***********002X"}'
    assert mask_resident_ids_in_text("uscc 914403001922038216") == "uscc 914403001922038216"


def test_wuhan_districts():
    assert district_name("420111") == "洪山区"
    assert is_known_district("420117")
    assert not is_known_district("420100")  # the city, not a district
    assert not is_known_district("420118")  # development-zone codes are not GB/T 2260
