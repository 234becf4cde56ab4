"""《企业名称登记管理规定》 (国务院令第734号, 2021-03-01), one rule per test, quoting the article it tests
(arts. 7, 8 and 17 as quoted at https://www.64365.com/tuwen/aaaaxti and shared/DOMAIN.md section 12)."""

from datetime import date

import pytest

from contracts.form import CompanyName, division_name_error
from services.registration import names as rules

TODAY = date(2026, 12, 1)
HONGSHAN, JIANGAN = "420111", "420102"


def entry(name: str, scope: list[str], authority: str, **extra) -> dict:
    parts, _ = rules.parse_name(name)
    return {**rules.name_keys(parts, scope, authority), **extra}


def conflicts(name: str, scope: list[str], authority: str, register: list[dict], today: date = TODAY) -> dict:
    parts, _ = rules.parse_name(name)
    keys = rules.name_keys(parts, scope, authority)
    return {p.code: p for p in rules.conflict_problems(keys, register, today)}


# ---- art. 17: the same 字号 in the same industry at the same authority -------------------------------

REGISTERED = entry("武汉楚天云启科技有限公司", ["G0001"], HONGSHAN, status="registered")


def test_art_17_same_trade_name_same_industry_same_authority_is_barred():
    """Art. 17: 在同一企业登记机关，申请人拟定的企业名称中的字号不得与…同行业…的企业名称中的字号相同."""
    # 软件 and 科技 are different wordings but the same GB/T 4754-2017 division 65
    found = conflicts("武汉楚天云启软件有限公司", ["G0004"], HONGSHAN, [REGISTERED])
    assert set(found) == {"same_trade_name_barred"}
    assert found["same_trade_name_barred"].severity == "error"
    assert "第十七条" in found["same_trade_name_barred"].message


def test_art_17_bars_against_a_name_without_industry_wording():
    """Art. 17: …不得与下列同行业或者不使用行业、经营特点表述的企业名称中的字号相同."""
    no_industry = entry("武汉楚天云启有限公司", [], HONGSHAN, status="registered")
    found = conflicts("武汉楚天云启餐饮有限公司", ["L0001"], HONGSHAN, [no_industry])
    assert set(found) == {"same_trade_name_barred"}


def test_art_17_is_about_one_authority_and_one_industry():
    # another authority: a clerk's look, not a bar
    assert set(conflicts("武汉楚天云启软件有限公司", ["G0004"], JIANGAN, [REGISTERED])) == {"similar_name"}
    # another industry (餐饮业 62) at the same authority: free
    assert conflicts("武汉楚天云启餐饮有限公司", ["L0001"], HONGSHAN, [REGISTERED]) == {}


def test_art_17_a_deregistered_or_changed_name_stays_barred_for_one_year():
    """Art. 17 (二): 已经注销或者变更登记未满1年的原企业名称; (三) 被撤销…未满1年 - 1 year for all three."""
    ended = "2026-09-30"
    former = entry("武汉汉水鸣琴科技有限公司", ["G0001"], HONGSHAN, status=rules.FORMER,
                   barred_until=rules.barred_until(ended))
    assert rules.barred_until(ended) == "2027-09-30"
    found = conflicts("武汉汉水鸣琴网络科技有限公司", ["G0001"], HONGSHAN, [former], today=date(2027, 9, 29))
    assert set(found) == {"former_name_barred"}
    assert "未满1年" in found["former_name_barred"].message
    assert conflicts("武汉汉水鸣琴网络科技有限公司", ["G0001"], HONGSHAN, [former], today=date(2027, 9, 30)) == {}


def test_the_declared_trade_name_is_kept_not_re_parsed():
    """The 字号 is what the founder declared: 楚天网络 + 科技 is not 楚天 + 网络科技."""
    name = CompanyName(division="武汉", trade_name="楚天网络", industry="科技", organisation_form="有限公司")
    parts = rules.parts_of(name)
    assert (parts.trade_name, parts.industry) == ("楚天网络", "科技")
    assert rules.parse_name(name.full)[0].trade_name == "楚天"  # what re-parsing would have made of it


