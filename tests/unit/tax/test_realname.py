"""The real-name check is a pluggable verifier; the embedded one is named for what it does: format check only."""

from datetime import UTC, datetime

from services.tax import domain
from services.tax.domain.realname import FORMAT_CHECK_ONLY, FormatCheckOnly
from tests.unit.tax.factories import REP_ID

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)


def test_the_embedded_verifier_says_it_only_checks_the_format():
    record = domain.check_real_name("张三", REP_ID, NOW).as_record()
    assert (record["passed"], record["method"]) == (True, "format_check_only")
    assert record["method_label"] == "仅格式校验（未向公安机关核查身份信息）"
    assert FORMAT_CHECK_ONLY.consults is None and "公安机关" in FormatCheckOnly.would_consult
    assert "does NOT ask the ID issuing authority" in FormatCheckOnly.__doc__


def test_a_well_formed_number_under_any_name_passes_the_format_check():
    # exactly what a real check would catch and this one cannot: recorded, not hidden
    assert domain.check_real_name("某某某", REP_ID, NOW).passed
    assert domain.check_real_name("张三", "110105194912310021", NOW).problems == ("法定代表人居民身份证号码无效",)


def test_another_verifier_plugs_in_and_is_recorded():
    class AuthorityVerifier:
        method, label, consults = "authority", "公安机关联网核查", "公安机关居民身份证信息"

        def problems(self, name, resident_id, day):
            return ["姓名与身份证号码不一致"] if name != "张三" else []

    check = domain.check_real_name("李四", REP_ID, NOW, AuthorityVerifier())
    assert (check.passed, check.method, check.problems) == (False, "authority", ("姓名与身份证号码不一致",))
