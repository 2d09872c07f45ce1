"""Sign-in end to end: a sandbox token for the pane, ``/api/me`` over HTTPS, and a real
on-behalf-of exchange by MSAL against the sandbox's Entra ID stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recall_assistant.errors import RecallAssistantError
from recall_assistant.sandbox.fixture import default_fixture_path, parse_tenant
from recall_assistant.sandbox.tokens import graph_caller

ADELE = "adele@contoso.com"


def pane_token(live, user: str = ADELE, **params: str) -> str:
    response = live.session().get(f"{live.url}/sandbox/token", params={"user": user, **params})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def get_me(live, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return live.session().get(f"{live.url}/api/me", headers=headers)


def runtime_of(live):
    return live.app.extensions["recall_assistant"]


def tenant_with(sign_in_errors: dict[str, str]):
    raw = json.loads(Path(default_fixture_path()).read_text(encoding="utf-8"))
    for user in raw["users"]:
        if user["mail"] in sign_in_errors:
            user["signInError"] = sign_in_errors[user["mail"]]
    return parse_tenant(raw)


def test_a_sandbox_token_signs_the_pane_in(live_server):
    response = get_me(live_server, pane_token(live_server))
    assert response.status_code == 200, response.text
    adele = live_server.tenant.user_by_mail(ADELE)
    assert response.json() == {"oid": adele.id, "tid": live_server.tenant.id, "address": ADELE,
                               "name": adele.display_name, "isAdmin": False}


def test_the_admin_role_in_a_sandbox_token_is_recognised(live_server):
    token = pane_token(live_server, roles=live_server.settings.admin_role)
    assert get_me(live_server, token).json()["isAdmin"] is True


@pytest.mark.parametrize(("token", "code"), [
    (None, "missing_token"),
    ("not-a-jwt", "malformed_token"),
    ("expired", "expired"),
])
def test_bad_tokens_are_401_over_https(live_server, token, code):
    if token == "expired":
        token = pane_token(live_server, lifetime="-600")
    response = get_me(live_server, token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")


def test_on_behalf_of_exchange_against_the_sandbox(live_server):
    rt = runtime_of(live_server)
    caller = rt.token_validator.validate(pane_token(live_server))
    graph_token = rt.graph_tokens.for_user(caller)

    # The sandbox's Graph accepts it as Adele's delegated token.
    seen = graph_caller(live_server.sandbox.issuer, f"Bearer {graph_token}")
    assert seen.kind == "delegated"
    assert seen.user_id == caller.oid
    assert rt.graph_tokens.for_user(caller) == graph_token  # the second one comes from the cache


def test_app_only_token_against_the_sandbox_is_not_a_users(live_server):
    rt = runtime_of(live_server)
    caller = rt.token_validator.validate(pane_token(live_server))
    rt.graph_tokens.for_user(caller)
    seen = graph_caller(live_server.sandbox.issuer, f"Bearer {rt.graph_tokens.for_app()}")
    assert seen.kind == "app"
    assert seen.user_id is None


@pytest.mark.parametrize(("sign_in_error", "reason", "has_claims"), [
    ("consent_required", "consent", False),
    ("interaction_required", "claims_challenge", True),
])
def test_sandbox_consent_and_mfa_challenges_reach_the_pane(live_server_factory, sign_in_error,
                                                           reason, has_claims):
    live = live_server_factory(tenant=tenant_with({ADELE: sign_in_error}))
    rt = runtime_of(live)
    caller = rt.token_validator.validate(pane_token(live))
    with pytest.raises(RecallAssistantError) as caught:
        rt.graph_tokens.for_user(caller)
    assert (caught.value.status, caught.value.code) == (403, "consent_required")
    assert caught.value.details["reason"] == reason
    assert (caught.value.details["claims"] is not None) is has_claims


def test_profile_route_exchanges_on_behalf_of_and_calls_graph_me(live_server):
    token = pane_token(live_server)
    response = live_server.session().get(f"{live_server.url}/api/me/profile",
                                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json() == {"id": "1a2b3c4d-0000-0000-0000-000000000001",
                               "displayName": "Adele Vance", "mail": ADELE,
                               "businessPhones": ["+1 425 555 0100"]}


def test_profile_route_passes_a_consent_challenge_to_the_pane(live_server_factory):
    live = live_server_factory(tenant=tenant_with({ADELE: "interaction_required"}))
    response = live.session().get(f"{live.url}/api/me/profile",
                                  headers={"Authorization": f"Bearer {pane_token(live)}"})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "consent_required"
    assert error["details"]["claims"]
