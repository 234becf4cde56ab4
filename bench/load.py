"""Open-loop load: submissions start on a fixed schedule, whatever earlier ones are doing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator


def schedule(n: int, rate: float, start: float) -> list[float]:
    """Monotonic start times for n submissions at `rate` per second from `start`."""
    return [start + i / rate for i in range(n)]


def paced(n: int, rate: float) -> Iterator[int]:
    """Yield 0..n-1, sleeping so that item i is released at i/rate seconds after the first."""
    for i, due in enumerate(schedule(n, rate, time.monotonic())):
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield i


async def paced_async(n: int, rate: float, submit: Callable[[int], Awaitable[None]]) -> None:
    """Start submit(i) at i/rate seconds, each as its own task, and wait for all of them."""
    tasks = []
    for i, due in enumerate(schedule(n, rate, time.monotonic())):
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(submit(i)))
    await asyncio.gather(*tasks)
