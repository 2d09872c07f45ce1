"""``GET /openapi.json`` and ``GET /docs``: the HTTP API described from the marshmallow schemas
that the routes validate with (and the response schemas beside them).

The document is built from the app's own URL map: every rule under ``/api`` (and the probes)
must have an entry in :data:`OPERATIONS`, or building fails, so a new route cannot go
undocumented; a test checks the two sets both ways and validates the document. Summaries and
descriptions are the views' docstrings. Error responses all share one component, ``Error``
(``app.error_response`` writes it); each lists the codes the route can answer with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify
from marshmallow import Schema, fields

from ..auth.tokens import REASONS as TOKEN_REASONS
from . import audit, config, corrections, eligibility, health, me, policy, recalls
from .audit import Instant
from .docs_page import STYLE, render_docs
from .examples import EXAMPLES, SANDBOX_SIGN_IN, curl
from .once import KEY_PATTERN
from .runtime import runtime

openapi = Blueprint("openapi", __name__)

DOCUMENTED_PREFIXES = ("/api/", "/healthz", "/readyz", "/openapi.json")
EXTENSION = "openapi_document"


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={
        "description": "Stable: clients branch on it. Listed in each response's description."})
    message = fields.String(required=True, metadata={
        "description": "A plain sentence for a person, saying what to do next."})
    details = fields.Raw(required=True, allow_none=True, metadata={
        "description": "More about the error (e.g. fields: per-field messages), or null."})
    requestId = fields.String(required=True, allow_none=True, metadata={
        "description": "Also in the X-Request-ID header: quote it to an administrator."})


class Error(Schema):
    """Every error the API answers with."""

    error = fields.Nested(ErrorDetail, required=True)


# -- error codes, by HTTP status, in groups that routes share ----------------------------------
Codes = dict[int, tuple[str, ...]]

ANY_ROUTE: Codes = {500: ("internal_error",)}
SIGNED_IN: Codes = {401: ("unauthorized", *TOKEN_REASONS),
                    503: ("authority_unavailable",)}
ON_GRAPH: Codes = {
    401: ("token_expired", "graph_unauthorized"),
    403: ("consent_required", "admin_consent_required", "graph_forbidden"),
    429: ("graph_throttled",),
    502: ("bad_gateway", "graph_error", "graph_rejected", "token_exchange_failed",
          "app_credentials_rejected"),
    503: ("upstream_unavailable",),
}
JSON_BODY: Codes = {400: ("invalid_json", "invalid_request"), 413: ("payload_too_large",)}
QUERY: Codes = {400: ("invalid_request",)}
A_MESSAGE: Codes = {400: ("invalid_item_id",), 404: ("message_not_found",),
                    422: ("not_in_sent_items", "not_sent")}
STORE: Codes = {503: ("database_unavailable",)}
TEMPLATES: Codes = {400: ("template_fields",), 404: ("template_not_found",),
                    500: ("template_broken",)}
AUDIENCE: Codes = {422: ("recipients_not_in_original", "empty_audience", "invalid_audience")}
# The draft read back before send still held the original, or not the preview: nothing sent.
SEND_CHECK: Codes = {422: ("correction_quotes_original", "correction_not_as_previewed")}
RATE_LIMITED: Codes = {429: ("rate_limited",)}  # ratelimits.LIMITED_ROUTES
EXACTLY_ONCE: Codes = {400: ("idempotency_key_required",),
                       409: ("idempotency_conflict", "request_in_progress"),
                       500: ("idempotency_claim_lost",),
                       504: ("graph_outcome_unknown",)}

_HEADERS_BY_STATUS = {
    401: {"WWW-Authenticate": "The bearer challenge (RFC 6750), naming what is wrong."},
    409: {"Retry-After": "Seconds to wait (request_in_progress)."},
    429: {"Retry-After": "Seconds to wait before trying again."},
    503: {"Retry-After": "Seconds to wait before trying again."},
}
_STATUS_TEXT = {400: "Bad request", 401: "Not signed in", 403: "Forbidden", 404: "Not found",
                409: "Conflict", 413: "Body too large", 422: "Cannot be acted on",
                429: "Too many requests", 500: "Our error", 502: "Bad answer upstream",
                503: "Unavailable", 504: "Outcome unknown"}


def merge(*groups: Codes) -> Codes:
    merged: dict[int, list[str]] = {}
    for group in groups:
        for status, codes in group.items():
            merged.setdefault(status, [])
            merged[status].extend(c for c in codes if c not in merged[status])
    return {status: tuple(codes) for status, codes in sorted(merged.items())}


@dataclass(frozen=True)
class Operation:
    """What the document says about one route beyond its URL rule and docstring."""

    response: type[Schema] | None
    status: int = 200
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    errors: Codes = field(default_factory=dict)
    auth: str | None = "user"  # None, "user" or "admin"
    idempotent: bool = False  # takes an Idempotency-Key
    other: dict[int, tuple[str, type[Schema]]] = field(default_factory=dict)
    media: dict[str, Any] = field(default_factory=dict)  # extra success media types


OPERATIONS: dict[str, Operation] = {
    "health.healthz": Operation(health.Liveness, auth=None),
    "health.readyz": Operation(health.Readiness, auth=None, other={
        503: ("Not ready: a check failed (Retry-After says when to look again).",
              health.Readiness)}),
    "openapi.document": Operation(None, auth=None),
    "config.get_config": Operation(config.PaneConfig, auth=None),
    "me.get_me": Operation(me.MeResponse),
    "me.get_profile": Operation(me.ProfileResponse, errors=ON_GRAPH),
    "eligibility.check_eligibility": Operation(
        eligibility.EligibilityResponse, body=eligibility.EligibilityRequest,
        errors=merge(ON_GRAPH, JSON_BODY, A_MESSAGE, RATE_LIMITED)),
    "recalls.request_recall": Operation(
        recalls.RecallAccepted, status=202, body=recalls.RecallRequest, idempotent=True,
        errors=merge(ON_GRAPH, JSON_BODY, A_MESSAGE, TEMPLATES, AUDIENCE, STORE,
                     EXACTLY_ONCE, RATE_LIMITED, {409: ("nothing_to_retry",)}),
        other={200: ("Already recalled: the earlier recall of this message (alreadyRecalled: "
                     "true); nothing was asked of Microsoft 365.", recalls.RecallAccepted)}),
    "recalls.recall_status": Operation(
        recalls.RecallStatus, errors=merge(ON_GRAPH, STORE, {404: ("action_not_found",
                                                                   "not_found")})),
    "recalls.recalls_for_message": Operation(
        recalls.RecallList, query=recalls.RecallQuery,
        errors=merge(ON_GRAPH, QUERY, A_MESSAGE, STORE)),
    "corrections.list_templates": Operation(corrections.TemplatesResponse),
    "corrections.preview": Operation(
        corrections.PreviewResponse, body=corrections.CorrectionRequest,
        errors=merge(ON_GRAPH, JSON_BODY, A_MESSAGE, TEMPLATES, AUDIENCE, STORE,
                     RATE_LIMITED)),
    "corrections.send": Operation(
        corrections.CorrectionSent, status=201, body=corrections.CorrectionRequest,
        idempotent=True, errors=merge(ON_GRAPH, JSON_BODY, A_MESSAGE, TEMPLATES, AUDIENCE,
                                      SEND_CHECK, STORE, EXACTLY_ONCE, RATE_LIMITED),
        other={202: ("A replay of a correction that did not finish: its state.",
                     corrections.CorrectionSent)}),
    "audit.list_events": Operation(
        audit.AuditPageResponse, query=audit.AuditQuery, auth="admin",
        errors=merge(QUERY, STORE, {400: ("invalid_cursor",), 403: ("admin_required",)}),
        media={"text/csv": {"schema": {"type": "string"}}}),
    "policy.get_policy": Operation(policy.PolicyResponse, errors=ON_GRAPH),
}

INTRO = """\
The backend of the Recall Assistant Outlook add-in.

