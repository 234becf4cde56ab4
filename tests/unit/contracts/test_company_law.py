"""The company's organs against the Company Law 2023 (in force 2024-07-01), one rule per test, each quoting
the article it tests. Sources: arts. 75, 121, 128 as quoted at https://jinlianglawyer.com/news/113.html,
https://www.jinlianglawyer.com/news/248.html and http://ahdhf.com/law/twsy/13693.html; arts. 68, 69, 76, 83,
130, 133 and 178 as summarised in shared/DOMAIN.md section 12 (second audit)."""

import copy
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from contracts.codes import resident_id_check_char
from contracts.form import ApplicationForm, age_on, licence_type, validate_form
from contracts.rpc import Invalid

TODAY = date(2026, 11, 25)
EXAMPLE = json.loads((Path(__file__).parents[3] / "examples" / "application.json").read_text("utf-8"))


def rid(born: date, seq: int = 13) -> str:
    first17 = f"420111{born:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def people(n: int, start: int = 0) -> list[dict]:
    return [{"name": f"董事{'甲乙丙丁戊己庚辛'[start + i]}", "resident_id": rid(date(1980, 1, 1 + start + i))}
            for i in range(n)]


def form_with(**changes) -> dict:
    form = copy.deepcopy(EXAMPLE)
    governance = changes.pop("governance", None)
    form.update(changes)
    if governance is not None:
        form["governance"] = {"officers_declaration": True, **governance}
    return form


def errors_of(form: dict, today: date = TODAY) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        validate_form(form, today=today)
    return {e.field: e.message for e in caught.value.field_errors}


def board_form(directors: int, **governance) -> dict:
    """An LLC whose legal representative is its first director, with `directors` directors."""
    form = form_with(directors=people(directors), governance={"board": "board", **governance})
    form["legal_representative"].update(name=form["directors"][0]["name"],
                                        resident_id=form["directors"][0]["resident_id"])
    form["manager"] = None
    return form


# ---- the board --------------------------------------------------------------------------------------


def test_art_68_an_llc_board_has_three_or_more_directors():
    """Art. 68: 有限责任公司董事会成员为三人以上."""
    assert errors_of(board_form(2)) == {"directors": "设董事会的，董事会成员为三人以上（公司法第六十八条）；"
                                                     "规模较小或者股东人数较少的，可以不设董事会，设一名董事（公司法第七十五条）"}
    assert isinstance(validate_form(board_form(3), today=TODAY), ApplicationForm)
    assert isinstance(validate_form(board_form(7), today=TODAY), ApplicationForm)  # 2023: no upper limit


def test_art_75_a_small_llc_may_have_one_director_and_only_one():
    """Art. 75: 规模较小或者股东人数较少的有限责任公司，可以不设董事会，设一名董事."""
    assert validate_form(EXAMPLE, today=TODAY).governance.board == "sole_director"
    form = board_form(3, board="sole_director")
    assert errors_of(form) == {"directors": "不设董事会的，只设一名董事（公司法第七十五条），现填写了3名"}


def test_the_board_left_empty_is_read_from_the_number_of_directors():
    form = board_form(2)
    form["governance"].pop("board")
    assert "directors" in errors_of(form)  # 2 directors: neither one director nor a board of 3
    form = board_form(1)
    form["governance"].pop("board")
    assert isinstance(validate_form(form, today=TODAY), ApplicationForm)


def test_arts_120_128_a_joint_stock_company_cites_its_own_articles():
    """Art. 120 (board, applying art. 68 para. 1) and art. 128 (one director) for 股份有限公司."""
    form = board_form(2)
    form.update(company_type="joint_stock")
    form["name"]["organisation_form"] = "股份有限公司"
    for holder in form["shareholders"]:
        holder["payment_due"] = TODAY.isoformat()  # art. 98: promoters pay in full before incorporation
    assert errors_of(form)["directors"] == ("设董事会的，董事会成员为三人以上（公司法第一百二十条）；"
                                            "规模较小或者股东人数较少的，可以不设董事会，设一名董事（公司法第一百二十八条）")


# ---- supervision ---------------------------------------------------------------------------------------


def supervisors(n: int, staff: int) -> list[dict]:
    return [{"name": f"监事{'甲乙丙丁戊己'[i]}", "resident_id": rid(date(1975, 3, 1 + i), 21),
             "staff_representative": i < staff} for i in range(n)]


