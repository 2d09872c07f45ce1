"""``GET /metrics``: the Prometheus metrics, for a scraper.

With ``RA_METRICS_TOKEN`` set, only a request with ``Authorization: Bearer <that token>`` gets
them; without it they are open (then keep ``/metrics`` off the public internet at the proxy).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, request

from ..errors import Unauthorized
from ..metrics import exposition
from .runtime import runtime

metrics_api = Blueprint("metrics", __name__)


@metrics_api.get("/metrics")
def get_metrics():
    """Every counter and histogram, in Prometheus' text format."""
    expected = runtime().settings.metrics_token
    if expected is not None:
        sent = request.headers.get("Authorization", "")
        scheme, _, token = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(),
                                                                 expected.encode()):
            raise Unauthorized("GET /metrics needs the metrics token (RA_METRICS_TOKEN).",
                               code="metrics_token_required",
                               headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = exposition()
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
