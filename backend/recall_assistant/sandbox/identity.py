"""Entra ID stand-in: discovery, JWKS, token endpoint, and /token for the pane.

The sandbox app is mounted under ``/sandbox``, so these routes answer at::

    GET  /sandbox/identity/                                      what this is, in one line
    GET  /sandbox/identity/<tenant>/v2.0/.well-known/openid-configuration
    GET  /sandbox/identity/<tenant>/discovery/v2.0/keys         the JWKS
    POST /sandbox/identity/<tenant>/oauth2/v2.0/token           on-behalf-of, client credentials
    GET  /sandbox/token?user=<address>[&roles=a,b][&lifetime=<seconds>]

``<tenant>`` is the fixture's tenant id or one of its verified domains, as with Entra ID.
The token endpoint's grants, as MSAL asks for them, are identity_grants.py.

``GET /sandbox/token`` is how the demo task pane signs in without a Microsoft account: it
mints the access token for *our* API that Nested App Authentication or
``Office.auth.getAccessToken`` would return in a tenant (audience ``RA_API_AUDIENCE``, scope
``access_as_user``). ``roles=`` adds app roles (e.g. the administrator role); ``lifetime=``
sets the lifetime in seconds (default 3600; a negative value gives an already expired token,
for tests). Answer: ``{"access_token", "token_type": "Bearer", "expires_in"}``. Every answer
here takes at least ``RA_SANDBOX_LATENCY_MS`` (the gateway in front, faults.py).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from ..config import GUID
from . import identity_grants as grants
from .state import sandbox

identity = Blueprint("sandbox_identity", __name__)

API_SCOPE = "access_as_user"
MAX_PANE_LIFETIME_S = 86_400
_ROLE = re.compile(r"^[A-Za-z0-9._-]{1,120}$")


@identity.errorhandler(grants.EntraError)
def _entra_error(exc: grants.EntraError) -> Response:
    # Entra echoes MSAL's client-request-id as the correlation id; logs join on it.
    correlation = request.headers.get("client-request-id", "")
    if not GUID.match(correlation):
        correlation = str(uuid.uuid4())
    trace = str(uuid.uuid4())
    stamp = dt.datetime.fromtimestamp(sandbox().clock(), dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, Any] = {
        "error": exc.error,
        "error_description": (f"AADSTS{exc.code}: {exc.text}\r\nTrace ID: {trace}\r\n"
                              f"Correlation ID: {correlation}\r\nTimestamp: {stamp}"),
        "error_codes": [exc.code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
    }
    body.update(exc.extra)
    response = _no_store(jsonify(body))
    response.status_code = exc.status
    if exc.status == 405:
        response.headers["Allow"] = "POST"
    return response


@identity.get("/identity/")
def index() -> Response:
    discovery = url_for(".openid_configuration", tenant=sandbox().tenant.id)
    return Response(
        "<!doctype html><title>Sandbox identity</title><p>This is the sandbox tenant's "
        "identity service, a local stand-in for Microsoft Entra ID that signs the demo's "
        f'users in without a Microsoft account (<a href="{discovery}">OpenID configuration</a>).'
        "</p>\n", mimetype="text/html")


@identity.get("/identity/<tenant>/v2.0/.well-known/openid-configuration")
def openid_configuration(tenant: str) -> Response:
    sb = sandbox()
    tid = grants.resolve_tenant(sb, tenant, error="invalid_tenant")
    base = f"{sb.settings.authority_host}/{tid}"
    document = {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "grant_types_supported": [grants.JWT_BEARER, "client_credentials"],
        "issuer": sb.issuer.issuer,
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{sb.settings.graph_url}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "name",
                             "preferred_username", "oid", "tid", "ver", "email"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "sandbox",
    }
    return _cacheable(jsonify(document))


@identity.get("/identity/<tenant>/discovery/v2.0/keys")
def keys(tenant: str) -> Response:
    sb = sandbox()
    grants.resolve_tenant(sb, tenant, error="invalid_tenant")
    return _cacheable(jsonify(sb.issuer.jwks()))


@identity.get("/identity/<tenant>/oauth2/v2.0/authorize")
def authorize(tenant: str) -> Response:
    # Listed in discovery because MSAL requires the field; nobody signs in interactively here.
    grants.resolve_tenant(sandbox(), tenant, error="invalid_request")
    raise grants.EntraError("unsupported_response_type", 70000,
                            "The sandbox has no sign-in page: the demo gets user tokens from "
                            "/sandbox/token.")


@identity.get("/identity/<tenant>/oauth2/v2.0/token")
def token_by_get(tenant: str) -> Response:
    raise grants.EntraError(
        "invalid_request", 900561,
        "The endpoint only accepts POST, OPTIONS requests. Received a GET request.", status=405)


@identity.post("/identity/<tenant>/oauth2/v2.0/token")
def token(tenant: str) -> Response:
    return _no_store(jsonify(grants.issue(sandbox(), tenant)))


@identity.get("/token")
def pane_token() -> Response:
    """Mint the pane's token for our API (see the module docstring)."""
    sb = sandbox()
    address = (request.args.get("user") or "").strip()
    if not address:
        return _api_error(400, "missing_user", "Say who signs in: /sandbox/token?user=<address>.")
    user = sb.tenant.user_by_mail(address)
    if user is None:
        return _api_error(404, "unknown_user", f"No user {address!r} in the sandbox tenant.")
    if user.mailbox_type != "user":
        return _api_error(403, "sign_in_blocked",
                          f"{user.mail} is a {user.mailbox_type} mailbox; its account cannot "
                          "sign in.")
    roles = [r.strip() for r in (request.args.get("roles") or "").split(",") if r.strip()]
    bad_roles = [r for r in roles if not _ROLE.match(r)]
    if bad_roles:
        return _api_error(400, "invalid_roles", f"Not an app role value: {bad_roles[0]!r}.")
    try:
        lifetime = int(request.args.get("lifetime", grants.TOKEN_LIFETIME_S))
    except ValueError:
        lifetime = MAX_PANE_LIFETIME_S + 1
    if abs(lifetime) > MAX_PANE_LIFETIME_S or lifetime == 0:
        return _api_error(400, "invalid_lifetime",
                          f"lifetime must be a whole number of seconds, 1 to "
                          f"{MAX_PANE_LIFETIME_S} (negative for an expired token).")
    claims = grants.user_claims(user, sb.settings.client_id)
    claims.update(aud=sb.settings.api_audience, scp=API_SCOPE, azpacr="0")
    if roles:
        claims["roles"] = roles
    access_token = sb.issuer.mint(claims, lifetime_s=lifetime)
    return _no_store(jsonify({"access_token": access_token, "token_type": "Bearer",
                              "expires_in": max(lifetime, 0)}))


# --- helpers ------------------------------------------------------------------------------

def _no_store(response: Response) -> Response:
    # Token answers must never be cached by a proxy or the browser (RFC 6749 5.1).
    response.headers["Cache-Control"] = "no-store, no-cache"
    response.headers["Pragma"] = "no-cache"
    return response


def _cacheable(response: Response) -> Response:
    response.headers["Cache-Control"] = "max-age=86400, private"  # as Entra serves metadata
    return response


def _api_error(status: int, code: str, message: str) -> Response:
    response = _no_store(jsonify(error={"code": code, "message": message}))
    response.status_code = status
    return response
