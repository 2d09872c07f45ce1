"""The token endpoint's two grants and the checks Entra ID makes of them.

They implement what MSAL Python's ``ConfidentialClientApplication`` sends
(``acquire_token_on_behalf_of``, ``acquire_token_for_client``) and refuse in Entra ID's JSON
shape (:class:`EntraError`: ``error``, ``error_description``, ``error_codes``, ``timestamp``,
``trace_id``, ``correlation_id``), so that the backend's MSAL code runs unchanged against them.
A user whose fixture entry has ``signInError`` fails the on-behalf-of exchange the way Entra
ID does: ``consent_required`` (AADSTS65001) or ``interaction_required`` (AADSTS50076, with a
``claims`` challenge).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import unquote_plus

import jwt
from flask import request

from .fixture import User
from .state import Sandbox
from .tokens import GRAPH_APP_ID, TokenRejected, client_info

GRAPH_RESOURCE = "https://graph.microsoft.com"
# What an administrator consented to for the app registration (delegated, then application).
DELEGATED_GRAPH_SCOPES = ("Mail.ReadWrite", "Mail.Send", "User.Read", "User.ReadBasic.All",
                          "GroupMember.Read.All")
APP_GRAPH_ROLES = ("Mail.ReadWrite", "User.Read.All", "MailboxSettings.Read",
                   "GroupMember.Read.All")
# The app's service principal: the oid of its app-only tokens. Fixed so tests can name it.
SERVICE_PRINCIPAL_ID = "5e0a7c3d-6f2b-4d8e-9a1c-3b7f5d9e1c24"
# The conditional access policy named in the simulated MFA challenge.
MFA_POLICY_ID = "0f4c9e2a-7b1d-4c6e-8a3f-5d2b9c7e1a40"
OIDC_SCOPES = ("openid", "profile", "offline_access", "email")
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME_S = 3600


class EntraError(Exception):
    """An answer in Entra ID's error shape: ``error`` plus an AADSTS code and its text."""

    def __init__(self, error: str, code: int, text: str, *, status: int = 400,
                 **extra: str):
        self.error = error
        self.code = code
        self.text = text
        self.status = status
        self.extra = extra
        super().__init__(f"AADSTS{code}: {text}")


def issue(sb: Sandbox, tenant: str) -> dict[str, Any]:
    """The token endpoint's answer to a client (MSAL) asking for a token."""
    resolve_tenant(sb, tenant, error="invalid_request")
    grant_type = _required("grant_type")
    client_id = _authenticate_client(sb)
    if grant_type == JWT_BEARER:
        return _on_behalf_of(sb, client_id)
    if grant_type == "client_credentials":
        return _client_credentials(sb, client_id)
    raise EntraError("unsupported_grant_type", 70003,
                     f"The app requested an unsupported grant type '{grant_type}'. "
                     "The sandbox supports on-behalf-of (jwt-bearer) and client_credentials.")


# --- the two grants -----------------------------------------------------------------------

def _on_behalf_of(sb: Sandbox, client_id: str) -> dict[str, Any]:
    use = _required("requested_token_use")
    if use != "on_behalf_of":
        raise EntraError("invalid_request", 70003,
                         f"requested_token_use '{use}' is not supported; the sandbox's "
                         "jwt-bearer grant is on-behalf-of only.")
    assertion = _required("assertion")
    scopes, wants_default, oidc = _delegated_scopes(sb, _required("scope"))
    claims = _verify_assertion(sb, assertion)
    user = next((u for u in sb.tenant.users if u.id == claims.get("oid")), None)
    if user is None:
        raise EntraError("invalid_grant", 50034,
                         f"The user account {{EUII Hidden}} does not exist in the "
                         f"'{sb.tenant.id}' directory. To sign into this application, the "
                         "account must be added to the directory.")
    if user.mailbox_type != "user":
        raise EntraError("invalid_grant", 50057, "The user account is disabled.")
    _simulated_sign_in_error(user, client_id)
    missing = [s for s in scopes if s.lower() not in {c.lower() for c in DELEGATED_GRAPH_SCOPES}]
    if missing:
        raise _consent_required(client_id, missing)

    graph_claims = user_claims(user, client_id)
    graph_claims.update(aud=GRAPH_APP_ID, scp=" ".join(scopes), appid=client_id, azpacr="1",
                        upn=user.mail, idtyp="user")
    granted = [f"{GRAPH_RESOURCE}/{s}" for s in scopes]
    if wants_default:
        # Echo .default as Entra does, so MSAL's cache finds the token for the same request.
        granted.append(f"{GRAPH_RESOURCE}/.default")
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": " ".join(granted),
        "expires_in": TOKEN_LIFETIME_S,
        "ext_expires_in": TOKEN_LIFETIME_S,
        "access_token": sb.issuer.mint(graph_claims, lifetime_s=TOKEN_LIFETIME_S),
    }
    if "offline_access" in oidc:
        # Opaque, as Entra's are; the sandbox does not redeem refresh tokens.
        body["refresh_token"] = "sandbox-rt." + secrets.token_urlsafe(32)
    if "openid" in oidc:
        id_claims = user_claims(user, client_id)
        id_claims["aud"] = client_id
        body["id_token"] = sb.issuer.mint(id_claims, lifetime_s=TOKEN_LIFETIME_S)
    if request.form.get("client_info") == "1":
        # Without it MSAL files the user's token under no account
        # (docs/microsoft-facts.md, "Identity").
        body["client_info"] = client_info(user.id, sb.tenant.id)
    return body


