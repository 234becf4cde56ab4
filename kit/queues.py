"""The queues OneStop declares, classic or quorum, and the dead-letter queue behind them.

Nameko declares every queue itself (`rpc-<service>`, `evt-<source>-<type>--<service>.<method>`, the
reply queues of RPC proxies) with no `x-queue-type`, so on a RabbitMQ cluster each one would be a
classic queue living on one node. Here the same entrypoints declare their queues from config:

    QUEUE_TYPE: ${ONESTOP_QUEUE_TYPE:classic}     # or quorum: replicated over the cluster (Raft)
    DELIVERY_LIMIT: ${ONESTOP_DELIVERY_LIMIT:100}  # quorum only: deliveries before a message is dead-lettered

With `quorum` every durable queue gets `x-queue-type: quorum`, `x-delivery-limit` (the broker counts
redeliveries, including those after a consumer crashed) and a dead-letter exchange: a poison message
ends in the queue `onestop.dead-letter`, where `onestop dead-letters` lists and replays it. With
`classic` the declarations are exactly nameko's (so an existing broker keeps working) and an
unprocessable event is logged and dropped. Reply queues are exclusive classic queues either way: they
belong to one connection and die with it (`ExclusiveReplyListener`, used by the gateway's RPC pool).

Services use `kit.queues.rpc` instead of `nameko.rpc.rpc`, and `kit.events.durable_handler` for events.
"""

from __future__ import annotations

import logging
import uuid

from kombu import Exchange, Queue
from nameko.events import EventHandler
from nameko.rpc import (
    RPC_QUEUE_TEMPLATE,
    RPC_REPLY_QUEUE_TEMPLATE,
    Rpc,
    RpcConsumer,
    ServiceProxy,
    get_rpc_exchange,
)
from nameko.standalone.rpc import (
    ClusterProxy,
    ClusterRpcProxy,
    PollingQueueConsumer,
    SingleThreadedReplyListener,
    StandaloneProxyBase,
)

from contracts import sharing
from contracts.rpc import Forbidden
from kit import callers
from kit.brokers import connection, user_of
from kit.deadletters import DEAD_LETTER_QUEUE

log = logging.getLogger(__name__)

QUEUE_TYPE_KEY = "QUEUE_TYPE"
DELIVERY_LIMIT_KEY = "DELIVERY_LIMIT"
QUEUE_TYPES = ("classic", "quorum")
DEFAULT_DELIVERY_LIMIT = 100
DEAD_LETTER_EXCHANGE = "onestop.dead-letter"


def queue_type(config: dict) -> str:
    value = str(config.get(QUEUE_TYPE_KEY) or "classic").strip().lower()
    if value not in QUEUE_TYPES:
        raise ValueError(f"ONESTOP_QUEUE_TYPE must be one of {', '.join(QUEUE_TYPES)}, not {value!r}")
    return value


def delivery_limit(config: dict) -> int:
    return int(config.get(DELIVERY_LIMIT_KEY) or DEFAULT_DELIVERY_LIMIT)


def quorum(config: dict) -> bool:
    return queue_type(config) == "quorum"


def durable_arguments(config: dict) -> dict | None:
    """The `x-` arguments of a durable work queue (None: nameko's classic queue, unchanged)."""
    if not quorum(config):
        return None
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit(config),
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        # the dead-lettered copy is confirmed by the dead-letter queue before the original goes
        # (RabbitMQ 3.10+; needs reject-publish overflow)
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def dead_letter_exchange() -> Exchange:
    return Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True)


def dead_letter_queue() -> Queue:
    # quorum too: what was dead-lettered must survive the loss of a node as well
    return Queue(DEAD_LETTER_QUEUE, exchange=dead_letter_exchange(), durable=True,
                 queue_arguments={"x-queue-type": "quorum"})


