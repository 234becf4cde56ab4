"""Company-name rules without a broker or a database: parsing, banned words, identical and similar names."""

import pytest

from services.registration import names as rules
from services.registration.store import candidate_query
from tests.factories import full_name, make_form, trade_name


def check(name, register=(), district_code=None, scope=None):
    """The whole name check against an in-memory register (what the store's indexed query returns)."""
    parts, problems = rules.static_problems(name, district_code)
    if parts is not None and parts.trade_name:
        keys = rules.name_keys(parts, scope)
        entries = []
        for other, other_scope in register:
            other_parts, _ = rules.parse_name(other)
            entries.append(rules.name_keys(other_parts, other_scope))
        problems += rules.conflict_problems(keys, entries)
    return rules.NameCheck(name, parts, tuple(problems))


def codes(result):
    return {p.code: p for p in result.problems}


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("武汉楚天云启科技有限公司", ("武汉", "楚天云启", "科技", "有限公司")),
        ("湖北省江城晨光商贸有限责任公司", ("湖北省", "江城晨光", "商贸", "有限责任公司")),
        ("武汉市知音网络科技股份有限公司", ("武汉市", "知音", "网络科技", "股份有限公司")),
        ("武汉市洪山区鼎盛咨询股份公司", ("武汉市洪山区", "鼎盛", "咨询", "股份公司")),
        ("武汉瑞丰有限公司", ("武汉", "瑞丰", "", "有限公司")),  # cross-industry: no industry wording
    ],
)
def test_a_full_name_splits_into_division_trade_name_industry_and_form(name, parts):
    result = check(name)
    assert result.parts.as_dict() == dict(zip(("division", "trade_name", "industry", "organisation_form"),
                                              parts, strict=True))
    assert result.ok and result.problems == ()


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("武汉美国优选商贸有限公司", "banned_word", "外国国家"),
        ("武汉联合国之星科技有限公司", "banned_word", "国际组织"),
        ("武汉解放军后勤商贸有限公司", "banned_word", "军队"),
        ("武汉人民政府服务咨询有限公司", "banned_word", "党政机关"),
        ("武汉最佳鼎盛科技有限公司", "banned_word", "欺骗或者误解"),
        ("武汉国家级鼎盛科技有限公司", "banned_word", "欺骗或者误解"),
        ("武汉色情文化有限公司", "banned_word", "公序良俗"),
        ("武汉中华鼎盛科技有限公司", "restricted_word", "行业限定语（企业名称登记管理规定第十二条）"),
    ],
)
def test_banned_and_restricted_words_are_errors_with_the_reason(name, code, words):
    result = check(name)
    assert not result.ok
    assert code in codes(result)
    assert words in codes(result)[code].message


def test_the_longest_banned_word_is_reported_once():
    result = check("武汉世界卫生组织鼎盛科技有限公司")
    messages = [p.message for p in result.problems if p.code == "banned_word"]
    assert len(messages) == 1 and "世界卫生组织" in messages[0]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("武汉鼎科技有限公司", "trade_name_too_short"),
        ("武汉ABC科技有限公司", "invalid_characters"),
        ("武汉dingsheng科技有限公司", "trade_name_not_chinese"),
        ("武汉鼎盛88科技有限公司", "trade_name_not_chinese"),
        ("武汉鼎盛科技公司", "organisation_form"),
        ("武汉鼎盛科技有限责任", "organisation_form"),
        ("武汉鼎盛科技", "organisation_form"),
        ("武汉洪山科技有限公司", "trade_name_is_division"),
        ("", "empty"),
    ],
)
def test_malformed_names_are_errors(name, code):
    result = check(name)
    assert not result.ok
    assert code in codes(result), result.problems


def test_wrong_form_message_names_the_allowed_forms():
    message = codes(check("武汉鼎盛科技公司"))["organisation_form"].message
    assert "有限公司" in message and "股份有限公司" in message and "“公司”" in message


def test_a_district_division_must_match_the_domicile():
    assert "division_mismatch" in codes(check("武汉市江岸区鼎盛科技有限公司", district_code="420111"))
    assert check("武汉市洪山区鼎盛科技有限公司", district_code="420111").ok
    assert check("武汉鼎盛科技有限公司", district_code="420102").ok  # city level fits every district


REGISTER = [("武汉楚天云启科技有限公司", ["G0001"]), ("武汉江城晨光商贸有限公司", ["G0008"])]


