"""A bureau on the real RabbitMQ with a watcher beside it: what its integration tests share.

    Watcher = watcher("bank", on_reserved="bank_account_reserved", on_opened="account_opened")

    @pytest.fixture
    def bank(container_factory, service_config):
        return started(container_factory, service_config, BankService, Watcher)

`Watcher` stands in for the gateway's tracker: each of its handlers appends the payload it received to
`Watcher.seen` (emptied when `started` starts it), and is a name for `entrypoint_waiter`.
"""

from __future__ import annotations

from nameko.events import event_handler
from nameko.testing.services import entrypoint_waiter

from contracts.rpc import register_remote_errors
from tests.support.events import as_published


def watcher(source: str, **handlers: str) -> type:
    """A Nameko service named "watcher" recording the events of `source`: method name -> event type."""

    def recording(event_type: str, method: str):
        def record(self, payload):
            type(self).seen.append(payload)

        record.__name__ = record.__qualname__ = method
        return event_handler(source, event_type)(record)

    body = {"name": "watcher", "seen": [], **{m: recording(t, m) for m, t in handlers.items()}}
    return type("Watcher", (), body)


def started(container_factory, config: dict, service_cls: type, watcher_cls: type) -> tuple:
    """The bureau's container and its watcher, both started; the bureau's typed errors registered."""
    watcher_cls.seen = []
    container = container_factory(service_cls, config)
    watching = container_factory(watcher_cls, config)
    container.start()
    watching.start()
    register_remote_errors()
    return container, watching


def publish(config: dict, event, container, wait_for: str = "on_licence_issued") -> None:
    """Publish `event` as registration would and wait until the bureau's `wait_for` handler is done."""
    with entrypoint_waiter(container, wait_for):
        as_published(config)("registration", event.type, event.model_dump(mode="json"))
