"""Graph tokens: the on-behalf-of exchange, its cache, app-only tokens, and MSAL's errors."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from recall_assistant.auth.obo import REFRESH_MARGIN_S, GraphTokens
from recall_assistant.auth.tokens import Caller
from recall_assistant.config import load_settings
from recall_assistant.errors import ConfigError, RecallAssistantError
from tests.support import sandbox_settings
from tests.support.entra import (
    TENANT_ID,
    USER_OID,
    Clock,
    FakeEntra,
    entra_error,
    new_session,
    tenant_env,
    tenant_settings,
)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def settings(tmp_path):
    return tenant_settings(tmp_path)


@pytest.fixture
def entra(settings, mocked_http, clock):
    return FakeEntra(settings, mocked_http, clock=clock)


@pytest.fixture
def tokens(settings, clock):
    return GraphTokens(settings, new_session(), clock=clock)


@pytest.fixture
def our_logs(caplog):
    """Records of the package's loggers (they do not propagate to the root logger)."""
    logger = logging.getLogger("recall_assistant")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="recall_assistant")
    yield caplog
    logger.removeHandler(caplog.handler)


def caller_for(entra: FakeEntra, **claims) -> Caller:
    return Caller(oid=USER_OID, tid=TENANT_ID, address="adele@contoso.com", name="Adele",
                  roles=(), is_admin=False, scopes=frozenset({"access_as_user"}),
                  assertion=entra.mint(**claims))


def failure(action) -> RecallAssistantError:
    with pytest.raises(RecallAssistantError) as caught:
        action()
    return caught.value


def test_on_behalf_of_exchanges_the_callers_token_for_graph(entra, tokens, settings):
    caller = caller_for(entra)
    assert tokens.for_user(caller) == "graph-user-1"
    [sent] = entra.token_requests()
    assert sent["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert sent["requested_token_use"] == "on_behalf_of"
    assert sent["assertion"] == caller.assertion
    assert "https://graph.microsoft.com/.default" in sent["scope"].split()
    assert sent["client_id"] == settings.client_id


def test_msal_uses_our_session_with_a_timeout(entra, tokens, settings):
    tokens.for_user(caller_for(entra))
    [call] = entra.calls("POST", entra.token_url)
    assert call.request.req_kwargs["timeout"] == settings.http_timeout_s


def test_a_second_call_is_served_from_the_cache(entra, tokens):
    caller = caller_for(entra)
    assert tokens.for_user(caller) == "graph-user-1"
    assert tokens.for_user(caller) == "graph-user-1"
    assert len(entra.token_requests()) == 1


def test_each_caller_token_has_its_own_cache_entry(entra, tokens):
    assert tokens.for_user(caller_for(entra)) == "graph-user-1"
    assert tokens.for_user(caller_for(entra, oid="someone-else")) == "graph-user-2"
    assert len(entra.token_requests()) == 2


def test_a_token_near_expiry_is_exchanged_again(entra, tokens, clock):
    caller = caller_for(entra)
    tokens.for_user(caller)
    clock.advance(3600 - REFRESH_MARGIN_S - 5)
    assert tokens.for_user(caller) == "graph-user-1"
    clock.advance(10)  # now within five minutes of expiry
    assert tokens.for_user(caller) == "graph-user-2"
    assert len(entra.token_requests()) == 2


def test_a_claims_challenge_bypasses_the_cache_and_is_sent(entra, tokens):
    caller = caller_for(entra)
    tokens.for_user(caller)
    challenge = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}'
    assert tokens.for_user(caller, claims_challenge=challenge) == "graph-user-2"
    assert json.loads(entra.token_requests()[-1]["claims"]) == json.loads(challenge)


def test_app_only_tokens_use_client_credentials_and_a_separate_cache(entra, tokens):
    assert tokens.for_user(caller_for(entra)) == "graph-user-1"
    # Were the two grants to share one MSAL cache, this could return the user's token.
    assert tokens.for_app() == "graph-app-2"
    assert tokens.for_app() == "graph-app-2"  # MSAL's own cache serves the second
    grants = [r["grant_type"] for r in entra.token_requests()]
    assert grants == ["urn:ietf:params:oauth:grant-type:jwt-bearer", "client_credentials"]
    assert entra.token_requests()[1]["scope"] == "https://graph.microsoft.com/.default"


