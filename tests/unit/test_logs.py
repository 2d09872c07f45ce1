"""Structured logs: one JSON object a line, the request id and tenant, never a token."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import responses

from recall_assistant.app import create_app
from recall_assistant.config import load_settings
from recall_assistant.logs import JsonFormatter, RequestIdFilter, redact
from tests.support.entra import TENANT_ID, FakeEntra, tenant_env, tenant_settings


@pytest.fixture
def settings(tmp_path):
    return tenant_settings(tmp_path, RA_LOG_FORMAT="json", RA_LOG_LEVEL="DEBUG")


@pytest.fixture
def entra(settings, mocked_http):
    return FakeEntra(settings, mocked_http)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def log_lines(app):
    """What the package's log handler writes, line by line (the app configured it)."""
    logger = logging.getLogger("recall_assistant")
    handler = next(h for h in logger.handlers
                   if any(isinstance(f, RequestIdFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    handler.setStream(previous)


def parsed(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


def test_format_defaults_json_in_tenant_mode_and_text_in_sandbox(tmp_path):
    assert load_settings(tenant_env(tmp_path)).log_format == "json"
    sandbox = {"RA_MODE": "sandbox", "RA_DATA_DIR": str(tmp_path)}
    assert load_settings(sandbox).log_format == "text"
    assert load_settings({**sandbox, "RA_LOG_FORMAT": "json"}).log_format == "json"


def test_every_line_is_one_json_object_with_the_request_id(client, entra, log_lines):
    response = client.get("/api/me", headers={"Authorization": f"Bearer {entra.mint()}"})
    assert response.status_code == 200
    entries = parsed(log_lines())
    assert entries
    request_id = response.headers["X-Request-ID"]
    for entry in entries:
        assert {"time", "level", "logger", "message", "requestId"} <= entry.keys()
        assert entry["time"].endswith("Z")
    access = [e for e in entries if e["logger"] == "recall_assistant.access"]
    assert len(access) == 1
    assert access[0]["requestId"] == request_id


def test_the_access_line_names_route_status_duration_and_tenant(client, entra, log_lines):
    client.get("/api/recalls/some-recall-id", headers={"Authorization": f"Bearer {entra.mint()}"})
    (access,) = [e for e in parsed(log_lines()) if e["logger"] == "recall_assistant.access"]
    assert access["level"] == "INFO"
    assert access["method"] == "GET"
    assert access["route"] == "/api/recalls/<action_id>"  # the rule, not the path
    assert access["status"] == 404
    assert isinstance(access["durationMs"], int | float) and access["durationMs"] >= 0
    assert access["tenantId"] == TENANT_ID
    assert "some-recall-id" not in json.dumps(access)


def test_no_tenant_before_a_valid_token(client, log_lines):
    client.post("/api/eligibility", json={})
    (access,) = [e for e in parsed(log_lines()) if e["logger"] == "recall_assistant.access"]
    assert access["status"] == 401
    assert "tenantId" not in access


def test_a_bearer_token_never_reaches_any_log_line(app, client, entra, log_lines):
    token = entra.mint()
    signature = token.rsplit(".", 1)[1]

    @app.get("/api/test/crash")
    def crash():
        # The worst case: an error whose message quotes the token.
        raise RuntimeError(f"could not use {token}")

    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/me", headers=headers)
    client.post("/api/eligibility", json={"itemId": "x"},
                headers={"Authorization": f"Bearer {token[:-4]}AAAA"})  # bad signature
    client.get("/api/test/crash", headers=headers)
    lines = log_lines()
    assert any("Traceback" in e.get("exception", "") for e in parsed(lines))
    for line in lines:
        assert token not in line
        assert signature not in line
        assert token.split(".")[1] not in line  # not even the claims


def test_what_a_correction_says_is_not_logged(client, entra, mocked_http, log_lines):
    secret = "The quarterly numbers were wrong by 12 percent"
    not_found = {"error": {"code": "ErrorItemNotFound", "message": "Not found."}}

    def batch(request):  # the message comes in a $batch with its folder and the domains
        answers = [{"id": r["id"], "status": 404, "body": not_found}
                   for r in json.loads(request.body)["requests"]]
        return 200, {}, json.dumps({"responses": answers})

    mocked_http.add_callback(responses.POST, "https://graph.microsoft.com/v1.0/$batch", batch,
                             content_type="application/json")
    mocked_http.add(responses.GET, re.compile(r"https://graph\.microsoft\.com/.*"), status=404,
                    json=not_found)
    response = client.post("/api/corrections/preview",
                           json={"messageId": "AAMkAGI2", "templateId": "please-disregard",
                                 "fields": {"note": secret}},
                           headers={"Authorization": f"Bearer {entra.mint()}"})
    assert response.status_code == 404  # got as far as Graph, which did not find the message
    lines = log_lines()
    assert any('"route": "/api/corrections/preview"' in line for line in lines)
    assert all("quarterly" not in line for line in lines)


@pytest.mark.parametrize("text", [
    "Authorization: Bearer abcdefghijklmnop",
    "token eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJ4In0.c2lnbmF0dXJlLXBhcnQ",
])
def test_anything_like_a_token_is_redacted(text):
    assert "[redacted]" in redact(text)
    assert "abcdefghijklmnop" not in redact(text)
    assert "c2lnbmF0dXJlLXBhcnQ" not in redact(text)


def test_plain_words_are_not_redacted():
    text = 'Bearer realm="api://x", bearer token rejected: expired'
    assert redact(text) == text


def test_json_lines_outside_a_request_have_a_null_request_id():
    record = logging.LogRecord("recall_assistant.x", logging.WARNING, __file__, 1,
                               "hello %s", ("world",), None)
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello world"
    assert entry["requestId"] is None
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "recall_assistant.x"


def test_the_text_format_keeps_the_request_id(tmp_path):
    app = create_app(tenant_settings(tmp_path, RA_LOG_FORMAT="text"))
    handler = next(h for h in logging.getLogger("recall_assistant").handlers
                   if any(isinstance(f, RequestIdFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        response = app.test_client().post("/api/eligibility", json={})
    finally:
        handler.setStream(previous)
    request_id = response.headers["X-Request-ID"]
    lines = stream.getvalue().splitlines()
    assert any(f"[{request_id}]" in line and "POST /api/eligibility 401" in line for line in lines)
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])
