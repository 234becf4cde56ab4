"""The identity verifier is pluggable; the embedded one is named for what it does: a format check."""

from __future__ import annotations

from datetime import date

import pytest

from kit.identity import FORMAT_CHECK, FormatCheck, load_verifier
from tests.factories import resident_id

TODAY = date(2026, 12, 1)


def test_the_format_check_passes_a_well_formed_number_and_says_it_verified_nobody():
    check = FormatCheck().check("张伟", resident_id(), TODAY)
    assert check.verified and check.method == FORMAT_CHECK
    assert "仅格式校验" in check.status and "未经公安机关实名核验" in check.status
    assert "did NOT verify the person against the public-security real-name service" in " ".join(FormatCheck.__doc__.split())


@pytest.mark.parametrize("number", ["11010519491231002Y", "110105202712310021", "110105194913310027"])
def test_a_bad_check_digit_or_birth_date_fails(number):
    check = FormatCheck().check("张伟", number, TODAY)
    assert not check.verified and check.problems == ("身份证号码无效：请核对出生日期和最后一位校验码",)


def test_an_adapter_is_chosen_by_configuration():
    assert isinstance(load_verifier("format_check"), FormatCheck)
    assert isinstance(load_verifier("kit.identity:FormatCheck"), FormatCheck)  # module:attribute
    with pytest.raises(ValueError):
        load_verifier("public-security")
