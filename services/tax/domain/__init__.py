"""The tax bureau's rules: registration, invoice approval, invoice arithmetic and what a licence
revocation stops (no new invoices, no approving invoice use; reversing and viewing stay allowed). Pure: no I/O.

Money is `Decimal` at the edges and integer fen (分) wherever it must move atomically in the database.
Every function here takes its clock as an argument so the rules can be tested without waiting.

The package, by concern: `money` (vocabulary, fen, amounts in words), `registration` (with `realname`,
the real-name check), `approval` (the clerk task), `invoices` (with `rates`, the VAT rates table as a
value, and `redletter`, what a red-letter invoice may reverse), `events` (announcements, closing
blockers), `declarations` (the 纳税申报 periods a company owes, what a closing finds missing). What the
RPCs return is services/tax/views.py. The day of issue, the office table
(services/tax/offices.py) and the VAT rates table (services/tax/rates.py) are given; the task id derives
from the application.
"""

from services.tax.domain import declarations, realname, redletter  # noqa: F401 - by module: their names are generic
from services.tax.domain.approval import *  # noqa: F401,F403
from services.tax.domain.events import *  # noqa: F401,F403
from services.tax.domain.invoices import *  # noqa: F401,F403
from services.tax.domain.money import *  # noqa: F401,F403
from services.tax.domain.rates import AllowedRates, VatRates  # noqa: F401
from services.tax.domain.registration import *  # noqa: F401,F403
