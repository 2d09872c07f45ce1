"""The sandbox's Graph writes every answer out first and waits out the latency last.

Graph answers at its response time; the stand-in must too, so nothing of an answer (its
headers, its error body, a $batch's inner JSON) may be left for after the latency wait.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from recall_assistant.sandbox import graph as graph_module
from recall_assistant.sandbox.app import create_sandbox_app
from recall_assistant.sandbox.faults import Faults, Gateway
from recall_assistant.sandbox.fixture import load_tenant
from recall_assistant.sandbox.graph_http import GraphRequest, GraphResponse
from recall_assistant.sandbox.graph_router import Router
from recall_assistant.sandbox.options import SandboxOptions
from recall_assistant.sandbox.tokens import GRAPH_APP_ID

DELEGATED = "Mail.ReadWrite Mail.Send User.Read User.ReadBasic.All GroupMember.Read.All"
ADELE = "adele@contoso.com"
LONG_MS = 60_000  # never slept for real here: the tests' sleep only records or waits on a gate


class Sandboxed:
    """One sandbox (Graph under /graph), a delegated token for Adele, and its Faults."""

    def __init__(self, settings, latency_ms: int, sleep=time.sleep):
        tenant = load_tenant()
        options = SandboxOptions(latency_ms=latency_ms, report_delay_s=0)
        self.app = create_sandbox_app(tenant, settings, options)
        self.state = self.app.extensions["sandbox"]
        self.state.faults = Faults(options, sleep=sleep)
        user = tenant.user_by_mail(ADELE)
        self.token = self.state.issuer.mint({
            "aud": GRAPH_APP_ID, "scp": DELEGATED, "oid": user.id, "preferred_username": ADELE,
            "azp": settings.client_id})
        self.client = self.app.test_client()

    def get(self, path: str):
        return self.client.get(f"/graph/v1.0{path}", headers=self._auth())

    def batch(self, urls: dict[str, str]):
        requests = [{"id": key, "method": "GET", "url": url} for key, url in urls.items()]
        response = self.client.post("/graph/v1.0/$batch", json={"requests": requests},
                                    headers=self._auth())
        assert response.status_code == 200, response.text
        return {a["id"]: a for a in json.loads(response.data)["responses"]}

    def request(self, path: str, token: str | None = None) -> GraphRequest:
        return GraphRequest(method="GET", version="v1.0", path=path, query={},
                            headers={"authorization": f"Bearer {token or self.token}"})

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def dispatch(state, router: Router, req: GraphRequest, finish=lambda response: response):
    """``req`` through Graph's gateway; ``finish`` sees the answer as Graph's app wrote it,
    before the gateway goes on, and its result is returned."""
    graph, finished = graph_module.GraphApp(state, router), []

    def written(environ, start_response):
        body, status, headers = run_wsgi_app(graph, environ, buffered=True)
        finished.append(finish(GraphResponse(int(status[:3]), b"".join(body), dict(headers))))
        start_response(status, headers.to_wsgi_list())
        return body

    headers = {**req.headers, "client-request-id": req.client_request_id}
    environ = EnvironBuilder(f"/{req.version}{req.path}", method=req.method, headers=headers)
    run_wsgi_app(Gateway(written, state, graph.admit), environ.get_environ(), buffered=True)
    return finished[0]


def test_inner_answers_are_written_out_before_any_latency_wait(settings, monkeypatch):
    written = threading.local()  # the inner answer this worker thread wrote last
    all_written: list[str] = []
    waits: list[tuple[str | None, float, int]] = []
    lock = threading.Lock()
    real_inner_json = graph_module._inner_json

    def inner_json(entry_id: str, answer: GraphResponse):
        result = real_inner_json(entry_id, answer)
        written.entry = entry_id
        with lock:
            all_written.append(entry_id)
        return result

    def sleep(seconds: float) -> None:
        with lock:
            waits.append((getattr(written, "entry", None), seconds, len(all_written)))
        written.entry = None

    monkeypatch.setattr(graph_module, "_inner_json", inner_json)
    sandbox = Sandboxed(settings, LONG_MS, sleep)
    answers = sandbox.batch({
        "me": "/me",
        "org": "/organization",
        "mail": "/me/messages?$top=1",
        "missing": "/me/messages/AAMkAGRlbW8-no-such-message",  # the handler's 404
        "stranger": "/users/nobody@contoso.com/messages",  # refused before the handler
    })

    assert {k: a["status"] for k, a in answers.items()} == {
        "me": 200, "org": 200, "mail": 200, "missing": 404, "stranger": 404}
    assert answers["missing"]["body"]["error"]["code"] == "ErrorItemNotFound"
    # A request holding a mailbox slot waits with its answer written (the slot is held for
    # the whole latency); the others do not wait on their own: the batch waits once, last,
    # when every inner answer is written.
    assert len(waits) == 3
    assert sorted(entry for entry, _, _ in waits[:-1]) == ["mail", "missing"]
    assert waits[-1][2] == 5
    # ...and each wait is still the whole latency left from the batch's arrival.
    assert all(LONG_MS / 1000 - 1 < seconds <= LONG_MS / 1000 for _, seconds, _ in waits)


@pytest.mark.parametrize(("path", "status", "waits"), [
    ("/me", 200, True),
    ("/me/messages/AAMkAGRlbW8-no-such-message", 404, True),  # raised by the handler
    ("/users/nobody@contoso.com/messages", 404, False),  # refused before the handler
])
def test_dispatch_finishes_the_answer_before_the_wait(settings, path, status, waits):
    events: list[str] = []
    sandbox = Sandboxed(settings, LONG_MS, lambda seconds: events.append("wait"))
    req = sandbox.request(path)

    def finish(response: GraphResponse) -> dict[str, Any]:
        events.append("finish")
        return {"status": response.status, "headers": dict(response.headers),
                "body": json.loads(response.encoded())}

    answer = dispatch(sandbox.state, graph_module.ROUTER, req, finish)

    assert events == (["finish", "wait"] if waits else ["finish"])
    assert answer["status"] == status
    assert answer["headers"]["client-request-id"] == req.client_request_id
    if status >= 400:
        assert answer["body"]["error"]["innerError"]["request-id"] == \
            answer["headers"]["request-id"]


def test_a_rejected_token_is_answered_at_once(settings):
    events: list[str] = []
    sandbox = Sandboxed(settings, LONG_MS, lambda seconds: events.append("wait"))
    answer = dispatch(sandbox.state, graph_module.ROUTER, sandbox.request("/me", token="x"))
    assert answer.status == 401 and events == []
    assert answer.headers["request-id"] and answer.encoded()


@pytest.mark.parametrize("handler", [
    lambda call: 1 / 0,
    lambda call: GraphResponse.json({"unwritable": {1, 2}}),  # a set is no JSON
], ids=["raises", "unwritable body"])
def test_a_bug_in_a_handler_is_a_500_written_before_the_wait(settings, caplog, handler):
    events: list[str] = []
    sandbox = Sandboxed(settings, LONG_MS, lambda seconds: events.append("wait"))
    router = Router()
    router.add("GET", "/broken", handler, scoped=False, family="directory",
               permissions=frozenset({"User.Read"}))

    def finish(response: GraphResponse) -> GraphResponse:
        events.append("finish")
        return response

    answer = dispatch(sandbox.state, router, sandbox.request("/broken"), finish)

    assert events == ["finish", "wait"]
    assert answer.status == 500
    assert json.loads(answer.encoded())["error"]["code"] == "generalException"
    assert "sandbox Graph failed on GET /broken" in caplog.text


def test_answers_still_take_at_least_the_latency(settings):
    sandbox = Sandboxed(settings, latency_ms=200)
    started = time.monotonic()
    answers = sandbox.batch({"me": "/me", "org": "/organization",
                             "missing": "/me/messages/AAMkAGRlbW8-no-such-message"})
    assert time.monotonic() - started >= 0.2
    assert [answers[k]["status"] for k in ("me", "org", "missing")] == [200, 200, 404]

    started = time.monotonic()
    assert sandbox.get("/me/messages/AAMkAGRlbW8-no-such-message").status_code == 404
    assert time.monotonic() - started >= 0.2


def test_the_mailbox_slot_is_held_through_the_wait(settings, monkeypatch):
    # The waits end only once two inner requests were throttled: if the slots were let go
    # before the wait, nothing would be throttled and the test would fail after the timeout.
    throttled: list[str] = []
    released = threading.Event()
    real_inner_json = graph_module._inner_json

    def inner_json(entry_id: str, answer: GraphResponse):
        if answer.status == 429:
            throttled.append(entry_id)
            if len(throttled) == 2:
                released.set()
        return real_inner_json(entry_id, answer)

    monkeypatch.setattr(graph_module, "_inner_json", inner_json)
    sandbox = Sandboxed(settings, LONG_MS, lambda seconds: released.wait(timeout=10))
    urls = {str(i): "/me/messages?$top=1" for i in range(6)}
    answers = sandbox.batch({**urls, "directory": "/organization"})

    assert answers.pop("directory")["status"] == 200
    assert sorted(a["status"] for a in answers.values()) == [200] * 4 + [429] * 2
    for answer in answers.values():
        if answer["status"] == 429:
            assert answer["body"]["error"]["code"] == "ApplicationThrottled"
            assert "MailboxConcurrency" in answer["body"]["error"]["message"]
            assert int(answer["headers"]["Retry-After"]) >= 1


@pytest.mark.parametrize(("path", "mailbox"), [
    ("/me/messages", True), ("/users/adele@contoso.com/mailFolders/inbox", True),
    ("/me", False), ("/organization", False), ("/users", False), ("/no/such/thing", False)])
def test_which_inner_requests_wait_side_by_side(settings, path, mailbox):
    from recall_assistant.sandbox.graph import ROUTER
    from recall_assistant.sandbox.graph_router import may_hold_a_mailbox

    sandbox = Sandboxed(settings, 0)
    assert may_hold_a_mailbox(ROUTER, sandbox.request(path)) is mailbox


def test_a_remembered_user_record_answers_as_before(settings):
    sandbox = Sandboxed(settings, 0)
    url = "/users?$filter=mail in ('adele@contoso.com')&$select=id,mail"
    first = sandbox.batch({"a": url})["a"]["body"]["value"][0]
    again = sandbox.batch({"b": url})["b"]["body"]["value"][0]
    assert first == again and set(first) == {"id", "mail"}