@pytest.mark.parametrize(
    "name",
    [
        "武汉楚天云启科技有限公司",  # the same name
        "湖北楚天云启科技有限责任公司",  # same trade name + industry: division and form do not matter
        "武汉云启楚天科技有限公司",  # the same words reordered
    ],
)
def test_identical_names_are_errors_naming_the_registered_company(name):
    result = check(name, REGISTER, scope=["G0001"])
    assert not result.ok
    problem = codes(result)["identical_name"]
    assert problem.severity == "error"
    assert problem.conflicts == ("武汉楚天云启科技有限公司",)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("武汉楚天云启信息技术有限公司", "similar_name"),  # same trade name, same industry, other wording
        ("武汉楚添云启科技有限公司", "homophone_name"),  # chu tian yun qi, another 添
        ("武汉楚天云启星科技有限公司", "contained_name"),  # theirs inside mine
        ("武汉云启软件有限公司", "contained_name"),  # mine inside theirs
    ],
)
def test_similar_names_in_the_same_industry_are_warnings(name, code):
    result = check(name, REGISTER, scope=["G0001"])
    assert result.ok  # a warning does not stop the founder; it sends the case to a clerk
    problem = codes(result)[code]
    assert problem.severity == "warning"
    assert problem.conflicts == ("武汉楚天云启科技有限公司",)
    assert "人工审查" in problem.message


def test_the_same_trade_name_in_another_industry_is_allowed():
    result = check("武汉楚天云启家政服务有限公司", REGISTER, scope=["G0025"])
    assert result.ok and result.problems == ()


def test_industry_also_comes_from_the_business_scope():
    # no industry wording in the name, but software development puts it in the tech industry
    result = check("武汉楚天云启有限公司", REGISTER, scope=["G0001"])
    assert "similar_name" in codes(result)


def test_pinyin_key_ignores_tones_and_keeps_syllables_apart():
    assert rules.pinyin_key("楚天") == rules.pinyin_key("楚添") == "chu tian"
    assert rules.pinyin_key("西安") != rules.pinyin_key("先")


def test_candidate_query_uses_only_indexed_keys():
    parts, _ = rules.parse_name("武汉楚天云启科技有限公司")
    keys = rules.name_keys(parts, ["G0001"])
    fields = {next(iter(branch)) for branch in candidate_query(keys)}
    assert fields == {"core_key", "chars_key", "trade_name", "trade_pinyin", "trade_substrings"}


def test_factory_names_pass_against_the_demo_register_and_each_other():
    register = [(row["name"], row["scope"]) for row in rules.seed_names()]
    made = [full_name(make_form()) for _ in range(30)]
    for i, name in enumerate(made):
        result = check(name, register + [(other, ["G0001"]) for other in made[:i]], scope=["G0001"])
        assert result.ok and result.problems == (), (name, result.problems)
    assert len({trade_name() for _ in range(500)}) == 500


def test_demo_register_parses_cleanly():
    for row in rules.seed_names():
        parts, problems = rules.static_problems(row["name"], row["district_code"])
        assert problems == [] and len(parts.trade_name) >= 2, row["name"]


# ---- protected brands (data/protected_names.json) -----------------------------------------------


def test_a_trade_name_using_a_protected_brand_is_an_error_unless_its_owner_is_a_shareholder():
    from services.registration.names import brand_problems, protected_names, static_problems

    _, problems = static_problems("武汉华为云启科技有限公司", "420111")
    [brand] = [p for p in problems if p.code == "protected_brand"]
    assert brand.severity == "error" and "华为" in brand.message and "华为技术有限公司" in brand.message
    _, linked = static_problems("武汉华为云启科技有限公司", "420111", ["914403001922038216"])  # Huawei's USCC
    assert not [p for p in linked if p.code == "protected_brand"]
    by_name = brand_problems(parts_of_name("茅台酒香"), ["中国贵州茅台酒厂（集团）有限责任公司"])
    assert by_name == [] and brand_problems(parts_of_name("云启科创")) == []
    assert len(protected_names()) >= 10


def test_the_protected_list_says_where_it_comes_from_and_that_it_is_a_demo():
    import json

    from services.registration.names import DATA

    data = json.loads((DATA / "protected_names.json").read_text("utf-8"))
    assert data["status"].startswith("DEMO LIST") and "驰名商标" in data["source"] and data["dated"]


def parts_of_name(trade: str):
    from services.registration.names import NameParts

    return NameParts("武汉", trade, "科技", "有限公司")
