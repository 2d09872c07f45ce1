"""Microsoft Graph client: the adapter that owns retries, batching and Graph errors.

Services import the client and the typed operations from here; URLs, OData syntax and
Graph's JSON shapes stay inside this package.
"""

from .batch import BatchRequest, BatchResult, run_batch
from .client import GraphClient, GraphStats, RetryPolicy, TokenProvider
from .errors import (
    GraphBadRequest,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphOutcomeUnknown,
    GraphThrottled,
    GraphUnauthorized,
    GraphUnavailable,
)

__all__ = [
    "BatchRequest",
    "BatchResult",
    "GraphBadRequest",
    "GraphClient",
    "GraphError",
    "GraphForbidden",
    "GraphNotFound",
    "GraphOutcomeUnknown",
    "GraphStats",
    "GraphThrottled",
    "GraphUnauthorized",
    "GraphUnavailable",
    "RetryPolicy",
    "TokenProvider",
    "run_batch",
]
