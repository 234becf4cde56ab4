"""The market regulator's rules (市场监督管理局): pure functions, no I/O.

`workflow.py` feeds them the stored case and the name register's candidates and writes what they
return; `views.py` shapes what the RPCs answer. By concern: `review` (automatic or clerk path, the
case states), `licence` (the licence, its authority and USCC), `task` (the clerk's review task and
actions), `outcome` (what one review writes: the case's fields and events), `names` (a name's parts, problems and the comparison with register entries; the word lists
read from data/ stay in services/registration/names.py). Pure: the clock's instant is passed in, the
USCC's counter value too.
"""

from services.registration.domain.licence import *  # noqa: F401,F403
from services.registration.domain.names import *  # noqa: F401,F403
from services.registration.domain.outcome import *  # noqa: F401,F403
from services.registration.domain.review import *  # noqa: F401,F403
from services.registration.domain.task import *  # noqa: F401,F403
