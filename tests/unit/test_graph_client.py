"""The Graph client: retries, Retry-After, time budget, paging, error mapping, $batch."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from recall_assistant.api.graph_errors import api_error
from recall_assistant.graph.batch import BatchRequest, run_batch
from recall_assistant.graph.client import GraphClient
from recall_assistant.graph.errors import (
    GraphBadRequest,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphOutcomeUnknown,
    GraphThrottled,
    GraphUnauthorized,
    GraphUnavailable,
    error_from_response,
    parse_retry_after,
)
from recall_assistant.graph.retry import RetryPolicy

BASE = "https://graph.test"
V1 = f"{BASE}/v1.0"
BATCH = f"{V1}/$batch"


@dataclass
class FakeTime:
    """A clock that only moves when the client sleeps; remembers every sleep."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def make_client(fake_time: FakeTime, *, rng: Callable[[], float] = lambda: 0.5,
                **options) -> GraphClient:
    return GraphClient(requests.Session(), BASE, lambda: "token-abc", sleep=fake_time.sleep,
                       clock=fake_time.clock, rng=rng, **options)


def graph_error(code: str = "", message: str = "no", request_id: str = "req-1") -> dict:
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": "2025-01-01T00:00:00", "request-id": request_id,
                                     "client-request-id": "c-1"}}}


# -- retries -------------------------------------------------------------------------------

def test_retry_after_is_honoured(mocked, fake_time):
    mocked.get(f"{V1}/me", status=429, json=graph_error("TooManyRequests"),
               headers={"Retry-After": "3"})
    mocked.get(f"{V1}/me", json={"id": "me"})
    client = make_client(fake_time)

    assert client.get("/me") == {"id": "me"}
    assert fake_time.sleeps == [3.0]
    assert client.stats.calls == 2
    assert client.stats.retries == 1
    assert client.stats.throttled == 1
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer token-abc"


def test_retries_stop_at_the_time_budget_and_carry_retry_after(mocked, fake_time):
    mocked.get(f"{V1}/me", status=429, json=graph_error(), headers={"Retry-After": "5"})
    client = make_client(fake_time, retry=RetryPolicy(budget_s=12, max_attempts=10))

    with pytest.raises(GraphThrottled) as caught:
        client.get("/me")
    # Waits at 0 s and 5 s fit in 12 s; a third wait (10 + 5 > 12) does not.
    assert fake_time.sleeps == [5.0, 5.0]
    assert len(mocked.calls) == 3
    assert caught.value.retry_after == 5.0
    assert api_error(caught.value).headers["Retry-After"] == "5"
    assert api_error(caught.value).status == 429


def test_retry_after_longer_than_the_budget_fails_at_once(mocked, fake_time):
    mocked.get(f"{V1}/me", status=503, json=graph_error(), headers={"Retry-After": "60"})
    client = make_client(fake_time)  # default budget: 20 s

    with pytest.raises(GraphUnavailable) as caught:
        client.get("/me")
    assert fake_time.sleeps == []
    assert len(mocked.calls) == 1
    assert api_error(caught.value).headers["Retry-After"] == "60"
    assert caught.value.code == "upstream_unavailable"


def test_jittered_exponential_backoff_without_retry_after(mocked, fake_time):
    for _ in range(3):
        mocked.get(f"{V1}/me", status=503, json=graph_error())
    mocked.get(f"{V1}/me", json={"ok": True})
    draws = iter([0.0, 1.0, 0.5])
    client = make_client(fake_time, rng=lambda: next(draws),
                         retry=RetryPolicy(backoff_base_s=0.5, backoff_cap_s=8))

    assert client.get("/me") == {"ok": True}
    # Ceilings 0.5, 1, 2; each wait is half the ceiling plus a random share of the other half.
    assert fake_time.sleeps == [0.25, 1.0, 1.5]


def test_backoff_is_capped():
    policy = RetryPolicy(backoff_base_s=1, backoff_cap_s=4)
    assert policy.wait(None, 10, lambda: 1.0) == 4.0
    assert policy.wait(None, 10, lambda: 0.0) == 2.0


def test_a_get_is_retried_after_a_read_timeout(mocked, fake_time):
    mocked.get(f"{V1}/me", body=requests.ReadTimeout("slow"))
    mocked.get(f"{V1}/me", json={"id": "me"})
    client = make_client(fake_time)

    assert client.get("/me") == {"id": "me"}
    assert len(fake_time.sleeps) == 1


