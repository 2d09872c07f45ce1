"""JSON written and read with orjson gives the same values as Flask's default provider."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass

import pytest
import requests
import responses
from flask import Flask, jsonify, render_template_string, request
from flask.json.provider import DefaultJSONProvider

from recall_assistant import jsonio
from recall_assistant.graph import GraphClient, GraphError
from recall_assistant.jsonio import FastJSONProvider

BASE = "https://graph.example.test"


@dataclass
class Point:
    x: int
    label: str


SAMPLE = {
    "text": "Zoë <b>&</b> 'quote'",
    "when": dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC),
    "day": dt.date(2026, 11, 27),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "amount": decimal.Decimal("12.50"),
    "point": Point(1, "a"),
    3: "an int key",
    "nested": [None, True, 1.5, {"empty": []}],
}


def apps() -> tuple[Flask, Flask]:
    fast = Flask("fast")
    fast.json = FastJSONProvider(fast)
    fast.json.sort_keys = False
    default = Flask("default")
    default.json.sort_keys = False
    return fast, default


def test_the_same_values_as_flasks_own_provider():
    fast, default = apps()
    assert json.loads(fast.json.dumps(SAMPLE)) == json.loads(default.json.dumps(SAMPLE))
    # Dates keep Flask's HTTP-date form rather than orjson's own ISO form.
    assert json.loads(fast.json.dumps(SAMPLE))["when"] == "Fri, 27 Nov 2026 08:30:00 GMT"


def test_non_ascii_is_written_as_utf8():
    fast, _ = apps()
    with fast.test_request_context():
        response = jsonify({"name": "Zoë"})
    assert response.data == '{"name":"Zoë"}\n'.encode()
    assert response.mimetype == "application/json"


def test_a_response_equals_the_default_one_once_read():
    fast, default = apps()
    with fast.test_request_context():
        ours = jsonify(SAMPLE)
    with default.test_request_context():
        theirs = jsonify(SAMPLE)
    assert json.loads(ours.data) == json.loads(theirs.data)
    assert ours.data.endswith(b"\n")


def test_keys_are_sorted_when_asked():
    fast, _ = apps()
    fast.json.sort_keys = True
    assert fast.json.dumps({"b": 1, "a": 2}) == '{"a":2,"b":1}'
    with fast.test_request_context():
        assert jsonify({"b": 1, "a": 2}).data == b'{"a":2,"b":1}\n'


def test_options_only_the_standard_library_knows_still_work():
    fast, _ = apps()
    assert fast.json.dumps({"a": 1}, indent=2) == '{\n  "a": 1\n}'
    assert fast.json.loads('{"a": 1.5}', parse_float=decimal.Decimal) == {
        "a": decimal.Decimal("1.5")}


def test_what_json_has_no_type_for_is_refused():
    fast, _ = apps()
    with pytest.raises(TypeError):
        fast.json.dumps({"x": object()})


def test_the_tojson_filter_stays_html_safe():
    fast, _ = apps()
    with fast.app_context():
        rendered = render_template_string("{{ value|tojson }}", value={"x": "</script>"})
    assert "</script>" not in rendered
    assert json.loads(rendered) == {"x": "</script>"}


@pytest.mark.parametrize("body", [b"{not json", b'{"a": NaN}', b"\xff\xfe"])
def test_a_body_that_is_not_json_reads_as_none(body):
    fast, _ = apps()
    with fast.test_request_context(data=body, content_type="application/json"):
        assert request.get_json(silent=True) is None


def test_loads_and_dumps_round_trip():
    value = {"a": [1, 2.5, "é", None, True]}
    assert jsonio.loads(jsonio.dumps(value)) == value
    with pytest.raises(ValueError):
        jsonio.loads(b"")


def test_the_default_provider_is_what_we_compare_with():
    # Guards the comparison above: Flask's provider is still the standard library's.
    assert FastJSONProvider.__mro__[1] is DefaultJSONProvider


# -- Graph answers ---------------------------------------------------------------------------

def client() -> GraphClient:
    return GraphClient(requests.Session(), BASE, lambda: "token", sleep=lambda s: None)


@responses.activate
def test_a_graph_answer_in_another_charset_is_still_read():
    responses.get(f"{BASE}/v1.0/me", body='{"displayName": "Zoë"}'.encode("latin-1"),
                  content_type="application/json; charset=iso-8859-1")
    assert client().get("/me") == {"displayName": "Zoë"}


@responses.activate
def test_a_graph_answer_that_does_not_parse_is_an_error():
    responses.get(f"{BASE}/v1.0/me", body=b"{broken", content_type="application/json")
    with pytest.raises(GraphError, match="does not parse"):
        client().get("/me")


@responses.activate
def test_a_json_body_sent_to_graph_says_so():
    responses.post(f"{BASE}/v1.0/me/translateExchangeIds", json={"value": []})
    client().post("/me/translateExchangeIds", {"inputIds": ["é"], "sourceIdType": "ewsId"})
    sent = responses.calls[0].request
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {"inputIds": ["é"], "sourceIdType": "ewsId"}
    assert int(sent.headers["Content-Length"]) == len(sent.body)


@responses.activate
def test_a_body_without_json_has_no_content_type_of_ours():
    responses.post(f"{BASE}/v1.0/me/messages/1/send", status=202)
    client().post("/me/messages/1/send")
    assert "Content-Type" not in responses.calls[0].request.headers