* Every `/api` route except `/api/config` needs `Authorization: Bearer <token>`: a token for
  the API's audience with the `access_as_user` scope (the add-in gets it by single sign-on).
  `/api/audit` also needs the administrator app role.
* Errors always have the shape `{"error": {"code", "message", "details", "requestId"}}`
  (the `Error` schema); `code` values are stable, and each response lists the codes it can
  carry. `X-Request-ID` on every response matches `requestId`.
* `POST /api/recalls` and `POST /api/corrections` take an `Idempotency-Key`: the same key
  with the same body answers the first answer again (with `Idempotent-Replayed: true`) and
  does nothing twice; the same key with another body is 409 `idempotency_conflict`.
""" + SANDBOX_SIGN_IN


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s API routes (raises if one is not described)."""
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Recall Assistant API", version=_version(), openapi_version="3.1.0",
                   plugins=[plugin], info={"description": INTRO},
                   servers=[{"url": runtime().settings.public_url}])
    plugin.map_to_openapi_type(Instant, "string", None)
    spec.components.schema("Error", schema=Error)
    spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "An Entra ID access token for the API (RA_API_AUDIENCE), scope "
                       "access_as_user."})
    undocumented = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if not rule.rule.startswith(DOCUMENTED_PREFIXES):
            continue
        operation = OPERATIONS.get(rule.endpoint)
        if operation is None:
            undocumented.append(f"{rule.rule} ({rule.endpoint})")
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            spec.path(path=_openapi_path(rule.rule), operations={
                method.lower(): _operation(rule, view, operation)})
    if undocumented:
        raise LookupError("routes missing from api/openapi.py OPERATIONS: "
                          + ", ".join(undocumented))
    document = spec.to_dict()
    _tidy_query_parameters(document)
    return document