def _client_credentials(sb: Sandbox, client_id: str) -> dict[str, Any]:
    scope = _required("scope")
    parts = scope.split()
    if len(parts) != 1 or not parts[0].endswith("/.default"):
        raise EntraError("invalid_scope", 1002012,
                         f"The provided value for scope {scope} is not valid. Client credential "
                         "flows must have a scope value with /.default suffixed to the resource "
                         "identifier (application ID URI).")
    _check_resource(sb, parts[0][: -len("/.default")])
    claims = {
        "aud": GRAPH_APP_ID, "oid": SERVICE_PRINCIPAL_ID, "sub": SERVICE_PRINCIPAL_ID,
        "roles": list(APP_GRAPH_ROLES), "idtyp": "app", "azp": client_id, "appid": client_id,
        "azpacr": "1",
    }
    return {
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_S,
        "ext_expires_in": TOKEN_LIFETIME_S,
        "access_token": sb.issuer.mint(claims, lifetime_s=TOKEN_LIFETIME_S),
    }


# --- checks -------------------------------------------------------------------------------

def resolve_tenant(sb: Sandbox, tenant: str, *, error: str) -> str:
    """The tenant id for a path segment naming it by id or verified domain, as Entra allows."""
    wanted = tenant.lower()
    if sb.tenant.id and (wanted == sb.tenant.id.lower() or wanted in sb.tenant.verified_domains):
        return sb.tenant.id
    raise EntraError(error, 90002,
                     f"Tenant '{tenant}' not found. Check to make sure you have the correct "
                     "tenant ID and are signing into the correct cloud. This sandbox serves "
                     f"only tenant '{sb.tenant.id}'.")


def _required(name: str) -> str:
    value = request.form.get(name, "")
    if not value:
        raise EntraError("invalid_request", 900144,
                         f"The request body must contain the following parameter: '{name}'.")
    return value


def _authenticate_client(sb: Sandbox) -> str:
    """The client id, once its secret (HTTP Basic or form body) matches the registration."""
    basic_id = basic_secret = None
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:  # RFC 6749 2.3.1: form-encoded, then base64
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except ValueError:
            decoded = ""
        raw_id, sep, raw_secret = decoded.partition(":")
        if not sep:
            raise EntraError("invalid_client", 7000215,
                             "The Authorization header is not valid HTTP Basic credentials.",
                             status=401)
        basic_id, basic_secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    body_id = request.form.get("client_id") or None
    body_secret = request.form.get("client_secret") or None
    if (basic_id and body_id and basic_id != body_id) or (
            basic_secret and body_secret and basic_secret != body_secret):
        raise EntraError("invalid_client", 7000215,
                         "The client credentials in the Authorization header and in the body "
                         "differ.", status=401)
    client_id = basic_id or body_id
    if not client_id:
        raise EntraError("invalid_request", 900144,
                         "The request body must contain the following parameter: 'client_id'.")
    if client_id.lower() != sb.settings.client_id.lower():
        raise EntraError("unauthorized_client", 700016,
                         f"Application with identifier '{client_id}' was not found in the "
                         f"directory '{sb.tenant.display_name}'. This can happen if the "
                         "application has not been installed by the administrator of the "
                         "tenant or consented to by any user in the tenant.")
    secret = basic_secret or body_secret
    if not secret:
        if request.form.get("client_assertion"):
            raise EntraError("invalid_client", 700027,
                             "Client assertion failed signature validation: the sandbox's app "
                             "registration has no certificate, only its client secret.",
                             status=401)
        raise EntraError("invalid_client", 7000218,
                         "The request body must contain the following parameter: "
                         "'client_assertion' or 'client_secret'.", status=401)
    expected = (sb.settings.client_secret or "").encode()
    if not expected or not hmac.compare_digest(secret.encode(), expected):
        raise EntraError("invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret being sent in the "
                         "request is the client secret value, not the client secret ID, for a "
                         f"secret added to app '{sb.settings.client_id}'.", status=401)
    return sb.settings.client_id


