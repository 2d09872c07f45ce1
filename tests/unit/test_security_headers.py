"""Security headers on pages, API answers and errors; the body limit before any view runs."""

from __future__ import annotations

import io

import pytest
from flask import request

from recall_assistant.api.security import OUTLOOK_FRAME_ANCESTORS, page_policy
from recall_assistant.app import create_app
from tests.support import sandbox_settings
from tests.support.entra import tenant_settings


@pytest.fixture
def settings(tmp_path):
    # Served from a real host name (HSTS is left out on localhost, see below).
    return sandbox_settings(tmp_path, 3000, RA_PUBLIC_URL="https://addin.contoso.com")


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def responses_by_kind(client):
    """A page, an API answer and an error answer of the same app."""
    return {
        "page": client.get("/taskpane.html"),
        "api": client.get("/api/config"),
        "error": client.post("/api/eligibility", json={}),  # no token: 401
    }


KINDS = ("page", "api", "error")


def test_the_three_kinds_are_what_the_tests_below_assume(responses_by_kind):
    assert responses_by_kind["page"].status_code == 200
    assert responses_by_kind["page"].mimetype == "text/html"
    assert responses_by_kind["api"].status_code == 200
    assert responses_by_kind["error"].status_code == 401


@pytest.mark.parametrize("kind", KINDS)
def test_hsts_for_a_year_with_subdomains(responses_by_kind, kind):
    assert (responses_by_kind[kind].headers["Strict-Transport-Security"]
            == "max-age=31536000; includeSubDomains")


@pytest.mark.parametrize("kind", KINDS)
def test_no_content_sniffing(responses_by_kind, kind):
    assert responses_by_kind[kind].headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("kind", KINDS)
def test_referrer_policy(responses_by_kind, kind):
    assert responses_by_kind[kind].headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("kind", KINDS)
def test_every_response_has_a_content_security_policy(responses_by_kind, kind):
    policy = directives(responses_by_kind[kind].headers["Content-Security-Policy"])
    assert "'unsafe-eval'" not in sum(policy.values(), [])
    assert policy["frame-ancestors"]  # never frameable by just anyone


@pytest.mark.parametrize("kind", ("api", "error"))
def test_api_answers_allow_nothing_as_a_document(responses_by_kind, kind):
    policy = directives(responses_by_kind[kind].headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_api_answers_are_not_cached_unless_the_view_says_so(responses_by_kind):
    assert responses_by_kind["error"].headers["Cache-Control"] == "no-store"
    # /api/config holds only public values and says so itself.
    assert responses_by_kind["api"].headers["Cache-Control"] == "public, max-age=300"


def test_page_policy_allows_office_js_and_no_inline_script(responses_by_kind):
    policy = directives(responses_by_kind["page"].headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", "https://appsforoffice.microsoft.com",
                                    "https://ajax.aspnetcdn.com"]
    assert policy["style-src"] == ["'self'"]  # no inline <style>, no foreign style sheets
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    # In sandbox mode the authority is the sandbox, on our own origin.
    assert policy["connect-src"] == ["'self'"]


def test_page_policy_lets_outlook_hosts_frame_the_pane(responses_by_kind):
    ancestors = directives(responses_by_kind["page"].headers["Content-Security-Policy"])[
        "frame-ancestors"]
    assert ancestors == ["'self'", *OUTLOOK_FRAME_ANCESTORS]
    for host in ("https://*.office.com", "https://*.office365.com", "https://*.outlook.com",
                 "https://*.live.com", "https://*.cloud.microsoft"):
        assert host in ancestors


def test_no_hsts_for_localhost_where_it_would_outlive_the_demo(tmp_path):
    app = create_app(sandbox_settings(tmp_path, 3000))  # https://localhost:3000
    response = app.test_client().get("/taskpane.html")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_page_policy_in_tenant_mode_lets_msal_reach_the_authority(tmp_path):
    policy = directives(page_policy(tenant_settings(tmp_path)))
    assert policy["connect-src"] == ["'self'", "https://login.microsoftonline.com"]


def test_no_x_frame_options_that_would_keep_outlook_from_framing_the_pane(responses_by_kind):
    assert "X-Frame-Options" not in responses_by_kind["page"].headers


def test_a_view_may_set_its_own_policy(app, client):
    @app.get("/own-policy")
    def own_policy():
        return "<p>x</p>", 200, {"Content-Security-Policy": "default-src 'none'"}

    assert client.get("/own-policy").headers["Content-Security-Policy"] == "default-src 'none'"


def test_a_too_large_body_is_refused_before_the_view_runs(app, client):
    ran = []

    @app.post("/api/echo-size")
    def echo_size():
        ran.append(True)
        return {"ok": True}

    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/echo-size", data=b"x" * (limit + 1),
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert response.get_json()["error"]["details"] == {"maxBytes": limit}
    assert ran == []
    # Just under the limit the view runs.
    assert client.post("/api/echo-size", data=b"x" * limit).status_code == 200
    assert ran == [True]


def test_a_too_large_body_is_refused_before_the_token_is_even_looked_at(client, settings):
    # A real mutating route, no token: the size is refused first (413, not 401).
    response = client.post("/api/recalls", data=b"{" + b" " * settings.max_body_bytes + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_the_body_limit_follows_the_setting(tmp_path):
    app = create_app(sandbox_settings(tmp_path, 3000, RA_MAX_BODY_BYTES="2048"))
    client = app.test_client()
    assert client.post("/api/recalls", data=b"x" * 2049).status_code == 413
    assert client.post("/api/recalls", data=b"x" * 2048).status_code == 401  # past the limit check


def post_chunked(client, path: str, body: bytes):
    """A body as a server hands on a chunked one: no length, the stream's end marked."""
    return client.post(path, headers={"Transfer-Encoding": "chunked"},
                       content_type="application/json",
                       environ_overrides={"wsgi.input": io.BytesIO(body),
                                          "wsgi.input_terminated": True})


def test_a_chunked_body_past_the_limit_is_413_before_the_view_runs(app, client):
    ran = []

    @app.post("/api/echo-chunked")
    def echo_chunked():
        ran.append(request.get_data())
        return {"ok": True}

    limit = app.config["MAX_CONTENT_LENGTH"]
    response = post_chunked(client, "/api/echo-chunked", b"x" * (limit + 1))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert response.get_json()["error"]["details"] == {"maxBytes": limit}
    assert ran == []


def test_a_chunked_body_within_the_limit_reaches_the_view_whole(app, client):
    seen = []

    @app.post("/api/echo-chunked")
    def echo_chunked():
        seen.append(request.get_data())
        return {"ok": True}

    body = b'{"a": "' + b"y" * (app.config["MAX_CONTENT_LENGTH"] - 9) + b'"}'
    assert len(body) == app.config["MAX_CONTENT_LENGTH"]
    assert post_chunked(client, "/api/echo-chunked", body).status_code == 200
    assert seen == [body]


def test_a_chunked_body_past_the_limit_on_a_real_route_is_413_not_invalid_json(client, settings):
    # Before the limit held on the bytes read, this was 401 (no token) or 400 invalid_json.
    response = post_chunked(client, "/api/recalls", b"{" + b" " * settings.max_body_bytes + b"}")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
