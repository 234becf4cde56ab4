"""Generated load forms: unique, never-similar trade names and valid, fresh resident IDs."""

from bench.forms import POOL, application, resident_id, trade_name
from contracts.codes import is_valid_resident_id
from contracts.form import ApplicationForm


def test_pool_characters_read_differently():
    from pypinyin import lazy_pinyin

    assert len({lazy_pinyin(c)[0] for c in POOL}) == len(POOL)


def test_trade_names_are_unique_and_never_anagrams():
    names = [trade_name(i) for i in range(3000)]
    assert len({"".join(sorted(n)) for n in names}) == len(names)
    assert all(len(n) == 4 and len(set(n)) == 4 for n in names)


def test_resident_ids_valid_and_distinct():
    ids = [resident_id(i) for i in range(0, 50000, 7)]
    assert len(set(ids)) == len(ids)
    assert all(is_valid_resident_id(i) for i in ids)


def test_application_keeps_people_consistent_and_validates():
    one, two = application(1), application(2)
    assert one["legal_representative"]["resident_id"] == one["shareholders"][0]["resident_id"]
    assert one["legal_representative"]["resident_id"] != two["legal_representative"]["resident_id"]
    assert one["name"]["trade_name"] != two["name"]["trade_name"]
    ApplicationForm.model_validate(one)


def test_a_founder_only_form_is_valid_and_names_nobody_else():
    from bench.forms import application, resident_id
    from contracts.form import validate_form
    from gateway.confirmations import parties

    founder = resident_id(9_000_001)
    form = application(7, founder=(founder, "张伟"))
    validate_form(form)  # raises on any rule it breaks
    assert [p["resident_id"] for p in parties(form)] == [founder]
    assert len(form["employees"]) == 2  # the bureaus still enrol the staff
