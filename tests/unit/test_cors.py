"""CORS on /api: only the configured origins (RA_ALLOWED_ORIGINS) are let in."""

from __future__ import annotations

import pytest

from recall_assistant.app import create_app
from tests.support import sandbox_settings

ALLOWED = "https://intranet.contoso.com"
REFUSED = ("https://evil.example", "null", "http://intranet.contoso.com",
           "https://intranet.contoso.com.evil.example")
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"}


@pytest.fixture
def client(tmp_path):
    settings = sandbox_settings(tmp_path, 3000, RA_ALLOWED_ORIGINS=f"{ALLOWED}, https://other.contoso.com")
    return create_app(settings).test_client()


def cors_headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("Access-Control-")}


def test_preflight_from_an_allowed_origin_lists_what_the_api_uses(client):
    response = client.options("/api/recalls", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    allowed_headers = {h.strip().lower()
                       for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed_headers == {"authorization", "content-type", "idempotency-key", "x-request-id"}
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers  # bearer tokens, no cookies


def test_a_request_from_an_allowed_origin_may_read_the_answer(client):
    response = client.get("/api/config", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]


def test_an_error_for_an_allowed_origin_is_readable_too(client):
    response = client.post("/api/eligibility", json={}, headers={"Origin": ALLOWED})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize("origin", REFUSED)
def test_preflight_from_a_refused_origin_is_403_with_no_cors_headers(client, origin):
    response = client.options("/api/recalls", headers={"Origin": origin, **PREFLIGHT})
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "origin_not_allowed"
    assert error["requestId"] == response.headers["X-Request-ID"]
    assert cors_headers(response) == {}


@pytest.mark.parametrize("origin", REFUSED)
def test_a_simple_request_from_a_refused_origin_gets_no_cors_headers(client, origin):
    response = client.get("/api/config", headers={"Origin": origin})
    assert response.status_code == 200  # served, but the browser keeps it from the page
    assert cors_headers(response) == {}
    assert "Origin" in response.headers["Vary"]


def test_the_add_ins_own_origin_is_always_allowed(client):
    # Browsers send Origin on same-origin POSTs too.
    response = client.options("/api/eligibility",
                              headers={"Origin": "https://localhost:3000", **PREFLIGHT})
    assert response.status_code == 204


def test_no_origin_list_means_no_cross_origin_caller(tmp_path):
    client = create_app(sandbox_settings(tmp_path, 3000)).test_client()
    response = client.options("/api/eligibility", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 403
    assert cors_headers(response) == {}


def test_pages_get_no_cors_headers(client):
    response = client.get("/taskpane.html", headers={"Origin": ALLOWED})
    assert cors_headers(response) == {}


def test_a_plain_options_request_is_not_a_preflight(client):
    # No Access-Control-Request-Method: Flask's own answer with Allow.
    response = client.options("/api/recalls")
    assert response.status_code == 200
    assert "POST" in response.headers["Allow"]
