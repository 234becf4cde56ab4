"""Social-insurance rules (社会保险法, 住房公积金管理条例) as pure functions: no I/O, no broker.

Numbers: the formats are OUR convention (DOMAIN.md §13); each lives in exactly one function so a
bureau can change it in one place. Money is Decimal, rounded ROUND_HALF_UP to the fen per insurance
kind and party; totals are sums of the rounded amounts, which is what a payslip shows.

A revoked licence (营业执照被吊销) stops what would grow the company here: no new insured staff and no
clerk approval of a pending registration or enrolment (`REFUSED_WHEN_REVOKED`). Winding down stays
open, since the people insured keep their rights: ending employment, contributions owed, the
certificate, and a clerk rejecting a pending task.

The package, by concern: `numbers` (vocabulary, numbers, ids), `enrolment` (days, months, screening),
`contributions` (and the revoked-licence refusals), `answers` (change answers, closing blockers), `records` (the stored employer and enrolment),
`tasks` (the stored clerk task). What the RPCs return is services/social_security/views.py; the
figures (policy.py, injury.py) are read at the edge and passed in.
"""

from services.social_security.domain.answers import *  # noqa: F401,F403
from services.social_security.domain.contributions import *  # noqa: F401,F403
from services.social_security.domain.enrolment import *  # noqa: F401,F403
from services.social_security.domain.numbers import *  # noqa: F401,F403
from services.social_security.domain.records import *  # noqa: F401,F403
from services.social_security.domain.tasks import *  # noqa: F401,F403
