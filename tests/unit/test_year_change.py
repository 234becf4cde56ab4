"""Numbers and periods that embed the year, across midnight of 31 December in Beijing (16:00 UTC):
they change with the Chinese year, not the UTC one, and stay unique and well-formed."""

from datetime import UTC, datetime, timedelta

import pytest

from contracts import clock
from gateway.stats import bucket
from services.housing_fund import domain as housing_fund
from services.social_security import domain as social_security
from services.tax import domain as tax
from services.tax.rates import vat_rates

LAST_SECOND_2026 = datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Beijing
FIRST_SECOND_2027 = LAST_SECOND_2026 + timedelta(seconds=1)


def test_invoice_numbers_take_the_chinese_year_and_a_counter_per_year():
    channel = vat_rates().issuing_channel
    before = tax.format_invoice_number(LAST_SECOND_2026, 99, channel)
    after = tax.format_invoice_number(FIRST_SECOND_2027, 1, channel)
    assert before.startswith("2642") and after.startswith("2742") and len(before) == len(after) == 20
    # the sequence restarts in a counter of its own: the year prefix keeps the numbers unique
    assert tax.number_counter_key(LAST_SECOND_2026) != tax.number_counter_key(FIRST_SECOND_2027)
    assert tax.month_key(LAST_SECOND_2026) == "2026-12" and tax.month_key(FIRST_SECOND_2027) == "2027-01"


@pytest.mark.parametrize("moment, year", [(LAST_SECOND_2026, 2026), (FIRST_SECOND_2027, 2027)])
def test_employer_numbers_and_housing_fund_accounts_take_the_chinese_year(moment, year):
    day = social_security.local_today(moment)
    assert day.year == year
    number = social_security.employer_number("420111", day.year, 1)
    assert number == f"420111{year}000001" and len(number) == 16
    # the housing-fund centre numbers its units by the year in China too (workflow.open_unit: china_date)
    assert clock.china_date(moment).year == year
    assert housing_fund.unit_account("420111", clock.china_date(moment).year, 1) == f"GJJ420111{year % 100}000001"


def test_a_running_process_moves_into_the_new_year_by_its_clock():
    with clock.using(clock.fixed_at(LAST_SECOND_2026)):
        assert clock.china_today().isoformat() == "2026-12-31"
    with clock.using(clock.fixed_at(FIRST_SECOND_2027)):
        assert clock.china_today().isoformat() == "2027-01-01"


def test_stats_weeks_follow_iso_years_across_new_year():
    assert bucket(LAST_SECOND_2026, "week") == "2026-W53"  # Thursday 31 December 2026
    assert bucket(FIRST_SECOND_2027, "week") == "2026-W53"  # Friday 1 January 2027: still ISO week 53
    assert bucket(datetime(2027, 1, 4, 2, tzinfo=UTC), "week") == "2027-W01"
    assert bucket(FIRST_SECOND_2027, "month") == "2027-01" and bucket(FIRST_SECOND_2027, "day") == "2027-01-01"