def test_a_get_that_never_answers_ends_unavailable(mocked, fake_time):
    mocked.get(f"{V1}/me", body=requests.ConnectionError("reset"))
    client = make_client(fake_time, retry=RetryPolicy(max_attempts=3))

    with pytest.raises(GraphUnavailable) as caught:
        client.get("/me")
    assert not isinstance(caught.value, GraphOutcomeUnknown)
    assert len(mocked.calls) == 3


@pytest.mark.parametrize("failure", [requests.ReadTimeout("slow"),
                                     requests.ConnectionError("connection reset by peer")])
def test_a_post_is_never_retried_after_it_may_have_been_sent(mocked, fake_time, failure):
    url = f"{V1}/me/messages/m1/send"
    mocked.post(url, body=failure)
    mocked.post(url, status=202)
    client = make_client(fake_time)

    with pytest.raises(GraphOutcomeUnknown) as caught:
        client.post("/me/messages/m1/send")
    assert len(mocked.calls) == 1
    assert fake_time.sleeps == []
    assert api_error(caught.value).status == 504


def test_a_post_is_retried_when_the_connection_was_never_made(mocked, fake_time):
    url = f"{V1}/me/messages/m1/send"
    refused = requests.ConnectionError(
        MaxRetryError(None, url, NewConnectionError(None, "connection refused")))
    mocked.post(url, body=refused)
    mocked.post(url, body=requests.ConnectTimeout("no route"))
    mocked.post(url, status=202)
    client = make_client(fake_time)

    assert client.post("/me/messages/m1/send") is None
    assert len(mocked.calls) == 3


def test_a_post_is_retried_on_429_and_503_but_not_on_504(mocked, fake_time):
    url = f"{V1}/me/messages/m1/send"
    mocked.post(url, status=429, json=graph_error(), headers={"Retry-After": "1"})
    mocked.post(url, status=503, json=graph_error(), headers={"Retry-After": "2"})
    mocked.post(url, status=202)
    client = make_client(fake_time)
    assert client.post("/me/messages/m1/send") is None
    assert fake_time.sleeps == [1.0, 2.0]

    mocked.replace(responses.POST, url, status=504, json=graph_error())
    with pytest.raises(GraphUnavailable):
        client.post("/me/messages/m1/send")
    assert len(mocked.calls) == 4


def test_a_get_is_retried_on_504(mocked, fake_time):
    mocked.get(f"{V1}/me", status=504, json=graph_error())
    mocked.get(f"{V1}/me", json={"id": "me"})
    assert make_client(fake_time).get("/me") == {"id": "me"}


# -- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "kind", "our_status", "our_code"), [
    (400, GraphBadRequest, 502, "graph_rejected"),
    (401, GraphUnauthorized, 401, "graph_unauthorized"),
    (403, GraphForbidden, 403, "graph_forbidden"),
    (404, GraphNotFound, 404, "graph_not_found"),
    (409, GraphError, 502, "graph_error"),
    (500, GraphError, 502, "graph_error"),
    (503, GraphUnavailable, 503, "upstream_unavailable"),
    (429, GraphThrottled, 429, "graph_throttled"),
])
def test_each_status_maps_to_a_typed_error(mocked, fake_time, status, kind, our_status,
                                           our_code):
    mocked.get(f"{V1}/me/messages/x", status=status,
               json=graph_error("ErrorSomething", "Graph says no", "rid-42"),
               headers={"Retry-After": "100"})
    client = make_client(fake_time)

    with pytest.raises(GraphError) as caught:
        client.get("/me/messages/x")
    error = caught.value
    assert type(error) is kind
    answer = api_error(error)  # what our API says of it
    assert (answer.status, answer.code) == (our_status, our_code)
    assert error.graph_status == status
    assert error.graph_code == "ErrorSomething"
    assert error.request_id == "rid-42"
    assert "rid-42" in str(error)
    assert error.details["graphRequestId"] == "rid-42"
    # Only "try later" errors pass a Retry-After on to our caller.
    assert ("Retry-After" in answer.headers) == (status in (429, 503))


def test_an_empty_error_code_still_maps_by_status():
    error = error_from_response(403, graph_error(code="", message="no permission"))
    assert isinstance(error, GraphForbidden)
    assert error.graph_code == ""
    assert error.details["graphCode"] is None
    assert error.graph_message == "no permission"


def test_request_id_falls_back_to_the_header_and_bodies_may_be_anything():
    error = error_from_response(404, "<html>not json</html>", {"request-id": "hdr-7"})
    assert isinstance(error, GraphNotFound)
    assert error.request_id == "hdr-7"
    assert error_from_response(418, None).code == "graph_error"


