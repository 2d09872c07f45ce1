"""What our API answers when Microsoft Graph failed: one table, from the kind of failure to
the HTTP status the pane acts on. A 400 from Graph is a request we built wrongly (our bug,
hence 502); a 401 or 403 is passed on, so that the pane signs in again or asks for consent;
a wait Graph asked for is passed on as ``Retry-After``, rounded up to whole seconds."""

from __future__ import annotations

import math

from ..errors import RecallAssistantError
from ..graph.errors import (
    GraphBadRequest,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphOutcomeUnknown,
    GraphThrottled,
    GraphUnauthorized,
    GraphUnavailable,
)

STATUS: dict[type[GraphError], int] = {
    GraphBadRequest: 502,
    GraphUnauthorized: 401,
    GraphForbidden: 403,
    GraphNotFound: 404,
    GraphThrottled: 429,
    GraphOutcomeUnknown: 504,
    GraphUnavailable: 503,
    GraphError: 502,
}


def api_error(error: GraphError) -> RecallAssistantError:
    """Our API's error for ``error``: its code, message and details, the table's status."""
    answer = RecallAssistantError(error.message, code=error.code, details=error.details)
    answer.status = next(STATUS[kind] for kind in type(error).__mro__ if kind in STATUS)
    if error.retry_after is not None:
        answer.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return answer