def _delegated_scopes(sb: Sandbox, raw: str) -> tuple[list[str], bool, set[str]]:
    """(Graph permissions asked for, whether as ``.default``, the OpenID scopes asked for)."""
    oidc: set[str] = set()
    wanted: list[str] = []
    wants_default = False
    for item in raw.split():
        if item.lower() in OIDC_SCOPES:
            oidc.add(item.lower())
            continue
        resource, _, permission = item.rpartition("/")
        _check_resource(sb, resource or GRAPH_RESOURCE)  # a bare name means Graph, as in Entra
        if permission == ".default":
            wants_default = True
        elif permission:
            wanted.append(permission)
    if wants_default and wanted:
        raise EntraError("invalid_scope", 70011,
                         f"The provided value for the input parameter 'scope' is not valid. "
                         f"The scope {raw} is not valid: .default cannot be combined with "
                         "other scopes of the same resource.")
    if not wants_default and not wanted:
        raise EntraError("invalid_scope", 70011,
                         f"The provided value for the input parameter 'scope' is not valid. "
                         f"The scope {raw} names no Microsoft Graph permission.")
    if wants_default:
        return list(DELEGATED_GRAPH_SCOPES), True, oidc
    # Scopes are case-insensitive in Entra; report them as the registration spells them.
    canonical = {s.lower(): s for s in DELEGATED_GRAPH_SCOPES}
    scopes = list(dict.fromkeys(canonical.get(w.lower(), w) for w in wanted))
    return scopes, False, oidc


def _check_resource(sb: Sandbox, resource: str) -> None:
    if resource.rstrip("/").lower() not in (GRAPH_RESOURCE, GRAPH_APP_ID):
        raise EntraError("invalid_resource", 500011,
                         f"The resource principal named {resource} was not found in the tenant "
                         f"named {sb.tenant.display_name}. The sandbox issues tokens for "
                         "Microsoft Graph only.")


def _verify_assertion(sb: Sandbox, assertion: str) -> dict[str, Any]:
    """The claims of the user's token for our API, or Entra's invalid_grant."""
    try:
        claims = sb.issuer.verify(assertion, audiences=(sb.settings.api_audience,
                                                        sb.settings.client_id))
    except TokenRejected as exc:
        if exc.reason == "token expired":
            expiry = jwt.decode(assertion, options={"verify_signature": False}).get("exp")
            raise EntraError("invalid_grant", 500133,
                             "Assertion is not within its valid time range. Ensure that the "
                             "access token is not expired before using it for user assertion, "
                             f"or request a new token. Current time: {_iso(time.time())}, "
                             f"expiry time of assertion {_iso(expiry)}.") from exc
        raise EntraError("invalid_grant", 50013,
                         f"Assertion failed signature validation. [Reason - {exc.reason}]"
                         ) from exc
    if not claims.get("scp") or claims.get("idtyp") == "app":
        raise EntraError("invalid_grant", 50013,
                         "Assertion is not a user's token: on-behalf-of needs a delegated "
                         "token (with scp).")
    return claims


def _simulated_sign_in_error(user: User, client_id: str) -> None:
    if user.sign_in_error == "consent_required":
        raise _consent_required(client_id, list(DELEGATED_GRAPH_SCOPES))
    if user.sign_in_error == "interaction_required":
        # Entra's MFA / conditional access answer: the pane must show the challenge to the user.
        challenge = {"access_token": {"capolids": {"essential": True, "values": [MFA_POLICY_ID]}}}
        raise EntraError("interaction_required", 50076,
                         "Due to a configuration change made by your administrator, or because "
                         "you moved to a new location, you must use multi-factor authentication "
                         f"to access '{GRAPH_APP_ID}'.",
                         suberror="basic_action", claims=json.dumps(challenge))


def _consent_required(client_id: str, scopes: list[str]) -> EntraError:
    return EntraError("invalid_grant", 65001,
                      f"The user or administrator has not consented to use the application "
                      f"with ID '{client_id}' named 'Recall Assistant' for "
                      f"{' '.join(scopes)}. Send an interactive authorization request for this "
                      "user and resource.", suberror="consent_required")


# --- helpers ------------------------------------------------------------------------------

def user_claims(user: User, client_id: str) -> dict[str, Any]:
    # Entra's sub is pairwise: the same user has a different sub in each app.
    sub = base64.urlsafe_b64encode(
        hashlib.sha256(f"{user.id}:{client_id}".encode()).digest()).rstrip(b"=").decode()
    return {"oid": user.id, "sub": sub, "preferred_username": user.mail,
            "name": user.display_name, "azp": client_id}


def _iso(epoch: Any) -> str:
    try:
        return dt.datetime.fromtimestamp(float(epoch), dt.UTC).strftime("%m/%d/%Y %H:%M:%S")
    except (TypeError, ValueError):
        return "unknown"
