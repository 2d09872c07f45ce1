"""Graph calls run side by side on one long-lived pool of threads per process.

Starting fresh threads for each request cost more than the calls they ran in parallel. Only
leaf work goes on this pool — a Graph call, or a page walk — never a task that waits for
another task of the pool, which could wait forever once the pool is busy.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_THREADS = 64  # gunicorn threads × the few calls each request runs at once, with room

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def _executor() -> ThreadPoolExecutor:
    # One per process: a pool made before gunicorn forks has no threads in the worker.
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="graph-call")
            _pool_pid = os.getpid()
        return _pool


def submit(fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
    """Run one leaf call on the pool."""
    return _executor().submit(fn, *args, **kwargs)


def map_bounded(fn: Callable[[T], R], items: Sequence[T], limit: int) -> list[R]:
    """``[fn(item) for item in items]``, at most ``limit`` at a time; the first error raises.

    One item runs in the calling thread; more are drained by ``limit`` pool tasks, so that the
    limit holds (Graph's 4 concurrent requests per mailbox) however busy the pool is.
    """
    if len(items) <= 1 or limit <= 1:
        return [fn(item) for item in items]
    results: list[Any] = [None] * len(items)
    todo = deque(range(len(items)))
    todo_lock = threading.Lock()

    def drain() -> None:
        while True:
            with todo_lock:
                if not todo:
                    return
                index = todo.popleft()
            results[index] = fn(items[index])

    workers = [submit(drain) for _ in range(min(limit, len(items)))]
    errors = [w.exception() for w in workers]
    first = next((e for e in errors if e is not None), None)
    if first is not None:
        raise first
    return results
