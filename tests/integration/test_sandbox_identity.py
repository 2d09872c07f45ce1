"""The sandbox's Entra ID stand-in, driven over real HTTPS by MSAL Python and by hand."""

from __future__ import annotations

import base64
import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import msal
import pytest

from recall_assistant.sandbox.fixture import FixtureError, default_fixture_path, parse_tenant
from recall_assistant.sandbox.identity_grants import (
    APP_GRAPH_ROLES,
    DELEGATED_GRAPH_SCOPES,
    SERVICE_PRINCIPAL_ID,
)
from recall_assistant.sandbox.options import SandboxOptions
from recall_assistant.sandbox.tokens import GRAPH_APP_ID, TokenIssuer, graph_caller

GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"]
ADELE = "adele@contoso.com"
ENTRA_ERROR_KEYS = ["error", "error_description", "error_codes", "timestamp", "trace_id",
                    "correlation_id"]


# --- helpers ------------------------------------------------------------------------------

def confidential_app(live, secret: str | None = None) -> msal.ConfidentialClientApplication:
    s = live.settings
    return msal.ConfidentialClientApplication(
        s.client_id, client_credential=secret or s.client_secret, authority=s.authority,
        instance_discovery=False, http_client=live.session(),
    )


def pane_token(live, user: str = ADELE, **params: str) -> str:
    response = live.session().get(f"{live.url}/sandbox/token", params={"user": user, **params})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def verified_claims(live, token: str, audience: str) -> dict[str, Any]:
    """Check a token the way a resource would: keys from the JWKS on the wire, iss, aud."""
    keys = live.session().get(f"{live.settings.authority}/discovery/v2.0/keys").json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in keys if k["kid"] == kid)
    return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=audience,
                      issuer=f"{live.settings.authority}/v2.0")


def user_by_mail(live, mail: str):
    user = live.tenant.user_by_mail(mail)
    assert user is not None
    return user


def token_post(live, data: dict[str, str], **kwargs: Any):
    return live.session().post(f"{live.settings.authority}/oauth2/v2.0/token", data=data,
                               **kwargs)


def obo_form(live, assertion: str, scope: str = "https://graph.microsoft.com/.default "
             "openid profile offline_access", **extra: str) -> dict[str, str]:
    s = live.settings
    return {"client_id": s.client_id, "client_secret": s.client_secret,
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "requested_token_use": "on_behalf_of", "assertion": assertion, "scope": scope,
            **extra}


def assert_entra_error(response, status: int, error: str, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body)[:6] == ENTRA_ERROR_KEYS
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert body["trace_id"] in body["error_description"]
    assert response.headers["Cache-Control"].startswith("no-store")
    return body


def tenant_with(sign_in_errors: dict[str, str]):
    """The shipped tenant, with ``signInError`` set for some users (by address)."""
    raw = json.loads(Path(default_fixture_path()).read_text(encoding="utf-8"))
    for user in raw["users"]:
        if user["mail"] in sign_in_errors:
            user["signInError"] = sign_in_errors[user["mail"]]
    return parse_tenant(raw)


# --- discovery, keys, the index page ------------------------------------------------------

def test_discovery_document_points_at_the_sandbox(live_server):
    s = live_server.settings
    response = live_server.session().get(s.openid_configuration_url)
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == f"{s.authority_host}/{s.tenant_id}/v2.0"
    assert doc["token_endpoint"] == f"{s.authority}/oauth2/v2.0/token"
    assert doc["jwks_uri"] == f"{s.authority}/discovery/v2.0/keys"
    assert doc["authorization_endpoint"] == f"{s.authority}/oauth2/v2.0/authorize"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "code" in doc["response_types_supported"]
    assert "client_secret_post" in doc["token_endpoint_auth_methods_supported"]
    for key, value in doc.items():
        if key.endswith("_endpoint") and key != "userinfo_endpoint" or key == "jwks_uri":
            assert value.startswith(f"{s.authority_host}/"), key
    # The document's own URLs work.
    jwks = live_server.session().get(doc["jwks_uri"]).json()
    assert [k["kid"] for k in jwks["keys"]] == [live_server.sandbox.issuer.current.kid]


