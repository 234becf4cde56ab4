"""The entrypoints every bureau answers the same way, as mixins (like kit.clerk.ClerkRpc): a service
inherits the RPC or handler and defines a small hook. Import the module, not the classes: `nameko run
<module>` takes every class in the module's namespace that has entrypoints for a service of its own.

    class SealService(entrypoints.BureauEntrypoints, clerk.ClerkRpc):
        def document_desk(self) -> DocumentDesk: ...   # list_documents, get_document
        # health: health_checks(); licence_revoked: record_revocation(event); both have a default

- `DocumentRpc`: `list_documents(application_id)` and `get_document(application_id, name)`, each refused
  unless the caller owns the application (kit.owners.owned); the bureau's desk lists and renders.
- `HealthRpc`: the public `health()`, one answer for every bureau (kit.mongo.health_view, contracts.rpc.Health):
  the store pinged, plus the named checks a bureau with a real extra dependency returns from
  `health_checks()` (seal: its font). A bureau cannot word its own answer: defining `health_report` or
  `health` is refused at import, so the gateway and the container probes read every bureau alike.
- `RevocationHandler`: the durable `licence_revoked` handler (kit.events: requeued on a passing failure,
  acknowledged once the handler has returned, i.e. after the record is written); the default records
  the revocation once per USCC (kit.revocations). A bureau that does more overrides
  `record_revocation(event)` and calls super() for the record.

Nameko collects entrypoints with `inspect.getmembers` over the service class, so the decorated methods
here are found on every subclass and bound to the subclass's own name: the handler's queue stays
`evt-registration-licence_revoked--<bureau>.on_licence_revoked`, as when each bureau wrote it. A subclass
that defined one of these names again would silently replace the entrypoint with a plain method (no
queue, no RPC): `__init_subclass__` refuses that at import.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from contracts import clock
from contracts.events import Event, parse_event
from contracts.revocation import Revocation
from contracts.rpc import OneStopError
from kit.events import durable_handler
from kit.mongo import health_view
from kit.owners import owned
from kit.queues import rpc


def keep_entrypoints(cls: type, mixin: str, names: tuple[str, ...], hook: str) -> None:
    redefined = [n for n in names if n in cls.__dict__]
    if redefined:
        raise TypeError(f"{cls.__name__} redefines {', '.join(redefined)}, which {mixin} provides: "
                        f"define {hook} instead")


class DocumentDesk(Protocol):
    """What a bureau's documents RPCs need: the application's document refs, and one document as issued."""

    def list(self, application_id: str) -> list[dict]: ...
    def get(self, application_id: str, name: str) -> dict: ...


class Desk:
    """A DocumentDesk made of two functions, for a bureau whose use cases already are such functions."""

    def __init__(self, list_documents: Callable[[str], list[dict]], get_document: Callable[[str, str], dict]):
        self.list, self.get = list_documents, get_document


class DocumentRpc:

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keep_entrypoints(cls, "DocumentRpc", ("list_documents", "get_document"), "document_desk()")

    def document_desk(self) -> DocumentDesk:  # pragma: no cover - each bureau defines it
        raise NotImplementedError

    @rpc(expected_exceptions=OneStopError)
    @owned("application_id")
    def list_documents(self, application_id: str) -> list[dict]:
        return self.document_desk().list(application_id)

    @rpc(expected_exceptions=OneStopError)
    @owned("application_id")
    def get_document(self, application_id: str, name: str) -> dict:
        return self.document_desk().get(application_id, name)


class HealthRpc:

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keep_entrypoints(cls, "HealthRpc", ("health", "health_report"), "health_checks()")

    def health_checks(self) -> Mapping[str, Callable[[], str]]:
        """The bureau's own checks by name, each answering "ok" or what is wrong; none by default."""
        return {}

    def health_report(self) -> dict:
        """The store pinged and the bureau's checks: "ok", or "degraded" naming what failed (never raised)."""
        return health_view(self.name, self.store.ping, self.health_checks())  # type: ignore[attr-defined]

    @rpc(expected_exceptions=OneStopError, public=True)
    def health(self) -> dict:
        return self.health_report()


class RevocationHandler:
    # when the revocation was recorded; a bureau whose store keeps another precision sets its own
    revocation_clock: Callable[[], datetime] = staticmethod(clock.now)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        keep_entrypoints(cls, "RevocationHandler", ("on_licence_revoked",), "record_revocation(event)")

    def record_revocation(self, event: Event | Any) -> None:
        """Kept once per USCC: a redelivered event finds the first record standing (kit.revocations)."""
        self.store.revocations.record(Revocation.of(event, self.revocation_clock()))  # type: ignore[attr-defined]

    @durable_handler("registration", "licence_revoked")
    def on_licence_revoked(self, payload: dict) -> None:
        self.record_revocation(parse_event("registration", payload))


class BureauEntrypoints(DocumentRpc, HealthRpc, RevocationHandler):
    """The three together: what every bureau that records revocations (all but registration) inherits."""