def test_bad_request_keeps_graphs_code_for_callers_to_map():
    error = error_from_response(400, graph_error("ErrorInvalidIdMalformed"))
    assert isinstance(error, GraphBadRequest)
    assert error.graph_code == "ErrorInvalidIdMalformed"


def test_retry_after_parsing():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") == 0.0
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0


def test_requests_exceptions_never_reach_callers(mocked, fake_time):
    mocked.get(f"{V1}/me", body=requests.exceptions.SSLError("bad certificate"))
    with pytest.raises(GraphUnavailable) as caught:
        make_client(fake_time).get("/me")
    assert not isinstance(caught.value, requests.RequestException)
    assert len(mocked.calls) == 1  # a certificate problem is not retried


# -- URLs, versions, paging --------------------------------------------------------------------

def test_beta_per_call_and_query_encoding(mocked, fake_time):
    mocked.post(f"{BASE}/beta/me/mailFolders/sentitems/messages/m%2B1/recall", status=202,
                body="Accepted", content_type="text/plain")
    mocked.get(f"{V1}/users", json={"value": []})
    client = make_client(fake_time)

    assert client.post("/me/mailFolders/sentitems/messages/m%2B1/recall",
                       version="beta") == "Accepted"
    client.get("/users", params={"$filter": "mail eq 'a+b@x.com'", "$select": "id,mail"})
    assert mocked.calls[1].request.url == (
        f"{V1}/users?$filter=mail%20eq%20'a%2Bb@x.com'&$select=id,mail")


def test_pages_are_followed(mocked, fake_time):
    mocked.get(f"{V1}/users", json={"value": [{"id": "1"}, {"id": "2"}],
                                    "@odata.nextLink": f"{V1}/users?$skiptoken=p2"})
    mocked.get(f"{V1}/users", json={"value": [{"id": "3"}],
                                    "@odata.nextLink": f"{V1}/users?$skiptoken=p3"})
    mocked.get(f"{V1}/users", json={"value": [{"id": "4"}]})
    client = make_client(fake_time)

    paged = client.get_all("/users")
    assert [item["id"] for item in paged.items] == ["1", "2", "3", "4"]
    assert not paged.truncated
    assert mocked.calls[1].request.url.endswith("$skiptoken=p2")
    assert client.stats.calls == 3


def test_paging_stops_at_the_cap(mocked, fake_time):
    for page in range(5):
        mocked.get(f"{V1}/users", json={"value": [{"id": f"{page}a"}, {"id": f"{page}b"}],
                                        "@odata.nextLink": f"{V1}/users?$skiptoken={page}"})
    client = make_client(fake_time)

    paged = client.get_all("/users", max_items=3)
    assert [item["id"] for item in paged.items] == ["0a", "0b", "1a"]
    assert paged.truncated
    assert len(mocked.calls) == 2

    exact = make_client(fake_time).get_all("/users", max_items=2)
    assert exact.truncated  # full at a page boundary, and Graph said there is more


def test_a_next_link_outside_graph_is_not_followed(mocked, fake_time):
    mocked.get(f"{V1}/users", json={"value": [{"id": "1"}],
                                    "@odata.nextLink": "https://evil.example/steal"})
    with pytest.raises(GraphError):
        make_client(fake_time).get_all("/users")
    assert len(mocked.calls) == 1


def test_stats_report_calls_and_stage_timings(mocked, fake_time):
    mocked.get(f"{V1}/me", json={})
    client = make_client(fake_time)
    with client.stage("lookup"):
        client.get("/me")
        fake_time.now += 0.25
    snapshot = client.stats.snapshot()
    assert snapshot["graph_calls"] == 1
    assert snapshot["stages"]["lookup"] == {"seconds": 0.25, "count": 1}


# -- $batch ---------------------------------------------------------------------------------

class BatchServer:
    """Answers $batch calls through a per-request function; records every batch body."""

    def __init__(self, mocked: responses.RequestsMock,
                 answer: Callable[[dict, int], dict] | None = None, *, reverse: bool = False,
                 delay_s: float = 0.0):
        self.bodies: list[list[dict]] = []
        self.answer = answer or (lambda req, n: {"status": 200, "body": {"url": req["url"]}})
        self.reverse = reverse
        self.delay_s = delay_s
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        mocked.add_callback(responses.POST, BATCH, callback=self)

    def __call__(self, request):
        body = json.loads(request.body)
        with self._lock:
            self.bodies.append(body["requests"])
            call_number = len(self.bodies)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        if self.delay_s:
            time.sleep(self.delay_s)  # real time: lets concurrent batches overlap
        answers = [{"id": req["id"], "headers": {"Content-Type": "application/json"},
                    **self.answer(req, call_number)} for req in body["requests"]]
        if self.reverse:
            answers.reverse()
        with self._lock:
            self.active -= 1
        return 200, {"Content-Type": "application/json"}, json.dumps({"responses": answers})


