"""The USCC and who registers: GB 32100-2015 positions 3-8 are the registering authority's division code
(shared/DOMAIN.md section 1); 股份有限公司 go to the city-level authority or above (《市场主体登记管理条例实施细则》
art. 4: 省级和设区的市级登记机关负责…股份有限公司的登记); development zones with their own authority as data."""

import itertools

from contracts import authorities
from contracts.codes import BODY_SEQUENCE_LIMIT, MA_PREFIX, is_valid_uscc, org_body_from_sequence
from services.registration.allocator import EmbeddedAllocator, allocator_from_config


def test_the_embedded_allocator_issues_ma_bodies_with_right_check_characters():
    counter = itertools.count(1)
    allocator = EmbeddedAllocator(lambda: next(counter))
    codes = [allocator.allocate("420111") for _ in range(3000)]
    assert len(set(codes)) == 3000
    assert all(is_valid_uscc(c) and c[:8] == "91420111" and c[8:10] == MA_PREFIX for c in codes)
    assert allocator.simulated is True and "SIMULATED" in EmbeddedAllocator.__doc__


def test_bodies_use_only_uscc_characters_and_refuse_past_the_counter_range():
    body = org_body_from_sequence(BODY_SEQUENCE_LIMIT - 1)
    assert body == "MAYYYYYY"
    try:
        org_body_from_sequence(BODY_SEQUENCE_LIMIT)
    except ValueError:
        pass
    else:
        raise AssertionError("a body past the range must be refused, never wrapped into a used one")


def test_an_unknown_allocator_is_a_configuration_error():
    assert isinstance(allocator_from_config({}, lambda: 1), EmbeddedAllocator)
    try:
        allocator_from_config({"USCC_ALLOCATOR": "code_centre"}, lambda: 1)
    except ValueError as refused:
        assert "embedded" in str(refused)
    else:
        raise AssertionError("no silent fallback to a simulated allocator")


def test_implementing_rules_art_4_a_joint_stock_company_is_registered_by_the_city():
    city = authorities.registering_authority("joint_stock", "420111")
    assert (city.name, city.division_code) == ("武汉市市场监督管理局", "420100")
    assert authorities.registering_authority("joint_stock", "420111", "donghu") == city


def test_an_llc_is_registered_by_its_district_or_its_development_zone():
    district = authorities.registering_authority("limited_liability", "420111")
    assert (district.name, district.division_code) == ("武汉市洪山区市场监督管理局", "420111")
    zone = authorities.registering_authority("limited_liability", "420111", "donghu")
    assert zone.name == "武汉东湖新技术开发区市场监督管理局" and zone.level == "development_zone"
    # a zone that does not cover the district is not the authority (the form refuses it on its field)
    assert authorities.registering_authority("limited_liability", "420102", "donghu") == \
        authorities.registering_authority("limited_liability", "420102")
    assert {z.zone for z in authorities.zones().values()} == {"东湖新技术开发区", "经济技术开发区", "临空港经济技术开发区"}