def test_art_76_a_board_of_supervisors_has_three_or_more_members():
    """Art. 76: 监事会成员为三人以上."""
    form = form_with(supervisors=supervisors(2, 1), governance={"supervision": "supervisory_board"})
    assert errors_of(form) == {"supervisors": "监事会成员为三人以上（公司法第七十六条）"}


def test_art_76_at_least_one_third_of_the_supervisors_are_staff_representatives():
    """Art. 76: 其中职工代表的比例不得低于三分之一."""
    form = form_with(supervisors=supervisors(4, 1), governance={"supervision": "supervisory_board"})
    assert errors_of(form) == {"supervisors": "监事会中职工代表的比例不得低于三分之一（公司法第七十六条）："
                                              "4名监事中至少应有2名职工代表"}
    for n, staff in ((3, 1), (4, 2), (6, 2)):
        ok = form_with(supervisors=supervisors(n, staff), governance={"supervision": "supervisory_board"})
        assert isinstance(validate_form(ok, today=TODAY), ApplicationForm), (n, staff)


def test_art_83_one_supervisor_means_exactly_one():
    """Art. 83: 可以不设监事会，设一名监事."""
    form = form_with(supervisors=supervisors(2, 0), governance={"supervision": "sole_supervisor"})
    assert errors_of(form) == {"supervisors": "不设监事会的，只设一名监事（公司法第八十三条），现填写了2名"}


def test_art_83_no_supervisor_needs_every_shareholders_consent():
    """Art. 83: 经全体股东一致同意，也可以不设监事."""
    form = form_with(supervisors=[], governance={"supervision": "none"})
    assert errors_of(form) == {"governance.no_supervisor_consent":
                               "不设监事须经全体股东一致同意（公司法第八十三条）：请确认全体股东已一致同意，或填写一名监事"}
    form["governance"]["no_supervisor_consent"] = True
    assert isinstance(validate_form(form, today=TODAY), ApplicationForm)
    # left empty, no supervisors reads as "none": still needs the consent
    form = form_with(supervisors=[], governance={})
    assert "governance.no_supervisor_consent" in errors_of(form)


def test_arts_121_130_133_a_joint_stock_company_cannot_go_without_supervision():
    """Art. 83's consent is for LLCs; 股份有限公司 have 监事会 (130), one supervisor (133) or an audit committee (121)."""
    form = form_with(company_type="joint_stock", supervisors=[],
                     governance={"supervision": "none", "no_supervisor_consent": True})
    form["name"]["organisation_form"] = "股份有限公司"
    for holder in form["shareholders"]:
        holder["payment_due"] = TODAY.isoformat()
    assert errors_of(form)["governance.supervision"] == (
        "股份有限公司应设监事会、一名监事或董事会审计委员会，不能不设监事（公司法第一百二十一条、第一百三十条、第一百三十三条）")


def test_art_69_an_audit_committee_sits_in_a_board_of_directors_instead_of_supervisors():
    """Art. 69: 可以…在董事会中设置由董事组成的审计委员会，行使本法规定的监事会的职权，不设监事会或者监事."""
    form = board_form(3, supervision="audit_committee")
    form["supervisors"] = []
    form["governance"]["audit_committee"] = [p["resident_id"] for p in form["directors"][:2]]
    assert isinstance(validate_form(form, today=TODAY), ApplicationForm)
    with_supervisor = copy.deepcopy(form)
    with_supervisor["supervisors"] = supervisors(1, 0)
    assert errors_of(with_supervisor) == {"supervisors": "设审计委员会的，不设监事会或者监事（公司法第六十九条）"}
    outsider = copy.deepcopy(form)
    outsider["governance"]["audit_committee"] = [rid(date(1990, 5, 5))]
    assert errors_of(outsider) == {"governance.audit_committee": "审计委员会成员应为本公司的董事，且不重复（公司法第六十九条）"}
    sole = copy.deepcopy(EXAMPLE)
    sole["supervisors"] = []
    sole["governance"].update(supervision="audit_committee", audit_committee=[sole["directors"][0]["resident_id"]])
    assert errors_of(sole) == {"governance.audit_committee": "审计委员会设在董事会中，由董事组成（公司法第六十九条）：请选择设董事会"}


