"""The examples in /docs: one per route, each true of the sandbox and of the documented schema."""

from __future__ import annotations

import uuid

import jsonschema
import pytest

from recall_assistant.api.examples import EXAMPLES, RECALL_ID, curl
from recall_assistant.api.openapi import OPERATIONS

# Sent in this order, so that the recall exists before its status is asked for.
ORDER = ["health.healthz", "health.readyz", "config.get_config", "me.get_me", "me.get_profile",
         "policy.get_policy", "eligibility.check_eligibility", "corrections.list_templates",
         "corrections.preview", "corrections.send", "recalls.request_recall",
         "recalls.recall_status", "recalls.recalls_for_message", "audit.list_events"]


def test_every_route_has_an_example():
    assert sorted(EXAMPLES) == sorted(set(OPERATIONS) - {"openapi.document"})
    assert sorted(ORDER) == sorted(EXAMPLES)


def _documented(document, example):
    path, _, _ = example.path.partition("?")
    for template, item in document["paths"].items():
        pattern = template.replace("{action_id}", "")
        if template == path or ("{" in template and path.startswith(pattern)):
            return item[example.method.lower()]
    raise AssertionError(f"{example.path} is not in the document")


def test_each_example_answer_fits_the_documented_schema(live_server):
    document = live_server.session().get(f"{live_server.url}/openapi.json").json()
    for name, example in EXAMPLES.items():
        operation = _documented(document, example)
        media = operation["responses"][str(example.status)]["content"]["application/json"]
        assert media["example"] == example.response, name
        schema = {**media["schema"], "components": document["components"]}
        jsonschema.validate(example.response, schema, cls=jsonschema.Draft202012Validator)
        if example.body is not None:
            body = operation["requestBody"]["content"]["application/json"]
            assert body["example"] == example.body, name
        assert operation["x-curl"] == curl(example)


# Maps whose keys are values (a reason's params, an audit row's details): not a shape.
FREE_MAPS = {"params", "details"}


def same_shape(example, real, where="answer"):
    """The real answer has the example's keys, level by level (lists by their first items)."""
    if where.rsplit(".", 1)[-1] in FREE_MAPS:
        return
    if isinstance(example, dict) and isinstance(real, dict):
        assert set(example) == set(real), f"{where}: {sorted(example)} != {sorted(real)}"
        for key in example:
            same_shape(example[key], real[key], f"{where}.{key}")
    elif isinstance(example, list) and isinstance(real, list) and example and real:
        same_shape(example[0], real[0], f"{where}[0]")


def test_each_example_request_gets_that_answer_from_the_sandbox(live_server):
    session = live_server.session()
    tokens = {
        "user": session.get(f"{live_server.url}/sandbox/token",
                            params={"user": "adele@contoso.com"}).json()["access_token"],
        "admin": session.get(f"{live_server.url}/sandbox/token",
                             params={"user": "adele@contoso.com",
                                     "roles": "RecallAssistant.Admin"}).json()["access_token"],
    }
    recall_id = None
    for name in ORDER:
        example = EXAMPLES[name]
        headers = {key: str(uuid.uuid4()) if key == "Idempotency-Key" else value
                   for key, value in example.headers.items()}
        if example.caller:
            headers["Authorization"] = f"Bearer {tokens[example.caller]}"
        path = example.path.replace(RECALL_ID, recall_id) if recall_id else example.path
        answer = session.request(example.method, f"{live_server.url}{path}", headers=headers,
                                 json=example.body)
        assert answer.status_code == example.status, (name, answer.text)
        same_shape(example.response, answer.json(), name)
        if name == "recalls.request_recall":
            recall_id = answer.json()["id"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_docs_page_shows_the_example(live_server, name):
    page = live_server.session().get(f"{live_server.url}/docs").text
    assert "A token in the sandbox" in page
    assert EXAMPLES[name].path.replace("&", "&amp;") in page
