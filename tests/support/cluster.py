"""A private 3-node RabbitMQ cluster on this machine, for tests that lose a broker node.

    with PrivateCluster(3) as cluster:              # three PrivateRabbit nodes, joined with join_cluster
        cluster.amqp_base                          # "pyamqp://...:p1/;pyamqp://...:p2/;..." (failover)
        victim = cluster.leader_of_most(vhost)     # the node leading most quorum queues
        victim.kill()                              # SIGKILL of that node's VM only
        victim.start()                             # same data directory: it rejoins the cluster
        cluster.forget(victim)                     # or: gone for good, removed from the cluster

Every node has its own node name, AMQP, management and distribution ports and data directory; they
share the Erlang cookie of the `rabbitmq` user (Debian's scripts run every node and `rabbitmqctl` as
that user), which is what lets them cluster. The shared broker on 5672/15672 is never touched.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from kit.brokers import join
from tests.support.rabbit import PrivateRabbit


class PrivateCluster:
    def __init__(self, size: int = 3):
        stem = f"qq{os.getpid()}x{int(time.time() * 1000) % 100000}"
        self.nodes = [PrivateRabbit(name=f"{stem}n{i}") for i in range(size)]
        self.forgotten: list[PrivateRabbit] = []

    @property
    def members(self) -> list[PrivateRabbit]:
        return [n for n in self.nodes if n not in self.forgotten]

    @property
    def amqp_base(self) -> str:
        return join([n.amqp_uri for n in self.members])

    def live(self) -> list[PrivateRabbit]:
        return [n for n in self.members if n.running]

    def ctl_uri(self, avoid: PrivateRabbit | None = None) -> str:
        return next(n.ctl_uri for n in self.live() if n is not avoid)

    def start(self) -> PrivateCluster:
        with ThreadPoolExecutor(len(self.nodes)) as pool:  # the nodes boot in parallel
            list(pool.map(lambda n: n.start(), self.nodes))
        seed = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("reset")
            node.ctl("join_cluster", seed.node)
            node.ctl("start_app")
        running = self.running_nodes(seed)
        assert running == {n.node for n in self.nodes}, running
        return self

    def running_nodes(self, via: PrivateRabbit) -> set[str]:
        out = via.ctl("eval", "rabbit_nodes:all_running().", timeout=30)
        return {part.strip(" '[]\n") for part in out.split(",") if "@" in part}

    def leaders(self, vhost: str) -> dict[str, str]:
        """{quorum queue: node leading it}."""
        via = self.live()[0]
        out = via.ctl("list_queues", "-p", vhost, "name", "type", "leader", "--quiet", "--no-table-headers")
        rows = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == "quorum":
                rows[parts[0]] = parts[2]
        return rows

    def leader_of_most(self, vhost: str) -> PrivateRabbit:
        counts = Counter(self.leaders(vhost).values())
        name = counts.most_common(1)[0][0]
        return next(n for n in self.nodes if n.node == name)

    def forget(self, node: PrivateRabbit) -> None:
        """A node lost for good: remove it from the cluster (and from every quorum queue's members)."""
        via = next(n for n in self.live() if n is not node)
        via.ctl("forget_cluster_node", node.node, timeout=120)
        self.forgotten.append(node)

    def close(self) -> None:
        for node in self.nodes:
            node.close()

    def __enter__(self) -> PrivateCluster:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()