def test_industry_is_gbt_4754_2017_data_with_its_source():
    assert len(rules.divisions()) == 97 and rules.divisions()["65"] == "软件和信息技术服务业"
    assert rules.divisions()["59"] == "装卸搬运和仓储业"  # the 2017 name (2011: 仓储业)
    assert "GB/T 4754-2017" in rules._industries()["source"]
    assert set(rules.industry_wordings()["软件"]) <= set(rules.divisions())


# ---- banned and restricted words: words of the parts, not substrings -------------------------------


def problems_of(division: str, trade: str, industry: str) -> dict:
    parts = rules.NameParts(division, trade, industry, "有限公司")
    return {p.code: p.message for p in rules.declared_problems(parts)}


def test_art_11_a_country_name_as_a_word_of_the_trade_name_is_banned():
    """Art. 11: 企业名称不得有下列情形：…外国国家（地区）名称、国际组织名称."""
    assert "banned_word" in problems_of("武汉", "美国优选", "商贸")
    assert "banned_word" in problems_of("武汉", "德国人", "商贸")  # a word headed by the country's name


def test_characters_of_a_country_across_two_words_are_not_that_country():
    # 华美|国际: 美国 is only a character run; 国际 sits in the 字号 though, so that part is flagged alone
    found = problems_of("武汉", "华美", "国际贸易")
    assert found == {}
    assert "banned_word" not in problems_of("武汉", "法兰", "商贸")


def test_art_12_china_words_heading_a_name_need_the_state_council():
    """Art. 12: 企业名称冠以“中国”“中华”“中央”“全国”“国家”等字词，…报国务院批准."""
    assert problems_of("", "中华鼎盛", "商贸")["restricted_word"].startswith("名称冠以“中华”")
    assert problems_of("", "中央厨房", "餐饮")["restricted_word"].startswith("名称冠以“中央”")


def test_art_12_in_the_middle_they_must_qualify_the_industry():
    """Art. 12: 企业名称中间含有“中国”“中华”“全国”“国家”等字词的，该字词应当是行业限定语."""
    assert problems_of("武汉", "鼎盛", "国际贸易") == {}  # qualifying the industry
    assert "行业限定语" in problems_of("武汉", "鼎盛国际", "贸易")["restricted_word"]


# ---- divisions: arts. 7 and 8 -------------------------------------------------------------------------


def test_art_7_a_district_name_only_with_its_city():
    """Art. 7: 市辖区名称在企业名称中使用时，应当同时冠以其所属的设区的市的行政区划名称."""
    assert "第七条" in division_name_error("洪山")
    assert "第七条" in division_name_error("洪山区")
    assert division_name_error("武汉市洪山区") is None and division_name_error("武汉") is None
    assert "division_form" in problems_of("洪山", "鼎盛", "科技")


def test_art_8_a_division_or_an_industry_word_is_no_trade_name_unless_it_means_something_else():
    """Art. 8: 县级以上地方行政区划名称、行业或者经营特点不得作为字号，另有含义的除外."""
    assert "trade_name_is_division" in problems_of("武汉", "江岸", "科技")
    assert "trade_name_is_division" in problems_of("", "湖北", "科技")
    assert "trade_name_is_industry" in problems_of("武汉", "贸易", "科技")
    assert problems_of("武汉", "青山", "科技") == {}  # 青山 also means "green hills" (data list)


def test_the_division_in_brackets_after_the_trade_name_is_a_legal_form():
    name = CompanyName(division="武汉", trade_name="楚天云启", industry="科技", organisation_form="有限公司",
                       division_in_brackets=True)
    assert name.full == "楚天云启（武汉）科技有限公司"
    parts, problems = rules.static_problems(name.full, HONGSHAN)
    assert problems == [] and (parts.division, parts.trade_name, parts.industry) == ("武汉", "楚天云启", "科技")


@pytest.mark.parametrize("word", ["中国", "中华", "中央", "全国", "国家", "国际"])
def test_the_restricted_words_include_central(word):
    assert word in {w["word"] for w in rules.banned_words() if w["severity"] == "restricted"}
