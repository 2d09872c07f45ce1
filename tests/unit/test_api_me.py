"""Sign-in at the HTTP edge: ``GET /api/me`` and the ``require_user`` / ``require_admin`` guards."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import jwt
import pytest
from flask import g

from recall_assistant.api.context import require_admin, require_user
from recall_assistant.app import create_app
from tests.support.entra import (
    API_AUDIENCE,
    OTHER_TENANT_ID,
    TENANT_ID,
    USER_OID,
    FakeEntra,
    Key,
    entra_error,
    rsa_key,
    tenant_settings,
)


@pytest.fixture
def settings(tmp_path):
    return tenant_settings(tmp_path)


@pytest.fixture
def entra(settings, mocked_http):
    return FakeEntra(settings, mocked_http)


@pytest.fixture
def app(settings):
    app = create_app(settings)

    @app.get("/api/test/admin-only")
    @require_admin
    def admin_only():
        return {"ok": True}

    @app.get("/api/test/graph-twice")
    @require_user
    def graph_twice():
        return {"tokens": [g.graph_token(), g.graph_token()]}

    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def our_logs(caplog):
    """Records of the package's loggers (they do not propagate to the root logger)."""
    logger = logging.getLogger("recall_assistant")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    yield caplog
    logger.removeHandler(caplog.handler)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _tampered(entra: FakeEntra) -> str:
    header, _, signature = entra.mint().split(".")
    payload = _b64(entra.claims(oid="someone-else"))
    return f"{header}.{payload}.{signature}"


def _alg_none(entra: FakeEntra) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'key-1'})}.{_b64(entra.claims())}."


def _hs256_with_public_key(entra: FakeEntra) -> str:
    # The classic confusion attack: HMAC keyed with the (public) RSA key's PEM text.
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "key-1"})
    body = _b64(entra.claims())
    mac = hmac.new(entra.keys[0].public_pem(), f"{header}.{body}".encode(), hashlib.sha256)
    signature = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def _known_kid_wrong_key(entra: FakeEntra) -> str:
    return entra.mint(key=Key("key-1", rsa_key(99)))


def _graph_token(entra: FakeEntra) -> str:
    # Graph's tokens carry a nonce header and cannot be verified by us at all.
    return jwt.encode(entra.claims(aud="00000003-0000-0000-c000-000000000000"),
                      rsa_key(98), algorithm="RS256", headers={"kid": "graph-key", "nonce": "x"})


CASES = {
    # id: (Authorization header or None, expected error.code)
    "none": (lambda e: None, "missing_token"),
    "empty": (lambda e: "", "missing_token"),
    "bearer only": (lambda e: "Bearer ", "malformed_token"),
    "other scheme": (lambda e: "Basic YWRlbGU6cGFzcw==", "missing_token"),
    "not a jwt": (lambda e: "Bearer not-a-jwt", "malformed_token"),
    "garbage segments": (lambda e: "Bearer a.b.c", "malformed_token"),
    "alg none": (lambda e: f"Bearer {_alg_none(e)}", "unsupported_algorithm"),
    "hs256 with public key": (lambda e: f"Bearer {_hs256_with_public_key(e)}",
                              "unsupported_algorithm"),
    "expired": (lambda e: f"Bearer {e.mint(exp=int(e.clock()) - 3600)}", "expired"),
    "not yet valid": (lambda e: f"Bearer {e.mint(nbf=int(e.clock()) + 3600)}", "not_yet_valid"),
    "wrong aud": (lambda e: f"Bearer {e.mint(aud='api://someone-else')}", "wrong_audience"),
    "graph aud": (lambda e: f"Bearer {e.mint(aud='00000003-0000-0000-c000-000000000000')}",
                  "graph_audience"),
    "graph aud uri": (lambda e: f"Bearer {e.mint(aud='https://graph.microsoft.com')}",
                      "graph_audience"),
    "real graph token": (lambda e: f"Bearer {_graph_token(e)}", "graph_audience"),
    "wrong iss": (lambda e: f"Bearer {e.mint(iss='https://evil.example/v2.0')}", "wrong_issuer"),
    "other tenant": (lambda e: "Bearer " + e.mint(
        tid=OTHER_TENANT_ID, iss=f"https://login.microsoftonline.com/{OTHER_TENANT_ID}/v2.0"),
        "wrong_tenant"),
    "no scp": (lambda e: f"Bearer {e.mint(scp=None)}", "missing_scope"),
    "wrong scp": (lambda e: f"Bearer {e.mint(scp='User.Read Mail.Read')}", "missing_scope"),
    "no oid": (lambda e: f"Bearer {e.mint(oid=None)}", "missing_claims"),
    "no tid": (lambda e: f"Bearer {e.mint(tid=None)}", "missing_claims"),
    "tampered payload": (lambda e: f"Bearer {_tampered(e)}", "bad_signature"),
    "known kid, unknown key": (lambda e: f"Bearer {_known_kid_wrong_key(e)}", "bad_signature"),
    "unknown kid": (lambda e: f"Bearer {e.mint(kid='never-published')}", "unknown_key"),
    "100 KB token": (lambda e: "Bearer " + "a" * 100_000, "token_too_large"),
    "100 KB valid-looking token": (lambda e: f"Bearer {e.mint(pad='x' * 100_000)}",
                                   "token_too_large"),
}


