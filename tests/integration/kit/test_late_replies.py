"""A call that gave up (RpcTimeout) and whose reply comes later: the proxy acknowledges and drops that
reply. nameko's polling consumer kept it in memory unacknowledged for the life of the connection, so the
broker counted the gateway's reply queue as busy for ever (the crash-and-replay test saw it: a bureau
killed mid-call answers after its restart) and a long-lived web process leaked one reply per timeout."""

import eventlet
import pytest
from nameko.exceptions import RpcTimeout

from kit.queues import cluster_proxy, rpc

pytestmark = pytest.mark.integration


class Slow:
    name = "slow_bureau"

    @rpc(public=True)  # called as guest by the test's proxy (kit/callers.py)
    def answer(self, seconds: float) -> str:
        eventlet.sleep(seconds)
        return f"after {seconds}"


def test_a_reply_after_the_timeout_is_acknowledged_and_dropped(container_factory, rabbit_config, rabbit_manager):
    container = container_factory(Slow, rabbit_config)
    container.start()
    with cluster_proxy(rabbit_config, timeout=0.5) as proxy:
        with pytest.raises(RpcTimeout):
            proxy.slow_bureau.answer(1.5)
        eventlet.sleep(1.5)  # the late reply is in the reply queue now
        assert proxy.slow_bureau.answer(0) == "after 0"  # the next call reads past it
        consumer = proxy._reply_listener.queue_consumer
        assert consumer.replies == {}  # nothing kept for a call nobody waits for
        vhost = rabbit_config["AMQP_URI"].rsplit("/", 1)[1]
        replies = [q for q in rabbit_manager.get_queues(vhost) if q["name"].startswith("rpc.reply-")]
        assert replies and all(q.get("messages_unacknowledged", 0) == 0 for q in replies)