def declare_dead_letter(amqp_uri: str) -> None:
    """The dead-letter exchange and its queue (idempotent; every quorum consumer does it at setup)."""
    with connection(amqp_uri) as conn:
        conn.ensure_connection(max_retries=5)
        with conn.channel() as channel:
            dead_letter_queue()(channel).declare()


_declared: set[str] = set()


def _ensure_dead_letter(config: dict) -> None:
    uri = config["AMQP_URI"]
    if uri not in _declared:  # once per process and broker
        declare_dead_letter(uri)
        _declared.add(uri)


# ---- RPC -----------------------------------------------------------------------------------------


class QueueTypedRpcConsumer(RpcConsumer):
    """nameko's RpcConsumer, declaring `rpc-<service>` with the configured queue type."""

    def setup(self):
        if self.queue is None:
            config = self.container.config
            arguments = durable_arguments(config)
            if arguments:
                _ensure_dead_letter(config)
            service_name = self.container.service_name
            self.queue = Queue(RPC_QUEUE_TEMPLATE.format(service_name), exchange=get_rpc_exchange(config),
                               routing_key=f"{service_name}.*", durable=True, queue_arguments=arguments)
            self.queue_consumer.register_provider(self)
            self._registered = True


class QueueTypedRpc(Rpc):
    """An RPC entrypoint that also knows its caller (kit/callers.py): restricted unless `public=True`."""

    rpc_consumer = QueueTypedRpcConsumer()

    def __init__(self, public: bool = False, **kwargs):
        self.public = public
        super().__init__(**kwargs)

    def handle_message(self, body, message):
        config, service = self.container.config, self.container.service_name
        user_id = message.properties.get("user_id")
        if not callers.allowed(config, service, user_id, self.public):
            log.warning("refused %s.%s from broker user %r", service, self.method_name, user_id)
            refusal = Forbidden(f"调用方无权调用 {service}.{self.method_name}")
            self.rpc_consumer.handle_result(message, None, (Forbidden, refusal, None))
            return
        super().handle_message(body, message)

    def unpack_message_headers(self, message):
        data = super().unpack_message_headers(message)
        config, service = self.container.config, self.container.service_name
        caller = callers.caller_process(config, service, message.properties.get("user_id"))
        data.pop(callers.CALLER, None)  # a header of that name is the caller's say-so, not the broker's
        if caller is not None:
            data[callers.CALLER] = caller
        if caller not in callers.TRUSTED:
            data.pop(callers.PRINCIPAL, None)  # only the gateway vouches for a logged-in person
        if not self.public:  # the access audit: which process asked for whom (ids only, no personal data)
            log.info("rpc %s.%s", service, self.method_name,
                     extra={"caller": caller, "principal": data.get(callers.PRINCIPAL)})
        return data


rpc = QueueTypedRpc.decorator


# ---- events --------------------------------------------------------------------------------------


class DeadLetter(Exception):
    """Raised by a handler for a message that can never be processed: on quorum queues it goes to the
    dead-letter queue (rejected without requeue), on classic queues it is acknowledged and dropped."""


class QueueTypedEventHandler(EventHandler):
    """nameko's EventHandler with the configured queue type; a `DeadLetter` is rejected, not requeued."""

    def setup(self):
        super().setup()  # builds self.queue (name, exchange, flags) and registers with the consumer
        # a broad event comes as this consumer's own copy (contracts/sharing.py): bound to its key only
        self.queue.routing_key = sharing.routing_key(self.source_service, self.event_type,
                                                     self.container.service_name)
        arguments = durable_arguments(self.container.config)
        if arguments and self.queue.durable and not (self.queue.exclusive or self.queue.auto_delete):
            _ensure_dead_letter(self.container.config)
            self.queue.queue_arguments = {**(self.queue.queue_arguments or {}), **arguments}

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and isinstance(exc_info[1], DeadLetter):
            if quorum(self.container.config):
                reject(message)
            else:
                self.queue_consumer.ack_message(message)
            return
        super().handle_message_processed(message, result, exc_info)


