"""The bare baseline: a chain of Nameko services that does no work, shaped like the real flow.

    submit publisher (bench process, no HTTP)          ~ gateway web: application_submitted
      -> bench_registration   (event hop A)            ~ registration: licence_issued
      -> bench_seal / bench_tax / bench_social_security (fan-out of hop B, same events as the bureaus)
      -> bench_gateway collector                       ~ gateway tracker: the timeline

Same broker, same framework (nameko run, json serializer, SERVICE_POOL handlers, confirmed publishes),
same number of hops and events, similar payload sizes; no database, no validation, no documents.
So each end-to-end figure divided by the baseline's says what our code adds to what RabbitMQ + Nameko
alone cost. Run by bench.runs.run_baseline, one `nameko run` process per class.
"""

from __future__ import annotations

import time

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import rpc

SUBMIT_SOURCE = "bench_gateway"


def _stamp(payload: dict, **extra) -> dict:
    return {"application_id": payload["application_id"], "occurred_at": time.time(), **extra}


class Registration:
    name = "bench_registration"
    dispatch = EventDispatcher()

    @event_handler(SUBMIT_SOURCE, "application_submitted")
    def on_submitted(self, payload):
        self.dispatch("licence_issued", _stamp(payload, form=payload.get("form")))

    @rpc
    def ping(self):
        return "pong"


class Seal:
    name = "bench_seal"
    dispatch = EventDispatcher()

    @event_handler("bench_registration", "licence_issued")
    def on_licence(self, payload):
        self.dispatch("seals_filed", _stamp(payload))

    @rpc
    def ping(self):
        return "pong"


class Tax:
    name = "bench_tax"
    dispatch = EventDispatcher()

    @event_handler("bench_registration", "licence_issued")
    def on_licence(self, payload):
        self.dispatch("tax_registered", _stamp(payload))
        self.dispatch("invoices_approved", _stamp(payload))

    @rpc
    def ping(self):
        return "pong"


class SocialSecurity:
    name = "bench_social_security"
    dispatch = EventDispatcher()

    @event_handler("bench_registration", "licence_issued")
    def on_licence(self, payload):
        self.dispatch("employer_registered", _stamp(payload))
        self.dispatch("employees_enrolled", _stamp(payload))

    @rpc
    def ping(self):
        return "pong"


class Collector:
    """Records when each event was emitted (occurred_at) and received; the bench reads them by RPC."""

    name = SUBMIT_SOURCE
    seen: dict[str, list] = {}

    def _record(self, payload: dict, kind: str) -> None:
        Collector.seen.setdefault(payload["application_id"], []).append(
            [kind, payload["occurred_at"], time.time()]
        )

    @event_handler("bench_registration", "licence_issued")
    def on_licence(self, payload):
        self._record(payload, "licence_issued")

    @event_handler("bench_seal", "seals_filed")
    def on_seals(self, payload):
        self._record(payload, "seals_filed")

    @event_handler("bench_tax", "tax_registered")
    def on_tax_registered(self, payload):
        self._record(payload, "tax_registered")

    @event_handler("bench_tax", "invoices_approved")
    def on_invoices(self, payload):
        self._record(payload, "invoices_approved")

    @event_handler("bench_social_security", "employer_registered")
    def on_employer(self, payload):
        self._record(payload, "employer_registered")

    @event_handler("bench_social_security", "employees_enrolled")
    def on_enrolled(self, payload):
        self._record(payload, "employees_enrolled")

    @rpc
    def count(self):
        return sum(1 for events in Collector.seen.values() if len(events) >= 6)

    @rpc
    def results(self):
        return Collector.seen

    @rpc
    def reset(self):
        Collector.seen = {}

    @rpc
    def ping(self):
        return "pong"


CLASSES = {
    "bench_registration": "Registration",
    "bench_seal": "Seal",
    "bench_tax": "Tax",
    "bench_social_security": "SocialSecurity",
    "bench_gateway": "Collector",
}
EVENT_QUEUES = 1 + 1 + 1 + 1 + 6  # event handlers across the chain, each its own queue