@pytest.mark.parametrize(("reply", "code", "reason"), [
    (entra_error("invalid_grant", 65001, suberror="consent_required"), "consent_required", "consent"),
    (entra_error("interaction_required", 50076,
                 claims='{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}'),
     "consent_required", "claims_challenge"),
    (entra_error("interaction_required", 50079), "consent_required", "interaction"),
])
def test_consent_and_interaction_become_a_403_the_pane_can_act_on(entra, tokens, reply, code,
                                                                  reason, our_logs):
    entra.token_replies.append(reply)
    error = failure(lambda: tokens.for_user(caller_for(entra)))
    assert (error.status, error.code) == (403, code)
    assert error.details["reason"] == reason
    assert error.details["claims"] == reply[1].get("claims")
    assert not [r for r in our_logs.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("aadsts", [500133, 50013])
def test_an_expired_or_invalid_assertion_is_a_retryable_401(entra, tokens, aadsts):
    entra.token_replies.append(entra_error("invalid_grant", aadsts))
    error = failure(lambda: tokens.for_user(caller_for(entra)))
    assert (error.status, error.code) == (401, "token_expired")
    assert error.details == {"retryable": True}
    assert error.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_rejected_app_credentials_are_a_502_not_a_500(entra, tokens, our_logs):
    entra.token_replies.append(entra_error("invalid_client", 7000215))
    error = failure(lambda: tokens.for_user(caller_for(entra)))
    assert (error.status, error.code) == (502, "app_credentials_rejected")
    assert "s3cret" not in error.message
    assert any("RA_CLIENT_SECRET" in r.getMessage() for r in our_logs.records
               if r.levelno == logging.WARNING)


def test_any_other_refusal_is_a_502_with_a_clear_code(entra, tokens):
    entra.token_replies.append(entra_error("unauthorized_client", 700016))
    error = failure(lambda: tokens.for_user(caller_for(entra)))
    assert (error.status, error.code) == (502, "token_exchange_failed")


def test_temporarily_unavailable_is_a_503(entra, tokens):
    entra.token_replies.append(entra_error("temporarily_unavailable", 90033))
    error = failure(lambda: tokens.for_user(caller_for(entra)))
    assert (error.status, error.code) == (503, "authority_unavailable")


def test_app_only_consent_missing_needs_an_administrator(entra, tokens):
    entra.token_replies.append(entra_error("invalid_grant", 65001, suberror="consent_required"))
    error = failure(tokens.for_app)
    assert (error.status, error.code) == (403, "admin_consent_required")


@pytest.mark.parametrize("fault", [
    requests.ConnectionError("refused"),
    requests.Timeout("slow"),
    (500, "<html>Service Unavailable</html>"),
    (503, {"error": "temporarily_unavailable"}),
    (200, "not json at all"),
])
def test_an_unreachable_or_broken_token_endpoint_is_503(entra, tokens, fault):
    entra.token_replies.append(fault)
    error = failure(lambda: tokens.for_user(caller_for(entra)))
    assert (error.status, error.code) == (503, "authority_unavailable")
    assert error.headers["Retry-After"] == "5"
    assert "refused" not in error.message and "Traceback" not in error.message


def test_an_unreachable_authority_at_first_use_is_503_and_recovers(entra, tokens):
    entra.down.add("discovery")
    error = failure(lambda: tokens.for_user(caller_for(entra)))
    assert (error.status, error.code) == (503, "authority_unavailable")
    entra.down.clear()
    assert tokens.for_user(caller_for(entra)) == "graph-user-1"


def test_failures_are_not_cached_as_tokens(entra, tokens):
    caller = caller_for(entra)
    entra.token_replies.append(requests.ConnectionError("refused"))
    failure(lambda: tokens.for_user(caller))
    assert tokens.for_user(caller) == "graph-user-1"


def test_a_local_authority_needs_no_instance_discovery(tmp_path, mocked_http, clock):
    # Sandbox-shaped settings: MSAL must not ask login.microsoftonline.com about localhost
    # (with `responses`, any request not scripted here fails the call).
    settings = sandbox_settings(tmp_path, 3443)
    entra = FakeEntra(settings, mocked_http, clock=clock)
    tokens = GraphTokens(settings, new_session(), clock=clock)
    assert tokens.for_user(caller_for(entra, aud=settings.api_audience)) == "graph-user-1"
    assert tokens.scopes == ["https://graph.microsoft.com/.default"]
    hosts = {c.request.url.split("/")[2] for c in mocked_http.calls}
    assert hosts == {"localhost:3443"}


def test_the_graph_resource_follows_a_national_cloud_graph_url(tmp_path):
    settings = tenant_settings(tmp_path, RA_GRAPH_URL="https://graph.microsoft.us")
    assert GraphTokens(settings, new_session()).scopes == ["https://graph.microsoft.us/.default"]


# --- a certificate instead of a secret ------------------------------------------------------

def _certificate_file(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "recall-assistant")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    path = tmp_path / "app.pem"
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()))
    return path, cert.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - what Entra ID shows


def test_a_certificate_replaces_the_secret(tmp_path, mocked_http, clock):
    path, thumbprint = _certificate_file(tmp_path)
    env = tenant_env(tmp_path, RA_CLIENT_CERT_PATH=str(path), RA_CLIENT_CERT_THUMBPRINT=thumbprint)
    del env["RA_CLIENT_SECRET"]
    settings = load_settings(env)
    entra = FakeEntra(settings, mocked_http, clock=clock)
    assert GraphTokens(settings, new_session(), clock=clock).for_user(caller_for(entra))
    [sent] = entra.token_requests()
    assert sent["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert sent["client_assertion"].count(".") == 2
    assert "client_secret" not in sent
    assert "Authorization" not in entra.calls("POST", entra.token_url)[0].request.headers


def test_tenant_mode_needs_a_secret_or_a_certificate(tmp_path):
    env = tenant_env(tmp_path)
    del env["RA_CLIENT_SECRET"]
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert caught.value.problems == [
        "RA_CLIENT_SECRET is missing: tenant mode needs it (or a certificate in RA_CLIENT_CERT_PATH)."
    ]


@pytest.mark.parametrize(("extra", "problem"), [
    ({"RA_CLIENT_CERT_PATH": "/nonexistent/app.pem"}, "is not a readable file."),
    ({"RA_CLIENT_CERT_PATH": "{not_pem}"}, "must be a PEM file with the private key and the certificate."),
    ({"RA_CLIENT_CERT_THUMBPRINT": "abc"}, "is not a SHA-1 thumbprint (40 hex digits)."),
])
def test_certificate_settings_are_checked_one_line_each(tmp_path, extra, problem):
    not_pem = tmp_path / "plain.txt"
    not_pem.write_text("hello")
    env = tenant_env(tmp_path, **{k: v.format(not_pem=not_pem) for k, v in extra.items()})
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert any(line.endswith(problem) for line in caught.value.problems), caught.value.problems
