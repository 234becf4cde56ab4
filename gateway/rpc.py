"""Calling bureaus from the (not monkey-patched) web process.

A nameko `ClusterRpcProxy` is not thread-safe (a shared one hangs), so the pool lends one started proxy
to one thread at a time. Each call has a timeout; a proxy that timed out or lost its connection is
thrown away, because a late reply could still arrive on its reply queue.

Every call carries the web process's broker user (validated by the broker) and, during a request, the
authenticated principal (kit/callers.py): `PrincipalScope` gives each request a box that the account
service fills when it resolves a token (`vouch`), shared by the threads FastAPI runs the request on.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

from amqp.exceptions import AMQPError
from kombu.exceptions import OperationalError
from nameko.exceptions import RpcTimeout, UnknownService

from contracts.rpc import Unavailable
from kit.callers import PRINCIPAL
from kit.queues import cluster_proxy

log = logging.getLogger(__name__)

# RuntimeError: nameko's standalone proxy says "This consumer has been disconnected" when its broker
# connection dropped before the call (a node of the cluster went away): a new proxy fails over.
# AMQPError: e.g. RESOURCE_LOCKED when a reply queue is redeclared on a node the cluster just failed over to
_BROKEN = (RpcTimeout, UnknownService, OperationalError, OSError, RuntimeError, AMQPError)


# a dict per request (the same object in every copy of the request's context, so a dependency run on
# a worker thread can fill it for the endpoint run on another)
_principal: contextvars.ContextVar[dict | None] = contextvars.ContextVar("onestop_principal", default=None)


def vouch(role: str, account_id: str) -> None:
    """The request's caller is this logged-in account: bureau calls made for it say so."""
    box = _principal.get()
    if box is not None:
        box[PRINCIPAL] = f"{role}:{account_id}"


def current_principal() -> str | None:
    box = _principal.get()
    return box.get(PRINCIPAL) if box else None


class PrincipalScope:
    """ASGI middleware: a fresh principal box for every HTTP request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        token = _principal.set({})
        try:
            await self.app(scope, receive, send)
        finally:
            _principal.reset(token)


class Bureaus(Protocol):
    """What the service layer needs: call `service.method(*args)` and get JSON back or a typed error."""

    def call(self, service: str, method: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any: ...


class RpcPool:
    def __init__(self, config: dict, timeout: float, size: int = 16,
                 factory: Callable[[dict, float], Any] | None = None):
        self.config = config
        self.timeout = timeout
        self.size = size
        self._factory = factory or cluster_proxy
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()

    def call(self, service: str, method: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        if not self._slots.acquire(timeout=timeout or self.timeout):
            raise Unavailable("网关繁忙，请稍后再试")
        try:
            runner, proxy = self._checkout(timeout)
            context = getattr(runner, "context_data", None)
            if context is not None:  # a pooled proxy: this call's principal only, never the last one's
                context.pop(PRINCIPAL, None)
                principal = current_principal()
                if principal:
                    context[PRINCIPAL] = principal
            try:
                result = getattr(getattr(proxy, service), method)(*args, **kwargs)
            except _BROKEN as exc:
                self._discard(runner)
                log.warning("rpc %s.%s failed: %s", service, method, type(exc).__name__)
                raise Unavailable(f"{service} 暂时无法响应，请稍后再试") from exc
            except BaseException:
                self._idle.put((runner, proxy))  # a typed error: the proxy is still good
                raise
            self._idle.put((runner, proxy))
            return result
        finally:
            self._slots.release()

    def _checkout(self, timeout: float | None) -> tuple[Any, Any]:
        wanted = timeout or self.timeout
        try:
            runner, proxy = self._idle.get_nowait()
            if getattr(runner, "_timeout", wanted) == wanted:
                return runner, proxy
            self._discard(runner)
        except queue.Empty:
            pass
        runner = self._factory(self.config, wanted)
        runner._timeout = wanted
        try:
            return runner, runner.start()
        except _BROKEN as exc:
            raise Unavailable("消息服务暂时无法连接，请稍后再试") from exc

    def _discard(self, runner: Any) -> None:
        try:
            runner.stop()
        except Exception:  # a dead connection may fail to close: it is gone either way
            log.debug("closing a broken rpc proxy failed", exc_info=True)

    def close(self) -> None:
        while True:
            try:
                runner, _ = self._idle.get_nowait()
            except queue.Empty:
                return
            self._discard(runner)
