"""Exactly once: the ``Idempotency-Key`` discipline every mutating route follows.

A request claims its key first. A replay of the same key and body gets the first answer (or the
action it started, if that never finished); another body with the same key is a 409. What the
request does is recorded by the service before Microsoft 365 is asked, so a crash in between
leaves an action that reads as "unknown", never one that is silently done again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Response, g, jsonify

from ..errors import BadRequest, Conflict, RecallAssistantError
from ..graph.errors import GraphError
from ..services.once import NotYetActed
from .graph_errors import api_error

# What an Idempotency-Key may look like (also in the OpenAPI document).
KEY_PATTERN = r"^[A-Za-z0-9._:-]{8,128}$"
_KEY = re.compile(KEY_PATTERN)

# (status, JSON body) of an answer that may be replayed.
Answer = tuple[int, dict[str, Any]]


class Reply(NamedTuple):
    """What a mutating request answers, and whether it is the replay of an earlier answer."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


class IdempotencyKeyRequired(BadRequest):
    code = "idempotency_key_required"
    message = ("Send an Idempotency-Key header (8–128 letters, digits or ._:-), the same one "
               "when you retry the same request.")


def checked_key(raw: str | None) -> str:
    """The request's ``Idempotency-Key``, or a 400 that says what a good one looks like."""
    if not raw or not _KEY.match(raw):
        raise IdempotencyKeyRequired()
    return raw


def run_once(store: Any, caller_oid: str, key: str, route: str, body: Any,
             act: Callable[[Any], Answer], replay_action: Callable[[Any], Answer]) -> Reply:
    """Run ``act`` the first time this caller sends ``key`` with this body; replay otherwise.

    ``act`` records its action (``store.begin_action(claim=...)``) before calling Graph. If it
    raises before that (``NotYetActed``), the key is released so the same request can be sent
    again; an error after that is the first answer and is stored as such.
    """
    claim = store.claim_request(caller_oid, key, route, body)
    if claim.outcome == "conflict":
        raise Conflict("This Idempotency-Key was already used for a different request. Use a "
                       "new key for a new request.", code="idempotency_conflict")
    if claim.outcome == "replay":
        if claim.response is not None:
            return Reply(claim.response.status, claim.response.body, replayed=True)
        if claim.action is not None:
            return Reply(*replay_action(claim.action), replayed=True)
        raise Conflict("The first request with this Idempotency-Key is still being handled. "
                       "Try again in a moment.", code="request_in_progress",
                       headers={"Retry-After": "2"})
    try:
        answer = act(claim)
    except NotYetActed as refused:
        store.release(claim)
        raise refused.error from None
    except (RecallAssistantError, GraphError) as error:
        answer_error = api_error(error) if isinstance(error, GraphError) else error
        store.save_response(claim, answer_error.status, {"error": {
            "code": answer_error.code, "message": answer_error.message,
            "details": answer_error.details}})
        raise
    store.save_response(claim, *answer)
    return Reply(*answer)


def reply_response(reply: Reply) -> Response:
    """The answer to a mutating request; a replay says so (``Idempotent-Replayed: true``) so
    that a client retrying after a lost answer knows this is the first request's outcome."""
    body = reply.body
    if isinstance(body.get("error"), dict):
        # A stored error is replayed with this request's id, as every error carries one.
        body = {**body, "error": {**body["error"], "requestId": g.get("request_id")}}
    response = jsonify(body)
    response.status_code = reply.status
    if reply.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
