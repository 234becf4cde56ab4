"""The tax bureau's rules: registration, invoice approval, invoice arithmetic and what a licence
revocation stops (no new invoices, no approving invoice use; reversing and viewing stay allowed). Pure: no I/O.

Money is `Decimal` at the edges and integer fen (分) wherever it must move atomically in the database.
Every function here takes its clock as an argument so the rules can be tested without waiting.

The package, by concern: `money` (vocabulary, fen, amounts in words), `registration`, `approval` (the
clerk task), `invoices` (and red-letter invoices), `events` (announcements, closing blockers). What
the RPCs return is services/tax/views.py. The day of issue and the office table (services/tax/offices.py) are
given, the task id derives from the application; not pure yet: the VAT rates are read from
services/tax/data by services/tax/rates.py, which invoices.py imports.
"""

from services.tax.domain.approval import *  # noqa: F401,F403
from services.tax.domain.events import *  # noqa: F401,F403
from services.tax.domain.invoices import *  # noqa: F401,F403
from services.tax.domain.money import *  # noqa: F401,F403
from services.tax.domain.registration import *  # noqa: F401,F403
