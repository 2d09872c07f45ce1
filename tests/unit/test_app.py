"""The app factory: the JSON error model for every error, request ids, probes."""

from __future__ import annotations

import logging

import pytest

from recall_assistant.errors import Conflict


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["requestId"] == response.headers["X-Request-ID"]
    return error


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unknown_api_path_is_json_404(client):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")


def test_unknown_page_is_json_404_too(client):
    assert_error(client.get("/nothing-here"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/healthz")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_too_large_body_is_json_413(app, client):
    @app.post("/api/echo-size")
    def echo_size():
        from flask import request

        return {"size": len(request.get_data())}

    response = client.post("/api/echo-size", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert_error(response, 413, "payload_too_large")


def test_unexpected_exception_is_json_500_and_logged_with_request_id(app, client, caplog):
    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="recall_assistant"):
        response = client.get("/api/boom")
    error = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert record.request_id == error["requestId"]


def test_our_errors_keep_status_code_details_and_headers(app, client):
    @app.post("/api/conflict")
    def conflict():
        raise Conflict("Already done.", code="idempotency_conflict", details={"id": "r1"},
                       headers={"Retry-After": "3"})

    response = client.post("/api/conflict")
    error = assert_error(response, 409, "idempotency_conflict")
    assert error["details"] == {"id": "r1"}
    assert error["message"] == "Already done."
    assert response.headers["Retry-After"] == "3"


def test_every_response_has_a_request_id(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first and second and first != second


@pytest.mark.parametrize(("sent", "kept"), [
    ("abc12345-correlation", True),
    ("short", False),
    ("evil<script>injection-attempt", False),
    ("x" * 65, False),
])
def test_a_callers_request_id_is_kept_only_when_well_formed(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    assert (response.headers["X-Request-ID"] == sent) is kept


def test_api_responses_are_not_cached_and_sniffing_is_off(client):
    response = client.get("/api/nothing")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_readyz_reports_an_unreachable_authority(client):
    # Nothing listens at the settings' sandbox URL in a unit test.
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["authority"].startswith("failed: The identity authority could not be reached")
    assert response.headers["Retry-After"] == "5"


def test_demo_page_shows_the_task_pane_in_a_frame(client):
    response = client.get("/demo")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<iframe id="pane" title="Recall Assistant task pane"' in page
    assert '<script type="module" src="/frontend/demo/demo.js">' in page