def specs(count: int) -> list[BatchRequest]:
    return [BatchRequest("GET", f"/users/u{i}") for i in range(count)]


def test_batch_splits_at_20_and_keeps_input_order(mocked, fake_time):
    server = BatchServer(mocked)
    client = make_client(fake_time)

    results = run_batch(client, specs(45))
    assert sorted(len(body) for body in server.bodies) == [5, 20, 20]
    assert [r.body["url"] for r in results] == [f"/users/u{i}" for i in range(45)]
    assert all(r.ok for r in results)
    assert client.stats.batches == 3
    assert client.stats.calls == 3
    assert client.stats.batched_requests == 45


def test_batch_responses_out_of_order_are_matched_by_id(mocked, fake_time):
    BatchServer(mocked, reverse=True)
    results = run_batch(make_client(fake_time), specs(7))
    assert [r.body["url"] for r in results] == [f"/users/u{i}" for i in range(7)]


def test_batch_concurrency_is_bounded_by_four(mocked, fake_time):
    server = BatchServer(mocked, delay_s=0.05)
    run_batch(make_client(fake_time), specs(200))  # ten batches
    assert len(server.bodies) == 10
    assert 1 < server.max_active <= 4


def test_inner_429_is_retried_in_a_further_batch(mocked, fake_time):
    def answer(req, call_number):
        if req["url"] == "/users/u3" and call_number == 1:
            return {"status": 429, "headers": {"Retry-After": "2"}, "body": graph_error()}
        return {"status": 200, "body": {"url": req["url"]}}

    server = BatchServer(mocked, answer)
    client = make_client(fake_time)
    results = run_batch(client, specs(5))

    assert all(r.ok for r in results)
    assert results[3].body == {"url": "/users/u3"}
    assert fake_time.sleeps == [2.0]
    assert [len(body) for body in server.bodies] == [5, 1]
    assert server.bodies[1][0]["url"] == "/users/u3"


def test_inner_404_is_reported_for_that_request_only(mocked, fake_time):
    def answer(req, call_number):
        if req["url"] == "/users/u1":
            return {"status": 404, "body": graph_error("Request_ResourceNotFound")}
        return {"status": 200, "body": {"url": req["url"]}}

    BatchServer(mocked, answer)
    results = run_batch(make_client(fake_time), specs(3))

    assert results[0].ok and results[2].ok
    assert isinstance(results[1].error, GraphNotFound)
    assert results[1].error.graph_code == "Request_ResourceNotFound"
    with pytest.raises(GraphNotFound):
        results[1].unwrap()
    assert fake_time.sleeps == []


def test_inner_throttling_past_the_budget_is_reported_with_its_wait(mocked, fake_time):
    BatchServer(mocked, lambda req, n: {"status": 429, "headers": {"Retry-After": "30"},
                                        "body": graph_error()})
    results = run_batch(make_client(fake_time), specs(2))
    assert all(isinstance(r.error, GraphThrottled) for r in results)
    assert results[0].error.retry_after == 30.0
    assert fake_time.sleeps == []


def test_batch_body_follows_graphs_rules(mocked, fake_time):
    server = BatchServer(mocked)
    run_batch(make_client(fake_time), [
        BatchRequest("GET", "users/u1"),
        BatchRequest("POST", "/me/messages/m1/replyAll", body={"comment": "hi"}),
    ])
    get, post = server.bodies[0]
    assert get == {"id": "0", "method": "GET", "url": "/users/u1"}
    assert post["body"] == {"comment": "hi"}
    assert post["headers"] == {"Content-Type": "application/json"}
    assert len({get["id"], post["id"]}) == 2


def test_a_batch_that_may_send_mail_is_not_retried_after_a_timeout(mocked, fake_time):
    mocked.post(BATCH, body=requests.ReadTimeout("slow"))
    client = make_client(fake_time)
    results = run_batch(client, [BatchRequest("POST", "/me/messages/m1/send", body={})])
    assert isinstance(results[0].error, GraphOutcomeUnknown)
    assert len(mocked.calls) == 1


def test_a_batch_of_gets_is_retried_after_a_timeout(mocked, fake_time):
    mocked.post(BATCH, body=requests.ReadTimeout("slow"))
    BatchServer(mocked)
    results = run_batch(make_client(fake_time), specs(2))
    assert all(r.ok for r in results)
    assert len(mocked.calls) == 2
