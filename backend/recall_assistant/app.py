"""The application factory: settings in, a configured Flask app out."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from typing import Any

import requests
from flask import Flask, g, jsonify, request
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

from . import errors
from .api.cors import install_cors
from .api.graph_errors import api_error
from .api.ratelimits import install_rate_limits
from .api.runtime import Runtime
from .api.security import install_security
from .api.telemetry import install_telemetry
from .auth.authority import Authority
from .auth.obo import GraphTokens
from .auth.tokens import TokenValidator
from .config import Settings
from .graph.errors import GraphError
from .httpclient import new_session
from .logs import configure_logging
from .send_policy import load_send_policy
from .services.correction import CorrectionService
from .services.directory_cache import TtlCache
from .services.eligibility import EligibilityService
from .services.recall import RecallService
from .services.recall_request import RecallRequests
from .services.send_policy import SendPolicyService
from .services.session import Sessions
from .store import Store
from .store.cursors import cursor_key
from .store.db import make_engine

log = logging.getLogger(__name__)

# A caller may pass its own request id (for correlation); anything else is replaced.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

# werkzeug's HTTP errors, mapped onto our stable codes.
_HTTP_CODES = {
    400: errors.BadRequest,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.PayloadTooLarge,
    429: errors.TooManyRequests,
}


def create_app(settings: Settings, *, engine: Engine | None = None,
               http: requests.Session | None = None,
               authority: Authority | None = None,
               token_validator: TokenValidator | None = None,
               graph_tokens: GraphTokens | None = None,
               store: Store | None = None) -> Flask:
    """Build the backend. Adapters may be passed in (tests); otherwise they are made here.

    The database schema is brought to head here (every instance may do it: it takes a lock).
    """
    configure_logging(settings.log_level, settings.log_format)
    send_policy = load_send_policy(settings.policy_file)  # a bad file stops the start here
    app = Flask(__name__, static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    # Werkzeug answers `//x` with a redirect whose Location it builds from the Host header: an
    # open redirect behind a proxy that passes Host through. Such paths are simply not found.
    app.url_map.merge_slashes = False
    session = http or new_session(settings)
    # Nothing here touches the network: the authority and MSAL are asked on first use.
    authority = authority or Authority(settings, session)
    engine = engine or (store.engine if store else make_engine(settings.database_url))
    store = store or Store(engine, audit_subjects=settings.audit_subjects,
                           grace=dt.timedelta(seconds=settings.action_grace_s),
                           cursor_key=_cursor_key(settings))
    store.prepare()
    eligibility = EligibilityService(settings, TtlCache(settings.directory_cache_ttl_s))
    recalls = RecallService(store, eligibility, report_wait_s=settings.recall_report_wait_s)
    corrections = CorrectionService(store, eligibility, settings.templates_dir)
    graph_tokens = graph_tokens or GraphTokens(settings, session)
    app.extensions["recall_assistant"] = Runtime(
        settings=settings,
        engine=engine,
        http=session,
        authority=authority,
        token_validator=token_validator or TokenValidator(settings, authority),
        graph_tokens=graph_tokens,
        eligibility=eligibility,
        store=store,
        recalls=recalls,
        corrections=corrections,
        recall_requests=RecallRequests(store, recalls, corrections),
        sessions=Sessions(settings, session, graph_tokens.for_app),
    )
    app.extensions["send_policy"] = SendPolicyService(
        send_policy, TtlCache(settings.directory_cache_ttl_s))

    app.before_request(_assign_request_id)
    app.after_request(_finish_response)
    # Hooks run in this order: telemetry's clock first, then CORS preflights, then the body
    # limit, before any view (the rate limits wrap the views themselves).
    install_telemetry(app)
    install_cors(app, settings)
    install_security(app, settings)
    app.register_error_handler(errors.RecallAssistantError, _render_error)
    app.register_error_handler(GraphError, _render_graph_error)
    app.register_error_handler(HTTPException, _render_http_exception)
    app.register_error_handler(Exception, _render_unexpected)

    from .api.addin import addin
    from .api.audit import audit
    from .api.config import config as pane_config
    from .api.corrections import corrections
    from .api.eligibility import eligibility as eligibility_api
    from .api.health import health
    from .api.me import me
    from .api.metrics import metrics_api
    from .api.openapi import openapi
    from .api.pages import pages
    from .api.policy import policy
    from .api.recalls import recalls

    app.register_blueprint(health)
    app.register_blueprint(pages)
    app.register_blueprint(me)
    app.register_blueprint(eligibility_api)
    app.register_blueprint(recalls)
    app.register_blueprint(corrections)
    app.register_blueprint(audit)
    app.register_blueprint(addin)
    app.register_blueprint(policy)
    app.register_blueprint(pane_config)
    app.register_blueprint(openapi)
    app.register_blueprint(metrics_api)
    install_rate_limits(app, settings, error_response)
    return app


def _cursor_key(settings: Settings) -> bytes:
    """The audit cursors' signing key, from the app registration's own secret (its client
    secret, or its certificate's private key): every instance of one deployment shares it, and
    rotating the secret invalidates the cursors handed out before."""
    certificate = None
    if settings.client_cert_path:
        with open(settings.client_cert_path, "rb") as pem:
            certificate = pem.read()
    return cursor_key(settings.client_secret, certificate, settings.tenant_id)


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _finish_response(response: Any) -> Any:
    # The other headers every response gets are set in security.py.
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def error_response(error: errors.RecallAssistantError) -> Any:
    body = {
        "error": {
            "code": error.code,
            "message": error.message,
            "details": error.details,
            "requestId": g.get("request_id"),
        }
    }
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _render_graph_error(error: GraphError) -> Any:
    answer = api_error(error)
    if answer.status >= 500:
        log.warning("%s", error)  # Graph's status, code and request id, for the logs
    return error_response(answer)


def _render_error(error: errors.RecallAssistantError) -> Any:
    if error.status >= 500:
        log.warning("%s: %s", error.code, error.message)
    return error_response(error)


def _render_http_exception(exc: HTTPException) -> Any:
    status = exc.code or 500
    kind = _HTTP_CODES.get(status)
    if kind is None:
        error = errors.RecallAssistantError(exc.description, code=f"http_{status}")
        error.status = status
    else:
        error = kind()
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        error.headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
    return error_response(error)


def _render_unexpected(exc: Exception) -> Any:
    # The only place a 500 is born: log it with its traceback, show the caller nothing inside.
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(errors.RecallAssistantError())
