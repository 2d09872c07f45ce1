"""A small time-limited cache for directory answers, kept apart per tenant.

Internal domains and "who is this address" change rarely, and a sender checking a message
twice should not pay for the same look-ups twice. Entries are keyed by tenant id first, so a
multi-tenant deployment never serves one tenant's directory to another. cachetools does the
expiry and the least-recently-used cap; it is not thread-safe, so one lock guards it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import TTLCache


class TtlCache:
    """A thread-safe LRU map whose entries expire ``ttl_s`` seconds after they were stored
    (``ttl_s`` 0: nothing is kept)."""

    def __init__(self, ttl_s: float, max_entries: int = 50_000,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: TTLCache | None = (TTLCache(max_entries, ttl_s, timer=clock)
                                          if ttl_s > 0 else None)

    def get(self, key: Hashable, default: Any = None) -> Any:
        if self._entries is None:
            return default
        with self._lock:
            return self._entries.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        if self._entries is None:
            return
        with self._lock:
            self._entries[key] = value

    def clear(self) -> None:
        if self._entries is not None:
            with self._lock:
                self._entries.clear()
