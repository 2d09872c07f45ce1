"""Microsoft Graph stand-in (v1.0 and beta) at ``/sandbox/graph/<version>/...``.

The Flask edge only: it turns an HTTP request into a :class:`GraphRequest`, answers it through
the shared pipeline (graph_router.py) and handles ``$batch`` (JSON batching): at most 20
requests with unique ids (case-insensitive), ``headers`` with a Content-Type wherever there is
a ``body``, ``dependsOn`` honoured (dependants of a failed request get 424). Inner requests
without a dependency between them run concurrently, as in Graph, so that each one meets the
per-mailbox concurrency limit and the injected faults on its own. The ``$batch`` envelope is
never faulted itself: the faults model the workloads behind Graph's gateway.
"""

from __future__ import annotations

import base64
import functools
import json
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Blueprint, Response, request

from ..ops.devserver import NOTICED
from . import graph_directory, graph_mail, graph_mail_actions
from .graph_http import GraphError, GraphRequest, GraphResponse, error_response
from .graph_router import VERSIONS, Router, dispatch, may_hold_a_mailbox
from .state import Sandbox, sandbox

graph = Blueprint("sandbox_graph", __name__)

MAX_BATCH = 20
_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
# Runs the inner requests of batches without dependsOn: enough workers for several batches of
# 20 at once, each inner request meeting the injected latency on its own, as in Graph.
_INDEPENDENT = ThreadPoolExecutor(max_workers=8 * MAX_BATCH, thread_name_prefix="graph-batch")

ROUTER = Router()
graph_directory.register(ROUTER)
graph_mail.register(ROUTER)
graph_mail_actions.register(ROUTER)


@graph.route("/", defaults={"rest": ""}, methods=_METHODS)
@graph.route("/<path:rest>", methods=_METHODS)
def entry(rest: str) -> Response:
    # The latency counts from when the server noticed the request (the dev server says when):
    # reading it may have waited behind other requests' work, which Graph's would not.
    arrived = request.environ.get(NOTICED) or time.monotonic()
    version, _, path = rest.partition("/")
    state = sandbox()
    base_url = request.url_root.rstrip("/") + "/graph"
    headers = {k.lower(): v for k, v in request.headers.items()}
    client_request_id = headers.get("client-request-id") or str(uuid.uuid4())
    body, body_error = None, False
    if request.get_data():
        try:
            body = json.loads(request.get_data())
        except ValueError:
            body_error = True
    req = GraphRequest(method=request.method, version=version, path="/" + path,
                       query=dict(request.args.items()), headers=headers, body=body,
                       body_error=body_error, base_url=base_url,
                       client_request_id=client_request_id, arrived=arrived)
    if version not in VERSIONS:
        answer = _error(state, req, GraphError.bad_request(f"Invalid version: {version}"))
    elif path.strip("/").lower() == "$batch":
        answer = _batch(state, req) if request.method == "POST" else _error(
            state, req, GraphError(405, "Request_BadRequest",
                                   "Specified HTTP method is not allowed for the request target."))
    else:
        answer = dispatch(state, ROUTER, req)
    return Response(answer.encoded(), status=answer.status, headers=answer.headers)


def _error(state: Sandbox, req: GraphRequest, error: GraphError) -> GraphResponse:
    request_id = str(uuid.uuid4())
    answer = error_response(error, request_id, req.client_request_id, state.clock())
    answer.headers.update({"request-id": request_id, "client-request-id": req.client_request_id})
    return answer


def _batch(state: Sandbox, outer: GraphRequest) -> GraphResponse:
    try:
        entries = _validate_batch(outer)
    except GraphError as error:
        return _error(state, outer, error)
    results: dict[str, Future] = {}
    by_id = {e["id"].lower(): e for e in entries}

    inners = {key: _inner_request(outer, entry) for key, entry in by_id.items()}

    def run(entry: dict[str, Any]) -> _InnerAnswer:
        failed = []
        for dependency in entry.get("dependsOn") or ():
            answer = results[dependency.lower()].result()
            if answer.status >= 400:
                failed.append(by_id[dependency.lower()]["id"])
        inner = inners[entry["id"].lower()]
        if failed:
            return _inner_json(entry["id"], _error(state, inner, GraphError(
                424, "FailedDependency",
                f"The request depends on request(s) that failed: {', '.join(failed)}.")))
        # Written out at once; the batch waits out the latency once, for all of them.
        return dispatch(state, ROUTER, inner, partial(_inner_json, entry["id"]), wait=False)

    if not any(entry.get("dependsOn") for entry in entries):
        # Nothing waits for anything. Requests to a mailbox may hold its slot for the whole
        # latency, so they go to the long-lived pool to wait side by side; the others are
        # answered here, one after the other. Twenty threads computing at once kept the
        # other batches arriving meanwhile from being read for 10 ms (one interpreter lock).
        keys = list(by_id)  # in the batch's order
        for key in keys:
            if may_hold_a_mailbox(ROUTER, inners[key]):
                results[key] = _INDEPENDENT.submit(run, by_id[key])
        answered = {key: run(by_id[key]) for key in keys if key not in results}
        responses = [answered[key] if key in answered else results[key].result()
                     for key in keys]
    else:
        # Dependencies are submitted first (entries are in dependency order), and every entry
        # has its own worker, so a waiting entry never starves the one it waits for.
        with ThreadPoolExecutor(max_workers=len(entries),
                                thread_name_prefix="graph-batch") as pool:
            for entry in entries:
                results[entry["id"].lower()] = pool.submit(run, entry)
            responses = [future.result() for future in results.values()]
    answer = GraphResponse.json({"responses": [r.entry for r in responses]})
    request_id = str(uuid.uuid4())
    answer.headers.update({"request-id": request_id, "client-request-id": outer.client_request_id})
    # One wait for the whole batch, its answer already written: twenty inner requests each
    # waking up at arrival + latency to finish their part made the answer late.
    state.faults.latency(since=outer.arrived)
    return answer


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


def _inner_request(outer: GraphRequest, entry: dict[str, Any]) -> GraphRequest:
    parts = urlsplit(entry["url"])
    headers = {k.lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
    headers["authorization"] = outer.authorization or ""  # the batch's token serves all
    query: dict[str, str] = {}
    for key, value in _query_pairs(parts.query):
        query.setdefault(key, value)
    return GraphRequest(
        method=entry["method"].upper(), version=outer.version,
        # Graph decodes an inner URL's path as it decodes a request line's (ids may hold "=").
        path="/" + unquote(parts.path).lstrip("/"), query=query, headers=headers,
        body=entry.get("body"), base_url=outer.base_url,
        client_request_id=headers.get("client-request-id") or str(uuid.uuid4()),
        arrived=outer.arrived)


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
        "headers": {k: v for k, v in answer.headers.items()
                    if k.lower() not in ("request-id", "client-request-id")}}
    if answer.body is not None:
        # Graph carries a non-JSON inner body base64-encoded.
        is_json = "json" in answer.headers.get("Content-Type", "")
        if is_json and not isinstance(answer.body, (str, bytes)):
            entry["body"] = answer.body
        elif is_json:
            entry["body"] = json.loads(answer.encoded())
        else:
            entry["body"] = base64.b64encode(answer.encoded()).decode()
    return _InnerAnswer(answer.status, entry)
