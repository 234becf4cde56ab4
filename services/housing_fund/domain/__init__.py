"""The housing-fund centre's rules (住房公积金管理中心): pure functions, no I/O (clock, ids, figures and
account numbers are handed in).

One `Unit` per application: the unit's deposit registration (单位缴存登记) with the rates the founder
chose on the form (unit and employee each 5-12 %), and one personal account (个人账户) per employee.
住房公积金管理条例 art. 14/15: a new unit registers within 30 days of its establishment and opens its
staff's accounts within 20 days; a later hire within 30 days of the employment.

The deposit base is the employee's monthly wage, held between the period's floor and its ceiling
(3x the city's average monthly wage of the previous year, services/housing_fund/figures.py). A unit
whose district has no figures at all goes to a clerk (`deposit_registration`), who approves once the
figures are there, or refuses with reasons.

Personal account numbers are the unit account + a 4-digit sequence kept inside the unit, so they are
allocated by the same compare-and-set write that opens the account: never one number twice.

The package, by concern: `numbers` (vocabulary, account numbers, money), `model` (the unit),
`registration` (on licence_issued; change answers, closing blockers), `staff` (later hires and
leavers), `decision` (the clerk's task). What the RPCs return is services/housing_fund/views.py.
"""

from services.housing_fund.domain.decision import *  # noqa: F401,F403
from services.housing_fund.domain.model import *  # noqa: F401,F403
from services.housing_fund.domain.numbers import *  # noqa: F401,F403
from services.housing_fund.domain.registration import *  # noqa: F401,F403
from services.housing_fund.domain.staff import *  # noqa: F401,F403
