"""When a Graph request is sent again.

Retry rules (Graph throttling guidance; docs/microsoft-facts.md, "Throttling"):
- 429 and 503 mean Graph did not process the request: wait ``Retry-After`` (else a jittered
  exponential back-off) and retry, whatever the method.
- 504, connection errors and time-outs may come after Graph processed the request: retried
  only for idempotent requests (GET, PUT, DELETE, or a caller that says so).
- Every call has a time budget: when the next wait would overrun it, stop and raise the last
  error, carrying the wait so that our API can pass ``Retry-After`` on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import GraphError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Graph's 429 and 503 say the request was not processed, so even a send may be retried.
NOT_PROCESSED = frozenset({429, 503})
# A gateway time-out may hide a request that was processed: only idempotent ones retry.
RETRY_IF_IDEMPOTENT = frozenset({504})


@dataclass(frozen=True)
class RetryPolicy:
    """When, how long and how often a request is sent again: the one policy of single calls
    and of each request inside a ``$batch``."""

    budget_s: float = 20.0
    max_attempts: int = 6
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 8.0

    @staticmethod
    def retryable(status: int, idempotent: bool) -> bool:
        """Whether an answer with ``status`` may be tried again (see the module's rules)."""
        return status in NOT_PROCESSED or (status in RETRY_IF_IDEMPOTENT and idempotent)

    def wait(self, retry_after: float | None, attempt: int, rng: Callable[[], float]) -> float:
        """Graph's ``Retry-After`` when it gave one, else exponential back-off with jitter:
        between half and all of base * 2^(attempt-1)."""
        if retry_after is not None:
            return retry_after
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2 ** (attempt - 1))
        return ceiling / 2 + rng() * ceiling / 2

    def gives_up(self, attempt: int, now: float, wait: float, deadline: float) -> bool:
        """True when another try would pass the attempts or the time budget."""
        return attempt >= self.max_attempts or now + wait > deadline

    @staticmethod
    def surrender(error: GraphError, wait: float) -> GraphError:
        """The error given up on, carrying the wait so that our API passes Retry-After on."""
        if error.retry_after is None and error.graph_status in NOT_PROCESSED:
            error.retry_after = wait
        return error