@openapi.get("/openapi.json")
def document():
    """This document (OpenAPI 3.1)."""
    cached = current_app.extensions.get(EXTENSION)
    if cached is None:
        cached = current_app.extensions[EXTENSION] = build_document(current_app)
    return jsonify(cached)


@openapi.get("/docs")
def docs_page():
    """The document as a readable page: no script, so any Content-Security-Policy allows it."""
    document()  # builds and caches it
    response = Response(render_docs(current_app.extensions[EXTENSION]), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@openapi.get("/docs.css")
def docs_style():
    response = Response(STYLE, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# -- one operation ----------------------------------------------------------------------------

def _operation(rule: Any, view: Any, op: Operation) -> dict[str, Any]:
    # Docstrings mark code with reST's double backquotes; the document uses plain text.
    summary, _, rest = (view.__doc__ or rule.endpoint).replace("``", "").strip().partition("\n")
    errors = merge(ANY_ROUTE, SIGNED_IN if op.auth else {}, op.errors)
    description = " ".join(line.strip() for line in rest.splitlines()).strip()
    spec: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_"),
        "tags": [rule.endpoint.split(".")[0]],
        "summary": summary.strip(),
        "responses": {},
    }
    if description:
        spec["description"] = description
    parameters: list[Any] = [{"in": "path", "name": name, "required": True,
                              "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
                             for name in rule.arguments]
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    if op.idempotent:
        parameters.append({
            "in": "header", "name": "Idempotency-Key", "required": True,
            "description": "The same key for a retry of the same request: it is then done "
                           "once. A new key for a new request.",
            "schema": {"type": "string", "pattern": KEY_PATTERN}})
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None:
        spec["requestBody"] = {"required": True,
                               "content": {"application/json": {"schema": op.body}}}
    if op.auth:
        spec["security"] = [{"bearer": []}]
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else
                               "Accepted" if op.status == 202 else "Created"}
    success["content"] = {"application/json": {"schema": op.response or {"type": "object"}},
                          **op.media}
    if op.idempotent:
        success["headers"] = {"Idempotent-Replayed": _header(
            "true when this is the answer to an earlier request with the same key.")}
    spec["responses"][str(op.status)] = success
    example = EXAMPLES.get(rule.endpoint)
    if example is not None:
        success["content"]["application/json"]["example"] = example.response
        if example.body is not None:
            spec["requestBody"]["content"]["application/json"]["example"] = example.body
        spec["x-curl"] = curl(example)
    for status, (text, schema) in op.other.items():
        spec["responses"][str(status)] = {"description": text,
                                          "content": {"application/json": {"schema": schema}}}
    for status, codes in errors.items():
        if str(status) in spec["responses"]:
            continue
        spec["responses"][str(status)] = _error_response(status, codes, op.idempotent)
    return spec


def _error_response(status: int, codes: tuple[str, ...], idempotent: bool) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": f"{_STATUS_TEXT.get(status, 'Error')}. error.code is one of: "
                       + ", ".join(f"`{c}`" for c in codes) + ".",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        "x-error-codes": list(codes),
    }
    headers = {name: _header(text) for name, text in _HEADERS_BY_STATUS.get(status, {}).items()}
    if idempotent:
        headers["Idempotent-Replayed"] = _header("true when this is a replayed answer.")
    if headers:
        response["headers"] = headers
    return response


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


def _openapi_path(rule: str) -> str:
    # Flask's "<converter:name>" and "<name>" become OpenAPI's "{name}".
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _tidy_query_parameters(document: dict[str, Any]) -> None:
    """A query value is never null: drop the ``null`` that ``load_default=None`` adds."""
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") != "query":
                    continue
                if isinstance(schema.get("type"), list):
                    kinds = [t for t in schema["type"] if t != "null"]
                    schema["type"] = kinds[0] if len(kinds) == 1 else kinds
                if "default" in schema and schema["default"] is None:
                    del schema["default"]


def _version() -> str:
    try:
        return metadata.version("recall-assistant")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0"
