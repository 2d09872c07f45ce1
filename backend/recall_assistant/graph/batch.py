"""JSON batching: many Graph requests in few round trips, one result per request.

Graph's rules (docs/microsoft-facts.md, "$batch"; Graph concepts, JSON batching): at most
20 requests per
``$batch``; ids unique within a batch; ``headers`` with a ``Content-Type`` whenever there is a
``body``; responses come back in any order; a 200 batch says nothing about its inner requests,
each of which can be throttled (429) on its own. Outlook allows 4 concurrent requests per app
and mailbox, so at most ``client.max_concurrency`` (≤ 4) batches are in flight at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import parallel
from .client import GraphClient
from .errors import GraphError, error_from_response
from .retry import IDEMPOTENT_METHODS

MAX_BATCH = 20


@dataclass(frozen=True)
class BatchRequest:
    """One request of a batch; ``url`` is relative to the version root (``/users?...``)."""

    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] | None = None

    @property
    def idempotent(self) -> bool:
        """Whether sending it twice does no harm (decides retries after a time-out)."""
        return self.method.upper() in IDEMPOTENT_METHODS

    def as_json(self, request_id: str) -> dict[str, Any]:
        """This request as an entry of a ``$batch`` body."""
        entry: dict[str, Any] = {"id": request_id, "method": self.method.upper(),
                                 "url": "/" + self.url.lstrip("/")}
        headers = dict(self.headers or {})
        if self.body is not None:
            entry["body"] = self.body
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = "application/json"
        if headers:
            entry["headers"] = headers
        return entry


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one request: its JSON body, or the typed error for that request alone."""

    status: int
    body: Any = None
    error: GraphError | None = None

    @property
    def ok(self) -> bool:
        """True when the request succeeded."""
        return self.error is None

    def unwrap(self) -> Any:
        """The body, or raise this request's error."""
        if self.error is not None:
            raise self.error
        return self.body


# What one inner answer is: (status, body, headers), or an error that hit its whole batch.
_Inner = tuple[int, Any, Mapping[str, str]] | GraphError


def run_batch(client: GraphClient, requests: Sequence[BatchRequest], *,
              version: str | None = None) -> list[BatchResult]:
    """Send ``requests`` through ``$batch`` and return one result each, in input order.

    Inner 429/503 answers (and 504 for idempotent requests) are sent again in a further batch
    after the longest ``Retry-After`` among them, within the client's time budget; what is
    still failing then is reported as that request's error. Nothing is raised for one
    request's failure; an error of a whole batch is reported for each of its requests.
    """
    results: list[BatchResult | None] = [None] * len(requests)
    pending = list(range(len(requests)))
    policy = client.retry
    deadline = client.clock() + policy.budget_s
    attempt = 0
    while pending:
        attempt += 1
        answers = _send_groups(client, requests, pending, version, deadline)
        again: list[int] = []
        waits: list[float] = []
        for index in pending:
            answer = answers.get(index)
            if answer is None:
                answer = GraphError(graph_message="the $batch answer had no response for it")
            if isinstance(answer, GraphError):
                results[index] = BatchResult(answer.graph_status or 0, error=answer)
                continue
            status, body, headers = answer
            if 200 <= status < 300:
                results[index] = BatchResult(status, body)
                continue
            error = error_from_response(status, body, headers)
            results[index] = BatchResult(status, body, error)
            if policy.retryable(status, requests[index].idempotent):
                again.append(index)
                if error.retry_after is not None:
                    waits.append(error.retry_after)
        if not again:
            break
        wait = policy.wait(max(waits) if waits else None, attempt, client.rng)
        if policy.gives_up(attempt, client.clock(), wait, deadline):
            for index in again:
                policy.surrender(results[index].error, wait)  # type: ignore[union-attr,arg-type]
            break
        client._count(retries=len(again))
        client.sleep(wait)
        pending = again
    return [result for result in results if result is not None]


def _send_groups(client: GraphClient, requests: Sequence[BatchRequest], pending: list[int],
                 version: str | None, deadline: float) -> dict[int, _Inner]:
    """Send ``pending`` in groups of 20, at most ``max_concurrency`` groups at a time."""
    groups = [pending[i:i + MAX_BATCH] for i in range(0, len(pending), MAX_BATCH)]
    answers: dict[int, _Inner] = {}
    for part in parallel.map_bounded(
            lambda group: _send_group(client, requests, group, version, deadline), groups,
            client.max_concurrency):
        answers.update(part)
    return answers


def _send_group(client: GraphClient, requests: Sequence[BatchRequest], group: list[int],
                version: str | None, deadline: float) -> dict[int, _Inner]:
    """One ``$batch`` call; the answers keyed by input index (ids are input positions)."""
    body = {"requests": [requests[index].as_json(str(index)) for index in group]}
    # The batch POST itself may be repeated after a time-out only if every request in it may.
    idempotent = all(requests[index].idempotent for index in group)
    client._count(batches=1, batched_requests=len(group))
    try:
        answer = client.request("POST", "/$batch", version=version, json=body,
                                headers={"Content-Type": "application/json"},
                                idempotent=idempotent, deadline=deadline)
    except GraphError as error:
        return {index: error for index in group}
    wanted = {str(index): index for index in group}
    answers: dict[int, _Inner] = {}
    payload = answer.body if isinstance(answer.body, Mapping) else {}
    for response in payload.get("responses") or []:
        # Matched by id: Graph answers in whatever order it finished the requests.
        index = wanted.get(str(response.get("id")))
        if index is None:
            continue
        try:
            status = int(response.get("status"))
        except (TypeError, ValueError):
            status = 0
        answers[index] = (status, response.get("body"), response.get("headers") or {})
    return answers
