"""Microsoft Graph stand-in (v1.0 and beta): the WSGI app at ``/sandbox/graph/<version>/...``.

It turns an HTTP request into a :class:`GraphRequest`, answers it through the router
(graph_router.py) and handles ``$batch`` (JSON batching): at most 20 requests with unique ids
(case-insensitive), ``headers`` with a Content-Type wherever there is a ``body``, ``dependsOn``
honoured (dependants of a failed request get 424). It sits behind the gateway (faults.py), and
each inner request of a batch goes through that gateway again, as a WSGI request of its own, so
that it meets the injected faults and the per-mailbox concurrency limit on its own, as in
Graph; those without a dependency between them run concurrently. The ``$batch`` envelope is
never faulted itself: the faults model the workloads behind Graph's gateway.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from wsgiref.types import StartResponse, WSGIEnvironment

from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Request

from . import graph_directory, graph_mail, graph_mail_actions
from .faults import ARRIVED, Admission, Gateway
from .graph_http import GraphError, GraphRequest, GraphResponse, error_response
from .graph_router import VERSIONS, Call, Router, admit, answer, may_hold_a_mailbox
from .state import Sandbox

MAX_BATCH = 20
# Runs the inner requests of batches without dependsOn: enough workers for several batches of
# 20 at once, each inner request meeting the injected latency on its own, as in Graph.
_INDEPENDENT = ThreadPoolExecutor(max_workers=8 * MAX_BATCH, thread_name_prefix="graph-batch")

ROUTER = Router()
graph_directory.register(ROUTER)
graph_mail.register(ROUTER)
graph_mail_actions.register(ROUTER)

_PREPARED = "recall_assistant.sandbox.graph"  # environ: the request as admit() found it
# What an inner request keeps of its batch's environ, besides wsgi.* and SERVER_*.
_CARRIED = ("SCRIPT_NAME", "HTTP_HOST", ARRIVED)
_NOT_INNER = frozenset({"request-id", "client-request-id", "content-length"})


class GraphApp:
    """Graph's WSGI app: no fault, limit or latency of its own. It is served as ``front``, its
    gateway, which a ``$batch`` sends its inner requests through too."""

    def __init__(self, state: Sandbox, router: Router = ROUTER):
        self.state, self.router = state, router
        self.front = Gateway(self, state, self.admit)

    def admit(self, environ: WSGIEnvironment) -> Admission | None:
        """How the gateway is to treat the request: None when it is refused."""
        _, prepared = environ[_PREPARED] = self._prepare(environ)
        if isinstance(prepared, Call):
            mailbox = prepared.mailbox
            return Admission(slot=None if mailbox is None else (
                prepared.caller.client_id or "app", mailbox))
        return None if isinstance(prepared, GraphError) else Admission(faults=False)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        req, prepared = environ.get(_PREPARED) or self._prepare(environ)
        if isinstance(prepared, GraphError):
            reply = error_response(prepared, req.client_request_id, self.state.clock())
        elif isinstance(prepared, Call):
            reply = answer(prepared)
        else:
            reply = self._batch(environ, req, prepared)
        return reply.send(start_response, req.client_request_id)

    def _prepare(self, environ: WSGIEnvironment) -> tuple[GraphRequest, Any]:
        """The request, and the call it makes, the refusal it gets or the batch it carries."""
        req = _graph_request(environ)
        try:
            if req.version not in VERSIONS:
                raise GraphError.bad_request(f"Invalid version: {req.version}")
            if req.path.strip("/").lower() != "$batch":
                return req, admit(self.state, self.router, req)
            if req.method != "POST":
                raise GraphError(405, "Request_BadRequest",
                                 "Specified HTTP method is not allowed for the request target.")
            return req, _validate_batch(req)
        except GraphError as error:
            return req, error

    def _batch(self, environ: WSGIEnvironment, outer: GraphRequest,
               entries: list[dict[str, Any]]) -> GraphResponse:
        results: dict[str, Future[_InnerAnswer]] = {}
        by_id = {e["id"].lower(): e for e in entries}

        def run(entry: dict[str, Any]) -> _InnerAnswer:
            inner = _inner_environ(environ, outer, entry)
            failed = [by_id[d.lower()]["id"] for d in entry.get("dependsOn") or ()
                      if results[d.lower()].result().status >= 400]
            if failed:
                return _inner_json(entry["id"], error_response(GraphError(
                    424, "FailedDependency",
                    f"The request depends on request(s) that failed: {', '.join(failed)}."),
                    inner.get("HTTP_CLIENT_REQUEST_ID") or str(uuid.uuid4()), self.state.clock()))
            return self._send(entry["id"], inner)

        if not any(entry.get("dependsOn") for entry in entries):
            # Nothing waits for anything. Requests to a mailbox may hold its slot for the whole
            # latency, so they go to the long-lived pool to wait side by side; the others are
            # answered here, one after the other. Twenty threads computing at once kept the
            # other batches arriving meanwhile from being read for 10 ms (one interpreter lock).
            keys = list(by_id)  # in the batch's order
            for key in keys:
                head = GraphRequest(by_id[key]["method"].upper(), outer.version,
                                    _inner_path(by_id[key]), {}, {})
                if may_hold_a_mailbox(self.router, head):
                    results[key] = _INDEPENDENT.submit(run, by_id[key])
            answered = {key: run(by_id[key]) for key in keys if key not in results}
            responses = [answered[key] if key in answered else results[key].result()
                         for key in keys]
        else:
            # Dependencies are submitted first (entries are in dependency order), and every
            # entry has its own worker, so a waiting entry never starves the one it waits for.
            with ThreadPoolExecutor(max_workers=len(entries),
                                    thread_name_prefix="graph-batch") as pool:
                for entry in entries:
                    results[entry["id"].lower()] = pool.submit(run, entry)
                responses = [future.result() for future in results.values()]
        return GraphResponse.json({"responses": [r.entry for r in responses]})

    def _send(self, entry_id: str, environ: WSGIEnvironment) -> _InnerAnswer:
        """One inner request through the gateway. Its answer is written into the batch's
        before it is closed: closing it ends its latency wait and lets its slot go."""
        body, status, headers = run_wsgi_app(self.front, environ)
        try:
            return _inner_json(entry_id, GraphResponse(int(status[:3]), b"".join(body),
                                                       dict(headers)))
        finally:
            if hasattr(body, "close"):
                body.close()


def _graph_request(environ: WSGIEnvironment) -> GraphRequest:
    request = Request(environ)
    version, _, path = request.path.lstrip("/").partition("/")
    headers = {k.lower(): v for k, v in request.headers.items()}
    body, body_error = None, False
    if request.get_data():
        try:
            body = json.loads(request.get_data())
        except ValueError:
            body_error = True
    query: dict[str, str] = {}
    raw_query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
    for key, value in _query_pairs(raw_query):
        query.setdefault(key, value)
    return GraphRequest(method=request.method, version=version, path="/" + path, query=query,
                        headers=headers, body=body, body_error=body_error,
                        base_url=request.root_url.rstrip("/"),
                        client_request_id=headers.get("client-request-id") or str(uuid.uuid4()))


def _validate_batch(outer: GraphRequest) -> list[dict[str, Any]]:
    if outer.body_error or not isinstance(outer.body, dict) \
            or not isinstance(outer.body.get("requests"), list):
        raise GraphError.bad_request("Invalid batch payload format.")
    entries = outer.body["requests"]
    if len(entries) > MAX_BATCH:
        raise GraphError.bad_request("Number of requests inside batch exceed the limit.")
    if not entries:
        raise GraphError.bad_request("The batch request must contain at least one request.")
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not all(
                isinstance(entry.get(k), str) and entry.get(k) for k in ("id", "method", "url")):
            raise GraphError.bad_request("Each batch request needs an id, a method and a url.")
        if entry["id"].lower() in seen:
            raise GraphError.bad_request(f"Batch request ids must be unique: '{entry['id']}' "
                                         "is used more than once.")
        seen.add(entry["id"].lower())
        headers = entry.get("headers")
        if headers is not None and not isinstance(headers, dict):
            raise GraphError.bad_request(f"Request id : {entry['id']} has invalid headers.")
        if "body" in entry and not any(k.lower() == "content-type" for k in headers or {}):
            raise GraphError.bad_request(f"Write request id : {entry['id']} does not contain "
                                         "Content-Type header or body.")
        if urlsplit(entry["url"]).path.strip("/").lower() == "$batch":
            raise GraphError.bad_request("A batch request cannot contain another batch.")
    return _dependency_order(entries, seen)


def _dependency_order(entries: list[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    by_id = {e["id"].lower(): e for e in entries}
    for entry in entries:
        depends = entry.get("dependsOn")
        if depends is None:
            continue
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            raise GraphError.bad_request(f"Request id : {entry['id']} has an invalid dependsOn.")
        unknown = [d for d in depends if d.lower() not in ids]
        if unknown:
            raise GraphError.bad_request(f"Request id : {entry['id']} depends on an unknown "
                                         f"request id '{unknown[0]}'.")
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()
    while len(ordered) < len(entries):
        ready = [e for key, e in by_id.items() if key not in placed and all(
            d.lower() in placed for d in e.get("dependsOn") or ())]
        if not ready:
            raise GraphError.bad_request("The batch request has a circular dependsOn.")
        for entry in ready:
            placed.add(entry["id"].lower())
            ordered.append(entry)
    return ordered


def _inner_path(entry: dict[str, Any]) -> str:
    # Graph decodes an inner URL's path as it decodes a request line's (ids may hold "=").
    return "/" + unquote(urlsplit(entry["url"]).path).lstrip("/")


def _inner_environ(outer: WSGIEnvironment, req: GraphRequest,
                   entry: dict[str, Any]) -> WSGIEnvironment:
    """The WSGI environ of one inner request, on its batch's server with its batch's token."""
    body = b"" if entry.get("body") is None else json.dumps(entry["body"]).encode()
    environ = {k: v for k, v in outer.items()
               if k in _CARRIED or k.startswith(("wsgi.", "SERVER_"))}
    for name, value in (entry.get("headers") or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = str(value)
    environ.update({  # WSGI strings: UTF-8 bytes as Latin-1
        "REQUEST_METHOD": entry["method"].upper(),
        "PATH_INFO": f"/{req.version}{_inner_path(entry)}".encode().decode("latin-1"),
        "QUERY_STRING": urlsplit(entry["url"]).query.encode().decode("latin-1"),
        "HTTP_AUTHORIZATION": req.authorization or "",  # the batch's token serves all
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
    })
    return environ


@functools.lru_cache(maxsize=1024)
def _query_pairs(query: str) -> tuple[tuple[str, str], ...]:
    # A look-up's query is 15 percent-encoded addresses; the same ones come again and again.
    return tuple(parse_qsl(query, keep_blank_values=True))


@dataclass(frozen=True)
class _InnerAnswer:
    """One inner answer: its status (``dependsOn`` reads it) and its entry in the batch."""

    status: int
    entry: dict[str, Any]


def _inner_json(entry_id: str, answer: GraphResponse) -> _InnerAnswer:
    entry: dict[str, Any] = {
        "id": entry_id, "status": answer.status,
        "headers": {k: v for k, v in answer.headers.items() if k.lower() not in _NOT_INNER}}
    body = answer.encoded()
    if body:  # Graph carries a non-JSON inner body base64-encoded.
        is_json = "json" in answer.headers.get("Content-Type", "")
        entry["body"] = json.loads(body) if is_json else base64.b64encode(body).decode()
    return _InnerAnswer(answer.status, entry)
