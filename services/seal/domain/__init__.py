"""The seal bureau's rules (public security, 印章): pure functions, no I/O.

One seal set per application: one seal per chosen kind and medium. Electronic seals are made and filed
at once. Physical seals go through the staff queue one step at a time:

    engraving --mark_engraved--> police_filing --file_with_police--> dispatch --dispatch--> delivery
                                                                              --mark_delivered--> done

Any open physical step may be rejected instead (reasons required), which stops the physical order.
Each transition returns the new set and the events it causes; the store writes both in one update.

A revoked business licence (registration's `licence_revoked`, kept as a `Revocation` per USCC) ends
the company's seals: lookups no longer call them genuine, and nobody may engrave, file or send a
physical seal for it (claiming or completing those steps is a `Conflict`). Rejecting such a step, and
confirming the delivery of a seal already sent, stay allowed so clerks can close their queue.

The package, by concern: `model` (the aggregate and its vocabulary), `codes` (seal codes, USCC check),
`lifecycle` (made, renewed, voided; change answers, closing blockers), `steps` (the clerk steps and
the revoked-licence refusals), `events` (what changes cause, the queued steps), `refs` (its documents).
Pure: the clock's instant is passed in; task ids derive from the set (`events.queue_step`).
"""

from services.seal.domain.codes import *  # noqa: F401,F403
from services.seal.domain.events import *  # noqa: F401,F403
from services.seal.domain.lifecycle import *  # noqa: F401,F403
from services.seal.domain.model import *  # noqa: F401,F403
from services.seal.domain.refs import *  # noqa: F401,F403
from services.seal.domain.steps import *  # noqa: F401,F403