def test_discovery_accepts_a_verified_domain_and_answers_with_the_tenant_id(live_server):
    s = live_server.settings
    doc = live_server.session().get(
        f"{s.authority_host}/contoso.com/v2.0/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{s.authority}/v2.0"
    assert doc["token_endpoint"] == f"{s.authority}/oauth2/v2.0/token"


def test_an_unknown_tenant_is_refused_in_entras_shape(live_server):
    host, session = live_server.settings.authority_host, live_server.session()
    stranger = str(uuid.uuid4())
    body = assert_entra_error(
        session.get(f"{host}/{stranger}/v2.0/.well-known/openid-configuration"), 400,
        "invalid_tenant", 90002)
    assert stranger in body["error_description"]
    assert_entra_error(session.get(f"{host}/{stranger}/discovery/v2.0/keys"), 400,
                       "invalid_tenant", 90002)
    assert_entra_error(session.post(f"{host}/{stranger}/oauth2/v2.0/token",
                                    data={"grant_type": "client_credentials"}),
                       400, "invalid_request", 90002)


def test_msal_refuses_an_authority_for_an_unknown_tenant(live_server):
    s = live_server.settings
    # MSAL reads the discovery's 400 as "no such tenant" and refuses to build the app.
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.ConfidentialClientApplication(
            s.client_id, client_credential=s.client_secret,
            authority=f"{s.authority_host}/{uuid.uuid4()}", instance_discovery=False,
            http_client=live_server.session())


def test_the_jwks_publishes_every_key_after_a_rotation(live_server):
    issuer = live_server.sandbox.issuer
    old = issuer.current.kid
    new = issuer.rotate().kid
    response = live_server.session().get(f"{live_server.settings.authority}/discovery/v2.0/keys")
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == [old, new]
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and k["n"] and k["e"] for k in keys)
    # A token signed with the new key verifies with the published JWKS.
    claims = verified_claims(live_server, pane_token(live_server), live_server.settings.api_audience)
    assert claims["preferred_username"] == ADELE