def test_art_121_a_joint_stock_audit_committee_has_three_members_mostly_without_other_posts():
    """Art. 121: 审计委员会成员为三名以上，过半数成员不得在公司担任除董事以外的其他职务."""
    form = board_form(3, supervision="audit_committee")
    form.update(company_type="joint_stock", supervisors=[])
    form["name"]["organisation_form"] = "股份有限公司"
    for holder in form["shareholders"]:
        holder["payment_due"] = TODAY.isoformat()
    form["governance"]["audit_committee"] = [p["resident_id"] for p in form["directors"][:2]]
    assert errors_of(form) == {"governance.audit_committee": "股份有限公司审计委员会成员为三名以上（公司法第一百二十一条）"}
    form["governance"]["audit_committee"] = [p["resident_id"] for p in form["directors"]]
    assert isinstance(validate_form(form, today=TODAY), ApplicationForm)


# ---- art. 178: capacity and the other grounds ------------------------------------------------------------


def test_art_178_a_minor_on_the_submission_date_is_refused_on_that_officers_field():
    """Art. 178 (一): 无民事行为能力或者限制民事行为能力 may not be a director, supervisor or senior manager."""
    seventeen = rid(TODAY.replace(year=TODAY.year - 18) + timedelta(days=1))
    form = copy.deepcopy(EXAMPLE)
    form["supervisors"][0]["resident_id"] = seventeen
    assert errors_of(form) == {"supervisors.0.resident_id":
                               "监事须具有完全民事行为能力：按身份证号码，此人在提交之日未满十八周岁（公司法第一百七十八条）"}
    # the day of the 18th birthday is the first day of full capacity
    eighteen = rid(TODAY.replace(year=TODAY.year - 18))
    form["supervisors"][0]["resident_id"] = eighteen
    assert isinstance(validate_form(form, today=TODAY), ApplicationForm)
    assert age_on(seventeen, TODAY) == 17 and age_on(eighteen, TODAY) == 18


def test_art_178_minor_director_manager_and_legal_representative_each_on_their_field():
    minor = rid(date(2010, 6, 1))
    form = copy.deepcopy(EXAMPLE)
    for section in ("legal_representative", "manager"):
        form[section]["resident_id"] = minor
    form["directors"][0]["resident_id"] = minor
    errors = errors_of(form)
    assert errors["directors.0.resident_id"].startswith("董事须具有完全民事行为能力")
    assert errors["manager.resident_id"].startswith("经理须具有完全民事行为能力")
    assert errors["legal_representative.resident_id"].startswith("法定代表人须具有完全民事行为能力")


def test_art_178_the_other_grounds_are_the_founders_declaration():
    form = copy.deepcopy(EXAMPLE)
    form["governance"]["officers_declaration"] = False
    assert list(errors_of(form)) == ["governance.officers_declaration"]
    assert "第一百七十八条" in errors_of(form)["governance.officers_declaration"]


# ---- one-person LLC: the licence type follows the shareholder --------------------------------------------


def one_person(holder: dict) -> dict:
    form = copy.deepcopy(EXAMPLE)
    form.update(company_type="one_person_llc", registered_capital=holder["subscribed_amount"], shareholders=[holder])
    return form


def test_a_one_person_llc_of_a_natural_person_is_自然人独资():
    form = validate_form(one_person(EXAMPLE["shareholders"][0]), today=TODAY)
    assert licence_type(form) == "有限责任公司（自然人独资）"


def test_a_one_person_llc_of_a_legal_person_is_法人独资_never_自然人独资():
    """企业（机构）类型代码表 1152/1153: the type follows the sole shareholder."""
    corporate = {"kind": "corporate", "name": "武汉母公司科技有限公司", "uscc": "914403001922038216",
                 "subscribed_amount": "1000000.00", "payment_due": EXAMPLE["shareholders"][0]["payment_due"]}
    assert errors_of(one_person(corporate)) == {
        "shareholders.0.natural_person_controlled":
            "法人独资的一人有限责任公司：请注明该法人股东是否为自然人投资或控股（决定营业执照上的企业类型）"}
    assert licence_type(validate_form(one_person({**corporate, "natural_person_controlled": True}), today=TODAY)) \
        == "有限责任公司（自然人投资或控股的法人独资）"
    assert licence_type(validate_form(one_person({**corporate, "natural_person_controlled": False}), today=TODAY)) \
        == "有限责任公司（非自然人投资或控股的法人独资）"