def reject(message) -> None:
    """Reject without requeue: the broker dead-letters it. A lost connection means the broker has the
    message back already (and redelivers it)."""
    if message.channel.connection:
        try:
            message.reject(requeue=False)
        except (ConnectionError, OSError) as exc:
            log.warning("reject failed, the broker connection is gone (%s)", exc)


def delivery_count(message) -> int:
    """How often the broker delivered this message before (quorum queues count; classic: 0 or 1)."""
    headers = getattr(message, "headers", None) or {}
    count = headers.get("x-delivery-count")
    if isinstance(count, int):
        return count
    return 1 if message.delivery_info.get("redelivered") else 0


# ---- reply queues ---------------------------------------------------------------------------------


class LateReplyDroppingConsumer(PollingQueueConsumer):
    """nameko's polling reply consumer, except that a reply nobody waits for any more is acknowledged and
    dropped. nameko keeps such a reply (a call that gave up with RpcTimeout, answered later by a bureau
    that was slow or restarted) in memory unacknowledged for the life of the connection: a leak, and a
    message the broker counts as in flight for ever."""

    def on_message(self, body, message):
        if message.properties.get("correlation_id") not in self.provider._reply_events:
            message.ack()
            log.info("dropped a reply that arrived after its call had given up")
            return
        super().on_message(body, message)


class ExclusiveReplyListener(SingleThreadedReplyListener):
    """The standalone proxy's reply queue, exclusive to its connection (nameko's is durable with an
    expiry, so a default queue type of quorum would make it a replicated queue for nothing). When the
    node holding it goes away the connection goes too and the caller gets a fresh proxy."""

    def __init__(self, timeout=None):
        super().__init__(timeout=timeout)
        self.queue_consumer = LateReplyDroppingConsumer(timeout=timeout)

    def setup(self):
        reply_queue_uuid = uuid.uuid4()
        self.routing_key = str(reply_queue_uuid)
        # named after the broker user, whose permissions reach `rpc.reply-<user>-*` only (kit/broker_users.py)
        owner = user_of(self.container.config.get("AMQP_URI", "")) or self.container.service_name
        self.queue = Queue(
            RPC_REPLY_QUEUE_TEMPLATE.format(owner, reply_queue_uuid),
            exchange=get_rpc_exchange(self.container.config), routing_key=self.routing_key,
            durable=False, exclusive=True, auto_delete=True, queue_arguments={"x-queue-type": "classic"},
        )
        self.queue_consumer.register_provider(self)


class _IdentifiedClusterProxy(ClusterProxy):
    """nameko's cluster proxy whose calls carry the AMQP `user_id` (validated by the broker)."""

    def __init__(self, worker_ctx, reply_listener, user_id: str | None):
        super().__init__(worker_ctx, reply_listener)
        self._options = {"user_id": user_id} if user_id else {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._proxies:
            self._proxies[name] = ServiceProxy(self._worker_ctx, name, self._reply_listener, **self._options)
        return self._proxies[name]


class IdentifiedClusterRpcProxy(ClusterRpcProxy):
    """A ClusterRpcProxy with an exclusive reply queue whose calls say who sends them, and whose
    `context_data` (e.g. `principal`, kit/callers.py) the lender may set before each call."""

    def __init__(self, config: dict, timeout: float | None = None):
        StandaloneProxyBase.__init__(self, config, context_data={}, timeout=timeout,
                                     reply_listener_cls=ExclusiveReplyListener)
        self._proxy = _IdentifiedClusterProxy(self._worker_ctx, self._reply_listener,
                                              user_of(config.get("AMQP_URI", "")))

    @property
    def context_data(self) -> dict:
        return self._worker_ctx.data


def cluster_proxy(config: dict, timeout: float | None = None) -> ClusterRpcProxy:
    """nameko's ClusterRpcProxy with an exclusive reply queue, identified by its broker user."""
    return IdentifiedClusterRpcProxy(config, timeout=timeout)