def test_the_identity_page_says_what_it_is(live_server):
    response = live_server.session().get(f"{live_server.url}/sandbox/identity/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "stand-in for Microsoft Entra ID" in response.text


# --- on-behalf-of with MSAL -----------------------------------------------------------------

def test_msal_on_behalf_of_returns_a_graph_token_for_the_user(live_server):
    s, tenant = live_server.settings, live_server.tenant
    adele = user_by_mail(live_server, ADELE)
    app = confidential_app(live_server)
    result = app.acquire_token_on_behalf_of(pane_token(live_server), GRAPH_DEFAULT)
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"
    claims = verified_claims(live_server, result["access_token"], GRAPH_APP_ID)
    assert set(claims["scp"].split()) == set(DELEGATED_GRAPH_SCOPES)
    assert claims["oid"] == adele.id
    assert claims["tid"] == tenant.id
    assert claims["preferred_username"] == ADELE
    assert claims["name"] == adele.display_name
    assert claims["azp"] == s.client_id
    assert "roles" not in claims
    assert claims["exp"] - claims["iat"] == result["expires_in"]
    # MSAL filed it under Adele's account, keyed by client_info (uid.utid).
    (account,) = app.get_accounts()
    assert account["home_account_id"] == f"{adele.id}.{tenant.id}"
    assert account["username"] == ADELE
    assert result["id_token_claims"]["oid"] == adele.id
    # ... so that the caller's cache lookup finds the same token without a round trip.
    cached = app.acquire_token_silent(GRAPH_DEFAULT, account)
    assert cached["access_token"] == result["access_token"]
    assert cached["token_source"] == "cache"
    # The Graph stand-in sees a delegated caller.
    caller = graph_caller(live_server.sandbox.issuer, f"Bearer {result['access_token']}")
    assert (caller.kind, caller.user_id) == ("delegated", adele.id)


def test_on_behalf_of_grants_exactly_the_requested_permissions(live_server):
    app = confidential_app(live_server)
    result = app.acquire_token_on_behalf_of(
        pane_token(live_server), ["https://graph.microsoft.com/Mail.Send", "user.read"])
    assert "access_token" in result, result
    claims = verified_claims(live_server, result["access_token"], GRAPH_APP_ID)
    assert claims["scp"].split() == ["Mail.Send", "User.Read"]
    assert set(result["scope"].split()) == {"https://graph.microsoft.com/Mail.Send",
                                            "https://graph.microsoft.com/User.Read"}


def test_on_behalf_of_refuses_a_permission_nobody_consented_to(live_server):
    result = confidential_app(live_server).acquire_token_on_behalf_of(
        pane_token(live_server), ["https://graph.microsoft.com/Mail.Send.Shared"])
    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [65001]
    assert result["suberror"] == "consent_required"
    assert "access_token" not in result


def test_on_behalf_of_answers_client_info_only_when_asked(live_server):
    adele = user_by_mail(live_server, ADELE)
    assertion = pane_token(live_server)
    asked = token_post(live_server, obo_form(live_server, assertion, client_info="1"))
    assert asked.status_code == 200, asked.text
    assert asked.headers["Cache-Control"].startswith("no-store")
    body = asked.json()
    padded = body["client_info"] + "=" * (-len(body["client_info"]) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == {
        "uid": adele.id, "utid": live_server.tenant.id}
    assert body["refresh_token"]
    assert jwt.decode(body["id_token"], options={"verify_signature": False})["aud"] == \
        live_server.settings.client_id
    assert body["ext_expires_in"] >= body["expires_in"] > 0

    plain = token_post(live_server, obo_form(live_server, assertion,
                                             scope="https://graph.microsoft.com/.default"))
    assert plain.status_code == 200, plain.text
    assert not {"client_info", "id_token", "refresh_token"} & set(plain.json())


def test_on_behalf_of_refuses_an_expired_assertion(live_server):
    expired = pane_token(live_server, lifetime="-600")
    result = confidential_app(live_server).acquire_token_on_behalf_of(expired, GRAPH_DEFAULT)
    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [500133]
    assert "access_token" not in result


def test_on_behalf_of_refuses_foreign_assertions(live_server):
    s = live_server.settings
    adele = user_by_mail(live_server, ADELE)
    claims = {"aud": s.api_audience, "oid": adele.id, "scp": "access_as_user",
              "preferred_username": ADELE, "azp": s.client_id}
    # Same issuer name and claims, but another authority's key.
    impostor = TokenIssuer(live_server.sandbox.issuer.issuer, live_server.tenant.id).mint(claims)
    # Our own authority's token, but for Graph rather than for our API.
    graph_token = live_server.sandbox.issuer.mint(dict(claims, aud=GRAPH_APP_ID))
    # Signed by us for our API, but for someone who is not in the directory.
    ghost = live_server.sandbox.issuer.mint(dict(claims, oid=str(uuid.uuid4())))
    # App-only token for our API: on-behalf-of needs a user.
    app_only = live_server.sandbox.issuer.mint({"aud": s.api_audience, "idtyp": "app",
                                                "oid": SERVICE_PRINCIPAL_ID})
    app = confidential_app(live_server)
    for assertion, code in ((impostor, 50013), (graph_token, 50013), ("not-a-jwt", 50013),
                            (ghost, 50034), (app_only, 50013)):
        result = app.acquire_token_on_behalf_of(assertion, GRAPH_DEFAULT)
        assert result.get("error") == "invalid_grant", result
        assert result["error_codes"] == [code]
    assert app.get_accounts() == []


# --- client credentials with MSAL ------------------------------------------------------------

def test_msal_client_credentials_returns_an_app_token(live_server):
    s = live_server.settings
    result = confidential_app(live_server).acquire_token_for_client(GRAPH_DEFAULT)
    assert "access_token" in result, result
    claims = verified_claims(live_server, result["access_token"], GRAPH_APP_ID)
    assert claims["roles"] == list(APP_GRAPH_ROLES)
    assert "scp" not in claims
    assert claims["oid"] == SERVICE_PRINCIPAL_ID
    assert claims["idtyp"] == "app"
    assert claims["azp"] == s.client_id
    assert claims["tid"] == live_server.tenant.id
    caller = graph_caller(live_server.sandbox.issuer, f"Bearer {result['access_token']}")
    assert caller.kind == "app" and caller.allows("Mail.ReadWrite")


def test_client_credentials_after_on_behalf_of_is_not_the_users_token(live_server):
    app = confidential_app(live_server)
    user = app.acquire_token_on_behalf_of(pane_token(live_server), GRAPH_DEFAULT)
    assert "access_token" in user, user
    app_token = app.acquire_token_for_client(GRAPH_DEFAULT)
    assert "access_token" in app_token, app_token
    assert app_token["access_token"] != user["access_token"]
    claims = verified_claims(live_server, app_token["access_token"], GRAPH_APP_ID)
    assert claims["idtyp"] == "app" and "scp" not in claims
    assert claims["oid"] == SERVICE_PRINCIPAL_ID
    # The second call is served from MSAL's cache, still as the app.
    again = app.acquire_token_for_client(GRAPH_DEFAULT)
    assert again["access_token"] == app_token["access_token"]


def test_client_credentials_needs_a_graph_default_scope(live_server):
    s = live_server.settings
    form = {"client_id": s.client_id, "client_secret": s.client_secret,
            "grant_type": "client_credentials"}
    assert_entra_error(token_post(live_server, dict(form, scope="https://graph.microsoft.com/"
                                                    "Mail.Read")), 400, "invalid_scope", 1002012)
    assert_entra_error(token_post(live_server, dict(form, scope=f"{s.api_audience}/.default")),
                       400, "invalid_resource", 500011)
    assert_entra_error(token_post(live_server, form), 400, "invalid_request", 900144)


# --- client authentication and malformed requests -----------------------------------------

def test_a_wrong_secret_fails_both_grants_with_msals_error_dict(live_server):
    app = confidential_app(live_server, secret="not-the-secret")
    for result in (app.acquire_token_for_client(GRAPH_DEFAULT),
                   app.acquire_token_on_behalf_of(pane_token(live_server), GRAPH_DEFAULT)):
        assert isinstance(result, dict)
        assert result["error"] == "invalid_client"
        assert result["error_codes"] == [7000215]
        assert result["error_description"].startswith("AADSTS7000215: ")
        assert "access_token" not in result


def test_client_authentication_by_http_basic_or_body(live_server):
    s = live_server.settings
    form = {"grant_type": "client_credentials", "scope": GRAPH_DEFAULT[0]}
    basic_ok = token_post(live_server, form, auth=(s.client_id, s.client_secret))
    assert basic_ok.status_code == 200, basic_ok.text
    assert "access_token" in basic_ok.json()
    assert_entra_error(token_post(live_server, form, auth=(s.client_id, "wrong")),
                       401, "invalid_client", 7000215)
    assert_entra_error(token_post(live_server, dict(form, client_id=s.client_id)),
                       401, "invalid_client", 7000218)
    assert_entra_error(token_post(live_server, form), 400, "invalid_request", 900144)
    body = assert_entra_error(
        token_post(live_server, dict(form, client_id=str(uuid.uuid4()),
                                     client_secret=s.client_secret)),
        400, "unauthorized_client", 700016)
    assert "not found in the directory" in body["error_description"]


def test_the_token_endpoint_refuses_other_grants_and_missing_parameters(live_server):
    s = live_server.settings
    creds = {"client_id": s.client_id, "client_secret": s.client_secret}
    assert_entra_error(token_post(live_server, dict(creds, grant_type="password",
                                                    username=ADELE, password="x")),
                       400, "unsupported_grant_type", 70003)
    assert_entra_error(token_post(live_server, creds), 400, "invalid_request", 900144)
    form = obo_form(live_server, pane_token(live_server))
    for missing in ("assertion", "scope", "requested_token_use"):
        partial = {k: v for k, v in form.items() if k != missing}
        body = assert_entra_error(token_post(live_server, partial), 400, "invalid_request",
                                  900144)
        assert f"'{missing}'" in body["error_description"]
    assert_entra_error(token_post(live_server, dict(form, scope="openid profile")),
                       400, "invalid_scope", 70011)
    response = live_server.session().get(f"{s.authority}/oauth2/v2.0/token")
    assert_entra_error(response, 405, "invalid_request", 900561)


def test_the_correlation_id_echoes_msals_client_request_id(live_server):
    request_id = str(uuid.uuid4())
    response = token_post(live_server, {"grant_type": "client_credentials"},
                          headers={"client-request-id": request_id})
    body = assert_entra_error(response, 400, "invalid_request", 900144)
    assert body["correlation_id"] == request_id


# --- simulated sign-in failures -------------------------------------------------------------

def test_a_user_without_consent_gets_consent_required(live_server_factory):
    live = live_server_factory(tenant=tenant_with({"alex@contoso.com": "consent_required"}))
    app = confidential_app(live)
    result = app.acquire_token_on_behalf_of(pane_token(live, "alex@contoso.com"), GRAPH_DEFAULT)
    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [65001]
    assert result["suberror"] == "consent_required"
    # Other users are unaffected.
    assert "access_token" in app.acquire_token_on_behalf_of(pane_token(live), GRAPH_DEFAULT)


def test_a_user_under_conditional_access_gets_a_claims_challenge(live_server_factory):
    live = live_server_factory(tenant=tenant_with({"megan@contoso.com": "interaction_required"}))
    response = token_post(live, obo_form(live, pane_token(live, "megan@contoso.com")))
    body = assert_entra_error(response, 400, "interaction_required", 50076)
    challenge = json.loads(body["claims"])
    assert challenge["access_token"]["capolids"]["essential"] is True
    result = confidential_app(live).acquire_token_on_behalf_of(
        pane_token(live, "megan@contoso.com"), GRAPH_DEFAULT)
    assert result["error"] == "interaction_required"
    assert json.loads(result["claims"]) == challenge


def test_the_fixture_refuses_an_unknown_sign_in_error():
    with pytest.raises(FixtureError, match="signInError 'locked_out'"):
        tenant_with({"alex@contoso.com": "locked_out"})
    assert tenant_with({"alex@contoso.com": "consent_required"}).user_by_mail(
        "alex@contoso.com").sign_in_error == "consent_required"


# --- /sandbox/token for the task pane -------------------------------------------------------

def test_the_pane_token_carries_entras_v2_claims(live_server):
    s = live_server.settings
    adele = user_by_mail(live_server, ADELE)
    response = live_server.session().get(f"{live_server.url}/sandbox/token",
                                         params={"user": "Adele@Contoso.com"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("no-store")
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = verified_claims(live_server, body["access_token"], s.api_audience)
    assert claims["iss"] == f"{s.authority}/v2.0"
    assert claims["aud"] == s.api_audience
    assert claims["tid"] == live_server.tenant.id
    assert claims["oid"] == adele.id
    assert claims["preferred_username"] == ADELE
    assert claims["name"] == adele.display_name
    assert claims["scp"] == "access_as_user"
    assert claims["azp"] == s.client_id
    assert claims["ver"] == "2.0"
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] <= claims["iat"] + 1
    assert "roles" not in claims


def test_the_pane_token_takes_roles_and_a_lifetime(live_server):
    token = pane_token(live_server, roles="RecallAssistant.Admin, Auditor", lifetime="120")
    claims = verified_claims(live_server, token, live_server.settings.api_audience)
    assert claims["roles"] == ["RecallAssistant.Admin", "Auditor"]
    assert claims["exp"] - claims["iat"] == 120


@pytest.mark.parametrize(("params", "status", "code"), [
    ({}, 400, "missing_user"),
    ({"user": "nobody@contoso.com"}, 404, "unknown_user"),
    ({"user": "support@contoso.com"}, 403, "sign_in_blocked"),
    ({"user": ADELE, "lifetime": "soon"}, 400, "invalid_lifetime"),
    ({"user": ADELE, "lifetime": "0"}, 400, "invalid_lifetime"),
    ({"user": ADELE, "roles": "Admin,<script>"}, 400, "invalid_roles"),
])
def test_the_pane_token_refuses_bad_requests(live_server, params, status, code):
    response = live_server.session().get(f"{live_server.url}/sandbox/token", params=params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


# --- latency --------------------------------------------------------------------------------

def test_every_identity_request_waits_the_configured_latency(live_server_factory):
    live = live_server_factory(options=SandboxOptions(latency_ms=300))
    session = live.session()
    for method, url in (("GET", live.settings.openid_configuration_url),
                        ("GET", f"{live.settings.authority}/discovery/v2.0/keys"),
                        ("POST", f"{live.settings.authority}/oauth2/v2.0/token"),
                        ("GET", f"{live.url}/sandbox/token?user={ADELE}")):
        started = time.monotonic()
        session.request(method, url)
        assert time.monotonic() - started >= 0.3, url