@pytest.mark.parametrize(("make", "code"), CASES.values(), ids=CASES.keys())
def test_invalid_tokens_are_401_with_their_own_code_and_no_error_log(client, entra, our_logs,
                                                                     make, code):
    header = make(entra)
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/api/me", headers=headers)

    assert response.status_code == 401
    body = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith(f'Bearer realm="{API_AUDIENCE}"')
    if code == "missing_token":
        assert "error=" not in challenge  # RFC 6750 §3.1: no error code without credentials
    else:
        assert 'error="invalid_token"' in challenge
        assert 'error_description="' in challenge
    assert not [r for r in our_logs.records if r.levelno >= logging.ERROR]
    # The rejection is logged (quietly), and never with the token in it.
    rejections = [r for r in our_logs.records if "bearer token rejected" in r.getMessage()]
    assert rejections and all(r.levelno <= logging.INFO for r in rejections)
    if header and len(header) > 20:
        assert all(header[7:60] not in r.getMessage() for r in our_logs.records)


def test_an_oversized_token_is_refused_without_asking_the_authority(client, entra):
    response = client.get("/api/me", headers=bearer(entra.mint(pad="x" * 100_000)))
    assert response.status_code == 401
    assert len(entra.mock.calls) == 0  # refused before any parsing or key look-up


def test_me_returns_the_caller_without_calling_graph(client, entra):
    response = client.get("/api/me", headers=bearer(entra.mint()))
    assert response.status_code == 200
    assert response.get_json() == {"oid": USER_OID, "tid": TENANT_ID,
                                   "address": "adele@contoso.com", "name": "Adele Vance",
                                   "isAdmin": False}
    assert response.headers["Cache-Control"] == "no-store"
    assert entra.token_requests() == []  # no on-behalf-of exchange for a route without Graph


def test_the_admin_role_is_recognised(client, entra, settings):
    token = entra.mint(roles=[settings.admin_role])
    assert client.get("/api/me", headers=bearer(token)).get_json()["isAdmin"] is True
    assert client.get("/api/test/admin-only", headers=bearer(token)).status_code == 200


def test_admin_routes_refuse_other_users_with_403(client, entra):
    response = client.get("/api/test/admin-only", headers=bearer(entra.mint(roles=["Reader"])))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "admin_required"
    assert client.get("/api/test/admin-only").status_code == 401


def test_graph_token_is_exchanged_lazily_and_once(client, entra):
    response = client.get("/api/test/graph-twice", headers=bearer(entra.mint()))
    assert response.status_code == 200
    assert response.get_json() == {"tokens": ["graph-user-1", "graph-user-1"]}
    assert len(entra.token_requests()) == 1


def test_consent_required_reaches_the_pane_as_a_403_with_the_claims(client, entra):
    claims = '{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}'
    entra.token_replies.append(entra_error("interaction_required", 50076, claims=claims))
    response = client.get("/api/test/graph-twice", headers=bearer(entra.mint()))
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "consent_required"
    assert error["details"]["claims"] == claims


def test_authority_down_is_503_with_retry_after(client, entra):
    entra.down.add("discovery")
    response = client.get("/api/me", headers=bearer(entra.mint()))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "authority_unavailable"
    assert response.headers["Retry-After"] == "5"


def test_multi_tenant_allow_list_at_the_edge(tmp_path, mocked_http):
    settings = tenant_settings(tmp_path, RA_ALLOWED_TENANTS=OTHER_TENANT_ID)
    entra = FakeEntra(settings, mocked_http)
    client = create_app(settings).test_client()
    other = entra.mint(tid=OTHER_TENANT_ID,
                       iss=f"https://login.microsoftonline.com/{OTHER_TENANT_ID}/v2.0")
    response = client.get("/api/me", headers=bearer(other))
    assert response.status_code == 200
    assert response.get_json()["tid"] == OTHER_TENANT_ID
    third = "12345678-1234-1234-1234-123456789abc"
    response = client.get("/api/me", headers=bearer(entra.mint(
        tid=third, iss=f"https://login.microsoftonline.com/{third}/v2.0")))
    assert response.get_json()["error"]["code"] == "wrong_tenant"
