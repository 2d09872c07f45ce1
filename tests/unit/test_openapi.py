"""GET /openapi.json describes every API route, and only those; GET /docs renders it."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint
from openapi_spec_validator import validate

from recall_assistant.api.openapi import DOCUMENTED_PREFIXES, build_document

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client):
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(DOCUMENTED_PREFIXES):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            found |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items()
            for method in item if method in HTTP_METHODS}


def test_every_api_route_is_documented_and_nothing_else(app, document):
    ours = routes(app)
    assert {"/healthz", "/readyz"} <= {path for path, _ in ours}
    assert any(path.startswith("/api/") for path, _ in ours)
    assert documented(document) == ours


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_each_operation_has_its_success_errors_and_security(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            success = [s for s in responses if s.startswith("2")]
            assert success, (method, path)
            assert "content" in responses[success[0]], (method, path)
            assert "500" in responses, (method, path)
            for status, response in responses.items():
                if "x-error-codes" in response:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}
                    assert response["x-error-codes"], (method, path, status)
            signed_in = path.startswith("/api/") and path != "/api/config"
            assert ("security" in operation) == signed_in, (method, path)
            if signed_in:
                assert "missing_token" in responses["401"]["x-error-codes"]
            if method == "post":
                assert "requestBody" in operation, path
            if method == "post" and path in ("/api/recalls", "/api/corrections"):
                key = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
                assert key and key[0]["required"] and key[0]["in"] == "header"
                assert "idempotency_key_required" in responses["400"]["x-error-codes"]
                assert "idempotency_conflict" in responses["409"]["x-error-codes"]


def test_the_error_model_is_a_shared_component(document):
    error = document["components"]["schemas"]["Error"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert error["required"] == ["error"]
    assert set(detail["required"]) == {"code", "message", "details", "requestId"}
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_request_bodies_come_from_the_routes_marshmallow_schemas(document):
    schemas = document["components"]["schemas"]
    recall = schemas["RecallRequest"]
    assert recall["required"] == ["messageId"]
    assert recall["properties"]["idType"]["enum"] == ["rest", "ews"]
    assert recall["additionalProperties"] is False  # unknown fields are refused (400)
    correction = schemas["CorrectionRequest"]
    assert "fields" in correction["properties"]  # data_key, as the client sends it
    assert correction["properties"]["audience"]["enum"] == ["all", "unrecallable", "selected"]
    audit = document["paths"]["/api/audit"]["get"]
    assert {p["name"] for p in audit["parameters"]} == {"from", "to", "format", "limit",
                                                        "cursor"}
    assert "text/csv" in audit["responses"]["200"]["content"]


def test_a_route_without_a_description_stops_the_build(app):
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/api/undocumented", "undocumented", lambda: "")
    app.register_blueprint(extra)
    with app.test_request_context(), pytest.raises(LookupError, match="/api/undocumented"):
        build_document(app)


def test_the_docs_page_lists_every_route_and_code_without_any_script(client, document):
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<script" not in html.lower()
    assert " style=" not in html  # the stylesheet is a file: a strict CSP allows it
    assert 'href="/docs.css"' in html
    for path in document["paths"]:
        assert f"<code>{path}</code>" in html
    for code in ("message_not_found", "idempotency_conflict", "graph_outcome_unknown",
                 "admin_required"):
        assert f'id="error-{code}"' in html
    style = client.get("/docs.css")
    assert style.status_code == 200 and style.mimetype == "text/css"
