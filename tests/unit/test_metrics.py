"""GET /metrics (prometheus-client): requests by route and status, Graph calls, and actions."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import responses
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from recall_assistant import metrics
from recall_assistant.app import create_app
from recall_assistant.graph.client import GraphClient
from recall_assistant.graph.retry import RetryPolicy
from recall_assistant.metrics_setup import MULTIPROCESS_ENV, prepare_multiprocess_metrics
from tests.support import sandbox_settings

TOKEN = "a-long-enough-metrics-token"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(client, **headers) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    values = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            values[(s.name, frozenset(s.labels.items()))] = s.value
    return values


def test_requests_are_counted_by_route_rule_and_status(client):
    labels = {"method": "GET", "route": "/api/recalls/<action_id>", "status": "401"}
    before = sample("recall_assistant_http_requests_total", **labels)
    for action_id in ("first-recall-id", "second-recall-id"):
        assert client.get(f"/api/recalls/{action_id}").status_code == 401
    text = client.get("/metrics").get_data(as_text=True)
    values = scraped(client)
    key = ("recall_assistant_http_requests_total", frozenset(labels.items()))
    assert values[key] == before + 2
    assert "first-recall-id" not in text and "second-recall-id" not in text


def test_request_durations_are_a_histogram_by_route(client):
    labels = {"method": "GET", "route": "/healthz"}
    before = sample("recall_assistant_http_request_duration_seconds_count", **labels)
    client.get("/healthz")
    values = scraped(client)
    count = ("recall_assistant_http_request_duration_seconds_count", frozenset(labels.items()))
    assert values[count] == before + 1
    bucket = ("recall_assistant_http_request_duration_seconds_bucket",
              frozenset({**labels, "le": "+Inf"}.items()))
    assert values[bucket] == values[count]


def test_unknown_paths_share_one_label(client):
    labels = {"method": "GET", "route": "<unmatched>", "status": "404"}
    before = sample("recall_assistant_http_requests_total", **labels)
    client.get("/no/such/page/1")
    client.get("/no/such/page/2")
    assert sample("recall_assistant_http_requests_total", **labels) == before + 2
    assert "/no/such/page" not in client.get("/metrics").get_data(as_text=True)


def test_made_up_methods_do_not_make_new_series(client):
    labels = {"method": "OTHER", "route": "<unmatched>", "status": "405"}
    before = sample("recall_assistant_http_requests_total", **labels)
    client.open("/healthz", method="BREW")
    client.open("/healthz", method="MAKE-TEA")
    assert sample("recall_assistant_http_requests_total", **labels) == before + 2
    assert "BREW" not in client.get("/metrics").get_data(as_text=True)


def test_the_metrics_token_guards_the_endpoint(tmp_path):
    client = create_app(sandbox_settings(tmp_path, 3000, RA_METRICS_TOKEN=TOKEN)).test_client()
    for headers in ({}, {"Authorization": "Bearer wrong-token-of-some-length"},
                    {"Authorization": TOKEN}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "metrics_token_required"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "recall_assistant_http_requests_total" in response.get_data(as_text=True)


def test_a_short_metrics_token_is_refused_at_start(tmp_path):
    from recall_assistant.errors import ConfigError

    with pytest.raises(ConfigError, match="RA_METRICS_TOKEN is too short"):
        sandbox_settings(tmp_path, 3000, RA_METRICS_TOKEN="short")


def test_rate_limited_requests_are_counted(tmp_path):
    client = create_app(sandbox_settings(tmp_path, 3000, RA_RATE_LIMIT_READ="1/minute")
                        ).test_client()
    before = sample("recall_assistant_rate_limited_total", route="/api/eligibility")
    client.post("/api/eligibility", json={})
    assert client.post("/api/eligibility", json={}).status_code == 429
    assert sample("recall_assistant_rate_limited_total", route="/api/eligibility") == before + 1


def test_graph_calls_retries_and_throttling_are_counted():
    before = {name: sample(f"recall_assistant_graph_{name}_total")
              for name in ("requests", "retries", "throttled")}
    before_seconds = sample("recall_assistant_graph_request_duration_seconds_count")
    with responses.RequestsMock() as mock:
        url = "https://graph.test/v1.0/me"
        mock.add(responses.GET, url, status=429, headers={"Retry-After": "1"},
                 json={"error": {"code": "TooManyRequests", "message": "Slow down."}})
        mock.add(responses.GET, url, json={"id": "me"})
        import requests

        graph = GraphClient(requests.Session(), "https://graph.test", lambda: "graph-token",
                            retry=RetryPolicy(), sleep=lambda seconds: None)
        assert graph.get("/me") == {"id": "me"}
    assert sample("recall_assistant_graph_requests_total") == before["requests"] + 2
    assert sample("recall_assistant_graph_retries_total") == before["retries"] + 1
    assert sample("recall_assistant_graph_throttled_total") == before["throttled"] + 1
    assert sample("recall_assistant_graph_request_duration_seconds_count") == before_seconds + 2


def test_recall_and_correction_counters_are_exported(client):
    metrics.RECALLS.labels("submitted")
    metrics.RECALL_OUTCOMES.labels("succeeded")
    metrics.CORRECTIONS.labels("sent")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'recall_assistant_recalls_total{result="submitted"}' in text
    assert 'recall_assistant_recall_recipient_outcomes_total{status="succeeded"}' in text
    assert 'recall_assistant_corrections_total{result="sent"}' in text


def test_the_metrics_folder_is_made_or_emptied_for_the_workers(tmp_path):
    env: dict[str, str] = {}
    made = prepare_multiprocess_metrics(env)
    try:
        assert env[MULTIPROCESS_ENV] == str(made) and made.is_dir()
    finally:
        made.rmdir()
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"old")
    (given / "keep.txt").write_text("not ours")
    env = {MULTIPROCESS_ENV: str(given)}
    assert prepare_multiprocess_metrics(env) == given
    assert sorted(p.name for p in given.iterdir()) == ["keep.txt"]


def test_several_worker_processes_are_added_up(tmp_path):
    # Two processes count in the multiprocess folder; a third scrapes the sum of both.
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, MULTIPROCESS_ENV: str(folder)}
    count = textwrap.dedent("""
        from recall_assistant import metrics
        metrics.RECALLS.labels("submitted").inc(3)
    """)
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    scrape = textwrap.dedent("""
        from recall_assistant import metrics
        body, _ = metrics.exposition()
        print(body.decode())
    """)
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, timeout=60,
                         capture_output=True, text=True).stdout
    assert 'recall_assistant_recalls_total{result="submitted"} 6.0' in out
